"""The built wheel works with no source tree beside it: every audit loads and SARIF comes out.

The project's files (``git ls-files``: the working tree, build output and venv left out) are copied
to a temporary folder, ``pip wheel . --no-deps`` builds the wheel there, and ``pip install --no-deps
--target`` unpacks it into its own folder. From an empty folder, with only that folder on
``PYTHONPATH`` (the dependencies come from this interpreter's site-packages), ``hfaudit demo`` makes a
small store and ``hfaudit audit --format sarif`` must name every audit in ``queries/``.
``scripts/check_wheel.sh`` does the same into a fresh venv, dependencies installed from the index.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # builds the wheel (the name parser is compiled): about a minute

ROOT = Path(__file__).resolve().parents[1]
AUDITS = sorted(p.stem for p in (ROOT / "queries").glob("*.sql"))


def project_files() -> list[str]:
    try:
        out = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=ROOT, capture_output=True, check=True, timeout=60,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: cannot tell the project's files from build output")
    return [name for name in out.decode().split("\0") if name and (ROOT / name).is_file()]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source")
    for name in project_files():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    dist = tmp_path_factory.mktemp("dist")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", ".", "-w", str(dist), "--no-deps"], cwd=source, check=True, timeout=600, capture_output=True)
    (wheel,) = dist.glob("hfaudit-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert sorted(n[len("hfaudit/queries/") : -4] for n in names if n.startswith("hfaudit/queries/") and n.endswith(".sql")) == AUDITS
    assert "hfaudit/py.typed" in names
    assert not [n for n in names if n.startswith(("tests/", "queries/", "scripts/"))]
    target = tmp_path_factory.mktemp("site")
    subprocess.run([*pip, "install", "--no-deps", "--target", str(target), str(wheel)], check=True, timeout=300, capture_output=True)
    return target


def test_the_installed_wheel_runs_every_audit_to_sarif(installed: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(installed), "PYTHONSAFEPATH": "1"}
    where = subprocess.run(
        [sys.executable, "-c", "import hfaudit; print(hfaudit.__file__)"], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=60
    )
    assert Path(where.stdout.strip()).is_relative_to(installed), where.stdout + where.stderr
    hfaudit = [sys.executable, "-m", "hfaudit"]
    demo = subprocess.run(
        [*hfaudit, "demo", "--models", "12", "--seed", "3", "--out", "demo", "--quiet"], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=300
    )
    assert demo.returncode == 0, demo.stderr
    audit = subprocess.run(
        [*hfaudit, "audit", "--db", "demo/hfaudit.duckdb", "--format", "sarif", "--fail-on", "error"],
        cwd=elsewhere, env=env, capture_output=True, text=True, timeout=300,
    )
    assert audit.returncode in (0, 1), audit.stderr  # 1: findings at error
    run = json.loads(audit.stdout)["runs"][0]
    assert sorted(rule["id"] for rule in run["tool"]["driver"]["rules"]) == AUDITS
    assert run["results"], "the demo store gave no finding"
