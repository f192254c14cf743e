"""The release-practice report: ``report.md``, ``report.html`` and ``report.json`` from one data model.

``build_report(con, authors, models)`` collects everything into one plain dict (what ``report.json``
holds); the Markdown and HTML renderers only present it. Sections: the study's measures in paper mode
beside hfaudit's own; naming and version schemes; weight changes; transparency; base families and
modification types; major versus minor releases; compliance per owner and per model with the top
findings; what changed since the previous snapshot. Tables that an analyser has not built yet are
reported as missing, never guessed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from hfaudit.store import Store

REPORT_SCHEMA_VERSION = 1
# The study's published figures (docs/paper.md §1, §4.2, §5.3, §6.1).
PAPER = {
    "models": 52227,
    "conventions": 148,
    "major_versions": 2329,
    "minor_versions": 1142,
    "weight_change_share": 40.87,
    "base_architectures": 299,
    "card_share": 67.0,
    "dataset_share": 24.0,
    "major_with_predecessor": 43.0,
    "minor_with_predecessor": 35.0,
}


class _Q:
    """Scoped queries: every model-level query is filtered to the report's scope."""

    def __init__(self, con: duckdb.DuckDBPyConnection, authors: Sequence[str], models: Sequence[str]):
        self.con = con
        self.tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
        con.execute("create or replace temp table _scope (model_id varchar)")
        where, params = ["status = 'present'"], []
        if authors or models:
            parts = []
            if authors:
                parts.append(f"author in ({', '.join('?' * len(authors))})")
                params += list(authors)
            if models:
                parts.append(f"model_id in ({', '.join('?' * len(models))})")
                params += list(models)
            where.append("(" + " or ".join(parts) + ")")
        con.execute(f"insert into _scope select model_id from models where {' and '.join(where)}", params)

    def has(self, *tables: str) -> bool:
        return all(t in self.tables for t in tables)

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        cur = self.con.execute(sql, list(params))
        names = [d[0] for d in cur.description or []]
        return [dict(zip(names, (_plain(v) for v in r), strict=True)) for r in cur.fetchall()]

    def one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.con.execute(sql, list(params)).fetchone()
        return _plain(row[0]) if row else None


def _plain(v: Any) -> Any:
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    if hasattr(v, "__float__") and not isinstance(v, int | float | bool):
        return float(v)
    return v


def _pct(part: Any, whole: Any) -> float | None:
    return round(100.0 * float(part or 0) / float(whole), 2) if whole else None


