"""Releases and the bump each one needs (DESIGN.md §5), from the crawl tables alone.

A release is either an in-repository version (a git tag, a card ``version`` field, or a new entry in
the card's changelog, at the first commit that shows it) or a repository that continues a version
series (``…-v1`` → ``…-v2``, from table ``version_series``).

Between two releases of one repository, every commit after the first weight upload contributes
*reasons*: ``architecture`` (``config.json`` ``model_type`` or ``architectures``), ``tokenizer`` (any
tokenizer file), ``base`` (card ``base_model``), ``task`` (card ``pipeline_tag``), ``license`` (card
``license``), ``weights`` (a weight file replaced or a shard added), ``format`` (a weight format
added or removed), ``generation`` (``generation_config.json``) and ``card`` (the rest of the README).
Between two repositories of a series, the reasons come from comparing the two as first released
(architecture, tokenizer and the card's base, license and task at the weight upload; weight files and
formats at the head); a card fact changed after the upload with no in-repository release to ship it
amends the series step. The required bump is the highest bump of the reasons; the declared bump comes
from the two version strings.
"""

from __future__ import annotations

import functools
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

from hfaudit.analyse.batches import Bounds, SortedStreams, in_range, jobs, model_ranges, parallel_map, params
from hfaudit.store import json_value

BUMP_RANK = {"none": 0, "initial": 0, "patch": 1, "minor": 2, "major": 3}
REASON_BUMP = {
    "architecture": "major",
    "tokenizer": "major",
    "base": "major",
    "task": "major",
    "license": "major",
    "weights": "minor",
    "format": "minor",
    "generation": "minor",
    "card": "patch",
}
REASONS = tuple(REASON_BUMP)
VERSION_RE = re.compile(r"^[vV]?(\d+)(?:\.(\d+))?(?:\.(\d+))?$")
_CHANGELOG_HEADING = re.compile(r"^#+\s*(changelog|change log|changes|release notes|history|updates)\b", re.I | re.M)
_CHANGELOG_VERSION = re.compile(r"(?<![\w.])([vV]?\d+\.\d+(?:\.\d+)?)(?![\w.])")
# Files that restate tokens other tokenizer files hold: changing them alone is not a new tokenizer.
_TOKENIZER_RESTATED = {"special_tokens_map.json", "added_tokens.json"}
_DATE_VERSION = re.compile(r"^\d{4}-?\d{2}-?\d{2}$")
# What the card says of a release, as opposed to what its files hold.
CARD_FACTS = ("license", "base", "task")

RELEASE_COLUMNS = [
    "model_id",
    "release_kind",
    "commit_id",
    "committed_at",
    "version",
    "previous_model_id",
    "previous_commit_id",
    "previous_version",
    "declared_by",
    "declared_bump",
    "required_bump",
    "reasons",
    "under_bump",
    "over_bump",
]
CHANGE_COLUMNS = ["model_id", "commit_id", "committed_at", "position", "reasons", "paths"]


def parse_version(text: str | None) -> tuple[int, ...] | None:
    """``v1.2`` → (1, 2); None for anything that is not a dotted version (dates included)."""
    if not text:
        return None
    m = VERSION_RE.match(text.strip())
    if not m:
        return None
    return tuple(int(g) for g in m.groups() if g is not None)


def declared_bump(old: str | None, new: str | None) -> str:
    """The bump a step from version ``old`` to ``new`` declares: major, minor, patch or none."""
    if old is None or new is None or _DATE_VERSION.match(old.strip()) or _DATE_VERSION.match(new.strip()):
        return "none"
    a, b = parse_version(old), parse_version(new)
    if not a or not b or a == b:
        return "none"
    if b[0] != a[0]:
        return "major"
    if len(a) > 1 and len(b) > 1 and a[1] != b[1]:
        return "minor"
    return "patch"


def required_bump(reasons: Iterable[str]) -> str:
    best = "none"
    for reason in reasons:
        bump = REASON_BUMP.get(reason, "none")
        if BUMP_RANK[bump] > BUMP_RANK[best]:
            best = bump
    return best


