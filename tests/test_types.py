"""ModelId: the one parser of owner/name, used by crawl --model and check, and py.typed shipped."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hfaudit.errors import HfauditError
from hfaudit.types import ModelId, parse_model_id


@pytest.mark.parametrize("text", ["meta-llama/Llama-2-7b-hf", "a/b", "TheBloke/x.y_z-GGUF"])
def test_owner_name_parses_unchanged(text: str) -> None:
    assert parse_model_id(text) == ModelId(text) == text


@pytest.mark.parametrize("text", ["", "gpt2", "/x", "x/", "a/b/c", "/"])
def test_anything_else_is_refused_with_one_line(text: str) -> None:
    with pytest.raises(HfauditError, match=r"^not a model id \(owner/name\): ") as info:
        parse_model_id(text)
    assert info.value.code == 2 and "\n" not in str(info.value)


@pytest.mark.parametrize("command", [["crawl", "--model", "a/b/c"], ["check", "gpt2"]])
def test_the_commands_refuse_a_bad_id_before_any_work(command: list[str], tmp_path: Path) -> None:
    db = tmp_path / "never.duckdb"
    proc = subprocess.run(
        [sys.executable, "-m", "hfaudit", *command, "--db", str(db)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2
    assert proc.stderr == f"hfaudit: error: not a model id (owner/name): {command[-1]!r}\n"
    assert not db.exists()


def test_the_package_says_it_is_typed() -> None:
    import hfaudit

    assert (Path(hfaudit.__file__).parent / "py.typed").is_file()
