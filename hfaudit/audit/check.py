"""`hfaudit check MODEL`: the semver check of one model's latest release (or of ``--from``..``--to``).

It answers four questions: what changed, what bump that requires, what the release declares (name,
tags, card), and which audits fail on the model. It reads a populated DB, or crawls the one model on
the fly into a temporary DB (against ``--endpoint``) and analyses it there.

It judges what it is asked, with one verdict. The window is the latest release (the commits after
the previous release, up to the head) or exactly the commits in ``--from``..``--to``. A finding tied
to a commit counts when its commit lies in the window; a finding on the model as a whole (its card,
its series) counts for the latest release only. Findings outside the window are listed only with
``--history`` and never change the verdict. Series findings need the series' siblings: crawled on the
fly, the owner's siblings are fetched first; what cannot be known from them (a predecessor under
another owner) is ``unknown``, never a violation.
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
from hfaudit.audit import SEVERITY_RANK, AuditRun, Finding, load_audits, load_config, run_audits
from hfaudit.errors import HfauditError
from hfaudit.store import Store
from hfaudit.types import ModelId, parse_model_id

EXIT_COMPLIANT, EXIT_VIOLATIONS, EXIT_UNCHECKED = 0, 1, 2
# Audits about a version series: they need the series' other members in the store.
SERIES_AUDITS = ("version_without_predecessor", "version_series_gap", "naming_scheme_inconsistent")
_HEX40 = frozenset("0123456789abcdef")


@dataclass(frozen=True)
class CheckResult:
    """What ``hfaudit check`` found for one model and one release."""

    model_id: ModelId
    release: dict[str, Any]
    changes: list[dict[str, Any]]
    run: AuditRun
    fail_on: str = "error"
    notes: list[str] = field(default_factory=list)
    history: tuple[Finding, ...] = ()
    unknown: dict[str, str] = field(default_factory=dict)
    window: str = "latest release"
    changes_more: int = 0

    @property
    def violations(self) -> list[Any]:
        return self.run.at_or_above(self.fail_on)

    @property
    def exit_code(self) -> int:
        return EXIT_VIOLATIONS if self.violations or self.release.get("under_bump") else EXIT_COMPLIANT

    @property
    def verdict(self) -> str:
        """The one verdict: ``violations`` or ``compliant`` (``unknown`` audits are listed beside it)."""
        return "compliant" if self.exit_code == EXIT_COMPLIANT else "violations"

    def as_json(self) -> dict[str, Any]:
        return {
            "model_id": self.model_id,
            "release": self.release,
            "changes": self.changes,
            "changes_more": self.changes_more,
            "compliant": self.exit_code == EXIT_COMPLIANT,
            "verdict": self.verdict,
            "window": self.window,
            "fail_on": self.fail_on,
            "notes": self.notes,
            "unknown": self.unknown,
            "history": [
                {"audit_id": f.audit_id, "severity": f.severity, "location": f.location, "message": f.message}
                for f in self.history
            ],
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
    result = con.execute(
        "select * from semver_releases where model_id = ? order by committed_at desc nulls last, version desc limit 1",
        [model_id],
    )
    found = result.fetchone()
    if found is not None:
        row = dict(zip([d[0] for d in result.description or []], found, strict=True))
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
    """The commits (up to the release) that changed something a bump depends on, newest first: at
    most 20 (``CheckResult.changes_more`` counts the rest)."""
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


def _commit_order(con: duckdb.DuckDBPyConnection, model_id: str) -> dict[str, int]:
    rows = con.execute(
        """
        select commit_id, row_number() over (order by committed_at, position, commit_id) as idx
        from commits where model_id = ? and unreachable_since is null
        """,
        [model_id],
    ).fetchall()
    return {c: int(i) for c, i in rows}


def finding_commit(f: Finding) -> str | None:
    """The commit a finding is tied to (``details.commit_id``, or a location that starts with one)."""
    cid = f.details.get("commit_id") if f.details else None
    if cid:
        return str(cid)
    head = (f.location or "").split(":", 1)[0].lower()
    return head if len(head) == 40 and set(head) <= _HEX40 else None


def _window(order: dict[str, int], model_id: str, release: dict[str, Any], ranged: bool) -> tuple[int, int]:
    """The (exclusive, inclusive] positions of the commits being judged."""
    end = max(order.values(), default=0)
    if ranged:
        return order[release["previous_commit_id"]], order[release["commit_id"]]
    prev = release.get("previous_commit_id")
    same_repo = release.get("previous_model_id") in (None, model_id)
    if prev in order and same_repo and release.get("release_kind") != "series":
        return order[prev], end
    return 0, end


def _sort_key(order: dict[str, int]) -> Any:
    def key(f: Finding) -> tuple[int, int, str, str]:
        cid = finding_commit(f)
        return (-SEVERITY_RANK[f.severity], -(order.get(cid, 10**9) if cid else 10**9), f.audit_id, f.location or "")

    return key


def check_in_db(
    db: str | Path,
    model_id: ModelId,
    rev_from: str | None = None,
    rev_to: str | None = None,
    fail_on: str = "error",
    history: bool = False,
    unknown_audits: dict[str, str] | None = None,
    unsure_audits: dict[str, str] | None = None,
) -> CheckResult:
    """Check ``model_id`` in an analysed DB: the latest release, or exactly ``rev_from``..``rev_to``.

    ``unknown_audits`` (audit → why) cannot be judged from this DB: reported ``unknown``, their
    findings withheld. ``unsure_audits``: the same, but only when they have a finding (no finding
    is a clean answer; a finding might be an artefact of what the DB lacks).
    """
    with Store(db, read_only=True) as store:
        return _check_con(store.con, db, model_id, rev_from, rev_to, fail_on, history, unknown_audits, unsure_audits)


def _check_con(
    con: duckdb.DuckDBPyConnection,
    db: str | Path,
    model_id: ModelId,
    rev_from: str | None,
    rev_to: str | None,
    fail_on: str,
    history: bool,
    unknown_audits: dict[str, str] | None,
    unsure_audits: dict[str, str] | None,
) -> CheckResult:
    """``check_in_db`` on an open connection to ``db``."""
    if fail_on not in SEVERITY_RANK:
        raise HfauditError(f"--fail-on must be info, warn or error, not {fail_on!r}", code=EXIT_UNCHECKED)
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
    ranged = rev_from is not None and rev_to is not None
    if rev_from is not None and rev_to is not None:
        release, notes = _release_between(con, model_id, rev_from, rev_to), list[str]()
        window = f"{rev_from}..{rev_to}"
    else:
        release, notes = _latest_release(con, model_id)
        window = "latest release" + (f" {release['version']}" if release.get("version") else " (the head)")
    audits = load_audits(overrides=load_config())
    full = run_audits(con, audits, models=[model_id])
    order = _commit_order(con, model_id)
    lo, hi = _window(order, model_id, release, ranged)
    inside: list[Finding] = []
    outside: list[Finding] = []
    unknown: dict[str, str] = dict(unknown_audits or {})
    for f in full.findings:
        cid = finding_commit(f)
        if f.audit_id in unknown:
            continue
        if unsure_audits and f.audit_id in unsure_audits:
            unknown[f.audit_id] = unsure_audits[f.audit_id]
            continue
        if ranged and f.audit_id in ("under_bump", "over_bump"):
            continue  # the range is the release: its bump is judged below, from the range itself
        in_window = (lo < order[cid] <= hi) if cid in order else (cid is None and not ranged)
        (inside if in_window else outside).append(f)
    if ranged and release.get("under_bump"):
        audit = next((a for a in audits if a.id == "under_bump"), None)
        inside.append(
            Finding(
                audit_id="under_bump",
                severity=audit.severity if audit else "error",
                model_id=model_id,
                location=release["commit_id"],
                message=(
                    f"{rev_from}..{rev_to} declares a {release['declared_bump']} bump but "
                    f"{', '.join(release['reasons'])} require {release['required_bump']}"
                ),
                title=audit.title if audit else "Under-bump",
                bump=release["required_bump"],
                details={k: release.get(k) for k in ("commit_id", "previous_commit_id", "version", "previous_version", "declared_bump", "required_bump", "reasons")},
            )
        )
    key = _sort_key(order)
    run = AuditRun(full.audits, tuple(sorted(inside, key=key)), {**full.skipped, **unknown})
    changes = _changes(con, model_id, release)
    total = con.execute("select count(*) from semver_changes where model_id = ?", [model_id]).fetchone()
    return CheckResult(
        model_id, release, changes, run, fail_on, notes,
        history=tuple(sorted(outside, key=key)) if history else (), unknown=unknown, window=window,
        changes_more=max(0, int(total[0] if total else 0) - len(changes)),
    )


@contextlib.contextmanager
def _crawled(model_id: ModelId, endpoint: str, token: str | None) -> Iterator[tuple[Path, dict[str, str], dict[str, str]]]:
    """Crawl ``model_id`` and its series siblings under the same owner into a temporary DB, analysed.

    Yields the DB and the audits it cannot judge (always / only when they find something).
    """
    from hfaudit.analyse.naming.parser import parse_name
    from hfaudit.audit.pipeline import analyse
    from hfaudit.collect.crawl import Scope, crawl, list_ids

    with tempfile.TemporaryDirectory(prefix="hfaudit-check-") as tmp:
        db = Path(tmp) / "check.duckdb"
        try:
            crawl(str(db), endpoint, Scope(model_ids=(model_id,)), token=token, concurrency=2)
        except HfauditError as exc:
            raise HfauditError(f"could not crawl {model_id}: {exc}", code=EXIT_UNCHECKED) from exc
        if not db.exists():
            raise HfauditError(f"could not crawl {model_id} from {endpoint} (nothing stored)", code=EXIT_UNCHECKED)
        with Store(db, read_only=True) as store:
            got = store.con.execute("select count(*) from commits where model_id = ?", [model_id]).fetchone()
            err = store.con.execute(
                "select error_type, message from crawl_errors where model_id = ? and stage <> 'card' order by occurred_at desc limit 1",
                [model_id],
            ).fetchone()
            canonical = store.con.execute("select model_id from models where status = 'present' limit 1").fetchone()
        if not got or not got[0]:
            why = f"{err[0]}: {err[1]}" if err else "not found"
            raise HfauditError(f"could not crawl {model_id} from {endpoint} ({why})", code=EXIT_UNCHECKED)
        unknown: dict[str, str] = {}
        unsure = {
            "version_without_predecessor": "a predecessor under another owner is not looked for when one model is crawled on the fly",
        }
        parsed = parse_name(canonical[0] if canonical else model_id)
        if parsed.version_key:
            # The series' other members under the same owner: listed (one call a page), then crawled.
            try:
                owner_ids = list_ids(endpoint, parsed.owner, token=token)
            except HfauditError as exc:
                reason = f"the series siblings could not be listed ({exc})"
                unknown = dict.fromkeys(SERIES_AUDITS, reason)
            else:
                siblings = tuple(
                    ModelId(m) for m in owner_ids if m != model_id and parse_name(m).stem == parsed.stem and parse_name(m).owner == parsed.owner
                )
                if siblings:
                    sib = crawl(str(db), endpoint, Scope(model_ids=siblings), token=token, concurrency=2)
                    if sib.status != "complete":
                        reason = f"some series siblings could not be crawled: {sib.failures()}"
                        unknown = dict.fromkeys(SERIES_AUDITS, reason)
        try:
            for _ in analyse(str(db)):
                pass
        except Exception as exc:  # any analyser failure means the model could not be checked
            raise HfauditError(f"could not analyse {model_id}: {type(exc).__name__}: {exc}", code=EXIT_UNCHECKED) from exc
        yield db, unknown, unsure


def _series_unsure(con: duckdb.DuckDBPyConnection, model_id: str) -> dict[str, str]:
    """Series audits whose findings this store cannot back: none when a finished crawl listed every
    model of the owner (an empty scope, or the owner's whole listing), else all of them."""
    import json

    owner = model_id.split("/", 1)[0]
    scopes = [r[0] for r in con.execute("select scope from snapshots where status in ('complete', 'partial')").fetchall()]
    for text in scopes:
        try:
            scope = json.loads(text) if text else {}
        except ValueError:
            continue
        whole = not scope.get("model_ids") and not scope.get("search") and not scope.get("filters") and not scope.get("limit")
        if whole and (not scope.get("authors") or owner in scope["authors"]):
            return {}
    reason = f"the store's crawls did not list every model of {owner}, so the series may be incomplete"
    return dict.fromkeys(SERIES_AUDITS, reason)


def check_model(
    model_id: str,
    db: str | Path | None = None,
    endpoint: str | None = None,
    token: str | None = None,
    rev_from: str | None = None,
    rev_to: str | None = None,
    fail_on: str = "error",
    history: bool = False,
) -> CheckResult:
    """Check from ``db`` when it holds the model, else crawl the model from ``endpoint`` first.

    ``model_id`` may be plain text (a command line's): it is parsed as ``owner/name`` first.
    """
    mid = parse_model_id(model_id, code=EXIT_UNCHECKED)
    if db is not None and Path(db).exists():
        # One read-only connection for the whole check (each open of a large store costs tens of ms).
        with Store(db, read_only=True) as store:
            if store.con.execute("select 1 from models where model_id = ?", [mid]).fetchone():
                unsure = _series_unsure(store.con, mid)
                return _check_con(store.con, db, mid, rev_from, rev_to, fail_on, history, None, unsure)
    if endpoint is None:
        raise HfauditError(f"{model_id} is not in the DB and no endpoint to crawl it from", code=EXIT_UNCHECKED)
    with _crawled(mid, endpoint, token) as (tmp_db, unknown, unsure):
        return check_in_db(tmp_db, mid, rev_from, rev_to, fail_on, history, unknown, unsure)


def render_text(result: CheckResult) -> str:
    """The check as text: the release, its bump, the one verdict, then the findings by severity."""
    r = result.release
    lines = [f"{result.model_id}"]
    version = r.get("version") or "(no version)"
    prev = r.get("previous_version") or "(none)"
    lines.append(f"  judged:    {result.window}")
    lines.append(f"  release:   {version} at {str(r.get('commit_id') or '?')[:12]} ({r.get('release_kind')}), previous {prev}")
    reasons = ", ".join(r.get("reasons") or []) or "nothing that needs a bump"
    lines.append(f"  changed:   {reasons}")
    lines.append(f"  requires:  {r.get('required_bump')}")
    lines.append(f"  declares:  {r.get('declared_bump')}" + (f" (by {', '.join(r['declared_by'])})" if r.get("declared_by") else ""))
    bump = "UNDER-BUMP" if r.get("under_bump") else "over-bump (a note)" if r.get("over_bump") else "ok"
    if BUMP_RANK.get(str(r.get("required_bump")), 0) and r.get("declared_bump") == "none":
        bump = "no version declared"
    lines.append(f"  bump:      {bump}")
    for note in result.notes:
        lines.append(f"  note:      {note}")
    if result.run.findings:
        lines.append(f"  findings:  {len(result.run.findings)}, by severity")
        for f in result.run.findings:
            lines.append(f"    [{f.severity}] {f.audit_id}: {f.message}")
    else:
        lines.append("  findings:  none")
    for audit_id, why in sorted(result.unknown.items()):
        lines.append(f"  unknown:   {audit_id}: {why}")
    others = sorted(set(result.run.skipped) - set(result.unknown))
    if others:
        lines.append(f"  skipped:   {', '.join(others)}")
    if result.history:
        lines.append(f"  outside the judged window (--history; they do not change the verdict): {len(result.history)}")
        for f in result.history:
            lines.append(f"    [{f.severity}] {f.audit_id}: {f.message}")
    violations = len(result.violations) + (1 if r.get("under_bump") and not any(f.audit_id == "under_bump" for f in result.violations) else 0)
    detail = f" ({violations} at or above {result.fail_on})" if result.exit_code else ""
    lines.append(f"  verdict:   {result.verdict}{detail}")
    return "\n".join(lines) + "\n"
