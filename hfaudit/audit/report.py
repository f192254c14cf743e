"""The release-practice report: ``report.md``, ``report.html`` and ``report.json`` from one data model.

``build_report(con, authors, models)`` collects everything into one plain dict (what ``report.json``
holds); the Markdown and HTML renderers only present it. Sections: the study's measures in paper mode
beside hfaudit's own; naming and version schemes; weight changes; transparency; base families and
modification types; major versus minor releases; compliance per owner and per model with the top
findings; what changed since the previous snapshot. Tables that an analyser has not built yet are
reported as missing, never guessed.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb

from hfaudit.errors import HfauditError
from hfaudit.store import Store

REPORT_SCHEMA_VERSION = 1
SCORE_BINS = 10
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
        self.scoped = bool(authors or models)
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


# The tables ``study_measures`` reads; a scoped report shadows each with a temporary view of its scope.
_STUDY_TABLES = ("file_changes", "commits", "weight_changes", "transparency", "naming", "models", "model_files", "card_versions")


@contextlib.contextmanager
def _scoped_tables(q: _Q) -> Iterator[None]:
    """Temporary views, one per table ``study_measures`` reads, holding only the report's scope.

    Unqualified names resolve to the temporary schema first, so the one implementation that
    ``hfaudit paper releases`` runs computes the report's paper-mode figures for the scope.
    """
    catalog = q.one("select current_database()")
    made = []
    try:
        for table in _STUDY_TABLES:
            if table in q.tables:
                cols = {r[0] for r in q.con.execute(f"select column_name from information_schema.columns where table_name = '{table}'").fetchall()}
                if "model_id" in cols:
                    q.con.execute(
                        f'create or replace temp view {table} as select * from "{catalog}".main.{table} '
                        "where model_id in (select model_id from _scope)"
                    )
                    made.append(table)
        yield
    finally:
        for table in made:
            q.con.execute(f"drop view if exists temp.main.{table}")


def _study(q: _Q) -> dict[str, Any] | None:
    """``study_measures`` (what ``hfaudit paper releases`` prints) for the whole store, or the scope."""
    from hfaudit.analyse.releases.measures import study_measures

    if not q.has("weight_changes"):
        return None
    if not q.scoped:
        return study_measures(q.con)
    with _scoped_tables(q):
        return study_measures(q.con)


def _paper_section(q: _Q) -> list[dict[str, Any]]:
    """The paper's figures beside the same measures on this store. The paper-mode weight, card and
    dataset shares come from ``study_measures``, the one implementation ``hfaudit paper releases``
    uses (so the two agree on the same store); unscoped, both cover every stored model."""
    study = _study(q)
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
    share = (study or {}).get("weight_share", {})
    rows.append(
        {"measure": "Weight-file share of file changes (%)", "paper": PAPER["weight_change_share"],
         "paper_mode": share.get("paper_share_pct"), "hfaudit": share.get("silent_share_pct"),
         "note": "hfaudit: share of weight changes after the first upload that no signal documents"}
    )
    bases = q.one("select count(distinct config_model_type) from models join _scope using (model_id)")
    declared_roots = None
    if q.has("model_lineage"):
        declared_roots = q.one("select count(distinct root_id) from model_lineage join _scope using (model_id)")
    rows.append({"measure": "Base architectures", "paper": PAPER["base_architectures"], "paper_mode": bases,
                 "hfaudit": declared_roots, "note": "paper: config.model_type; hfaudit: distinct lineage roots"})
    cards = (study or {}).get("cards", {})
    rows += [
        {"measure": "Models with a card (%)", "paper": PAPER["card_share"], "paper_mode": cards.get("paper_card_present_pct"),
         "hfaudit": cards.get("hfaudit_card_filled_pct"), "note": "hfaudit does not count empty or template cards"},
        {"measure": "Models declaring training data (%)", "paper": PAPER["dataset_share"], "paper_mode": cards.get("paper_datasets_declared_pct"),
         "hfaudit": cards.get("hfaudit_datasets_declared_or_mentioned_pct"), "note": "paper: card metadata datasets; hfaudit: declared or mentioned"},
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
    data: dict[str, Any] = {"schema": "hfaudit.report", "version": REPORT_SCHEMA_VERSION, "scope": {"authors": list(authors), "models": list(models)}}
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
        data["conventions_more"] = max(0, (q.one("select count(distinct convention) from naming join _scope using (model_id)") or 0) - len(data["conventions"]))
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
    data["base_families_more"] = max(
        0, (q.one("select count(distinct coalesce(config_model_type, 'unknown')) from models join _scope using (model_id)") or 0) - len(data["base_families"])
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
            order by o.score nulls last, o.findings desc, o.owner limit 25
            """
        )
        data["owners_more"] = max(
            0, (q.one("select count(*) from owner_scores where owner in (select distinct split_part(model_id, '/', 1) from _scope)") or 0) - len(data["owners"])
        )
        # Ten bins over 0–10 counted in SQL (the report never holds one row per model); every
        # model's score is in models.jsonl beside the report.
        data["score_histogram"] = q.rows(
            f"""
            with b as (
                select least({SCORE_BINS - 1}, greatest(0, floor(score * {SCORE_BINS} / 10.0)))::integer as bin, count(*) as n
                from compliance_scores join _scope using (model_id) where score is not null group by 1
            )
            select bin * 10.0 / {SCORE_BINS} as "from", (bin + 1) * 10.0 / {SCORE_BINS} as "to", coalesce(n, 0) as models
            from range({SCORE_BINS}) as r(bin) left join b using (bin) order by bin
            """
        )
        if not any(r["models"] for r in data["score_histogram"]):
            data["score_histogram"] = []
        worst = q.rows(
            """
            select s.model_id, s.score, s.findings, s.reason
            from compliance_scores as s join _scope using (model_id)
            order by s.score nulls last, s.findings desc, s.model_id limit 25
            """
        )
        data["models_more"] = max(0, (q.one("select count(*) from compliance_scores join _scope using (model_id)") or 0) - len(worst))
        for m in worst:
            m["findings_list"] = q.rows(
                "select audit_id, severity, message from audit_findings where model_id = ? order by case severity when 'error' then 0 when 'warn' then 1 else 2 end, audit_id, location limit 5",
                [m["model_id"]],
            )
            m["findings_more"] = max(0, int(m["findings"] or 0) - len(m["findings_list"]))
            m["checks"] = q.rows("select check_name, outcome, score from compliance_checks where model_id = ? order by check_name", [m["model_id"]])
            card = q.rows(
                "select left(content, 400) as excerpt, length(content) - least(length(content), 400) as more "
                "from card_versions where model_id = ? order by committed_at desc limit 1",
                [m["model_id"]],
            )
            m["card_excerpt"] = card[0]["excerpt"] if card else None
            m["card_excerpt_more"] = card[0]["more"] if card else 0
        data["models"] = worst
    data["since_previous"] = _since_previous(q, authors, models)
    data["family"] = _family(q)
    return data


