"""The package's import direction (DESIGN.md §1, docs/architecture.md), enforced by an AST walk.

Every ``import`` and ``from … import`` of an ``hfaudit`` module, at any depth in a function or at the
top, is an edge from the importing module's stage to the imported module's stage. An edge not in
``ALLOWED`` fails the test, naming the file and line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "hfaudit"

# Modules every stage may use: errors, path categories, card helpers, id types.
CORE = {"hfaudit", "hfaudit.errors", "hfaudit.files", "hfaudit.cards", "hfaudit.gitcommit", "hfaudit.types"}
REGISTRY = "hfaudit.fakehub.registry"
STAGES = ("store", "collect", "analyse", "audit", "present", "cli", "fakehub", "lab")

# importer stage -> stages it may import. "registry" is the fake Hub's registry format.
ALLOWED: dict[str, set[str]] = {
    "core": {"core"},
    "store": {"core", "store"},
    "collect": {"core", "store", "collect"},
    "analyse": {"core", "store", "analyse"},
    # check (in audit) crawls the one model it is asked about when the store lacks it.
    "audit": {"core", "store", "collect", "analyse", "audit", "present"},
    # present renders values; it may name audit's value types (Finding, AuditRun), never the store.
    "present": {"core", "present", "audit"},
    "fakehub": {"core", "fakehub", "registry", "analyse"},
    "registry": {"core", "registry"},
    "cli": {"core", "store", "collect", "analyse", "audit", "present", "fakehub", "registry", "cli"},
    "lab": {"core", "store", "collect", "analyse", "audit", "present", "fakehub", "registry", "lab"},
}
# Libraries that carry connections: present must not touch them.
FORBIDDEN_LIBRARIES = {"present": {"duckdb"}}


def stage_of(module: str) -> str:
    if module == REGISTRY:
        return "registry"
    if module in CORE or module == "hfaudit.__main__":
        return "cli" if module == "hfaudit.__main__" else "core"
    parts = module.split(".")
    if len(parts) >= 2 and parts[1] in STAGES:
        return parts[1]
    raise AssertionError(f"{module} belongs to no stage: put it in a stage folder or add it to CORE")


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, imported module) for every hfaudit import and every top-level library import."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            # `from hfaudit.x import y` may name a submodule y.
            found.append((node.lineno, target))
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                if _is_module(candidate):
                    found.append((node.lineno, candidate))
    return found


def _is_module(name: str) -> bool:
    rel = Path(*name.split("."))
    base = PACKAGE.parent / rel
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def violations(root: Path = PACKAGE) -> list[str]:
    bad: list[str] = []
    for path in sorted(root.rglob("*.py")):
        if "build" in path.parts:
            continue
        source = stage_of(module_name(path))
        for line, target in imports(path):
            top = target.split(".")[0]
            if top != "hfaudit":
                if top in FORBIDDEN_LIBRARIES.get(source, set()):
                    bad.append(f"{path.relative_to(root.parent)}:{line}: {source} imports {top}")
                continue
            dest = stage_of(target) if target != "hfaudit" else "core"
            if dest not in ALLOWED[source]:
                bad.append(f"{path.relative_to(root.parent)}:{line}: {source} imports {target} ({dest})")
    return bad


def test_every_module_belongs_to_a_stage() -> None:
    for path in PACKAGE.rglob("*.py"):
        stage_of(module_name(path))


def test_imports_run_one_way() -> None:
    assert violations() == []


@pytest.mark.parametrize(
    ("where", "line"),
    [
        ("analyse/_probe.py", "from hfaudit.collect.crawl import crawl\n"),
        ("collect/_probe.py", "from hfaudit.fakehub.registry import Registry\n"),
        ("present/_probe.py", "import duckdb\n"),
        ("present/_probe.py", "from hfaudit.store import Store\n"),
        ("store/_probe.py", "from hfaudit.cli import app\n"),
        ("audit/_probe.py", "def f():\n    from hfaudit.lab import bench\n"),
    ],
)
def test_a_forbidden_import_is_caught(tmp_path: Path, where: str, line: str) -> None:
    """The walk fails when a forbidden edge is added (on a copy of the package)."""
    import shutil

    copy = tmp_path / "hfaudit"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.so", "*.c"))
    (copy / where).write_text(line, encoding="utf-8")
    found = _violations_in(copy)
    assert any("_probe.py" in v for v in found), found


def _violations_in(root: Path) -> list[str]:
    global PACKAGE
    saved = PACKAGE
    PACKAGE = root
    try:
        return violations(root)
    finally:
        PACKAGE = saved
