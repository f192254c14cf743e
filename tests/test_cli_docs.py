"""Every command is documented, has an example in its help, and fails with one clean line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import typer
from typer.main import get_command

from hfaudit.cli import app

ROOT = Path(__file__).parent.parent
DOCS = "\n".join(p.read_text() for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))])


def commands(group: typer.Typer) -> list[str]:
    """Every command path, e.g. ``crawl`` or ``fakehub serve``."""
    root = get_command(group)
    out: list[str] = []

    def walk(cmd: object, prefix: list[str]) -> None:
        sub = getattr(cmd, "commands", None)
        if sub:
            for name, child in sub.items():
                walk(child, [*prefix, name])
        else:
            out.append(" ".join(prefix))

    walk(root, [])
    return sorted(out)


def test_every_command_is_documented() -> None:
    names = commands(app)
    assert "crawl" in names and "fakehub serve" in names and "paper naming" in names
    missing = [n for n in names if f"hfaudit {n}" not in DOCS]
    assert missing == [], f"commands missing from README.md and docs/: {missing}"


def test_a_bad_database_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "hfaudit", "sql", "select 1", "--db", str(tmp_path / "none.duckdb")],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "no database" in result.stderr
    assert "Traceback" not in result.stderr
