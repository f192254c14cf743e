"""``hfaudit report``: the three files, model-supplied text escaped in HTML and Markdown, charts present,
and (when Chromium is installed) the HTML opens headless with no console error and is screenshotted."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hfaudit.audit.pipeline import analyse
from hfaudit.collect.crawl import Scope, crawl
from hfaudit.fakehub.registry import write_models
from hfaudit.fakehub.server import start_server
from tests import registry_builder as rb

pytestmark = pytest.mark.slow  # a registry served, crawled, analysed and reported by a subprocess
EVIL = "evil/script-card"
PAYLOAD = '<script>alert("pwned")</script><img src=x onerror=alert(1)>'


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    lines = rb.small_registry()
    card = f"---\nlicense: mit\n---\n# Evil\n\n{PAYLOAD}\n"
    lines.append(
        rb.model(
            EVIL,
            [
                rb.commit(EVIL, 1, "Upload", [rb.weight("model.safetensors", 1), rb.text("README.md", card)]),
                rb.commit(EVIL, 2, "Update model", [rb.weight("model.safetensors", 2, op="modify")]),
            ],
        )
    )
    registry = folder / "registry.jsonl"
    write_models(registry, lines)
    db = folder / "h.duckdb"
    with start_server(registry, port=0) as server:
        crawl(str(db), server.url, Scope(), concurrency=2)
    for _ in analyse(str(db)):
        pass
    out = folder / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "hfaudit", "report", "--db", str(db), "--out", str(out)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return out


def test_report_writes_three_files_and_the_full_lists(report_dir: Path) -> None:
    assert sorted(p.name for p in report_dir.iterdir()) == ["models.jsonl", "owners.jsonl", "report.html", "report.json", "report.md"]
    data = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
    assert data["schema"] == "hfaudit.report" and data["version"] == 1
    assert data["totals"]["models"] == 6
    measures = {r["measure"] for r in data["paper"]}
    assert {"Naming conventions", "Base architectures", "Models with a card (%)"} <= measures
    assert any(m["model_id"] == EVIL for m in data["models"])
    # The report summarises: a histogram of scores (not one score per model); every model is in models.jsonl.
    assert "scores" not in data and [r["from"] for r in data["score_histogram"]] == [float(i) for i in range(10)]
    listed = [json.loads(line) for line in (report_dir / "models.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(listed) == 6 and EVIL in {m["model_id"] for m in listed}
    scored = sorted(m["score"] for m in listed if m["score"] is not None)
    assert sum(r["models"] for r in data["score_histogram"]) == len(scored)
    assert [m["score"] for m in listed if m["score"] is not None] == scored  # lowest first
    owners = [json.loads(line) for line in (report_dir / "owners.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {o["owner"] for o in owners} == {m["model_id"].split("/")[0] for m in listed}


def test_card_text_is_escaped_in_html_and_markdown(report_dir: Path) -> None:
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(" in html
    assert "<script" not in html.lower()
    assert "<img src=x" not in html
    md = (report_dir / "report.md").read_text(encoding="utf-8")
    assert "<script" not in md


def test_html_is_self_contained_with_inline_charts(report_dir: Path) -> None:
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    assert html.count("<svg") >= 3
    for remote in ("http://", "https://"):
        for attr in ("src=", "href="):
            assert f'{attr}"{remote}' not in html


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if path := shutil.which(name):
            return path
    return None


def test_html_renders_in_headless_chromium(report_dir: Path, tmp_path: Path) -> None:
    browser = _chromium()
    if browser is None:
        pytest.skip("no Chromium on this machine")
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0",
    ]
    url = (report_dir / "report.html").resolve().as_uri()
    shot = report_dir / "report.png"
    proc = subprocess.run(
        [browser, *flags, f"--screenshot={shot}", "--window-size=1280,2400", url], capture_output=True, text=True, timeout=90
    )
    console = [line for line in proc.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert console == [], console
    assert shot.exists() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000  # a page with tables and charts, not a blank one
    dom = subprocess.run([browser, *flags, "--dump-dom", url], capture_output=True, text=True, timeout=90).stdout
    assert dom.count("<svg") >= 3 and 'id="chart-scores"' in dom


def test_a_refused_report_leaves_no_folder_behind(tmp_path: Path) -> None:
    from hfaudit.store import Store

    db = tmp_path / "empty.duckdb"
    with Store(str(db)):
        pass
    out = tmp_path / "new" / "report"
    proc = subprocess.run(
        [sys.executable, "-m", "hfaudit", "report", "--db", str(db), "--out", str(out)],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().splitlines() == [f"hfaudit: error: {db} holds no models: run 'hfaudit crawl' first"]
    assert not out.exists()
