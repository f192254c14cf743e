"""SQL audits kept as data: one ``queries/<id>.sql`` per audit, its metadata in a header.

A header is a block of ``-- key: value`` lines at the top of the file, in a fixed order (``id``,
``title``, ``severity``, ``bump``, ``rationale``, ``reference``, ``message``, ``requires``); a line
``--   more text`` continues the previous key. The query after it reads the analysis tables and returns
one row per finding, with at least ``model_id`` and ``location`` (a commit, a path, a series: whatever
pins the finding down), in a fixed order. ``message`` is a template whose ``{column}`` fields are
filled from the row. ``requires`` lists the tables the query reads; an audit whose tables are absent
is *skipped*, never failed.

Severities (``info`` < ``warn`` < ``error``) can be overridden per audit in ``pyproject.toml``
(``[tool.hfaudit.audits]``) or ``hfaudit.toml`` (``[audits]``) of the working directory:
``weights_replaced_silently = "warn"``.
"""

from __future__ import annotations

import math
import re
import sys
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, NewType

import duckdb

from hfaudit.errors import HfauditError
from hfaudit.store import replace_table

if TYPE_CHECKING:  # pandas is imported where a frame is built (``check`` needs none)
    import pandas as pd

AuditId = NewType("AuditId", str)
SEVERITIES = ("info", "warn", "error")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
BUMPS = ("major", "minor", "patch", "none")
HEADER_KEYS = ("id", "title", "severity", "bump", "rationale", "reference", "message", "requires")
REQUIRED_KEYS = ("id", "title", "severity", "rationale", "message", "requires")
FINDING_COLUMNS = ("model_id", "location")
_HEADER_LINE = re.compile(r"^--\s([a-z_]+):\s?(.*)$")
_CONTINUATION = re.compile(r"^--\s{2,}(\S.*)$")
_FIELD = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


def queries_dir() -> Path:
    """The shipped audits: the project's top-level ``queries/`` folder, installed as the package data
    ``hfaudit.queries`` (setup.py maps the folder, pyproject.toml lists its files; an editable install
    maps it too)."""
    try:
        found = resources.files("hfaudit.queries")
    except ModuleNotFoundError:
        found = None
    if isinstance(found, Path):
        return found
    if found is not None:
        # A data folder is a namespace package (no __init__.py): installed from a wheel, files() gives a
        # MultiplexedPath, whose str() is not a path. Its entries are real files: take their folder.
        for entry in found.iterdir():
            if isinstance(entry, Path) and entry.name.endswith(".sql"):
                return entry.parent
    # Imported straight from a source checkout (the repository root on sys.path ahead of the
    # installed mapping): the folder is beside the package.
    return Path(__file__).resolve().parents[2] / "queries"


@dataclass(frozen=True)
class Audit:
    """One audit: its header and its query."""

    id: AuditId
    title: str
    severity: str
    rationale: str
    message: str
    requires: tuple[str, ...]
    sql: str
    bump: str | None = None
    reference: str | None = None
    path: Path | None = None

    def with_severity(self, severity: str) -> Audit:
        return Audit(**{**self.__dict__, "severity": severity})

    def render(self, row: Mapping[str, Any]) -> str:
        def value(m: re.Match[str]) -> str:
            v = row.get(m.group(1))
            if v is None or (isinstance(v, float) and math.isnan(v)):
                return "?"
            if isinstance(v, list | tuple):
                return ", ".join(map(str, v))
            if hasattr(v, "tolist"):
                return ", ".join(map(str, v.tolist()))
            return str(v)

        return _FIELD.sub(value, self.message)


