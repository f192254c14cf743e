"""Version signals: what, if anything, announced a weight change.

For every weight event this module records each signal that accompanies it:

- ``tag``: a git tag on the event's commit or on a later commit before the next change to weights
  (the release that first ships the change is tagged);
- ``name_version``: the first release of a repository whose name carries a version segment (the
  name declares the version of what it first ships). A later change under the same name is exactly
  what the name does not reflect, so it never earns this signal; when a successor repository of
  the name's version series appeared within the window after the change, ``successor_repo`` is
  recorded instead (the change may be superseded by the new name; it does not document it);
- ``readme_changelog``: README.md changed in the same commit or within the window, and the lines it
  added to the card's body read as a changelog or version note (a version number, a changelog or
  release-notes heading, "new weights"/"retrained"); ``readme_edit`` is recorded when the README
  changed in the window but reads as an unrelated edit (it does not document the change);
- ``commit_message``: a descriptive commit title or body, not a default such as "Upload folder
  using huggingface_hub", "Upload model.safetensors", "Upload LlamaForCausalLM" or "Training in
  progress, step 500";
- ``card_version``: a ``version`` (or ``model_version``) field in the card metadata appears or
  changes in the window; ``card_new_version``: ``new_version`` appears or changes in the same commit.

An event is ``documented`` when any signal other than ``readme_edit`` and ``successor_repo`` is
present, else silent. The signals are found as set work in DuckDB (:mod:`.build`); this module holds
the text tests it runs once per distinct text (commit titles and messages, card-body diffs).

The window: a README change belongs to the closest weight-change commit at or before it when it is
at most ``commits`` commits and ``days`` days later; otherwise to the next weight-change commit
when that is at most as far ahead (the README announced the change first).
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

SIGNALS = (
    "tag",
    "name_version",
    "readme_changelog",
    "commit_message",
    "card_version",
    "card_new_version",
    "readme_edit",
    "successor_repo",
)
DOCUMENTING = frozenset(SIGNALS) - {"readme_edit", "successor_repo"}
VERSION_FIELDS = ("version", "model_version")


@dataclass(frozen=True)
class Window:
    """How close a README change must be to a weight change to accompany it."""

    commits: int = 1
    days: float = 90.0


# ------------------------------------------------------------------------------------ commit text

_FILE = r"[\w./-]+\.\w+|[\w.-]+/[\w./-]+"
_DEFAULT_TITLES = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"initial commit|initial upload|first commit|init|upload|update|commit|add files|upload files",
        r"upload folder( using huggingface_hub)?",
        r"(upload|add) files? using upload-large-folder tool",
        r"(upload|add|commit)( \d+)? (new )?files?( to (the )?(hf|hugging face) hub)?( with huggingface_hub)?",
        rf"(upload|update|add|create|delete|rename|remove|commit|push)\s+({_FILE})(\s+(with|using|via) huggingface_hub)?",
        r"(upload|update|add|push)\s+(the\s+)?(model|weights|checkpoint|checkpoints|model files|new model)",
        r"upload\s+\w+",  # one word: Upload LlamaForCausalLM, Upload tokenizer
        r"training in progress,? (step|epoch) \d+",
        r"end of training",
        r"(update|create|add) (the )?(readme|model card)(\.md)?",
        r"upload (the )?(lora )?adapter( model)?",
        r"merge branch .*|merge pull request .*",
        r"(upload|update) [\w.-]+ with huggingface_hub",
        r"[0-9a-f]{7,40}",
    )
]
_PR_SUFFIX = re.compile(r"\s*\(#\d+\)\s*$")
_TRAILER = re.compile(r"^(co-authored-by|signed-off-by):", re.IGNORECASE)


@functools.lru_cache(maxsize=65536)  # pure; titles and card edits repeat across models
def is_default_title(title: str | None) -> bool:
    """Whether a commit title is one of the defaults tools write (it says nothing of the change)."""
    text = _PR_SUFFIX.sub("", (title or "").strip()).strip().rstrip(".")
    if not text:
        return True
    if _VERSION_TOKEN.search(text):
        return False
    return any(p.fullmatch(text) for p in _DEFAULT_TITLES)


@functools.lru_cache(maxsize=65536)  # pure; titles and card edits repeat across models
def descriptive_message(title: str | None, message: str | None) -> bool:
    """Whether the title, or a body line that is not a trailer or a copy of the title, says something."""
    if not is_default_title(title):
        return True
    core = _PR_SUFFIX.sub("", (title or "").strip()).strip().lower()
    for line in (message or "").splitlines():
        text = line.strip().lstrip("-* ").strip()
        if not text or _TRAILER.match(text):
            continue
        # "- Upload model.safetensors (0b036f8c…)": the squashed PR title again
        text = re.sub(r"\s*\([0-9a-f]{7,40}\)$", "", text)
        if text.lower() == core or is_default_title(text):
            continue
        if len(re.findall(r"[A-Za-z]{2,}", text)) >= 2:
            return True
    return False


# ----------------------------------------------------------------------------------- README text

_VERSION_TOKEN = re.compile(
    r"(?<![\w.\-/])v\d+(\.\d+){0,3}\b|\b\d+\.\d+\.\d+\b|\bversion\s*:?\s*v?\d+(\.\d+)*\b|\brelease\s+v?\d+(\.\d+)*\b",
    re.IGNORECASE,
)
_CHANGELOG_HEADING = re.compile(
    r"^\s*#+\s*.*\b(change\s*log|changelog|release notes|what'?s new|news|updates?|version history|history)\b",
    re.IGNORECASE,
)
_CHANGE_PHRASE = re.compile(
    r"\b(new|updated|improved|fixed|retrained|re-trained)\s+(weights|checkpoint|model|version)\b"
    r"|\b(retrained|re-trained|weights (were|have been) (updated|replaced))\b"
    r"|^\s*[-*]?\s*\**\d{4}[-/.]\d{2}[-/.]\d{2}\**\s*[:\-–]",
    re.IGNORECASE,
)


def _added_lines(old: str, new: str) -> list[str]:
    a, b = old.splitlines(), new.splitlines()
    out: list[str] = []
    for tag, _i1, _i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag in ("insert", "replace"):
            out.extend(b[j1:j2])
    return out


def _heading_of(lines: list[str], index: int) -> str:
    for line in reversed(lines[: index + 1]):
        if line.lstrip().startswith("#"):
            return line
    return ""


_IDS_AND_LINKS = re.compile(r"\S+://\S+|\S+/\S+")


@functools.lru_cache(maxsize=2048)  # pure; titles and card edits repeat across models
def reads_as_changelog(old_body: str | None, new_body: str) -> bool:
    """Whether the lines added to a card body announce a version or a change of the model.

    Model ids and links are left out first: ``org/Model-7B-v0.1`` names a model, not a release.
    """
    new_lines = new_body.splitlines()
    added = set(_added_lines(old_body or "", new_body))
    for i, raw in enumerate(new_lines):
        if raw not in added or not raw.strip():
            continue
        line = _IDS_AND_LINKS.sub(" ", raw)
        if _VERSION_TOKEN.search(line) or _CHANGE_PHRASE.search(line) or _CHANGELOG_HEADING.match(line):
            return True
        if _CHANGELOG_HEADING.match(_heading_of(new_lines, i)):
            return True
    return False


def _field(front: dict[str, Any] | None, names: Sequence[str]) -> str | None:
    if not isinstance(front, dict):
        return None
    for name in names:
        value = front.get(name)
        if value not in (None, "", []):
            return str(value)
    return None