def is_under(declared: str, required: str) -> bool:
    return declared not in ("none", "initial") and required != "initial" and BUMP_RANK[declared] < BUMP_RANK[required]


def is_over(declared: str, required: str) -> bool:
    return declared not in ("none", "initial") and BUMP_RANK[declared] > BUMP_RANK[required]


def changelog_versions(readme: str | None) -> list[str]:
    """Versions named in the README's changelog section (empty when there is none)."""
    if not readme:
        return []
    m = _CHANGELOG_HEADING.search(readme)
    if not m:
        return []
    section = readme[m.end():]
    nxt = re.search(r"^#{1,2}\s", section, re.M)
    if nxt:
        section = section[: nxt.start()]
    return [v for v in _CHANGELOG_VERSION.findall(section) if parse_version(v)]


def _normjson_value(text: str | None) -> str | None:
    data = json_value(text)
    return json.dumps(data, sort_keys=True) if data is not None else text


@functools.lru_cache(maxsize=16384)  # pure; config.json texts repeat across models
def _arch(config_text: str | None) -> tuple[str | None, tuple[str, ...]]:
    data = json_value(config_text)
    if not isinstance(data, dict):
        return None, ()
    archs = data.get("architectures")
    return data.get("model_type"), tuple(archs) if isinstance(archs, list) else ()


def _card_fields(front_matter: Any) -> dict[str, Any]:
    if isinstance(front_matter, str | None):
        return dict(_card_field_items(front_matter))
    return _card_fields_of(front_matter)


@functools.lru_cache(maxsize=16384)  # a card's front matter parses once per distinct text
def _card_field_items(front_matter: str | None) -> tuple[tuple[str, Any], ...]:
    return tuple(_card_fields_of(front_matter).items())


def _card_fields_of(front_matter: Any) -> dict[str, Any]:
    fm = json_value(front_matter)
    if not isinstance(fm, dict):
        return {}
    base = fm.get("base_model")
    bases = tuple(sorted(str(b) for b in base)) if isinstance(base, list) else (str(base),) if base else ()
    return {
        "license": fm.get("license"),
        "base": bases,
        "task": fm.get("pipeline_tag"),
        "version": str(fm["version"]) if fm.get("version") is not None else None,
    }