@dataclass(frozen=True)
class Finding:
    """One failed audit on one model (and one location inside it)."""

    audit_id: str
    severity: str
    model_id: str
    location: str | None
    message: str
    title: str
    bump: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AuditRun:
    """The findings of a run, in audit order then query order, and the audits that were skipped."""

    audits: tuple[Audit, ...]
    findings: tuple[Finding, ...]
    skipped: Mapping[str, str]

    def at_or_above(self, severity: str) -> list[Finding]:
        floor = SEVERITY_RANK[severity]
        return [f for f in self.findings if SEVERITY_RANK[f.severity] >= floor]

    @cached_property
    def _counts(self) -> Counter[str]:
        return Counter(f.audit_id for f in self.findings)

    def outcome(self, audit: Audit) -> dict[str, Any]:
        """What the run did with ``audit``: ``status`` (ran, skipped), ``skipped_reason``, ``findings``."""
        return {
            "status": "skipped" if audit.id in self.skipped else "ran",
            "skipped_reason": self.skipped.get(audit.id),
            "findings": self._counts[audit.id],
        }


def parse_audit(path: Path) -> Audit:
    """Read one ``queries/<id>.sql`` file; raises ``HfauditError`` on a malformed header."""
    text = path.read_text(encoding="utf-8")
    meta: dict[str, str] = {}
    order: list[str] = []
    body_start = 0
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if (m := _HEADER_LINE.match(line)) and m.group(1) in HEADER_KEYS:
            meta[m.group(1)] = m.group(2).strip()
            order.append(m.group(1))
        elif (c := _CONTINUATION.match(line)) and order:
            meta[order[-1]] = f"{meta[order[-1]]} {c.group(1).strip()}".strip()
        else:
            body_start = i
            break
    else:
        body_start = len(lines)
    missing = [k for k in REQUIRED_KEYS if not meta.get(k)]
    if missing:
        raise HfauditError(f"{path.name}: header lacks {', '.join(missing)}")
    if order != [k for k in HEADER_KEYS if k in order]:
        raise HfauditError(f"{path.name}: header keys must come in the order {', '.join(HEADER_KEYS)}")
    if meta["id"] != path.stem:
        raise HfauditError(f"{path.name}: id {meta['id']!r} differs from the file name")
    if meta["severity"] not in SEVERITIES:
        raise HfauditError(f"{path.name}: severity must be one of {', '.join(SEVERITIES)}")
    bump = meta.get("bump") or None
    if bump is not None and bump not in BUMPS:
        raise HfauditError(f"{path.name}: bump must be one of {', '.join(BUMPS)}")
    sql = "\n".join(lines[body_start:]).strip()
    if not sql:
        raise HfauditError(f"{path.name}: no query after the header")
    return Audit(
        id=AuditId(meta["id"]),
        title=meta["title"],
        severity=meta["severity"],
        rationale=meta["rationale"],
        message=meta["message"],
        requires=tuple(t.strip() for t in meta["requires"].split(",") if t.strip()),
        sql=sql,
        bump=bump,
        reference=meta.get("reference") or None,
        path=path,
    )


def load_config(cwd: Path | None = None) -> dict[str, str]:
    """Severity overrides from ``pyproject.toml`` ``[tool.hfaudit.audits]`` or ``hfaudit.toml`` ``[audits]``."""
    base = cwd or Path.cwd()
    overrides: dict[str, str] = {}
    # Later files win: hfaudit.toml over pyproject.toml.
    for path, keys in ((base / "pyproject.toml", ("tool", "hfaudit", "audits")), (base / "hfaudit.toml", ("audits",))):
        if not path.is_file():
            continue
        try:
            section: Any = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise HfauditError(f"{path}: {exc}") from exc
        for key in keys:
            section = section.get(key, {}) if isinstance(section, dict) else {}
        overrides.update(section)
    for audit_id, severity in overrides.items():
        if severity not in SEVERITIES:
            raise HfauditError(f"severity override for {audit_id} must be one of {', '.join(SEVERITIES)}, not {severity!r}")
    return {str(k): str(v) for k, v in overrides.items()}


