"""Lineage: the base-model graph, modification types and families, from every source in the store.

``build_lineage_tables(con)`` reads the crawl tables and (re)writes:

- ``lineage_evidence``: every (child, parent reference, source) claim, resolved to a canonical id;
- ``lineage_edges``: one row per (child, parent) with its relation, declared relation, best source,
  every source, confidence, whether it is in the graph, and why a parent is dangling;
- ``model_lineage``: per model, its primary parent, relation to it (and on what basis), family root,
  depth and number of descendants;
- ``lineage_conflicts``: declared relations the files contradict, self-references, cycles and parents
  that sources disagree on;
- ``lineage_paper``: the study's measures beside hfaudit's (``config.model_type`` as base, the keyword
  variant label with its default, and the evidence-based relation).

It is set work in DuckDB (``hfaudit/analyse/lineage/sql.py``: one temporary table per step, the
resolver as joins). Python runs where SQL cannot say it, as DuckDB functions over a table of
*distinct* values (reference cleaning, card prose, config parsing, name facts), on the per-model
relation rules (``relations.observe``, memoised), and on the graph, which is walked on integer node
ids. See ``docs/lineage.md`` for the rules and ``docs/schema.md`` for the columns.
"""

from __future__ import annotations

import duckdb

from hfaudit.analyse.lineage.sql import ORDER, TABLES, build_lineage_tables

__all__ = ["ORDER", "TABLES", "build_lineage_tables", "lineage_counts"]


def lineage_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Row count of each lineage table."""
    out = {}
    for name in TABLES:
        row = con.execute(f"select count(*) from {name}").fetchone()
        out[name] = int(row[0]) if row else 0
    return out
