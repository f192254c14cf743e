"""Audits as data: every ``queries/<id>.sql`` has a case in ``tests/audit_cases/<id>.yaml`` (rows added to
the clean scenario, and the findings expected from *every* audit), the clean scenario yields nothing,
and every audit runs over every other audit's case (as cargo-semver-checks runs each lint over every
other lint's inputs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
import yaml

from hfaudit.audit import load_audits, parse_audit, queries_dir, run_audits
from hfaudit.errors import HfauditError
from hfaudit.store import Store, schema

CASES = Path(__file__).parent / "audit_cases"
AUDITS = load_audits()
AUDIT_IDS = [a.id for a in AUDITS]

# Analysis tables exactly as the schema registry declares them (the DDL the analysers write).
ANALYSIS_TABLES = [t.name for t in schema.TABLES_LIST if t.kind == schema.ANALYSIS]


def load_case(name: str) -> dict[str, Any]:
    return yaml.safe_load((CASES / f"{name}.yaml").read_text(encoding="utf-8")) or {}


def insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]]) -> None:
    columns = [r[0] for r in con.execute(f"describe {table}").fetchall()]
    frame = pd.DataFrame([{c: row.get(c) for c in columns} for row in rows], columns=columns).astype(object)
    con.register("_rows", frame)
    try:
        con.execute(f"insert into {table} select * from _rows")
    finally:
        con.unregister("_rows")


def build_db(path: Path, *cases: dict[str, Any]) -> Path:
    with Store(path) as store:
        con = store.con
        for table in ANALYSIS_TABLES:
            con.execute(schema.empty_table_ddl(table))
        for case in cases:
            for table, rows in (case.get("given") or {}).items():
                insert(con, table, rows)
    return path


def findings(db: Path) -> dict[str, list[list[str]]]:
    with Store(db, read_only=True) as store:
        run = run_audits(store.con, AUDITS)
    assert not run.skipped, run.skipped
    out: dict[str, list[list[str]]] = {}
    for f in run.findings:
        out.setdefault(f.audit_id, []).append([f.model_id, f.location or ""])
    return out


def test_every_audit_has_a_case_and_every_case_an_audit() -> None:
    cases = {p.stem for p in CASES.glob("*.yaml") if not p.stem.startswith("_")}
    assert cases == set(AUDIT_IDS)


def test_headers_are_complete_and_ids_equal_file_names() -> None:
    for path in sorted(queries_dir().glob("*.sql")):
        audit = parse_audit(path)
        assert audit.id == path.stem
        assert audit.sql.rstrip().splitlines()[-1].lstrip().startswith("order by"), f"{path.name}: end in order by"


def test_clean_scenario_yields_no_finding(tmp_path: Path) -> None:
    assert findings(build_db(tmp_path / "clean.duckdb", load_case("_clean"))) == {}


@pytest.mark.parametrize("scenario", AUDIT_IDS)
def test_all_audits_over_each_case(scenario: str, tmp_path: Path) -> None:
    """Each case's own audit finds exactly what it expects, and every other audit finds exactly what
    the case lists for it (nothing, unless the case says so)."""
    case = load_case(scenario)
    assert scenario in (case.get("expect") or {}), f"{scenario}.yaml expects nothing from its own audit"
    got = findings(build_db(tmp_path / "case.duckdb", load_case("_clean"), case))
    assert got == case["expect"]


def test_findings_render_their_message_template(tmp_path: Path) -> None:
    db = build_db(tmp_path / "m.duckdb", load_case("_clean"), load_case("under_bump"))
    with Store(db, read_only=True) as store:
        run = run_audits(store.con, [a for a in AUDITS if a.id == "under_bump"])
    assert run.findings[0].message == "v2.2 (from v2.1) declares a minor bump but tokenizer, weights require major"


def test_missing_tables_skip_an_audit_rather_than_fail(tmp_path: Path) -> None:
    with Store(tmp_path / "bare.duckdb") as store:
        run = run_audits(store.con, AUDITS)
    assert run.findings == ()
    assert run.skipped["weights_replaced_silently"] == "needs weight_changes"
    assert "history_rewritten" not in run.skipped  # reads only crawl tables


def test_severity_override_from_pyproject(tmp_path: Path) -> None:
    from hfaudit.audit import load_config

    (tmp_path / "pyproject.toml").write_text('[tool.hfaudit.audits]\nno_training_data = "error"\n', encoding="utf-8")
    overrides = load_config(tmp_path)
    audits = {a.id: a for a in load_audits(overrides=overrides)}
    assert audits["no_training_data"].severity == "error"
    (tmp_path / "hfaudit.toml").write_text('[audits]\nno_training_data = "loud"\n', encoding="utf-8")
    with pytest.raises(HfauditError, match="must be one of"):
        load_config(tmp_path)


def test_malformed_headers_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "x_audit.sql"
    bad.write_text("-- id: other\n-- title: t\n-- severity: warn\n-- rationale: r\n-- message: m\n-- requires: models\nselect 1\n")
    with pytest.raises(HfauditError, match="differs from the file name"):
        parse_audit(bad)
    bad.write_text("-- id: x_audit\n-- title: t\n-- severity: loud\n-- rationale: r\n-- message: m\n-- requires: models\nselect 1\n")
    with pytest.raises(HfauditError, match="severity"):
        parse_audit(bad)
    bad.write_text("-- title: t\n-- id: x_audit\n-- severity: warn\n-- rationale: r\n-- message: m\n-- requires: models\nselect 1\n")
    with pytest.raises(HfauditError, match="order"):
        parse_audit(bad)


def test_docs_audits_md_is_up_to_date() -> None:
    from hfaudit.audit.docs import render_audit_docs

    doc = Path(__file__).parents[1] / "docs" / "audits.md"
    assert doc.read_text(encoding="utf-8") == render_audit_docs(load_audits()), "run: python scripts/new_audit.py --docs"


def test_severity_overrides_hfaudit_toml_wins_and_malformed_toml_is_named(tmp_path: Path) -> None:
    from hfaudit.audit import load_config

    (tmp_path / "pyproject.toml").write_text('[tool.hfaudit.audits]\nno_training_data = "error"\n', encoding="utf-8")
    (tmp_path / "hfaudit.toml").write_text('[audits]\nno_training_data = "info"\n', encoding="utf-8")
    assert load_config(tmp_path) == {"no_training_data": "info"}
    (tmp_path / "hfaudit.toml").write_text("[audits\n", encoding="utf-8")
    with pytest.raises(HfauditError, match="hfaudit.toml"):
        load_config(tmp_path)


@pytest.mark.parametrize("extra", ["", ", 0.5::double as ratio"])  # a double field: rendered in Python
def test_messages_rendered_in_sql_equal_the_python_rendering(tmp_path: Path, extra: str) -> None:
    """Findings whose fields SQL prints as Python does are rendered in the query (set work); every
    kind of field, null and odd value prints as ``Audit.render`` prints it."""
    from hfaudit.audit import build_findings_table

    message = "{name} it's {n} {flag} [{items}] {absent} {ratio}"
    sql = f"""
        select * {extra} from (values
            ('acme/a', 'x.bin', 'o''neil', 3::bigint, true, ['a', null, 'b']),
            ('acme/b', null, null, null, false, []::varchar[]),
            ('solo', 'y', 'z', -1::bigint, null, null)
        ) as t(model_id, location, name, n, flag, items)
        order by model_id
    """
    path = tmp_path / "mixed_fields.sql"
    path.write_text(f"-- id: mixed_fields\n-- title: t\n-- severity: warn\n-- rationale: r\n-- message: {message}\n-- requires: models\n{sql}\n")
    audit = parse_audit(path)
    with Store(tmp_path / "r.duckdb") as store:
        build_findings_table(store.con, run_audits(store.con, []))  # the table exists, empty
        expected = sorted(
            (r["model_id"], r["model_id"].split("/")[0], r["location"], audit.render(r))
            for r in store.con.execute(sql).df().astype(object).where(lambda f: f.notna(), None).to_dict("records")
        )
        from hfaudit.audit import _stream_findings

        run = _stream_findings(store.con, [audit])
        got = sorted(store.con.execute("select model_id, owner, location, message from audit_findings").fetchall())
    assert run.counts == {"mixed_fields": 3}
    assert got == expected
    assert ("acme/a", "acme", "x.bin", "o'neil it's 3 True [a, None, b] ? " + ("0.5" if extra else "?")) in got


@pytest.mark.parametrize("limit", [None, 2])
def test_the_table_digested_in_the_store_equals_the_table_of_every_finding(tmp_path: Path, limit: int | None) -> None:
    """``hfaudit audit``'s table counts and orders findings in a temporary table of a read-only
    store, holding only the shown ones; it prints what the table of every finding in Python prints."""
    from hfaudit.audit import digest_audits
    from hfaudit.present.findings import digest_table, to_table

    cases = [load_case(p.stem) for p in sorted(CASES.glob("*.yaml")) if not p.stem.startswith("_")]
    db = build_db(tmp_path / "all.duckdb", load_case("_clean"), *cases)
    with Store(db, read_only=True) as store:
        run = run_audits(store.con, AUDITS)
        digest = digest_audits(store.con, AUDITS, limit)
        tables = {r[0] for r in store.con.execute("select table_name from information_schema.tables").fetchall()}
    assert len(run.findings) > 5 and len({f.audit_id for f in run.findings}) > 5
    assert digest.total == len(run.findings)
    assert digest_table(digest) == to_table(run, limit)
    assert digest.at_or_above("error") == bool(run.at_or_above("error"))
    assert "_hfaudit_digest" not in tables  # the temporary table is dropped