def load_audits(
    directory: Path | None = None,
    select: Sequence[str] | None = None,
    overrides: Mapping[str, str] | None = None,
) -> tuple[Audit, ...]:
    """Every audit in ``directory`` (sorted by id), optionally only ``select``, with severities overridden."""
    folder = directory or queries_dir()
    if not folder.is_dir():
        raise HfauditError(f"no audit folder at {folder}")
    audits = [parse_audit(p) for p in sorted(folder.glob("*.sql"))]
    known = {a.id for a in audits}
    for audit_id in list(select or ()) + list((overrides or {}).keys()):
        if audit_id not in known:
            raise HfauditError(f"unknown audit {audit_id!r} (see docs/audits.md)", code=2)
    if select:
        audits = [a for a in audits if a.id in set(select)]
    if overrides:
        audits = [a.with_severity(overrides[a.id]) if a.id in overrides else a for a in audits]
    return tuple(audits)


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}


def run_audit(con: duckdb.DuckDBPyConnection, audit: Audit, models: Sequence[str] | None = None) -> list[Finding]:
    """Run one audit's query and turn its rows into findings (with ``models``, only their rows: the
    filter is part of the query, a list of constants, so DuckDB pushes it through the audit's CTEs
    into the table scans and reads only those models' rows; a semi-join on ``unnest(?)`` is not
    pushed down and scanned whole tables, 0.4 s of CPU for one audit at 100k models)."""
    sql, args = audit.sql, None
    if models:
        marks = ", ".join("?" * len(models))
        sql = f"select * from (\n{_subquery(audit.sql)}) as _audit where model_id in ({marks})"
        args = [str(m) for m in models]
    try:
        result = con.execute(sql, args) if args else con.execute(sql)
        columns = [d[0] for d in result.description or []]
        records = [dict(zip(columns, r, strict=True)) for r in result.fetchall()]  # Python values, as SQL typed them
    except duckdb.Error as exc:
        raise HfauditError(f"audit {audit.id} failed: {str(exc).splitlines()[0]}") from exc
    missing = [c for c in FINDING_COLUMNS if c not in columns]
    if missing:
        raise HfauditError(f"audit {audit.id} returns no {', '.join(missing)} column")
    findings = []
    for row in records:
        details = {k: _plain(v) for k, v in row.items()}
        findings.append(
            Finding(
                audit_id=audit.id,
                severity=audit.severity,
                model_id=str(row["model_id"]),
                location=None if details.get("location") is None else str(details["location"]),
                message=audit.render(details),
                title=audit.title,
                bump=audit.bump,
                details=details,
            )
        )
    return findings


def _plain(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    pd = sys.modules.get("pandas")  # a pandas missing value can only come from a loaded pandas
    if pd is not None and (value is pd.NaT or value is pd.NA):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "item"):
        return value.item()
    return value


def run_audits(
    con: duckdb.DuckDBPyConnection,
    audits: Iterable[Audit] | None = None,
    models: Sequence[str] | None = None,
) -> AuditRun:
    """Run ``audits`` (default: all) over ``con``; ``models`` keeps only findings on those models."""
    chosen = tuple(audits) if audits is not None else load_audits(overrides=load_config())
    present = _tables(con)
    findings: list[Finding] = []
    skipped: dict[str, str] = {}
    keep = set(models) if models else None
    for audit in chosen:
        absent = [t for t in audit.requires if t not in present]
        if absent:
            skipped[audit.id] = f"needs {', '.join(absent)}"
            continue
        for f in run_audit(con, audit, models):
            if keep is None or f.model_id in keep:
                findings.append(f)
    return AuditRun(chosen, tuple(findings), skipped)


FINDINGS_TABLE_COLUMNS = ["audit_id", "severity", "model_id", "owner", "location", "bump", "title", "message"]


def findings_frame(run: AuditRun) -> pd.DataFrame:
    import pandas as pd

    rows = [
        {
            "audit_id": f.audit_id,
            "severity": f.severity,
            "model_id": f.model_id,
            "owner": f.model_id.split("/", 1)[0] if "/" in f.model_id else f.model_id,
            "location": f.location,
            "bump": f.bump,
            "title": f.title,
            "message": f.message,
        }
        for f in run.findings
    ]
    return pd.DataFrame(rows, columns=FINDINGS_TABLE_COLUMNS).astype(object)


FINDINGS_BATCH = 50_000