def _paper_section(q: _Q) -> list[dict[str, Any]]:
    n = q.one("select count(*) from _scope")
    rows: list[dict[str, Any]] = [
        {"measure": "Models analysed", "paper": PAPER["models"], "paper_mode": n, "hfaudit": n, "note": "every crawled model in scope"}
    ]
    if q.has("naming"):
        conv = q.one("select count(distinct convention) from naming join _scope using (model_id)")
        groups = dict(q.con.execute("select paper_version_group, count(*) from naming join _scope using (model_id) where paper_version_group is not null group by 1").fetchall())
        schemes = dict(q.con.execute("select version_scheme, count(*) from naming join _scope using (model_id) where version_scheme is not null group by 1").fetchall())
        rows += [
            {"measure": "Naming conventions", "paper": PAPER["conventions"], "paper_mode": None, "hfaudit": conv,
             "note": "the paper labelled 384 names by hand; hfaudit parses every name"},
            {"measure": "Major versions (-vN)", "paper": PAPER["major_versions"], "paper_mode": groups.get("major", 0),
             "hfaudit": schemes.get("major", 0), "note": "paper regex [-_]v(\\d+(\\.\\d+)?)$ vs hfaudit's version parser"},
            {"measure": "Minor versions (-vN.M)", "paper": PAPER["minor_versions"], "paper_mode": groups.get("minor", 0),
             "hfaudit": schemes.get("minor", 0) + schemes.get("semver", 0), "note": "hfaudit adds N.M.P"},
        ]
    fc = q.rows(
        """
        select count(*) as all_changes, count(*) filter (where category = 'weights') as weight_changes
        from file_changes join _scope using (model_id)
        """
    )[0]
    silent = None
    if q.has("weight_changes"):
        s = q.rows(
            """
            select count(*) filter (where change_kind <> 'initial') as changes,
                   count(*) filter (where change_kind <> 'initial' and not coalesce(documented, false)) as silent
            from weight_changes join _scope using (model_id)
            """
        )[0]
        silent = _pct(s["silent"], s["changes"])
    rows.append(
        {"measure": "Weight-file share of file changes (%)", "paper": PAPER["weight_change_share"],
         "paper_mode": _pct(fc["weight_changes"], fc["all_changes"]), "hfaudit": silent,
         "note": "hfaudit: share of weight changes after the first upload that no signal documents"}
    )
    bases = q.one("select count(distinct config_model_type) from models join _scope using (model_id)")
    declared_roots = None
    if q.has("model_lineage"):
        declared_roots = q.one("select count(distinct root_id) from model_lineage join _scope using (model_id)")
    rows.append({"measure": "Base architectures", "paper": PAPER["base_architectures"], "paper_mode": bases,
                 "hfaudit": declared_roots, "note": "paper: config.model_type; hfaudit: distinct lineage roots"})
    card = q.rows(
        """
        with s as (
            select m.model_id,
                   exists (select 1 from model_files f where f.model_id = m.model_id and f.path = 'README.md') as has_card,
                   coalesce(json_array_length(json_extract(m.card_data, '$.datasets')), 0) > 0
                     or json_extract_string(m.card_data, '$.datasets') is not null and json_type(json_extract(m.card_data, '$.datasets')) = 'VARCHAR' as has_data
            from models as m join _scope using (model_id)
        )
        select count(*) as n, count(*) filter (where has_card) as cards, count(*) filter (where has_data) as data from s
        """
    )[0]
    own_card = own_data = None
    if q.has("transparency"):
        t = q.rows(
            """
            with latest as (
                select * from transparency join _scope using (model_id)
                qualify row_number() over (partition by model_id order by snapshot_id desc) = 1
            )
            select count(*) as n,
                   count(*) filter (where card_present and card_state not in ('none', 'empty', 'template')) as real_cards,
                   count(*) filter (where datasets_declared) as data
            from latest
            """
        )[0]
        own_card, own_data = _pct(t["real_cards"], t["n"]), _pct(t["data"], t["n"])
    rows += [
        {"measure": "Models with a card (%)", "paper": PAPER["card_share"], "paper_mode": _pct(card["cards"], card["n"]),
         "hfaudit": own_card, "note": "hfaudit does not count empty or template cards"},
        {"measure": "Models declaring training data (%)", "paper": PAPER["dataset_share"], "paper_mode": _pct(card["data"], card["n"]),
         "hfaudit": own_data, "note": "card metadata datasets"},
    ]
    if q.has("naming", "version_series"):
        pred = q.rows(
            """
            select n.paper_version_group as grp, count(*) as n, count(vs.predecessor_id) as with_pred
            from naming as n join _scope using (model_id)
            left join version_series as vs using (model_id)
            where n.paper_version_group in ('major', 'minor')
            group by 1 order by 1
            """
        )
        by = {r["grp"]: _pct(r["with_pred"], r["n"]) for r in pred}
        rows += [
            {"measure": "Major versions with a predecessor (%)", "paper": PAPER["major_with_predecessor"], "paper_mode": None,
             "hfaudit": by.get("major"), "note": "the paper searched by hand in a sample; hfaudit searches every series"},
            {"measure": "Minor versions with a predecessor (%)", "paper": PAPER["minor_with_predecessor"], "paper_mode": None,
             "hfaudit": by.get("minor"), "note": ""},
        ]
    return rows