def _since_previous(q: _Q, authors: Sequence[str] = (), models: Sequence[str] = ()) -> dict[str, Any] | None:
    """The latest two snapshots compared by ``hfaudit diff``'s own code, with the counts the report shows."""
    from hfaudit.audit.diff import COMPARABLE, snapshot_diff

    snaps = [
        r[0]
        for r in q.con.execute(
            "select snapshot_id from snapshots where list_contains(?, status) order by snapshot_id desc limit 2",
            [list(COMPARABLE)],
        ).fetchall()
    ]
    if len(snaps) < 2:
        return None
    scope = None
    if authors or models:
        # every model of the scope, whatever its status: gone and renamed ones are what changed
        scope = [
            r[0]
            for r in q.con.execute(
                "select model_id from models where list_contains(?, author) or list_contains(?, model_id)",
                [list(authors), list(models)],
            ).fetchall()
        ]
    diff = snapshot_diff(q.con, snaps[1], snaps[0], scope)
    return {
        "previous_snapshot": diff["from"],
        "snapshot": diff["to"],
        "added": len(diff["added"]),
        "gone_or_renamed": len(diff["gone"]) + len(diff["renamed"]),
        "updated": len(diff["head_moved"]) + len(diff["history_rewritten"]),
        "commits_added": diff["commits_added"],
        "rewritten": len(diff["history_rewritten"]),
        "diff": diff,
    }


FAMILY_TREE_NODES = 40  # nodes the family tree draws, breadth first; the rest are counted as "+N more"


