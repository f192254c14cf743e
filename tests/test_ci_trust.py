"""What a CI pipeline relies on (issue 16): exit codes and snapshot statuses, a malformed Hub record
recorded instead of a crash, no traffic but to the endpoint, and a ``check`` that judges exactly the
release it is asked about."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hfaudit.collect.crawl import Scope, crawl
from hfaudit.fakehub.registry import write_models
from hfaudit.fakehub.server import start_server
from hfaudit.store import Store
from tests import registry_builder as rb

W = "acme/widget"


def widget() -> dict[str, Any]:
    """v1.0 → an old silent weight replacement (no tag before the next weight change, a default
    title) → a documented retrain, v1.1 → a new tokenizer → v1.2 (an under-bump: minor declared,
    major required) → a card fix → v1.2.1 (clean, the latest release)."""
    card = "---\nlicense: mit\ndatasets:\n- acme/data\npipeline_tag: text-generation\n---\n# widget\n"
    cfg = json.dumps({"model_type": "llama", "architectures": ["LlamaForCausalLM"]})
    commits = [
        rb.commit(W, 1, "Upload v1.0", [rb.weight("model.safetensors", 1), rb.text("README.md", card), rb.text("config.json", cfg)]),
        rb.commit(W, 2, "Upload model.safetensors", [rb.weight("model.safetensors", 2, op="modify")]),
        rb.commit(W, 3, "Retrain on twice the data for v1.1", [rb.weight("model.safetensors", 3, op="modify")]),
        rb.commit(W, 4, "Add tokenizer", [rb.text("tokenizer.json", '{"model": {"type": "BPE"}}')]),
        rb.commit(W, 5, "Release v1.2", [rb.text("README.md", card + "\nv1.2\n", op="modify")]),
        rb.commit(W, 6, "Fix typo in card", [rb.text("README.md", card + "\nv1.2 (typo fixed)\n", op="modify")]),
    ]
    line = rb.model(W, commits, pipeline_tag="text-generation", library_name="transformers")
    ids = [c["id"] for c in line["commits"]]
    line["refs"] = {
        "branches": {"main": ids[-1]},
        "tags": {"v1.0": ids[1], "v1.1": ids[3], "v1.2": ids[5], "v1.2.1": ids[6]},
    }
    return line


@pytest.fixture(scope="module")
def widget_registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("widget") / "registry.jsonl"
    write_models(path, [widget()])
    return path


@pytest.fixture(scope="module")
def widget_db(widget_registry: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from hfaudit.audit.pipeline import analyse

    db = tmp_path_factory.mktemp("widget-db") / "h.duckdb"
    with start_server(widget_registry, port=0) as server:
        result = crawl(str(db), server.url, Scope(), concurrency=2)
    assert result.status == "complete", result.summary()
    for _ in analyse(str(db)):
        pass
    return db


def hfaudit(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hfaudit", *args], capture_output=True, text=True, timeout=180, input=stdin, env=env,
    )


def one_line(proc: subprocess.CompletedProcess[str]) -> str:
    """The stderr of a failed command: exactly one line, no traceback."""
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    return lines[0]


# ------------------------------------------------------------------------------- crawl statuses


def test_a_crawl_whose_models_all_fail_exits_4_is_failed_and_leaves_no_store(tmp_path: Path) -> None:
    db = tmp_path / "x.duckdb"
    proc = hfaudit("crawl", "--endpoint", "http://127.0.0.1:9", "--model", "a/b", "--db", str(db), "--quiet", "--timeout", "1")
    assert proc.returncode == 4
    line = one_line(proc)
    assert "nothing crawled" in line and "a/b" in line and "network" in line
    assert not db.exists() and not Path(str(db) + ".wal").exists()


def test_a_failed_crawl_into_an_existing_store_is_recorded_failed_not_complete(widget_registry: Path, tmp_path: Path) -> None:
    db = tmp_path / "h.duckdb"
    with start_server(widget_registry, port=0) as server:
        crawl(str(db), server.url, Scope())
    result = crawl(str(db), "http://127.0.0.1:9", Scope(model_ids=("a/b",)), timeout=1)
    assert result.status == "failed" and result.exit_code == 4
    with Store(db, read_only=True) as store:
        statuses = store.con.execute("select status from snapshots order by snapshot_id").fetchall()
    assert statuses == [("complete",), ("failed",)]


def test_some_failures_exit_3_partial_and_the_summary_names_them(tmp_path: Path) -> None:
    registry = tmp_path / "registry.jsonl"
    write_models(registry, rb.small_registry())  # gatekeeper/locked-model is gated
    db = tmp_path / "h.duckdb"
    with start_server(registry, port=0) as server:
        proc = hfaudit("crawl", "--endpoint", server.url, "--db", str(db), "--quiet", "--no-analyse")
    assert proc.returncode == 3, proc.stderr
    assert "Status: partial." in proc.stdout and "gatekeeper/locked-model (gated" in proc.stdout
    with Store(db, read_only=True) as store:
        assert store.con.execute("select status from snapshots").fetchall() == [("partial",)]


def test_a_snapshot_killed_mid_run_is_marked_interrupted_and_never_a_comparison_base(widget_registry: Path, tmp_path: Path) -> None:
    from hfaudit.audit.pipeline import analyse
    from hfaudit.audit.report import build_report

    db = tmp_path / "h.duckdb"
    with start_server(widget_registry, port=0) as server:
        crawl(str(db), server.url, Scope())
        with Store(db) as store:  # what a kill -9 leaves: a snapshot that never finished
            killed = store.begin_snapshot(server.url, {}, "test")
        crawl(str(db), server.url, Scope())
    for _ in analyse(str(db)):
        pass
    with Store(db, read_only=True) as store:
        rows = store.con.execute("select snapshot_id, status from snapshots order by snapshot_id").fetchall()
        assert rows == [(1, "complete"), (killed, "interrupted"), (3, "complete")]
        since = build_report(store.con)["since_previous"]
    assert (since["previous_snapshot"], since["snapshot"]) == (1, 3)


def test_a_malformed_commit_record_is_a_recorded_bad_response_not_a_crash(
    widget_registry: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hfaudit.fakehub import app as fake

    original = fake.FakeHub._commits

    def authors_null(self: Any, req: Any, model: Any, commit: str) -> Any:
        response = original(self, req, model, commit)
        data = json.loads(response.body)
        data[0]["authors"] = None  # what the issue saw on the wire
        return fake.json_response(response.status, data, [h for h in response.headers if h[0].lower() == "link"])

    monkeypatch.setattr(fake.FakeHub, "_commits", authors_null)
    db = tmp_path / "h.duckdb"
    with start_server(widget_registry, port=0) as server:
        result = crawl(str(db), server.url, Scope(model_ids=(W,)))
    assert result.status == "failed" and result.exit_code == 4
    assert [(e["model_id"], e["stage"], e["error_type"]) for e in result.errors] == [(W, "commits", "bad_response")]
    assert "'authors'" in result.errors[0]["message"]
    assert result.errors[0]["field"] == "authors"  # crawl_errors.field (the failed crawl leaves no store)


# ------------------------------------------------------------------------- no traffic elsewhere


class Guard:
    """A socket guard: any connection to an address other than the endpoint's fails the test."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, port: int) -> None:
        self.allowed = ("127.0.0.1", port)
        self.refused: list[Any] = []
        real_connect = socket.socket.connect
        real_getaddrinfo = socket.getaddrinfo
        guard = self

        def connect(sock: socket.socket, address: Any) -> Any:
            if sock.family in (socket.AF_INET, socket.AF_INET6) and tuple(address[:2]) != guard.allowed:
                guard.refused.append(address)
                raise OSError(f"socket guard: {address} is not the endpoint")
            return real_connect(sock, address)

        def getaddrinfo(host: Any, port_: Any, *args: Any, **kwargs: Any) -> Any:
            if host not in ("127.0.0.1", "localhost"):
                guard.refused.append((host, port_))
                raise OSError(f"socket guard: name lookup of {host}")
            return real_getaddrinfo(host, port_, *args, **kwargs)

        monkeypatch.setattr(socket.socket, "connect", connect)
        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_crawl_check_and_report_contact_only_the_endpoint(
    widget_registry: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from huggingface_hub.utils import _detect_agent

    from hfaudit.audit.check import check_model
    from hfaudit.audit.pipeline import analyse
    from hfaudit.audit.report import write_report

    monkeypatch.setattr(_detect_agent, "_REGISTRY", None, raising=False)  # no cached harness list
    monkeypatch.delenv("HF_HUB_DISABLE_TELEMETRY", raising=False)
    monkeypatch.setenv("CLAUDECODE", "1")  # an agent environment: what made build_hf_headers call out
    db = tmp_path / "h.duckdb"
    with start_server(widget_registry, port=0) as server:
        port = int(server.url.rsplit(":", 1)[1])
        guard = Guard(monkeypatch, port)
        result = crawl(str(db), server.url, Scope(), concurrency=2)
        assert result.status == "complete", result.summary()
        for _ in analyse(str(db)):
            pass
        checked = check_model(W, db=tmp_path / "none.duckdb", endpoint=server.url)
        write_report(db, tmp_path / "report")
    assert guard.refused == []
    assert checked.exit_code == 0
    assert (tmp_path / "report" / "report.md").exists()


# --------------------------------------------------------------------------------------- check


def test_check_judges_the_latest_release_an_old_silent_replacement_does_not_fail_it(widget_db: Path) -> None:
    from hfaudit.audit.check import check_model

    result = check_model(W, db=widget_db)
    assert result.release["version"] == "v1.2.1"
    assert result.exit_code == 0 and result.verdict == "compliant"
    assert not [f for f in result.run.findings if f.audit_id in ("weights_replaced_silently", "under_bump")]
    proc = hfaudit("check", W, "--db", str(widget_db))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("verdict:") == 1 and "verdict:   compliant" in proc.stdout
    # --history lists the old findings, and they still do not change the verdict.
    proc = hfaudit("check", W, "--db", str(widget_db), "--history")
    assert proc.returncode == 0
    assert "weights_replaced_silently" in proc.stdout and "under_bump" in proc.stdout


def test_check_from_to_on_a_range_with_an_under_bump_exits_1_with_that_finding_only(widget_db: Path) -> None:
    proc = hfaudit("check", W, "--db", str(widget_db), "--from", "v1.1", "--to", "v1.2", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert [f["audit"] for f in doc["findings"]] == ["under_bump"]
    assert doc["check"]["verdict"] == "violations" and doc["check"]["release"]["required_bump"] == "major"
    text = hfaudit("check", W, "--db", str(widget_db), "--from", "v1.1", "--to", "v1.2")
    assert text.returncode == 1 and text.stdout.count("verdict:") == 1 and "verdict:   violations" in text.stdout
    # The range holding only the old silent replacement: that finding, nothing from later releases.
    old = json.loads(hfaudit("check", W, "--db", str(widget_db), "--from", "v1.0", "--to", "v1.1", "--format", "json").stdout)
    assert [f["audit"] for f in old["findings"]] == ["weights_replaced_silently"]


def test_check_on_the_fly_fetches_series_siblings_before_judging_series_findings(tmp_path: Path) -> None:
    from hfaudit.audit.check import check_model

    lines = []
    for n, name in enumerate(("acme/thing-v1", "acme/thing-v2")):
        line = rb.model(name, [rb.commit(name, 1, "Upload", [rb.weight("model.safetensors", n), rb.text("README.md", "---\nlicense: mit\n---\n")])])
        lines.append(line)
    registry = tmp_path / "registry.jsonl"
    write_models(registry, lines)
    with start_server(registry, port=0) as server:
        result = check_model("acme/thing-v2", db=tmp_path / "none.duckdb", endpoint=server.url)
        # A store that holds the one model only: its series findings are unknown, not violations.
        db = tmp_path / "one.duckdb"
        crawl(str(db), server.url, Scope(model_ids=("acme/thing-v2",)))
    assert "version_without_predecessor" not in {f.audit_id for f in result.run.findings}
    assert "version_without_predecessor" not in result.unknown  # its predecessor v1 was fetched
    assert result.exit_code == 0
    from hfaudit.audit.pipeline import analyse

    for _ in analyse(str(db)):
        pass
    alone = check_model("acme/thing-v2", db=db)
    assert "version_without_predecessor" not in {f.audit_id for f in alone.run.findings}
    assert "did not list every model of acme" in alone.unknown["version_without_predecessor"]
    assert alone.exit_code == 0


# -------------------------------------------------------------------------------------- report


def test_the_reports_paper_mode_figures_equal_paper_releases_on_the_same_store(tmp_path: Path) -> None:
    from hfaudit.audit.pipeline import analyse

    registry = tmp_path / "registry.jsonl"
    write_models(registry, [*rb.small_registry(), widget()])
    db = tmp_path / "h.duckdb"
    with start_server(registry, port=0) as server:
        crawl(str(db), server.url, Scope())
    for _ in analyse(str(db)):
        pass
    paper = hfaudit("paper", "releases", "--db", str(db), "--format", "json")
    assert paper.returncode == 0, paper.stderr
    store = json.loads(paper.stdout)["store"]
    report = hfaudit("report", "--db", str(db), "--out", str(tmp_path / "r"))
    assert report.returncode == 0, report.stderr
    rows = {r["measure"]: r for r in json.loads((tmp_path / "r" / "report.json").read_text())["paper"]}
    want = {
        "Weight-file share of file changes (%)": store["weight_share"]["paper_share_pct"],
        "Models with a card (%)": store["cards"]["paper_card_present_pct"],
        "Models declaring training data (%)": store["cards"]["paper_datasets_declared_pct"],
    }
    assert {m: rows[m]["paper_mode"] for m in want} == want
    assert all(v is not None for v in want.values())
    # The files were moved into place from a temporary folder that is gone afterwards.
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == [
        "models.jsonl", "owners.jsonl", "report.html", "report.json", "report.md"
    ]


# ------------------------------------------------------------------------------- bounded input

BOMB = (
    "---\na: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n---\n# bomb\n"
)


def test_a_huge_card_is_stored_cut_and_recorded_and_an_alias_bomb_is_refused(tmp_path: Path) -> None:
    from hfaudit.audit.pipeline import analyse
    from hfaudit.cards import CARD_MAX_BYTES

    big = "---\nlicense: mit\ndatasets:\n- acme/data\n---\n# big\n" + "lorem ipsum é " * 110_000  # about 1.5 MB
    lines = [
        rb.model("acme/big-card", [rb.commit("acme/big-card", 1, "Upload", [rb.weight("model.safetensors", 1), rb.text("README.md", big)])]),
        rb.model("acme/bomb", [rb.commit("acme/bomb", 1, "Upload", [rb.weight("model.safetensors", 1), rb.text("README.md", BOMB)])]),
    ]
    assert len(BOMB.encode()) < 250
    registry = tmp_path / "registry.jsonl"
    write_models(registry, lines)
    db = tmp_path / "h.duckdb"
    with start_server(registry, port=0) as server:
        result = crawl(str(db), server.url, Scope())
    assert result.status == "complete"
    for _ in analyse(str(db)):
        pass
    with Store(db, read_only=True) as store:
        con = store.con
        content, meta = con.execute("select content, front_matter from card_versions where model_id = 'acme/big-card'").fetchone()
        assert len(content.encode()) <= CARD_MAX_BYTES and len(content.encode()) > CARD_MAX_BYTES - 4
        assert json.loads(meta) == {"license": "mit", "datasets": ["acme/data"]}
        errors = dict(con.execute("select model_id, error_type from crawl_errors").fetchall())
        assert errors == {"acme/big-card": "card_truncated", "acme/bomb": "card_refused"}
        truncated = con.execute(
            "select model_id, card_truncated, content_bytes > ? from card_versions order by model_id", [CARD_MAX_BYTES]
        ).fetchall()
        assert [r for r in truncated if r[0] == "acme/big-card"] == [("acme/big-card", True, True)]
        assert all(not r[1] and not r[2] for r in truncated if r[0] != "acme/big-card")
        assert con.execute("select count(*) from audit_findings where audit_id = 'card_missing_or_template' and model_id = 'acme/big-card'").fetchone()[0] == 0
        bomb = con.execute("select front_matter, card_error from card_versions where model_id = 'acme/bomb'").fetchone()
        assert bomb[0] is None and "refused" in bomb[1]
        # Nothing the bomb holds is stored expanded anywhere.
        biggest = con.execute("select max(length(coalesce(cast(card_data as varchar), ''))) from models").fetchone()[0]
        assert biggest < 10_000


# -------------------------------------------------------------------------------------- scores


def test_scores_leave_unchecked_models_out_and_use_the_whole_range(tmp_path: Path) -> None:
    from hfaudit.audit.pipeline import analyse
    from hfaudit.audit.scores import score_of

    # The worked example of docs/report.md.
    assert [score_of(0), score_of(5), score_of(6.2), score_of(820), score_of(1180)] == [10.0, 6.67, 6.17, 0.12, 0.08]
    registry = tmp_path / "registry.jsonl"
    write_models(registry, rb.small_registry())
    db = tmp_path / "h.duckdb"
    with start_server(registry, port=0) as server:
        crawl(str(db), server.url, Scope())
    for _ in analyse(str(db)):
        pass
    with Store(db, read_only=True) as store:
        con = store.con
        locked = con.execute("select score, reason from compliance_scores where model_id = 'gatekeeper/locked-model'").fetchone()
        assert locked == (None, "not checked: gated")
        owner = con.execute("select models, not_checked, score from owner_scores where owner = 'gatekeeper'").fetchone()
        assert owner == (0, 1, None)
        scores = dict(con.execute("select model_id, score from compliance_scores where score is not null").fetchall())
        findings = dict(con.execute("select model_id, count(*) from audit_findings group by 1").fetchall())
    # More findings never score higher, and a model with findings scores below 10.
    assert all(scores[m] < 10 for m in findings if m in scores)
    assert all(v == 10.0 for m, v in scores.items() if m not in findings)


def test_the_lineage_tree_marks_a_node_already_shown_only_after_showing_it() -> None:
    import io

    from rich.console import Console

    from hfaudit.analyse.lineage.export import LineageView, render_tree

    # base → a, b; a → shared; b → shared: "shared" is printed under a, then marked under b.
    edges = [
        {"parent_id": p, "child_id": c, "relation": "finetune"}
        for p, c in (("base", "a"), ("base", "b"), ("a", "shared"), ("b", "shared"))
    ]
    view = LineageView("base", {n: {"model_id": n} for n in ("base", "a", "b", "shared")}, edges)
    buffer = io.StringIO()
    Console(file=buffer, width=200, no_color=True).print(render_tree(view))
    lines = buffer.getvalue().splitlines()
    shown = next(i for i, line in enumerate(lines) if "shared" in line and "already" not in line)
    marked = next(i for i, line in enumerate(lines) if "shared" in line and "already shown" in line)
    assert shown < marked


def test_the_largest_family_is_chosen_by_descendants_and_its_tree_says_how_much_it_shows(tmp_path: Path) -> None:
    import duckdb

    from hfaudit.audit.report import _Q, FAMILY_TREE_NODES, _family
    from hfaudit.present.report import charts

    con = duckdb.connect()
    con.execute("create table models (model_id varchar, author varchar, status varchar, card_base_models varchar[])")
    rows = [("a-small/root", None)] + [(f"a-small/kid{i}", ["a-small/root"]) for i in range(3)]
    rows += [("z-big/root", None)] + [(f"z-big/kid{i:02d}", ["z-big/root"]) for i in range(30)]
    rows += [(f"z-big/grand{i:02d}", [f"z-big/kid{i:02d}"]) for i in range(20)]
    con.executemany("insert into models values (?, split_part(?, '/', 1), 'present', ?)", [(m, m, b) for m, b in rows])
    fam = _family(_Q(con, (), ()))
    assert fam is not None and fam["root"] == "z-big/root"
    assert fam["descendants"] == 50 and fam["shown"] == FAMILY_TREE_NODES - 1 and fam["more"] == 50 - fam["shown"]
    assert all(k.startswith("z-big/") for k in fam["children"])  # only the chosen family
    svg = charts.tree(fam["root"], fam["children"], "t", hidden=fam["hidden_children"])
    hidden = sum(fam["hidden_children"].values())
    assert hidden == fam["more"] and f"+{fam['hidden_children'][next(iter(fam['hidden_children']))]} more" in svg
    assert "root" in svg and "direct derivatives" in svg  # the legend


def test_a_listed_id_that_is_not_an_id_is_recorded_and_never_requested(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hfaudit.fakehub import app as fake

    seen: list[str] = []
    original = fake.FakeHub.handle

    def record(self: Any, method: str, path: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(path)
        return original(self, method, path, *args, **kwargs)

    monkeypatch.setattr(fake.FakeHub, "handle", record)
    evil = rb.model("../evil", [rb.commit("../evil", 1, "x", [rb.weight("model.safetensors", 1)])])
    registry = tmp_path / "registry.jsonl"
    write_models(registry, [widget(), evil])
    with start_server(registry, port=0) as server:
        result = crawl(str(tmp_path / "h.duckdb"), server.url, Scope(), history="api")  # a hand-written format-1 registry: no git view
    assert result.status == "partial" and result.exit_code == 3
    assert [(e["model_id"], e["error_type"]) for e in result.errors] == [("../evil", "invalid_id")]
    assert any(p.startswith("/api/models/acme/widget/commits") for p in seen)
    assert not [p for p in seen if "evil" in p]


def test_metadata_the_hub_expands_itself_is_bounded_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real Hub expands YAML aliases into ``cardData``; here the fake Hub does the same (its
    node limit lifted), and neither the listing's cardData nor the parsed front matter is stored."""
    import hfaudit.cards

    monkeypatch.setattr(hfaudit.cards, "YAML_MAX_NODES", 10**9)
    line = rb.model("acme/bomb", [rb.commit("acme/bomb", 1, "Upload", [rb.weight("model.safetensors", 1), rb.text("README.md", BOMB)])])
    registry = tmp_path / "registry.jsonl"
    write_models(registry, [line])
    db = tmp_path / "h.duckdb"
    with start_server(registry, port=0) as server:
        result = crawl(str(db), server.url, Scope(), history="api")  # a hand-written format-1 registry: no git view
    assert result.status == "complete"
    with Store(db, read_only=True) as store:
        con = store.con
        assert con.execute("select card_data from models").fetchone()[0] is None
        assert con.execute("select front_matter from card_versions").fetchone()[0] is None
        errors = con.execute("select error_type, message from crawl_errors order by message").fetchall()
        assert [e for e, _ in errors] == ["card_refused", "card_refused"]
        assert any("cardData from the Hub" in m for _, m in errors)
        stored = con.execute("select sum(length(coalesce(content, ''))) from card_versions").fetchone()[0]
    assert stored < 1000


# ------------------------------------------------------------------------------ readable output


def test_sql_prints_full_values_integers_as_integers_and_the_row_count(widget_db: Path) -> None:
    query = "select model_id, downloads, cast(null as integer) as gap, card_data from models order by model_id"
    proc = hfaudit("sql", query, "--db", str(widget_db))
    assert proc.returncode == 0, proc.stderr
    assert '{"datasets": ["acme/data"], "license": "mit", "pipeline_tag": "text-generation"}' in proc.stdout
    assert " 5 " in proc.stdout + " " and "5.0" not in proc.stdout
    assert proc.stdout.rstrip().endswith("1 row")
    wide = hfaudit("sql", "select * from range(5) as r(n)", "--db", str(widget_db), "--limit", "2", "--format", "csv")
    assert wide.stdout.splitlines() == ["n", "0", "1"] and "5 rows (showing 2; +3 more" in wide.stderr


def test_audit_prints_a_summary_then_findings_by_severity_with_a_limit(widget_db: Path) -> None:
    proc = hfaudit("audit", "--db", str(widget_db), "--limit", "1")
    assert proc.returncode == 1  # error findings exist
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["audit", "severity", "count"]
    summary = [line.split() for line in lines[2:] if line and not line.endswith("audits") and len(line.split()) == 3]
    ranks = {"error": 0, "warn": 1, "info": 2}
    severities = [row[1] for row in summary if row[1] in ranks]
    assert severities == sorted(severities, key=ranks.get)
    findings = [line for line in lines if line.startswith(("error ", "warn ", "info "))]
    assert len(findings) == 1 and findings[0].startswith("error ")
    assert any(line.startswith("+") and "more" in line for line in lines)