def build_report(con: duckdb.DuckDBPyConnection, authors: Sequence[str] = (), models: Sequence[str] = ()) -> dict[str, Any]:
    """Everything the report shows, as plain data (the content of ``report.json``)."""
    q = _Q(con, authors, models)
    data: dict[str, Any] = {"schema": "hfaudit.audit.report", "version": REPORT_SCHEMA_VERSION, "scope": {"authors": list(authors), "models": list(models)}}
    snapshots = q.rows("select snapshot_id, started_at, finished_at, status, endpoint from snapshots order by snapshot_id desc limit 1")
    data["snapshot"] = snapshots[0] if snapshots else None
    data["totals"] = q.rows(
        """
        select (select count(*) from _scope) as models,
               (select count(distinct author) from models join _scope using (model_id)) as owners,
               (select count(*) from commits join _scope using (model_id)) as commits,
               (select count(*) from file_changes join _scope using (model_id)) as file_changes
        """
    )[0]
    data["missing_tables"] = sorted(
        t for t in ("naming", "version_series", "weight_changes", "transparency", "lineage_edges", "model_lineage", "semver_releases", "audit_findings")
        if not q.has(t)
    )
    data["paper"] = _paper_section(q)
    if q.has("naming"):
        data["conventions"] = q.rows("select convention, count(*) as models from naming join _scope using (model_id) group by 1 order by 2 desc, 1 limit 12")
        data["version_schemes"] = q.rows("select coalesce(version_scheme, 'none') as scheme, count(*) as models from naming join _scope using (model_id) group by 1 order by 2 desc, 1")
        data["variants"] = q.rows("select coalesce(paper_variant, 'none') as variant, count(*) as models from naming join _scope using (model_id) group by 1 order by 2 desc, 1")
    if q.has("weight_changes"):
        data["weight_changes"] = q.rows(
            """
            select change_kind, count(*) as changes, count(*) filter (where documented) as documented,
                   round(100.0 * count(*) filter (where not coalesce(documented, false)) / count(*), 1) as silent_pct
            from weight_changes join _scope using (model_id)
            group by 1 order by 2 desc, 1
            """
        )
    data["weight_trend"] = q.rows(
        """
        select strftime(date_trunc('month', c.committed_at), '%Y-%m') as month, count(*) as weight_file_changes
        from file_changes as fc join _scope using (model_id)
        join commits as c using (model_id, commit_id)
        where fc.category = 'weights'
        group by 1 order by 1
        """
    )
    data["base_families"] = q.rows(
        "select coalesce(config_model_type, 'unknown') as model_type, count(*) as models from models join _scope using (model_id) group by 1 order by 2 desc, 1 limit 12"
    )
    if q.has("lineage_edges"):
        data["relations"] = q.rows(
            "select coalesce(relation, 'unknown') as relation, count(*) as edges from lineage_edges join _scope on _scope.model_id = lineage_edges.child_id group by 1 order by 2 desc, 1"
        )
    if q.has("semver_releases"):
        data["releases"] = q.rows(
            """
            select declared_bump, count(*) as releases,
                   count(*) filter (where under_bump) as under_bumps, count(*) filter (where over_bump) as over_bumps
            from semver_releases join _scope using (model_id)
            group by 1 order by 1
            """
        )
        data["major_vs_minor"] = q.rows(
            """
            with r as (select declared_bump, unnest(reasons) as reason from semver_releases join _scope using (model_id) where declared_bump in ('major', 'minor'))
            select reason, count(*) filter (where declared_bump = 'major') as major, count(*) filter (where declared_bump = 'minor') as minor
            from r group by 1 order by 1
            """
        )
    if q.has("audit_findings"):
        data["audits"] = q.rows(
            """
            select a.audit_id, a.severity, a.title, a.status, coalesce(f.n, 0) as findings
            from audit_runs as a
            left join (select audit_id, count(*) as n from audit_findings join _scope using (model_id) group by 1) as f using (audit_id)
            order by findings desc, audit_id
            """
        )
        data["owners"] = q.rows(
            """
            select o.owner, o.models, o.score, o.findings
            from owner_scores as o
            where o.owner in (select distinct split_part(model_id, '/', 1) from _scope)
            order by o.score, o.findings desc, o.owner limit 25
            """
        )
        data["scores"] = [r["score"] for r in q.rows("select score from compliance_scores join _scope using (model_id) where score is not null order by score")]
        worst = q.rows(
            """
            select s.model_id, s.score, s.findings
            from compliance_scores as s join _scope using (model_id)
            order by s.score, s.findings desc, s.model_id limit 25
            """
        )
        for m in worst:
            m["findings_list"] = q.rows(
                "select audit_id, severity, message from audit_findings where model_id = ? order by case severity when 'error' then 0 when 'warn' then 1 else 2 end, audit_id, location limit 5",
                [m["model_id"]],
            )
            m["checks"] = q.rows("select check_name, outcome, score from compliance_checks where model_id = ? order by check_name", [m["model_id"]])
            m["card_excerpt"] = q.one(
                "select left(content, 400) from card_versions where model_id = ? order by committed_at desc limit 1", [m["model_id"]]
            )
        data["models"] = worst
    data["since_previous"] = _since_previous(q)
    data["family"] = _family(q)
    return data