@dataclass(frozen=True)
class CountedRun(AuditRun):
    """An ``AuditRun`` whose findings went straight into ``audit_findings``: it keeps their counts
    per audit, not the findings (which a store of a million models cannot hold in memory)."""

    counts: Mapping[str, int] = field(default_factory=dict)

    @cached_property
    def _counts(self) -> Counter[str]:
        return Counter(self.counts)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


_SQL_INTEGERS = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"}


def _sql_text_of(column: str, sql_type: str) -> str | None:
    """A SQL expression of ``column`` as ``Audit.render`` prints it (``?`` for null), or None when
    its type is one SQL would print otherwise (doubles, timestamps, structs: those stay in Python)."""
    col = '"' + column.replace('"', '""') + '"'
    if sql_type == "VARCHAR" or sql_type in _SQL_INTEGERS:
        return f"coalesce(cast({col} as varchar), '?')"
    if sql_type == "BOOLEAN":
        return f"case when {col} is null then '?' when {col} then 'True' else 'False' end"
    if sql_type.endswith("[]") and (sql_type[:-2] == "VARCHAR" or sql_type[:-2] in _SQL_INTEGERS):
        # ", ".join(map(str, items)): a null item prints as None
        return f"coalesce(array_to_string(list_transform({col}, lambda x: coalesce(cast(x as varchar), 'None')), ', '), '?')"
    return None


def _findings_insert(audit: Audit, types: Mapping[str, str], into: str = "audit_findings") -> str | None:
    """The ``insert into audit_findings`` of ``audit``'s rows with their messages rendered in SQL
    (parameters: audit id, severity, bump, title), or None when a field's type must be rendered in
    Python; a field the query does not return prints ``?``, as in ``render``."""
    if types.get("model_id") != "VARCHAR" or not (types.get("location") == "VARCHAR" or types.get("location") in _SQL_INTEGERS):
        return None
    parts: list[str] = []
    pos = 0
    for match in _FIELD.finditer(audit.message):
        parts.append("'" + audit.message[pos : match.start()].replace("'", "''") + "'")
        field_type = types.get(match.group(1))
        text = "'?'" if field_type is None else _sql_text_of(match.group(1), field_type)
        if text is None:
            return None
        parts.append(text)
        pos = match.end()
    parts.append("'" + audit.message[pos:].replace("'", "''") + "'")
    return f"""
        insert into {into}
        select $1, $2, coalesce(model_id, 'None'),
               case when contains(coalesce(model_id, 'None'), '/') then split_part(model_id, '/', 1) else coalesce(model_id, 'None') end,
               cast(location as varchar), $3, $4, concat({", ".join(parts)})
        from ({_subquery(audit.sql)}) as _audit
    """


def _subquery(sql: str) -> str:
    """An audit's query as the body of a subquery (a final ``;`` dropped; a trailing comment ended)."""
    return sql.strip().rstrip(";").strip() + "\n"


def _stream_findings(con: duckdb.DuckDBPyConnection, audits: Sequence[Audit], into: str | None = None) -> CountedRun:
    """Run ``audits`` into ``audit_findings`` (or ``into``, a temporary table of its columns): one
    ``insert … select`` an audit when SQL can render its messages, else each query read in Arrow
    batches and its messages rendered per batch; rows in the order the audits ran, then query order."""
    from hfaudit.analyse.batches import BatchWriter

    present = _tables(con)
    skipped: dict[str, str] = {}
    counts: dict[str, int] = {}
    writer = BatchWriter(con, "audit_findings", into)
    reader_con = con.cursor()  # the writer inserts on ``con`` while batches are read here
    try:
        for audit in audits:
            absent = [t for t in audit.requires if t not in present]
            if absent:
                skipped[audit.id] = f"needs {', '.join(absent)}"
                continue
            try:
                types = {r[0]: str(r[1]) for r in reader_con.execute(f"describe ({_subquery(audit.sql)})").fetchall()}
                insert = _findings_insert(audit, types, writer.table)
                if insert is not None:
                    # every field of the message has a type SQL renders as Python would: set work
                    row = con.execute(insert, [audit.id, audit.severity, audit.bump, audit.title]).fetchone()
                    counts[audit.id] = int(row[0]) if row else 0
                    continue
                reader = reader_con.sql(audit.sql).to_arrow_reader(FINDINGS_BATCH)
            except duckdb.Error as exc:
                raise HfauditError(f"audit {audit.id} failed: {str(exc).splitlines()[0]}") from exc
            missing = [c for c in FINDING_COLUMNS if c not in reader.schema.names]
            if missing:
                raise HfauditError(f"audit {audit.id} returns no {', '.join(missing)} column")
            n = 0
            for batch in reader:
                rows = []
                for row in batch.to_pylist():
                    details = {k: _plain(v) for k, v in row.items()}
                    model_id = str(row["model_id"])
                    rows.append(
                        (
                            audit.id,
                            audit.severity,
                            model_id,
                            model_id.split("/", 1)[0] if "/" in model_id else model_id,
                            None if details.get("location") is None else str(details["location"]),
                            audit.bump,
                            audit.title,
                            audit.render(details),
                        )
                    )
                writer.append(rows)
                n += len(rows)
            counts[audit.id] = n
    finally:
        reader_con.close()
    return CountedRun(tuple(audits), (), skipped, counts)


