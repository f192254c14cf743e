"""Semantic-versioning compliance for model releases (DESIGN.md §5).

``build_semver_tables(con)`` writes ``semver_changes`` (what each commit changed, as bump reasons) and
``semver_releases`` (every release with its declared and required bump). Compliance scores are built
afterwards from the audit findings, by :mod:`hfaudit.semver.scores`: findings first, scores second.
"""

from __future__ import annotations

import duckdb

from hfaudit.semver.releases import (
    BUMP_RANK,
    REASON_BUMP,
    build_release_frames,
    declared_bump,
    parse_version,
    required_bump,
)

__all__ = [
    "BUMP_RANK",
    "REASON_BUMP",
    "build_semver_tables",
    "declared_bump",
    "parse_version",
    "required_bump",
]


def build_semver_tables(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(Re)create ``semver_changes`` and ``semver_releases``; returns their row counts."""
    changes, releases = build_release_frames(con)
    con.register("_semver_changes", changes)
    con.register("_semver_releases", releases)
    try:
        con.execute(
            """
            create or replace table semver_changes as
            select cast(model_id as varchar) as model_id, cast(commit_id as varchar) as commit_id,
                   cast(committed_at as timestamptz) as committed_at, cast(position as integer) as position,
                   cast(reasons as varchar[]) as reasons, cast(paths as varchar[]) as paths
            from _semver_changes
            order by model_id, committed_at, commit_id
            """
        )
        con.execute(
            """
            create or replace table semver_releases as
            select cast(model_id as varchar) as model_id, cast(release_kind as varchar) as release_kind,
                   cast(commit_id as varchar) as commit_id, cast(committed_at as timestamptz) as committed_at,
                   cast(version as varchar) as version, cast(previous_model_id as varchar) as previous_model_id,
                   cast(previous_commit_id as varchar) as previous_commit_id,
                   cast(previous_version as varchar) as previous_version,
                   cast(declared_by as varchar[]) as declared_by, cast(declared_bump as varchar) as declared_bump,
                   cast(required_bump as varchar) as required_bump, cast(reasons as varchar[]) as reasons,
                   cast(under_bump as boolean) as under_bump, cast(over_bump as boolean) as over_bump
            from _semver_releases
            order by model_id, committed_at, version
            """
        )
    finally:
        con.unregister("_semver_changes")
        con.unregister("_semver_releases")
    n_changes = con.execute("select count(*) from semver_changes").fetchone()
    n_releases = con.execute("select count(*) from semver_releases").fetchone()
    return (n_changes[0] if n_changes else 0, n_releases[0] if n_releases else 0)