def _since_previous(q: _Q) -> dict[str, Any] | None:
    snaps = [r[0] for r in q.con.execute("select snapshot_id from snapshots order by snapshot_id desc limit 2").fetchall()]
    if len(snaps) < 2:
        return None
    new, old = snaps
    row = q.rows(
        """
        with a as (select model_id, sha from model_snapshots where snapshot_id = ?),
             b as (select model_id, sha, status from model_snapshots where snapshot_id = ?)
        select
            count(*) filter (where a.model_id is null) as added,
            count(*) filter (where b.status in ('gone', 'renamed')) as gone_or_renamed,
            count(*) filter (where a.model_id is not null and b.sha is not null and a.sha <> b.sha) as updated
        from b full join a using (model_id)
        """,
        [old, new],
    )[0]
    row["previous_snapshot"], row["snapshot"] = old, new
    row["commits_added"] = q.one("select count(*) from commits join _scope using (model_id) where first_snapshot = ?", [new])
    row["rewritten"] = q.one("select count(distinct model_id) from commits join _scope using (model_id) where unreachable_since = ?", [new])
    return row


def _family(q: _Q) -> dict[str, Any] | None:
    """The largest family in scope as parent → children (from lineage edges, else card base models)."""
    if q.has("lineage_edges"):
        edges = q.con.execute(
            "select distinct parent_id, child_id from lineage_edges where source in ('card', 'tag', 'hub_api') order by 1, 2"
        ).fetchall()
    else:
        edges = q.con.execute(
            "select distinct unnest(card_base_models) as parent_id, model_id from models where card_base_models is not null order by 1, 2"
        ).fetchall()
    children: dict[str, list[str]] = {}
    parents: set[str] = set()
    for p, c in edges:
        children.setdefault(p, []).append(c)
        parents.add(c)
    in_scope = {r[0] for r in q.con.execute("select model_id from _scope").fetchall()}
    roots = [p for p in children if p not in parents]

    def size(n: str, seen: set[str]) -> int:
        if n in seen:
            return 0
        seen.add(n)
        return 1 + sum(size(c, seen) for c in children.get(n, []))

    scored = [(size(r, set()), r) for r in roots if r in in_scope or any(c in in_scope for c in children[r])]
    if not scored:
        return None
    _, root = max(scored)
    return {"root": root, "children": {k: sorted(v) for k, v in children.items()}}


def write_report(db: str | Path, out: str | Path, authors: Sequence[str] = (), models: Sequence[str] = ()) -> list[Path]:
    """Write ``report.md``, ``report.html`` and ``report.json`` into ``out``; returns their paths."""
    from hfaudit.present.report.html import render_html
    from hfaudit.present.report.markdown import render_markdown

    with Store(db, read_only=True) as store:
        data = build_report(store.con, authors, models)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "report.md", folder / "report.html", folder / "report.json"]
    paths[0].write_text(render_markdown(data), encoding="utf-8")
    paths[1].write_text(render_html(data), encoding="utf-8")
    paths[2].write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    return paths
