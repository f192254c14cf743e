"""`hfaudit check MODEL`: the semver check of one model's latest release (or of ``--from``..``--to``).

It answers four questions: what changed, what bump that requires, what the release declares (name,
tags, card), and which audits fail on the model. It reads a populated DB, or crawls the one model on
the fly into a temporary DB (against ``--endpoint``) and analyses it there.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from hfaudit.analyse.semver import declared_bump, required_bump
from hfaudit.analyse.semver.history import BUMP_RANK, is_over, is_under
from hfaudit.audit import SEVERITY_RANK, AuditRun, load_audits, load_config, run_audits
from hfaudit.errors import HfauditError
from hfaudit.store import Store

EXIT_COMPLIANT, EXIT_VIOLATIONS, EXIT_UNCHECKED = 0, 1, 2


@dataclass(frozen=True)
class CheckResult:
    """What ``hfaudit check`` found for one model and one release."""

    model_id: str
    release: dict[str, Any]
    changes: list[dict[str, Any]]
    run: AuditRun
    fail_on: str = "error"
    notes: list[str] = field(default_factory=list)

    @property
    def violations(self) -> list[Any]:
        return self.run.at_or_above(self.fail_on)

    @property
    def exit_code(self) -> int:
        return EXIT_VIOLATIONS if self.violations or self.release.get("under_bump") else EXIT_COMPLIANT

    def as_json(self) -> dict[str, Any]:
        return {
            "model_id": self.model_id,
            "release": self.release,
            "changes": self.changes,
            "compliant": self.exit_code == EXIT_COMPLIANT,
            "fail_on": self.fail_on,
            "notes": self.notes,
        }


def _resolve_rev(con: duckdb.DuckDBPyConnection, model_id: str, rev: str) -> tuple[str, int]:
    """A tag name, branch name or (prefix of a) commit id → (commit id, order index)."""
    order = con.execute(
        """
        select commit_id, row_number() over (order by committed_at, position, commit_id) as idx
        from commits where model_id = ? and unreachable_since is null
        """,
        [model_id],
    ).fetchall()
    by_id = {c: i for c, i in order}
    ref = con.execute(
        """
        select target_commit from refs
        where model_id = ? and name = ?
        order by snapshot_id desc limit 1
        """,
        [model_id, rev],
    ).fetchone()
    if ref and ref[0] in by_id:
        return ref[0], by_id[ref[0]]
    hits = [c for c in by_id if c.startswith(rev.lower())] if len(rev) >= 4 else []
    if len(hits) == 1:
        return hits[0], by_id[hits[0]]
    raise HfauditError(f"{model_id}: no revision {rev!r} (a tag, a branch or a commit id)", code=EXIT_UNCHECKED)


def _version_at(con: duckdb.DuckDBPyConnection, model_id: str, commit_id: str, rev: str) -> str | None:
    row = con.execute(
        "select version from semver_releases where model_id = ? and commit_id = ? and release_kind <> 'series' limit 1",
        [model_id, commit_id],
    ).fetchone()
    if row:
        return str(row[0])
    from hfaudit.analyse.semver.history import parse_version

    return rev if parse_version(rev) else None


def _release_between(con: duckdb.DuckDBPyConnection, model_id: str, rev_from: str, rev_to: str) -> dict[str, Any]:
    a, ia = _resolve_rev(con, model_id, rev_from)
    b, ib = _resolve_rev(con, model_id, rev_to)
    if ib <= ia:
        raise HfauditError(f"{model_id}: --to {rev_to} is not after --from {rev_from}", code=EXIT_UNCHECKED)
    rows = con.execute(
        """
        with ordered as (
            select commit_id, row_number() over (order by committed_at, position, commit_id) as idx
            from commits where model_id = ? and unreachable_since is null
        )
        select sc.reasons
        from semver_changes as sc
        join ordered as o using (commit_id)
        where sc.model_id = ? and o.idx > ? and o.idx <= ?
        """,
        [model_id, model_id, ia, ib],
    ).fetchall()
    reasons = sorted({r for (rs,) in rows for r in rs})
    old, new = _version_at(con, model_id, a, rev_from), _version_at(con, model_id, b, rev_to)
    declared = declared_bump(old, new)
    required = required_bump(reasons)
    return {
        "release_kind": "range",
        "commit_id": b,
        "previous_commit_id": a,
        "version": new,
        "previous_version": old,
        "declared_bump": declared,
        "required_bump": required,
        "reasons": reasons,
        "under_bump": is_under(declared, required),
        "over_bump": is_over(declared, required),
    }


def _latest_release(con: duckdb.DuckDBPyConnection, model_id: str) -> tuple[dict[str, Any], list[str]]:
    frame = con.execute(
        "select * from semver_releases where model_id = ? order by committed_at desc nulls last, version desc limit 1",
        [model_id],
    ).df()
    if len(frame):
        row = {k: (v.tolist() if hasattr(v, "tolist") else v) for k, v in frame.iloc[0].to_dict().items()}
        row["committed_at"] = str(row["committed_at"]) if row.get("committed_at") is not None else None
        return row, []
    rows = con.execute("select reasons from semver_changes where model_id = ?", [model_id]).fetchall()
    reasons = sorted({r for (rs,) in rows for r in rs})
    head = con.execute("select sha from models where model_id = ?", [model_id]).fetchone()
    note = "no declared version: the release is the head, compared with the first upload"
    return (
        {
            "release_kind": "head",
            "commit_id": head[0] if head else None,
            "version": None,
            "previous_version": None,
            "declared_bump": "none",
            "required_bump": required_bump(reasons),
            "reasons": reasons,
            "under_bump": False,
            "over_bump": False,
        },
        [note],
    )


def _changes(con: duckdb.DuckDBPyConnection, model_id: str, release: dict[str, Any]) -> list[dict[str, Any]]:
    """The commits (up to the release) that changed something a bump depends on, newest first."""
    rows = con.execute(
        """
        select commit_id, cast(committed_at as varchar), reasons, paths
        from semver_changes where model_id = ?
        order by committed_at desc, commit_id
        limit 20
        """,
        [model_id],
    ).fetchall()
    return [{"commit_id": c, "committed_at": at, "reasons": list(r), "paths": list(p)} for c, at, r, p in rows]


def check_in_db(db: str | Path, model_id: str, rev_from: str | None = None, rev_to: str | None = None, fail_on: str = "error") -> CheckResult:
    """Check ``model_id`` in an analysed DB."""
    if fail_on not in SEVERITY_RANK:
        raise HfauditError(f"--fail-on must be info, warn or error, not {fail_on!r}", code=EXIT_UNCHECKED)
    with Store(db, read_only=True) as store:
        con = store.con
        found = con.execute("select status from models where model_id = ?", [model_id]).fetchone()
        if not found:
            raise HfauditError(f"{model_id} is not in {db}", code=EXIT_UNCHECKED)
        commits = con.execute("select count(*) from commits where model_id = ?", [model_id]).fetchone()
        if not commits or not commits[0]:
            why = con.execute(
                "select error_type from crawl_errors where model_id = ? and resolved_snapshot is null order by occurred_at desc limit 1",
                [model_id],
            ).fetchone()
            raise HfauditError(f"{model_id}: no history to check ({why[0] if why else 'nothing crawled'})", code=EXIT_UNCHECKED)
        tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
        if "semver_releases" not in tables:
            raise HfauditError(f"{db} is not analysed: run hfaudit analyse", code=EXIT_UNCHECKED)
        if (rev_from is None) != (rev_to is None):
            raise HfauditError("--from and --to go together", code=EXIT_UNCHECKED)
        if rev_from is not None and rev_to is not None:
            release, notes = _release_between(con, model_id, rev_from, rev_to), list[str]()
        else:
            release, notes = _latest_release(con, model_id)
        run = run_audits(con, load_audits(overrides=load_config()), models=[model_id])
        return CheckResult(model_id, release, _changes(con, model_id, release), run, fail_on, notes)


@contextlib.contextmanager
def _crawled(model_id: str, endpoint: str, token: str | None) -> Iterator[Path]:
    from hfaudit.audit.pipeline import analyse
    from hfaudit.collect.crawl import Scope, crawl

    with tempfile.TemporaryDirectory(prefix="hfaudit-check-") as tmp:
        db = Path(tmp) / "check.duckdb"
        try:
            crawl(str(db), endpoint, Scope(model_ids=(model_id,)), token=token, concurrency=2)
        except HfauditError as exc:
            raise HfauditError(f"could not crawl {model_id}: {exc}", code=EXIT_UNCHECKED) from exc
        with Store(db, read_only=True) as store:
            got = store.con.execute("select count(*) from commits where model_id = ?", [model_id]).fetchone()
            err = store.con.execute(
                "select error_type, message from crawl_errors where model_id = ? and error_type <> 'card_unparseable' order by occurred_at desc limit 1",
                [model_id],
            ).fetchone()
        if not got or not got[0]:
            why = f"{err[0]}: {err[1]}" if err else "not found"
            raise HfauditError(f"could not crawl {model_id} from {endpoint} ({why})", code=EXIT_UNCHECKED)
        try:
            for _ in analyse(str(db)):
                pass
        except Exception as exc:  # any analyser failure means the model could not be checked
            raise HfauditError(f"could not analyse {model_id}: {type(exc).__name__}: {exc}", code=EXIT_UNCHECKED) from exc
        yield db


def check_model(
    model_id: str,
    db: str | Path | None = None,
    endpoint: str | None = None,
    token: str | None = None,
    rev_from: str | None = None,
    rev_to: str | None = None,
    fail_on: str = "error",
) -> CheckResult:
    """Check from ``db`` when it holds the model, else crawl the model from ``endpoint`` first."""
    if model_id.count("/") != 1:
        raise HfauditError(f"not a model id (owner/name): {model_id!r}", code=EXIT_UNCHECKED)
    if db is not None and Path(db).exists():
        with Store(db, read_only=True) as store:
            known = store.con.execute("select 1 from models where model_id = ?", [model_id]).fetchone()
        if known:
            return check_in_db(db, model_id, rev_from, rev_to, fail_on)
    if endpoint is None:
        raise HfauditError(f"{model_id} is not in the DB and no endpoint to crawl it from", code=EXIT_UNCHECKED)
    with _crawled(model_id, endpoint, token) as tmp_db:
        return check_in_db(tmp_db, model_id, rev_from, rev_to, fail_on)


def render_text(result: CheckResult) -> str:
    r = result.release
    lines = [f"{result.model_id}"]
    version = r.get("version") or "(no version)"
    prev = r.get("previous_version") or "(none)"
    lines.append(f"  release:   {version} at {str(r.get('commit_id') or '?')[:12]} ({r.get('release_kind')}), previous {prev}")
    reasons = ", ".join(r.get("reasons") or []) or "nothing that needs a bump"
    lines.append(f"  changed:   {reasons}")
    lines.append(f"  requires:  {r.get('required_bump')}")
    lines.append(f"  declares:  {r.get('declared_bump')}" + (f" (by {', '.join(r['declared_by'])})" if r.get("declared_by") else ""))
    verdict = "UNDER-BUMP" if r.get("under_bump") else "over-bump (a note)" if r.get("over_bump") else "ok"
    if BUMP_RANK.get(str(r.get("required_bump")), 0) and r.get("declared_bump") == "none":
        verdict = "no version declared"
    lines.append(f"  verdict:   {verdict}")
    for note in result.notes:
        lines.append(f"  note:      {note}")
    if result.run.findings:
        lines.append("  findings:")
        for f in result.run.findings:
            lines.append(f"    [{f.severity}] {f.audit_id}: {f.message}")
    else:
        lines.append("  findings:  none")
    if result.run.skipped:
        lines.append(f"  skipped:   {', '.join(sorted(result.run.skipped))}")
    lines.append(f"  result:    {'compliant' if result.exit_code == EXIT_COMPLIANT else 'violations'}")
    return "\n".join(lines) + "\n"