@dataclass(frozen=True)
class FindingsDigest:
    """What the table format shows of a run: the count per audit and severity, and the first
    findings (most severe first), without holding every finding (5M on a store of 1M models)."""

    run: CountedRun
    counts: Mapping[tuple[str, str], int]
    first: tuple[Finding, ...]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def at_or_above(self, severity: str) -> bool:
        floor = SEVERITY_RANK[severity]
        return any(n and SEVERITY_RANK[sev] >= floor for (_, sev), n in self.counts.items())


def digest_audits(con: duckdb.DuckDBPyConnection, audits: Sequence[Audit], limit: int | None = None) -> FindingsDigest:
    """Run ``audits`` into a temporary table (a read-only store can hold one) and read back their
    counts and the first ``limit`` findings (all with none), ordered by severity, audit, model,
    location: set work, where ``run_audits`` builds every finding in Python."""
    temp = "_hfaudit_digest"
    run = _stream_findings(con, audits, into=temp)
    try:
        counts = {(a, sev): int(n) for a, sev, n in con.execute(f"select audit_id, severity, count(*) from {temp} group by all").fetchall()}
        # most severe first, as the table of every finding sorts them
        rank = " ".join(f"when '{sev}' then {-r}" for sev, r in SEVERITY_RANK.items())
        rows = con.execute(
            f"""
            select audit_id, severity, model_id, location, message, title, bump from {temp}
            order by case severity {rank} else 1 end, audit_id, model_id, coalesce(location, ''), message
            {"limit " + str(int(limit)) if limit else ""}
            """
        ).fetchall()
    finally:
        con.execute(f"drop table if exists {temp}")
    first = tuple(
        Finding(audit_id=a, severity=sev, model_id=m, location=loc, message=msg, title=title, bump=bump)
        for a, sev, m, loc, msg, title, bump in rows
    )
    return FindingsDigest(run, counts, first)


def build_findings_table(con: duckdb.DuckDBPyConnection, run: AuditRun | None = None) -> AuditRun:
    """(Re)create ``audit_findings`` (and ``audit_runs``: one row per audit, run or skipped).

    With no ``run``, every configured audit runs straight into the table (``CountedRun``)."""
    import pandas as pd

    if run is None:
        run = _stream_findings(con, load_audits(overrides=load_config()))
        frame = None
    else:
        frame = findings_frame(run)
    audits = pd.DataFrame(
        [
            {
                "audit_id": a.id,
                "severity": a.severity,
                "title": a.title,
                **run.outcome(a),
            }
            for a in run.audits
        ],
        columns=["audit_id", "severity", "title", "status", "skipped_reason", "findings"],
    ).astype({"findings": "int64"})
    if frame is not None:
        replace_table(con, "audit_findings", frame, None)  # in the order the audits ran
    replace_table(con, "audit_runs", audits, "audit_id")
    return run