def _ext(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return "." + name.rsplit(".", 1)[-1] if "." in name else ""


@dataclass
class _Commit:
    commit_id: str
    committed_at: Any
    position: int
    changes: list[tuple[str, str, str, int | None]] = field(default_factory=list)  # path, kind, category, new size
    contents: dict[str, str] = field(default_factory=dict)
    readme: str | None = None
    front_matter: Any = None
    readme_changed: bool = False


SEMVER_QUERIES = {
    "commits": f"""
        select model_id, commit_id, committed_at, coalesce(position, 0) as position
        from commits
        where unreachable_since is null and {in_range('model_id')}
        order by model_id, committed_at, position, commit_id
        """,
    "changes": f"""
        select model_id, commit_id, path, change_kind, category, new_size from file_changes
        where {in_range('model_id')} order by model_id, commit_id, path
        """,
    "contents": f"""
        select model_id, commit_id, path, content from file_contents
        where {in_range('model_id')} order by model_id, commit_id, path
        """,
    "cards": f"""
        select model_id, commit_id, content, front_matter from card_versions
        where {in_range('model_id')} order by model_id, commit_id
        """,
    "tags": f"""
        with latest as (
            select model_id, max(snapshot_id) as snapshot_id from refs where {in_range('model_id')} group by model_id
        )
        select r.model_id, r.name, r.target_commit
        from refs as r
        join latest as l using (model_id, snapshot_id)
        where r.ref_type = 'tag'
        order by r.model_id, r.name
        """,
}


def _range_rows(con: duckdb.DuckDBPyConnection, bounds: Bounds) -> dict[str, list[Any]]:
    """The rows of one range of models (``hfaudit.analyse.batches``) that ``_histories`` needs."""
    p = params(bounds)
    return {name: con.execute(sql, p).fetchall() for name, sql in SEMVER_QUERIES.items()}


def _histories(rows: dict[str, list[Any]]) -> dict[str, list[_Commit]]:
    by_model: dict[str, list[_Commit]] = defaultdict(list)
    index: dict[tuple[str, str], _Commit] = {}
    c: _Commit | None
    for model_id, commit_id, at, pos in rows["commits"]:
        c = _Commit(commit_id, at, pos)
        by_model[model_id].append(c)
        index[(model_id, commit_id)] = c
    for model_id, commit_id, path, kind, cat, size in rows["changes"]:
        if (c := index.get((model_id, commit_id))) is not None:
            c.changes.append((path, kind, cat, size))
    for model_id, commit_id, path, content in rows["contents"]:
        if (c := index.get((model_id, commit_id))) is not None:
            c.contents[path] = content
    for model_id, commit_id, content, fm in rows["cards"]:
        if (c := index.get((model_id, commit_id))) is not None:
            c.readme, c.front_matter, c.readme_changed = content, fm, True
    return by_model


def _load(con: duckdb.DuckDBPyConnection) -> dict[str, list[_Commit]]:
    return _histories(_range_rows(con, (None, None)))


def commit_reasons(history: list[_Commit]) -> list[dict[str, Any]]:
    """One row per commit after the first weight upload, with the reasons it contributes."""
    rows: list[dict[str, Any]] = []
    formats: set[str] = set()
    weights_seen = False
    arch: tuple[str | None, tuple[str, ...]] = (None, ())
    card: dict[str, Any] = {}
    for c in history:
        reasons: set[str] = set()
        paths: list[str] = []
        had_weights = weights_seen
        new_formats = set(formats)
        for path, kind, cat, _size in c.changes:
            if cat == "weights":
                ext = _ext(path)
                if kind == "modified":
                    reasons.add("weights")
                elif kind == "added":
                    reasons.add("format" if ext not in formats else "weights")
                    new_formats.add(ext)
                elif kind == "deleted":
                    reasons.add("format")
                weights_seen = True
                paths.append(path)
            elif cat == "tokenizer" and path.rsplit("/", 1)[-1] not in _TOKENIZER_RESTATED:
                reasons.add("tokenizer")
                paths.append(path)
            elif path.rsplit("/", 1)[-1] == "generation_config.json":
                reasons.add("generation")
                paths.append(path)
        formats = new_formats
        if "config.json" in c.contents:
            new_arch = _arch(c.contents["config.json"])
            if arch != (None, ()) and new_arch != arch:
                reasons.add("architecture")
                paths.append("config.json")
            arch = new_arch
        if c.readme_changed:
            new_card = _card_fields(c.front_matter)
            card_reasons = set()
            for key, reason in (("license", "license"), ("base", "base"), ("task", "task")):
                if card and new_card.get(key) != card.get(key) and (card.get(key) or new_card.get(key)):
                    card_reasons.add(reason)
            reasons |= card_reasons or {"card"}
            paths.append("README.md")
            card = new_card
        if had_weights:
            rows.append(
                {
                    "commit_id": c.commit_id,
                    "committed_at": c.committed_at,
                    "position": c.position,
                    "reasons": sorted(reasons),
                    "paths": sorted(set(paths)),
                }
            )
        elif weights_seen:
            # the upload itself: the baseline, not a change
            rows.append(
                {"commit_id": c.commit_id, "committed_at": c.committed_at, "position": c.position, "reasons": [], "paths": [], "upload": True}
            )
    return rows


def repo_releases(model_id: str, history: list[_Commit], tags: dict[str, str]) -> list[dict[str, Any]]:
    """In-repository releases: the first commit that shows each new version, by tag or card."""
    order = {c.commit_id: i for i, c in enumerate(history)}
    seen: dict[str, tuple[int, set[str]]] = {}  # version → (commit index, declared_by)

    def note(version: str, idx: int, by: str) -> None:
        key = ".".join(map(str, parse_version(version) or ()))
        if not key:
            return
        if key not in seen or idx < seen[key][0]:
            seen[key] = (idx, {by} | (seen[key][1] if key in seen and seen[key][0] == idx else set()))
        elif seen[key][0] == idx:
            seen[key][1].add(by)

    for name, target in tags.items():
        if parse_version(name) and target in order:
            note(name, order[target], "tag")
    last_card_version: str | None = None
    known_changelog: set[str] = set()
    for i, c in enumerate(history):
        if not c.readme_changed:
            continue
        version = _card_fields(c.front_matter).get("version")
        if version and version != last_card_version and parse_version(version):
            note(version, i, "card_version")
        last_card_version = version
        for v in changelog_versions(c.readme):
            if v not in known_changelog:
                note(v, i, "readme_changelog")
                known_changelog.add(v)
    labels: dict[str, str] = {}
    for name in list(tags) + [c2 for c2 in known_changelog]:
        pv = parse_version(name)
        if pv:
            labels.setdefault(".".join(map(str, pv)), name)
    reasons_rows = commit_reasons(history)
    upload_idx = next((order[r["commit_id"]] for r in reasons_rows if r.get("upload")), None)
    by_commit = {r["commit_id"]: r["reasons"] for r in reasons_rows if not r.get("upload")}
    releases: list[dict[str, Any]] = []
    previous: tuple[int, str] | None = None
    for key, (idx, by) in sorted(seen.items(), key=lambda kv: (kv[1][0], parse_version(kv[0]) or ())):
        version = labels.get(key, key)
        start = previous[0] + 1 if previous else (upload_idx + 1 if upload_idx is not None else 0)
        reasons = sorted({r for c in history[start : idx + 1] for r in by_commit.get(c.commit_id, [])})
        if previous is None:
            pv = parse_version(version) or ()
            initial_like = pv[:1] in ((1,), (0,)) and all(p == 0 for p in pv[1:]) or pv == (0, 1) or pv == (0, 1, 0)
            if initial_like or (upload_idx is not None and idx <= upload_idx):
                declared, required, prev_version = "initial", "initial", None
            else:
                prev_version = None
                declared = declared_bump("1.0.0", version)
                required = required_bump(reasons)
        else:
            prev_version = previous[1]
            declared = declared_bump(prev_version, version)
            required = required_bump(reasons)
        c = history[idx]
        releases.append(
            {
                "model_id": model_id,
                "release_kind": "tag" if "tag" in by else "card",
                "commit_id": c.commit_id,
                "committed_at": c.committed_at,
                "version": version,
                "previous_model_id": model_id if previous else None,
                "previous_commit_id": history[previous[0]].commit_id if previous else None,
                "previous_version": prev_version,
                "declared_by": sorted(by),
                "declared_bump": declared,
                "required_bump": required,
                "reasons": reasons,
                "under_bump": is_under(declared, required),
                "over_bump": is_over(declared, required),
            }
        )
        previous = (idx, version)
    if releases and previous is not None:
        _amend_last(releases[-1], [by_commit.get(c.commit_id, []) for c in history[previous[0] + 1 :]])
    return releases


def _amend_last(release: dict[str, Any], trailing: list[list[str]]) -> None:
    """Card facts changed after the latest release, with no newer release, amend that release.

    The Hub shows the card at the head of the branch for every revision, so a license, base or task
    written into the card after the latest tag is what users of that tag read.
    """
    if release["declared_bump"] == "initial":
        return
    amended: set[str] = set()
    for reasons in trailing:
        amended |= set(reasons) & {"license", "base", "task"}
    if not amended:
        return
    reasons = sorted(set(release["reasons"]) | amended)
    release["reasons"] = reasons
    release["required_bump"] = required_bump(reasons)
    release["under_bump"] = is_under(release["declared_bump"], release["required_bump"])
    release["over_bump"] = is_over(release["declared_bump"], release["required_bump"])


def _head_facts(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    """What each repository's head says: architecture, tokenizer, base, license, task, formats."""
    facts: dict[str, dict[str, Any]] = {}
    for model_id, card_data, bases, pipeline, config in con.execute(
        "select model_id, card_data, card_base_models, pipeline_tag, config from models order by model_id"
    ).fetchall():
        cd = json_value(card_data) or {}
        facts[model_id] = {
            "license": cd.get("license") if isinstance(cd, dict) else None,
            "base": tuple(sorted(bases or ())),
            "task": pipeline,
            "arch": _arch(config),
            "tokenizer": None,
            "formats": set(),
            "weights": set(),
        }
    latest = con.execute(
        """
        with ranked as (
            select fc.model_id, fc.path, fc.content,
                   row_number() over (partition by fc.model_id, fc.path order by c.committed_at desc, c.position desc) as rn
            from file_contents as fc
            join commits as c using (model_id, commit_id)
            where fc.path in ('config.json', 'tokenizer_config.json')
        )
        select model_id, path, content from ranked where rn = 1 order by model_id, path
        """
    ).fetchall()
    for model_id, path, content in latest:
        f = facts.get(model_id)
        if f is None:
            continue
        if path == "config.json":
            f["arch"] = _arch(content)
        else:
            f["tokenizer"] = _normjson_value(content)
    for model_id, path, size, sha, cat in con.execute(
        "select model_id, path, size, coalesce(sha256, blob), category from model_files order by model_id, path"
    ).fetchall():
        f = facts.get(model_id)
        if f is None:
            continue
        if cat == "weights":
            f["formats"].add(_ext(path))
            f["weights"].add(sha)
        elif path == "tokenizer.json":
            f["tokenizer_size"] = size
    return facts


def upload_facts(history: list[_Commit]) -> dict[str, Any]:
    """The repository as first released: the state at its first weight upload.

    Architecture and tokenizer as that commit left them; license, base and task from the card as of
    that commit (absent when there was no card yet; None or no base when the card declared none).
    """
    facts: dict[str, Any] = {"arch": (None, ()), "tokenizer": None, "tokenizer_size": None}
    card: dict[str, Any] | None = None
    for c in history:
        if "config.json" in c.contents:
            facts["arch"] = _arch(c.contents["config.json"])
        if "tokenizer_config.json" in c.contents:
            facts["tokenizer"] = _normjson_value(c.contents["tokenizer_config.json"])
        if c.readme_changed:
            card = _card_fields(c.front_matter)
        for path, kind, _cat, size in c.changes:
            if path == "tokenizer.json" and kind != "deleted":
                facts["tokenizer_size"] = size
        if any(cat == "weights" for _, _, cat, _ in c.changes):
            break
    if card is not None:
        facts.update(license=card.get("license"), base=card.get("base"), task=card.get("task"))
    return facts


def _released_after_upload(history: list[_Commit], releases: list[dict[str, Any]]) -> bool:
    """Whether an in-repository release (not the first) follows the repository's weight upload.

    Every change after the upload then belongs to an in-repository release: to the one that ships it,
    or, after the latest, amending that one (``_amend_last``).
    """
    upload = next((i for i, c in enumerate(history) if any(cat == "weights" for _, _, cat, _ in c.changes)), None)
    if upload is None:
        return False
    order = {c.commit_id: i for i, c in enumerate(history)}
    return any(r["declared_bump"] != "initial" and order.get(r["commit_id"], -1) > upload for r in releases)


def series_releases(
    con: duckdb.DuckDBPyConnection,
    uploads: dict[str, tuple[str, Any]],
    first_released: dict[str, dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """One release per repository that continues a version series, compared with its predecessor."""
    tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
    if "version_series" not in tables:
        return []
    pairs = con.execute(
        """
        select vs.model_id, vs.version_raw, vs.predecessor_id, p.version_raw
        from version_series as vs
        join version_series as p on p.model_id = vs.predecessor_id and p.series_id = vs.series_id
        where vs.predecessor_id is not null
        order by vs.model_id
        """
    ).fetchall()
    if not pairs:
        return []
    facts = _head_facts(con)
    # A series step compares the two versions as each was first released; a card fact a repository
    # changed later, with no in-repository release to ship it, amends the first release (the Hub shows
    # the head card for every revision): those models' entries carry no license, base or task.
    for model_id, first in (first_released or {}).items():
        if model_id in facts:
            facts[model_id].update({k: v for k, v in first.items() if k in CARD_FACTS or v not in (None, (None, ()))})
    out = []
    for model_id, version, pred_id, pred_version in pairs:
        a, b = facts.get(pred_id), facts.get(model_id)
        if a is None or b is None or version is None:
            continue
        reasons = set()
        if b["weights"] and b["weights"] != a["weights"]:
            reasons.add("weights")
        if a["arch"] != (None, ()) and b["arch"] != (None, ()) and a["arch"] != b["arch"]:
            reasons.add("architecture")
        if (a["tokenizer"] is not None and b["tokenizer"] is not None and a["tokenizer"] != b["tokenizer"]) or (
            a.get("tokenizer_size") and b.get("tokenizer_size") and a["tokenizer_size"] != b["tokenizer_size"]
        ):
            reasons.add("tokenizer")
        if a["base"] != b["base"] and a["base"] and b["base"] and pred_id not in b["base"]:
            reasons.add("base")
        if a["license"] and b["license"] and a["license"] != b["license"]:
            reasons.add("license")
        if a["task"] and b["task"] and a["task"] != b["task"]:
            reasons.add("task")
        if b["formats"] - a["formats"]:
            reasons.add("format")
        declared = declared_bump(pred_version, version)
        required = required_bump(reasons)
        commit_id, at = uploads.get(model_id, (None, None))
        out.append(
            {
                "model_id": model_id,
                "release_kind": "series",
                "commit_id": commit_id,
                "committed_at": at,
                "version": version,
                "previous_model_id": pred_id,
                "previous_commit_id": None,
                "previous_version": pred_version,
                "declared_by": ["name_version"],
                "declared_bump": declared,
                "required_bump": required,
                "reasons": sorted(reasons),
                "under_bump": is_under(declared, required),
                "over_bump": is_over(declared, required),
            }
        )
    return out


def _range_results(rows: dict[str, list[Any]]) -> dict[str, Any]:
    """A worker's job: one range of models to its change rows, in-repository releases, and the
    upload and first-release facts that the series step (across models) reads."""
    history = _histories(rows)
    tags: dict[str, dict[str, str]] = defaultdict(dict)
    for model_id, name, target in rows["tags"]:
        tags[model_id][name] = target
    changes: list[dict[str, Any]] = []
    releases: list[dict[str, Any]] = []
    uploads: dict[str, tuple[str, Any]] = {}
    first_released: dict[str, dict[str, Any]] = {}
    for model_id, commits in history.items():
        for row in commit_reasons(commits):
            if row.pop("upload", False):
                uploads[model_id] = (row["commit_id"], row["committed_at"])
                continue
            if row["reasons"]:
                changes.append({"model_id": model_id, **row})
        in_repo = repo_releases(model_id, commits, tags.get(model_id, {}))
        releases.extend(in_repo)
        first = upload_facts(commits)
        if not _released_after_upload(commits, in_repo):
            for key in CARD_FACTS:
                first.pop(key, None)
        first_released[model_id] = first
    return {"changes": changes, "releases": releases, "uploads": uploads, "first_released": first_released}


def stream_release_rows(
    con: duckdb.DuckDBPyConnection, size: int | None = None
) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    """``(changes, releases)`` row batches, one range of models at a time (on ``jobs(con)``
    workers), then the series releases across models last."""
    uploads: dict[str, tuple[str, Any]] = {}
    first_released: dict[str, dict[str, Any]] = {}
    ranges = model_ranges(con, size)
    # One sorted scan per input, cut into ranges (not a filtered scan per range).
    streams = SortedStreams(con, SEMVER_QUERIES, params((None, None)))
    try:
        work = (streams.take(b) for b in ranges)
        for part in parallel_map(_range_results, work, min(jobs(con), len(ranges))):
            uploads.update(part["uploads"])
            first_released.update(part["first_released"])
            yield part["changes"], part["releases"]
    finally:
        streams.close()
    yield [], series_releases(con, uploads, first_released)


def build_release_frames(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(semver_changes, semver_releases)`` as frames, ordered (all in memory: for tests and small
    stores; ``build_semver_tables`` streams)."""
    changes: list[dict[str, Any]] = []
    releases: list[dict[str, Any]] = []
    for ch, rel in stream_release_rows(con):
        changes.extend(ch)
        releases.extend(rel)
    return pd.DataFrame(changes, columns=CHANGE_COLUMNS), pd.DataFrame(releases, columns=RELEASE_COLUMNS)
