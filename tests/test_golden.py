"""Exact-text golden files for every output format, on one seeded store.

The store: a generated registry (``generate(16, seed=8)`` without its repositories of more than 10
commits, so the files stay small), served on loopback, crawled and analysed. Its crawl clock is pinned
(the snapshot's ``started_at``/``finished_at`` and any ``occurred_at``), and the texts are normalised
for what a run cannot fix: the fake Hub's port. Each output is compared whole with its file in
``tests/golden/``: audit (table, json, sarif), report (md, json, and the HTML's structure), names
(csv, json) and sql (table, csv, json).

``make golden`` (``HFAUDIT_UPDATE_GOLDEN=1``) rewrites the files; review their diff like code.
"""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from hfaudit.audit.pipeline import analyse
from hfaudit.cli import app
from hfaudit.collect.crawl import Scope, crawl
from hfaudit.fakehub.generate import generate
from hfaudit.fakehub.registry import write_models
from hfaudit.fakehub.server import start_server

pytestmark = pytest.mark.slow  # a generated registry served, crawled and analysed once
GOLDEN = Path(__file__).resolve().parent / "golden"
MODELS, SEED, MAX_COMMITS = 16, 8, 10
PINNED_START, PINNED_END = "2026-11-01 00:00:00+00", "2026-11-01 00:01:00+00"
SQL = "select model_id, count(*) as commits, max(committed_at) as last_commit from commits group by 1 order by 1"
UPDATE = bool(os.environ.get("HFAUDIT_UPDATE_GOLDEN"))


def normalise(text: str) -> str:
    """What differs between two runs over the same registry: the port, and a clock read by accident."""
    text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text)
    # A wall-clock time has microseconds; the registry's own dates never do.
    return re.sub(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d\.\d{6}(\+00:00|Z)?", "TIMESTAMP", text)


def check(name: str, text: str) -> None:
    path = GOLDEN / name
    text = normalise(text)
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path.name}: run make golden"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"{name} differs from tests/golden/{name}; if intended, run make golden and review the diff"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("golden")
    lines, _ = generate(MODELS, SEED)
    registry = folder / "registry.jsonl"
    write_models(registry, [line for line in lines if len(line["commits"]) <= MAX_COMMITS])
    db = folder / "golden.duckdb"
    with start_server(registry, port=0) as server:
        crawl(str(db), server.url, Scope(), concurrency=2)
    for _ in analyse(str(db)):
        pass
    con = duckdb.connect(str(db))
    try:
        con.execute("update snapshots set started_at = ?::timestamptz, finished_at = ?::timestamptz", [PINNED_START, PINNED_END])
        con.execute("update crawl_errors set occurred_at = ?::timestamptz", [PINNED_START])
    finally:
        con.close()
    return db


def run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "120"})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code in (0, 1), result.output  # 1: findings at or above --fail-on
    return result.stdout


@pytest.mark.parametrize("fmt", ["table", "json", "sarif"])
def test_audit_output_matches_golden(store: Path, fmt: str) -> None:
    check(f"audit.{fmt}", run("audit", "--db", str(store), "--format", fmt, "--fail-on", "error"))


@pytest.fixture(scope="module")
def report(store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    run("report", "--db", str(store), "--out", str(out))
    return out


@pytest.mark.parametrize("name", ["report.md", "report.json"])
def test_report_text_matches_golden(report: Path, name: str) -> None:
    check(name, (report / name).read_text(encoding="utf-8"))


class Outline(HTMLParser):
    """The element tree as indented lines (tag, id, class; heading and table-header text), without the
    drawing inside each inline SVG chart, which is counted instead."""

    VOID = {"meta", "link", "br", "hr", "img", "input", "col", "wbr", "source"}
    NAMED_TEXT = {"title", "h1", "h2", "h3", "h4", "th", "caption", "figcaption", "summary"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.stack: list[str] = []
        self.svg_depth = 0
        self.svg_shapes = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.svg_depth:
            self.svg_shapes += 1
            self.svg_depth += 1
            return
        a = dict(attrs)
        label = tag + (f"#{a['id']}" if a.get("id") else "") + "".join(f".{c}" for c in (a.get("class") or "").split())
        self.lines.append("  " * len(self.stack) + label)
        if tag == "svg":
            self.svg_depth, self.svg_shapes = 1, 0
            self.stack.append(tag)
        elif tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.svg_depth > 1:
            self.svg_depth -= 1
            return
        if self.svg_depth == 1 and tag == "svg":
            self.svg_depth = 0
            self.lines[-1] += f" [{self.svg_shapes} shapes]"  # nothing inside an svg adds a line
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if self.svg_depth or not self.stack or self.stack[-1] not in self.NAMED_TEXT:
            return
        text = " ".join(data.split())
        if text:
            self.lines.append("  " * len(self.stack) + repr(text))


def test_report_html_structure_matches_golden(report: Path) -> None:
    outline = Outline()
    outline.feed((report / "report.html").read_text(encoding="utf-8"))
    outline.close()
    check("report.html.outline", "\n".join(outline.lines) + "\n")


@pytest.fixture(scope="module")
def ids_file(store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    con = duckdb.connect(str(store), read_only=True)
    try:
        ids = [r[0] for r in con.execute("select model_id from models order by model_id").fetchall()]
    finally:
        con.close()
    path = tmp_path_factory.mktemp("names") / "ids.txt"
    path.write_text("".join(f"{i}\n" for i in ids), encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_names_output_matches_golden(ids_file: Path, fmt: str) -> None:
    check(f"names.{fmt}", run("names", "--input", str(ids_file), "--format", fmt))


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_sql_output_matches_golden(store: Path, fmt: str) -> None:
    check(f"sql.{fmt}", run("sql", "--db", str(store), SQL, "--format", fmt))
