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

This module holds the rules as pure functions (versions, bumps, changelogs, card fields) and
``commit_reasons``, the walk of one history that ``hfaudit verify`` runs on the commits it fetches.
The analyser applies the same rules to the whole store as set work in DuckDB
(``hfaudit.analyse.semver.tables``).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

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
