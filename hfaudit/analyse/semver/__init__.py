"""Semantic-versioning compliance for model releases (DESIGN.md §5).

``build_semver_tables(con)`` writes ``semver_changes`` (what each commit changed, as bump reasons) and
``semver_releases`` (every release with its declared and required bump). Compliance scores are built
afterwards from the audit findings, by :mod:`hfaudit.audit.scores`: findings first, scores second.
"""

from __future__ import annotations

import duckdb

from hfaudit.analyse.batches import BatchWriter
from hfaudit.analyse.semver.history import (
    BUMP_RANK,
    REASON_BUMP,
    build_release_frames,
    changelog_versions,
    commit_reasons,
    declared_bump,
    parse_version,
    required_bump,
    stream_release_rows,
)
from hfaudit.analyse.semver.history import _card_fields as card_fields
from hfaudit.analyse.semver.history import _Commit as CommitFacts

__all__ = [
    "BUMP_RANK",
    "REASON_BUMP",
    "CommitFacts",
    "build_release_frames",
    "build_semver_tables",
    "card_fields",
    "changelog_versions",
    "commit_reasons",
    "declared_bump",
    "parse_version",
    "required_bump",
]


def build_semver_tables(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(Re)create ``semver_changes`` and ``semver_releases``; returns their row counts."""
    changes = BatchWriter(con, "semver_changes")
    releases = BatchWriter(con, "semver_releases")
    for ch, rel in stream_release_rows(con):
        changes.append([tuple(r.get(c) for c in changes.columns) for r in ch])
        releases.append([tuple(r.get(c) for c in releases.columns) for r in rel])
    changes.finish("model_id, committed_at, commit_id")
    releases.finish("model_id, committed_at, version")
    n_changes = con.execute("select count(*) from semver_changes").fetchone()
    n_releases = con.execute("select count(*) from semver_releases").fetchone()
    return (n_changes[0] if n_changes else 0, n_releases[0] if n_releases else 0)
