"""Semantic-versioning compliance for model releases (DESIGN.md §5).

``build_semver_tables(con)`` writes ``semver_changes`` (what each commit changed, as bump reasons) and
``semver_releases`` (every release with its declared and required bump), as set work in DuckDB
(``hfaudit.analyse.semver.tables``). Compliance scores are built afterwards from the audit findings,
by :mod:`hfaudit.audit.scores`: findings first, scores second.
"""

from __future__ import annotations

import duckdb

from hfaudit.analyse.semver.history import (
    BUMP_RANK,
    REASON_BUMP,
    changelog_versions,
    commit_reasons,
    declared_bump,
    parse_version,
    required_bump,
)
from hfaudit.analyse.semver.history import _card_fields as card_fields
from hfaudit.analyse.semver.history import _Commit as CommitFacts
from hfaudit.analyse.semver.tables import build_semver_sql

__all__ = [
    "BUMP_RANK",
    "REASON_BUMP",
    "CommitFacts",
    "build_semver_tables",
    "card_fields",
    "changelog_versions",
    "commit_reasons",
    "declared_bump",
    "parse_version",
    "required_bump",
]


def build_semver_tables(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(Re)create ``semver_changes`` and ``semver_releases`` (written in one transaction, after the
    intermediate tables); returns their row counts."""
    return build_semver_sql(con)
