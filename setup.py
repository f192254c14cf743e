"""Build step beside pyproject.toml: an optional compiled copy of the name parser.

``hfaudit/analyse/naming/parser.py`` is plain Python. Cython compiles a copy of it, as the extension module
``hfaudit.analyse.naming._cparser``, with the source's SHA-256 appended so that ``hfaudit.analyse.naming`` can tell
whether the copy was built from the ``parser.py`` beside it. The extension is *optional*: without a C
compiler (or without Cython) the install goes on and the package uses the pure-Python parser, which
gives the same results. ``parser.pxd`` beside it declares, for the compiled copy only, which helpers
are C functions (cpdef) and which arguments and locals are lists or C integers. Everything else is
configured in pyproject.toml.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path

from setuptools import Extension, find_namespace_packages, setup

ROOT = Path(__file__).resolve().parent
PARSER = ROOT / "hfaudit" / "analyse" / "naming" / "parser.py"
BUILD = ROOT / "build" / "cython"


def _source_digest() -> Callable[[bytes, bytes | None], str]:
    """``hfaudit/analyse/naming/digest.py``'s function, loaded by path (the package's imports need
    dependencies that are not installed yet)."""
    spec = importlib.util.spec_from_file_location("_hfaudit_digest", PARSER.with_name("digest.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.source_digest  # type: ignore[no-any-return]


def extensions() -> list[Extension]:
    try:
        from Cython.Build import cythonize
    except ImportError:
        print("hfaudit: Cython is not installed; the name parser stays pure Python", file=sys.stderr)
        return []
    source = PARSER.read_bytes()
    declarations = PARSER.with_suffix(".pxd")
    types = declarations.read_bytes() if declarations.is_file() else None
    copy = BUILD / "hfaudit" / "analyse" / "naming" / "_cparser.py"
    copy.parent.mkdir(parents=True, exist_ok=True)
    text = source + f'\nSOURCE_SHA256 = "{_source_digest()(source, types)}"\n'.encode()
    if not copy.is_file() or copy.read_bytes() != text:
        copy.write_bytes(text)  # unchanged bytes keep Cython's own up-to-date check working
    # parser.pxd: types of the compiled copy's helpers and locals (speed only; parser.py stays plain
    # Python and never reads it). Cython reads it as the copy's augmenting .pxd; without it (a source
    # tree that lacks it) the copy compiles untyped, as before, to the same results.
    pxd = copy.with_suffix(".pxd")
    if declarations.is_file() and (not pxd.is_file() or pxd.read_bytes() != declarations.read_bytes()):
        pxd.write_bytes(declarations.read_bytes())
    elif not declarations.is_file():
        pxd.unlink(missing_ok=True)
    ext = Extension("hfaudit.analyse.naming._cparser", [str(copy.relative_to(ROOT))], optional=True)
    # Annotations are left to mypy (the only types Cython uses are parser.pxd's), so the compiled
    # module behaves as the source.
    directives = {"language_level": 3, "annotation_typing": False}
    build = str(BUILD.relative_to(ROOT))
    # include_path: Cython looks for the module's .pxd by its full name (hfaudit/analyse/naming/_cparser.pxd).
    try:
        return cythonize([ext], compiler_directives=directives, build_dir=build, include_path=[build], quiet=True)
    except Exception as error:  # Cython's CompileError and the like: the extension is optional
        print(f"hfaudit: Cython could not translate the name parser ({error}); it stays pure Python", file=sys.stderr)
        return []


# The audits live in the top-level queries/ folder (the project's layout) and ship inside the wheel as
# the package data ``hfaudit.queries``, read with importlib.resources. Which files it holds is declared
# in pyproject.toml ([tool.setuptools.package-data]), which would override a package_data here.
# Data folders inside the package (naming/data, report/templates) are namespace packages: listed too,
# or setuptools warns that it includes them only for now.
PACKAGES = [*find_namespace_packages(include=["hfaudit", "hfaudit.*"], exclude=["*.__pycache__"]), "hfaudit.queries"]

setup(
    ext_modules=extensions(),
    packages=PACKAGES,
    package_dir={"hfaudit.queries": "queries"},
)
