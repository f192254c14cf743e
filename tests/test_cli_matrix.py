"""Bad input for every command: one line on stderr (``hfaudit: error: …``), a non-zero exit, never a
traceback (docs/cli.md). Each case runs the real entry point, ``hfaudit.cli.main``, in-process."""

from __future__ import annotations

from pathlib import Path

import pytest

from hfaudit.cli import app, main
from tests.test_cli_docs import commands

BAD_UTF8 = b"acme/a\n\xff\xfe/x\n"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Inputs the cases name: a store, a non-UTF-8 id list, an empty list, a file, broken registries."""
    from hfaudit.store import Store

    root = tmp_path_factory.mktemp("matrix")
    db = root / "h.duckdb"
    with Store(db) as store:  # a valid store holding one model and nothing else
        store.con.execute("insert into models (model_id, author, status) values ('acme/a', 'acme', 'present')")
    with Store(root / "empty.duckdb"):
        pass
    (root / "bad.txt").write_bytes(BAD_UTF8)
    (root / "empty.txt").write_text("", encoding="utf-8")
    (root / "afile").write_text("x", encoding="utf-8")
    (root / "surrogate.jsonl").write_text(
        '{"id":"a/b","commits":[{"id":"c1","date":"2024-01-01T00:00:00Z","changes":[{"path":"README.md","op":"add","content":"\\ud800"}]}]}\n',
        encoding="utf-8",
    )
    (root / "parents.jsonl").write_text(
        '{"id":"a/b","commits":[{"id":"c1","date":"2024-01-01T00:00:00Z","parents":["nope"]}]}\n', encoding="utf-8"
    )
    (root / "token").write_text("", encoding="utf-8")
    return {"root": root, "db": db, "emptydb": root / "empty.duckdb", "bad": root / "bad.txt", "empty": root / "empty.txt", "file": root / "afile",
            "surrogate": root / "surrogate.jsonl", "parents": root / "parents.jsonl", "token": root / "token"}


# (command path it exercises, arguments); {name} is replaced by files[name].
CASES: list[tuple[str, list[str]]] = [
    ("", ["--nope"]),
    ("", ["no-such-command"]),
    ("crawl", ["--nope"]),
    ("crawl", ["--limit", "x"]),
    ("crawl", ["--model", "../evil", "--db", "{root}/c.duckdb"]),
    ("crawl", ["--model", "justname", "--db", "{root}/c.duckdb"]),
    ("crawl", ["--model", "a/b", "--endpoint", "ftp://x", "--db", "{root}/c.duckdb"]),
    ("crawl", ["--model", "a/b", "--endpoint", "http://user:secret@127.0.0.1:9", "--db", "{root}/c.duckdb"]),
    ("crawl", ["--model", "a/b", "--endpoint", "http://127.0.0.1:99999", "--db", "{root}/c.duckdb"]),
    ("crawl", ["--model", "a/b", "--token-file", "{token}", "--db", "{root}/c.duckdb"]),
    ("crawl", ["--model", "a/b", "--token", "x", "--token-file", "{token}", "--db", "{root}/c.duckdb"]),
    ("crawl", ["--models-file", "{bad}", "--db", "{root}/c.duckdb"]),
    ("crawl", ["--models-file", "{root}/missing.txt", "--db", "{root}/c.duckdb"]),
    ("crawl", ["--changes", "some", "--model", "a/b", "--db", "{root}/c.duckdb"]),
    ("crawl", ["--models-file", "{empty}", "--db", "{root}/c.duckdb"]),
    ("analyse", ["--db", "{root}/missing.duckdb"]),
    ("analyse", ["--db", "{file}"]),
    ("names", ["--input", "{bad}"]),
    ("names", ["--input", "{root}/missing.txt"]),
    ("names", ["--input", "{empty}"]),
    ("names", ["--input", "{bad}", "--format", "xml"]),
    ("paper naming", ["--input", "{bad}"]),
    ("paper naming", ["--input", "{empty}"]),
    ("paper releases", []),
    ("paper releases", ["--db", "{db}"]),
    ("paper lineage", ["--db", "{root}/missing.duckdb"]),
    ("lineage", ["acme/none", "--db", "{db}"]),
    ("lineage", ["--all", "--format", "graphml", "--db", "{db}", "--out", "{root}/no/such/folder/g.graphml"]),
    ("lineage", ["--db", "{db}"]),
    ("audit", ["--db", "{db}", "-o", "{root}/no/such/folder/f.json"]),
    ("audit", ["--db", "{db}", "--select", "no_such_audit"]),
    ("audit", ["--db", "{db}", "--fail-on", "fatal"]),
    ("audit", ["--db", "{db}", "--limit", "-1"]),
    ("audit", ["--db", "{emptydb}"]),
    ("check", []),
    ("check", ["../evil", "--db", "{db}"]),
    ("check", ["acme/none", "--db", "{db}", "--endpoint", "http://127.0.0.1:9"]),
    ("check", ["acme/none", "--db", "{db}", "--from", "v1"]),
    ("check", ["acme/none", "--db", "{db}", "--format", "xml"]),
    ("report", ["--db", "{db}", "--out", "{file}"]),
    ("report", ["--db", "{db}", "--out", "{file}/sub"]),
    ("report", ["--db", "{root}/missing.duckdb", "--out", "{root}/r"]),
    ("report", ["--db", "{db}", "--author", "nobody", "--out", "{root}/r"]),
    ("report", ["--db", "{emptydb}", "--out", "{root}/r"]),
    ("sql", ["", "--db", "{db}"]),
    ("sql", ["   ", "--db", "{db}"]),
    ("sql", ["select nope", "--db", "{db}"]),
    ("sql", ["create table t (x int)", "--db", "{db}"]),
    ("sql", ["select 1", "--db", "{db}", "--format", "xml"]),
    ("demo", ["--models", "1"]),
    ("demo", ["--out", "{file}/sub"]),
    ("fakehub serve", ["--registry", "{surrogate}", "--port", "0"]),
    ("fakehub serve", ["--registry", "{parents}", "--port", "0"]),
    ("fakehub serve", ["--registry", "{root}/missing.jsonl", "--port", "0"]),
    ("fakehub serve", ["--registry", "{bad}", "--port", "99999"]),
    ("fakehub generate", ["--out", "{root}/g.jsonl", "--models", "0"]),
    ("fakehub generate", ["--out", "{file}/sub/g.jsonl", "--models", "3"]),
    ("fakehub import-git", ["{root}/missing", "--out", "{root}/i.jsonl"]),
    ("fakehub import-trees", ["{root}/missing", "--out", "{root}/i.jsonl"]),
]


def _args(args: list[str], files: dict[str, Path]) -> list[str]:
    return [a.format(**{k: str(v) for k, v in files.items()}) for a in args]


@pytest.mark.parametrize(("command", "args"), CASES, ids=[f"{c or 'hfaudit'}:{' '.join(a)[:60]}" for c, a in CASES])
def test_bad_input_is_one_line_and_a_non_zero_exit(
    command: str, args: list[str], files: dict[str, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    argv = [*command.split(), *_args(args, files)]
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    err = capsys.readouterr().err
    assert exit_.value.code not in (0, None), err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("hfaudit: error: "), err
    assert "Traceback" not in err
    assert "internal error" not in err  # handled as bad input, not caught as a bug
    assert "secret" not in err  # credentials in --endpoint are never echoed


def test_every_command_is_in_the_matrix() -> None:
    covered = {c for c, _ in CASES}
    assert set(commands(app)) <= covered, sorted(set(commands(app)) - covered)


def test_version_and_help_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    from hfaudit import __version__

    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out.strip() == f"hfaudit {__version__}"
    with pytest.raises(SystemExit) as exit_:
        main(["sql", "--help"])
    assert exit_.value.code == 0 and "--limit" in capsys.readouterr().out


def test_the_token_can_come_from_stdin_or_a_file_never_argv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from hfaudit.cli.options import resolve_token

    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO("hf_fromstdin\n"))
    assert resolve_token(None, None, True) == "hf_fromstdin"
    (tmp_path / "t").write_text("hf_fromfile\n", encoding="utf-8")
    assert resolve_token(None, tmp_path / "t", False) == "hf_fromfile"
