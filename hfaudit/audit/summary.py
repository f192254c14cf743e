"""A short Markdown summary of a store: what was crawled and the headline figures available so far."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from hfaudit.store import Store, table_names


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _md(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "_none_\n"
    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    rows = ["| " + " | ".join("" if pd.isna(v) else str(v).replace("|", "\\|") for v in r) + " |" for r in frame.itertuples(index=False)]
    return "\n".join([header, rule, *rows]) + "\n"


def write_summary(db: str, out: Path, seconds: float | None = None) -> Path:
    with Store(db, read_only=True) as store:
        con = store.con
        tables = set(table_names(con))
        models = _scalar(con, "select count(*) from models where status = 'present'")
        commits = _scalar(con, "select count(*) from commits where unreachable_since is null")
        changes = _scalar(con, "select count(*) from file_changes")
        weight = _scalar(con, "select count(*) from file_changes where category = 'weights'")
        replaced = _scalar(
            con, "select count(*) from file_changes where category = 'weights' and change_kind = 'modified'"
        )
        errors = con.execute(
            "select error_type, count(*) as n from crawl_errors where resolved_snapshot is null "
            "group by error_type order by n desc, error_type"
        ).df()
        categories = con.execute(
            "select category, count(*) as file_changes, round(100.0 * count(*) / sum(count(*)) over (), 2) as pct "
            "from file_changes group by category order by file_changes desc, category"
        ).df()
        base_families = con.execute(
            """
            with bases as (select unnest(card_base_models) as base from models where card_base_models is not null)
            select base as declared_base_model, count(*) as children from bases
            group by base order by children desc, base limit 10
            """
        ).df()
        model_types = con.execute(
            "select config_model_type as model_type, count(*) as models from models "
            "where config_model_type is not null group by 1 order by models desc, model_type limit 10"
        ).df()
        relation = con.execute(
            "select coalesce(card_base_model_relation, '(not declared)') as declared_relation, count(*) as models "
            "from models where card_base_models is not null group by 1 order by models desc, 1"
        ).df()
        conventions = (
            con.execute(
                "select convention, count(*) as models from naming group by convention "
                "order by models desc, convention limit 10"
            ).df()
            if "naming" in tables
            else None
        )
        snapshot = con.execute(
            "select snapshot_id, endpoint, status, requests from snapshots order by snapshot_id desc limit 1"
        ).fetchone()

    share = f"{100.0 * weight / changes:.2f}%" if changes else "n/a"
    lines = [
        "# hfaudit summary",
        "",
        f"Snapshot {snapshot[0] if snapshot else '?'} of {snapshot[1] if snapshot else '?'} "
        f"({snapshot[2] if snapshot else '?'})" + (f", {seconds:.0f} s end to end." if seconds is not None else "."),
        "",
        "| measure | value |",
        "|---|---|",
        f"| models | {models} |",
        f"| commits | {commits} |",
        f"| file changes | {changes} |",
        f"| weight-file changes | {weight} ({share} of file changes; the study: 40.87%) |",
        f"| weight files replaced in place | {replaced} |",
        "",
        "## File changes by category",
        "",
        _md(categories),
        "## Naming conventions (top 10)",
        "",
        _md(conventions) if conventions is not None else "_naming analysis not available yet_\n",
        "## Lineage: most-declared base models (top 10)",
        "",
        _md(base_families),
        "## Lineage: declared relations",
        "",
        _md(relation),
        "## Architectures (`config.model_type`, the study's \"base model\")",
        "",
        _md(model_types),
        "## Open crawl errors",
        "",
        _md(errors),
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines), encoding="utf-8")
    return out