def _family(q: _Q) -> dict[str, Any] | None:
    """The largest family in scope: the root with the most descendants, and only that family's edges.

    The root is ``model_lineage.root_id`` (the top of each model's primary-parent chain) when the
    lineage analyser ran, else a model no declared edge points to; the family is every model
    reachable from it by lineage edges (card, tag, Hub API), counted once.
    """
    if q.has("lineage_edges"):
        edges = q.con.execute(
            "select distinct parent_id, child_id from lineage_edges where source in ('card', 'tag', 'hub_api') order by 1, 2"
        ).fetchall()
    else:
        edges = q.con.execute(
            "select distinct unnest(card_base_models) as parent_id, model_id from models where card_base_models is not null order by 1, 2"
        ).fetchall()
    children: dict[str, list[str]] = {}
    for p, c in edges:
        if p != c:
            children.setdefault(p, []).append(c)
    if not children:
        return None
    in_scope = {r[0] for r in q.con.execute("select model_id from _scope").fetchall()}
    if q.has("model_lineage"):
        roots = [r[0] for r in q.con.execute("select distinct root_id from model_lineage where root_id is not null").fetchall()]
    else:
        has_parent = {c for cs in children.values() for c in cs}
        roots = [p for p in children if p not in has_parent]

    def family(root: str) -> list[tuple[str, int]]:
        """(node, depth) breadth first from ``root``, each node once."""
        order, seen, frontier = [(root, 0)], {root}, [root]
        depth = 0
        while frontier:
            depth += 1
            nxt = []
            for node in frontier:
                for child in sorted(children.get(node, ())):
                    if child not in seen:
                        seen.add(child)
                        order.append((child, depth))
                        nxt.append(child)
            frontier = nxt
        return order

    best: tuple[int, str] | None = None
    for root in sorted(set(roots)):
        if root not in children:
            continue
        members = family(root)
        if not any(m in in_scope for m, _ in members):
            continue
        key = (len(members) - 1, root)
        if best is None or key[0] > best[0]:
            best = key
    if best is None:
        return None
    descendants, root = best
    members = family(root)
    shown = members[: FAMILY_TREE_NODES]
    shown_ids = {m for m, _ in shown}
    kids = {m: sorted(c for c in children.get(m, ()) if c in shown_ids) for m, _ in shown}
    hidden = {m: sum(1 for c in children.get(m, ()) if c not in shown_ids) for m, _ in shown}
    return {
        "root": root,
        "descendants": descendants,
        "depth": max(d for _, d in members),
        "shown": len(shown) - 1,
        "more": descendants - (len(shown) - 1),
        "children": {m: c for m, c in kids.items() if c},
        "hidden_children": {m: n for m, n in hidden.items() if n},
    }


REPORT_FILES = ("report.md", "report.html", "report.json")
# The rows the report summarises, in full, as JSON lines beside it (written by DuckDB, streamed).
LIST_FILES = ("models.jsonl", "owners.jsonl")


def _write_lists(con: duckdb.DuckDBPyConnection, folder: Path) -> list[str]:
    """``models.jsonl`` (every model in scope with its score) and ``owners.jsonl`` (every owner in
    scope), lowest scores first, when the audits ran; the names of the files written."""
    tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
    if not {"compliance_scores", "owner_scores"} <= tables:
        return []
    queries = {
        "models.jsonl": """
            select s.model_id, s.score, s.findings, s.demerits, s.reason
            from compliance_scores as s join _scope using (model_id)
            order by s.score nulls last, s.findings desc, s.model_id
        """,
        "owners.jsonl": """
            select o.owner, o.models, o.score, o.findings
            from owner_scores as o
            where o.owner in (select distinct split_part(model_id, '/', 1) from _scope)
            order by o.score nulls last, o.findings desc, o.owner
        """,
    }
    for name, sql in queries.items():
        path = str(folder / name).replace("'", "''")
        con.execute(f"copy ({sql}) to '{path}' (format json)")
    return list(queries)


def write_report(db: str | Path, out: str | Path, authors: Sequence[str] = (), models: Sequence[str] = ()) -> list[Path]:
    """Write ``report.md``, ``report.html`` and ``report.json`` into ``out``; returns their paths.

    The three files are written into a temporary folder beside ``out`` and then renamed into place
    one right after the other, so a kill while rendering leaves the previous report whole (never a new
    ``report.md`` beside an old ``report.html``). ``out`` must be a folder or not exist yet.
    """
    import shutil
    import tempfile

    from hfaudit.present.report.html import render_html
    from hfaudit.present.report.markdown import render_markdown

    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise HfauditError(f"--out {folder} is a file, not a folder", code=2)
    existed = folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".report-", dir=folder))
    except OSError as exc:
        raise HfauditError(f"cannot write the report into {folder}: {exc.strerror}", code=2) from exc
    try:
        with Store(db, read_only=True) as store:
            # the analysis's memory bound: DuckDB's own default is 80% of the machine
            from hfaudit.analyse import DEFAULT_MEMORY

            store.con.execute(f"set memory_limit = '{DEFAULT_MEMORY}'")
            data = build_report(store.con, authors, models)
            if not data["totals"]["models"]:
                scope = " ".join([*(f"--author {a}" for a in authors), *(f"--model {m}" for m in models)])
                raise HfauditError(
                    f"the scope ({scope}) holds no models in {db}" if scope else f"{db} holds no models: run 'hfaudit crawl' first",
                    code=2,
                )
            data["lists"] = _write_lists(store.con, tmp)
        texts = [render_markdown(data), render_html(data), json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"]
        for name, text in zip(REPORT_FILES, texts, strict=True):
            (tmp / name).write_text(text, encoding="utf-8")
        names = [*REPORT_FILES, *data["lists"]]
        for name in names:
            (tmp / name).replace(folder / name)
    except OSError as exc:
        raise HfauditError(f"cannot write the report into {folder}: {exc.strerror}", code=2) from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if not existed and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()  # a refused report leaves no empty folder it made
    return [folder / name for name in names]
