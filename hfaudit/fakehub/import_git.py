"""Turn real git histories of Hub repositories into a registry, so the fake Hub can replay them.

The input is a directory in the layout of ``reference/real-data/hf-repo-git-histories/``: per repo
``owner__name``, the output of ``git log --raw --no-abbrev`` (``owner__name.gitlog_raw.txt``), one row
per changed path with LFS sha256 and size (``owner__name.file_changes.csv``), and every README.md and
config.json version (``owner__name.readme_versions.jsonl``, ``owner__name.config_versions.jsonl``).
An optional ``_lfs_file_events.csv`` (columns ``hf_repo, commit, status, path, new_lfs_sha256,
new_lfs_size``) fills in LFS ids that the per-repo CSV lacks.

Every commit keeps its real id, parents, commit date, title, message and authors (the author name,
then every ``Co-authored-by:`` name); every change keeps its path, operation and real blob id; LFS
files carry ``lfs: {sha256, size}``; README.md and config.json carry their ``content`` at each version.
Only the git log is required; the other files make the registry richer when present.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hfaudit.errors import HfauditError
from hfaudit.fakehub.registry import derive_all, hub_date, write_models

LOG_SUFFIX = ".gitlog_raw.txt"
_RAW_LINE = re.compile(r"^:(\d{6}) (\d{6}) ([0-9a-f]{40}) ([0-9a-f]{40}) ([AMDTRC])\d*\t(.+)$")
_COAUTHOR = re.compile(r"^Co-authored-by:\s*(.+?)\s*(<[^>]*>)?\s*$", re.MULTILINE)
_OPS = {"A": "add", "M": "modify", "T": "modify", "D": "delete"}
_ZERO = "0" * 40


@dataclass
class RawCommit:
    """One commit as ``git log --raw`` printed it."""

    id: str
    parents: list[str]
    author: str = ""
    author_date: str = ""
    committer: str = ""
    commit_date: str = ""
    message: str = ""
    changes: list[tuple[str, str, str, str]] = field(default_factory=list)  # (status, old, new, path)


def parse_gitlog(text: str) -> list[RawCommit]:
    """Parse the ``commit/parents/author/…/message:/--/raw lines`` export, newest first as written."""
    commits: list[RawCommit] = []
    current: RawCommit | None = None
    in_message = False
    message: list[str] = []
    for line in text.splitlines():
        if line.startswith("commit ") and re.fullmatch(r"commit [0-9a-f]{40}", line.strip()):
            if current is not None:
                current.message = "\n".join(message)
                commits.append(current)
            current = RawCommit(id=line.split()[1], parents=[])
            in_message, message = False, []
            continue
        if current is None:
            continue
        if in_message:
            if line == "--":
                in_message = False
            else:
                message.append(line)
            continue
        if line.startswith("parents"):
            current.parents = line.split()[1:]
        elif line.startswith("author_date "):
            current.author_date = line.split(" ", 1)[1].strip()
        elif line.startswith("author "):
            current.author = _person(line.split(" ", 1)[1])
        elif line.startswith("commit_date "):
            current.commit_date = line.split(" ", 1)[1].strip()
        elif line.startswith("committer "):
            current.committer = _person(line.split(" ", 1)[1])
        elif line == "message:":
            in_message = True
        elif match := _RAW_LINE.match(line):
            current.changes.append((match.group(5), match.group(3), match.group(4), match.group(6)))
    if current is not None:
        current.message = "\n".join(message)
        commits.append(current)
    return commits


def _person(text: str) -> str:
    return re.sub(r"\s*<[^>]*>\s*$", "", text).strip()


def _split_message(message: str) -> tuple[str, str]:
    text = message.strip("\n")
    title, _, rest = text.partition("\n")
    return title.strip(), rest.strip("\n")


def _authors(commit: RawCommit) -> list[str]:
    names = [commit.author or commit.committer or "unknown"]
    for match in _COAUTHOR.finditer(commit.message):
        name = match.group(1).strip()
        if name and name not in names:
            names.append(name)
    return names


def _read_csv(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _read_versions(path: Path) -> dict[str, str]:
    """commit id → file content, from a ``*_versions.jsonl`` file."""
    out: dict[str, str] = {}
    if not path.exists():
        return out
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row = json.loads(line)
                if row.get("commit") and isinstance(row.get("content"), str):
                    out[row["commit"]] = row["content"]
    return out


def _lfs_events(directory: Path) -> dict[tuple[str, str, str], tuple[str, int]]:
    """(repo id, commit, path) → (sha256, size) for every LFS add or modify in ``_lfs_file_events.csv``."""
    out: dict[tuple[str, str, str], tuple[str, int]] = {}
    for row in _read_csv(directory / "_lfs_file_events.csv"):
        if row.get("new_lfs_sha256"):
            key = (row["hf_repo"], row["commit"], row["path"])
            out[key] = (row["new_lfs_sha256"], int(row.get("new_lfs_size") or 0))
    return out


def repo_prefixes(directory: Path) -> list[str]:
    return sorted(p.name[: -len(LOG_SUFFIX)] for p in directory.glob(f"*{LOG_SUFFIX}"))


def import_repo(
    directory: Path, prefix: str, lfs_events: dict[tuple[str, str, str], tuple[str, int]]
) -> dict[str, Any]:
    """One registry line for the repo whose files start with ``prefix`` (``owner__name``)."""
    owner, sep, name = prefix.partition("__")
    if not sep or not owner or not name:
        raise HfauditError(f"{prefix}{LOG_SUFFIX}: file name must be owner__name{LOG_SUFFIX}", code=2)
    repo_id = f"{owner}/{name}"
    raw = parse_gitlog((directory / f"{prefix}{LOG_SUFFIX}").read_text(encoding="utf-8"))
    if not raw:
        raise HfauditError(f"{prefix}{LOG_SUFFIX}: no commits found", code=2)
    rows: dict[tuple[str, str], dict[str, str]] = {}
    for row in _read_csv(directory / f"{prefix}.file_changes.csv"):
        if row.get("commit") and row.get("path"):
            rows[(row["commit"], row["path"])] = row
    contents = {
        "README.md": _read_versions(directory / f"{prefix}.readme_versions.jsonl"),
        "config.json": _read_versions(directory / f"{prefix}.config_versions.jsonl"),
    }
    commits = []
    for commit in reversed(raw):  # registry order: oldest first
        title, message = _split_message(commit.message)
        changes = []
        for status, _old, new, path in commit.changes:
            op = _OPS.get(status)
            if op is None:
                continue  # renames and copies do not occur without -M/-C; skip anything else
            change: dict[str, Any] = {"path": path, "op": op}
            if op != "delete":
                change["oid"] = new
                row = rows.get((commit.id, path), {})
                lfs = lfs_events.get((repo_id, commit.id, path))
                if row.get("lfs_sha256"):
                    lfs = (row["lfs_sha256"], int(row.get("lfs_size") or 0))
                if lfs:
                    change["size"] = lfs[1]
                    change["lfs"] = {"sha256": lfs[0], "size": lfs[1]}
                elif path in contents and commit.id in contents[path]:
                    # The content export may differ from the blob in whitespace; the real oid is kept.
                    change["content"] = contents[path][commit.id]
                elif (row.get("new_git_blob_size") or "").isdigit():
                    change["size"] = int(row["new_git_blob_size"])
            changes.append(change)
        commits.append(
            {
                "id": commit.id,
                "parents": commit.parents,
                "date": hub_date(commit.commit_date or commit.author_date),
                "title": title,
                "message": message,
                "authors": _authors(commit),
                "changes": changes,
            }
        )
    head = raw[0].id
    return {
        "id": repo_id,
        "author": owner,
        "createdAt": commits[0]["date"],
        "refs": {"branches": {"main": head}, "tags": {}},
        "commits": commits,
    }


def import_git(directory: str | Path) -> Iterator[dict[str, Any]]:
    """Registry lines for every ``*.gitlog_raw.txt`` in ``directory``, in id order."""
    directory = Path(directory)
    if not directory.is_dir():
        raise HfauditError(f"not a directory: {directory}", code=2)
    prefixes = repo_prefixes(directory)
    if not prefixes:
        raise HfauditError(f"no *{LOG_SUFFIX} files in {directory}", code=2)
    events = _lfs_events(directory)
    for prefix in prefixes:
        yield import_repo(directory, prefix, events)


def write_import(directory: str | Path, out: str | Path, *, keep_ids: bool = False) -> tuple[int, int]:
    """Write the registry for ``directory`` to ``out``; returns (models, commits).

    By default the ids are derived (registry format 2: the fake Hub can serve the history over git)
    and the real ones kept as ``upstream_id`` / ``upstream_oid``; ``keep_ids`` keeps the real ids
    (the fake Hub then serves these models on the API only).
    """
    lines = list(import_git(directory))
    if not keep_ids:
        lines, _ = derive_all(lines, keep_upstream=True)
    write_models(out, lines)
    return len(lines), sum(len(line["commits"]) for line in lines)
