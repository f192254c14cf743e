"""Registry format 2: every commit id and blob oid is the git object id of an object built from facts.

The canonical form (``docs/registry-format.md``, "Git objects"):

- **blob**: the ``content`` (UTF-8) of a small text file; the LFS pointer text for an LFS file
  (``version https://git-lfs.github.com/spec/v1`` / ``oid sha256:…`` / ``size …``); otherwise
  ``size`` zero bytes.
- **tree**: the sum of the changes along the first-parent chain, every file mode ``100644``, entries
  in git's order (a folder sorts as its name followed by ``/``); folders without files do not exist.
- **commit**: ``tree``, one ``parent`` line per parent in order, then ``author`` and ``committer``,
  both ``NAME <NAME@users.noreply.huggingface.co> SECONDS +0000`` with NAME the first of ``authors``
  (an empty name and ``<>`` when there is none) and SECONDS the whole seconds of ``date`` (UTC); the
  message is ``title``, then a blank line and ``message`` when it is not empty, then, for each further
  author, a blank line and ``Co-authored-by: NAME <NAME@users.noreply.huggingface.co>`` lines, then a
  newline.

``derive_line`` rewrites one registry line into that form (ids of commits, parents, refs and blob
oids), keeping replaced real ids as ``upstream_id`` / ``upstream_oid`` when asked; ``git_problem``
says why a line's given ids are not the derived ones (then it has no git view). ``commit_fields``
is the inverse of the message encoding, for readers of the git objects.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import Any

from hfaudit.fakehub.registry import lfs_pointer, parse_date

EMAIL_DOMAIN = "users.noreply.huggingface.co"
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
FILE_MODE = "100644"
_HEX40 = re.compile(r"[0-9a-f]{40}")
_TRAILER = re.compile(r"Co-authored-by: ([^<>\n]*) <([^<>\n]*)>")


def object_oid(kind: str, data: bytes) -> str:
    return hashlib.sha1(b"%s %d\0" % (kind.encode(), len(data)) + data).hexdigest()


def blob_bytes(change: dict[str, Any]) -> bytes:
    """The blob a change's facts stand for (never the given ``oid``)."""
    lfs = change.get("lfs") or None
    if lfs:
        return lfs_pointer(str(lfs["sha256"]), int(lfs["size"])).encode()
    if change.get("content") is not None:
        return str(change["content"]).encode("utf-8")
    return b"\0" * int(change.get("size") or 0)


def blob_oid(change: dict[str, Any]) -> str:
    lfs = change.get("lfs") or None
    if lfs or change.get("content") is not None:
        return object_oid("blob", blob_bytes(change))
    size = int(change.get("size") or 0)
    return _zero_oid(size)


_ZEROS: dict[int, str] = {}


def _zero_oid(size: int) -> str:
    if size not in _ZEROS:
        digest = hashlib.sha1(b"blob %d\0" % size)
        chunk = b"\0" * (1 << 20)
        left = size
        while left > 0:
            digest.update(chunk[: min(left, len(chunk))])
            left -= len(chunk)
        _ZEROS[size] = digest.hexdigest()
    return _ZEROS[size]


def email(name: str) -> str:
    return f"{name}@{EMAIL_DOMAIN}" if name else ""


def git_seconds(date: str) -> int:
    return int(parse_date(date).timestamp())


def commit_message(title: str, message: str, authors: list[str]) -> str:
    text = title or ""
    if message:
        text += "\n\n" + message
    extra = [a for a in authors[1:]]
    if extra:
        text += "\n\n" + "\n".join(f"Co-authored-by: {a} <{email(a)}>" for a in extra)
    return text + "\n"


def commit_fields(raw: bytes) -> dict[str, Any]:
    """Parse a canonical commit object back into registry facts (tree, parents, date, title, message, authors)."""
    head, _, body = raw.partition(b"\n\n")
    fields: dict[str, Any] = {"parents": []}
    for line in head.decode("utf-8", "replace").split("\n"):
        key, _, value = line.partition(" ")
        if key == "tree":
            fields["tree"] = value
        elif key == "parent":
            fields["parents"].append(value)
        elif key == "author":
            name_email, _, when = value.rpartition(">")
            name = name_email.rsplit("<", 1)[0]
            fields["author"] = name[:-1] if name.endswith(" ") else name
            fields["seconds"] = int(when.split()[0])
    text = body.decode("utf-8", "replace")
    if text.endswith("\n"):
        text = text[:-1]
    authors = [fields.get("author", "")] if fields.get("author") else []
    block_start = text.rfind("\n\n")
    if block_start >= 0:
        lines = text[block_start + 2 :].split("\n")
        matches = [_TRAILER.fullmatch(line) for line in lines]
        if lines and all(m and m.group(2) == email(m.group(1)) for m in matches):
            authors += [m.group(1) for m in matches if m]
            text = text[:block_start]
    title, sep, message = text.partition("\n\n")
    fields.update(title=title, message=message if sep else "", authors=authors)
    return fields


def commit_bytes(tree: str, parents: list[str], seconds: int, title: str, message: str, authors: list[str]) -> bytes:
    name = authors[0] if authors else ""
    person = f"{name} <{email(name)}> {seconds} +0000"
    head = f"tree {tree}\n" + "".join(f"parent {p}\n" for p in parents)
    head += f"author {person}\ncommitter {person}\n\n"
    return (head + commit_message(title, message, authors)).encode("utf-8")


class TreeState:
    """The files of one branch of history, with folder ids recomputed only where something changed."""

    def __init__(self) -> None:
        self.dirs: dict[str, dict[str, tuple[str, str]]] = {"": {}}
        self.oids: dict[str, str] = {"": EMPTY_TREE}
        self.dirty: set[str] = set()

    def copy(self) -> TreeState:
        other = TreeState()
        other.dirs = {k: dict(v) for k, v in self.dirs.items()}
        other.oids = dict(self.oids)
        other.dirty = set(self.dirty)
        return other

    @staticmethod
    def _parent(path: str) -> tuple[str, str]:
        folder, _, name = path.rpartition("/")
        return folder, name

    def _touch(self, folder: str) -> None:
        """Mark ``folder`` and its ancestors changed, creating them (and their entries) as needed."""
        while folder:
            self.dirty.add(folder)
            self.dirs.setdefault(folder, {})
            parent, name = self._parent(folder)
            self.dirs.setdefault(parent, {}).setdefault(name, ("40000", ""))
            folder = parent
        self.dirty.add("")

    def set(self, path: str, oid: str) -> None:
        folder, name = self._parent(path)
        self.dirs.setdefault(folder, {})[name] = (FILE_MODE, oid)
        self._touch(folder)

    def delete(self, path: str) -> None:
        folder, name = self._parent(path)
        entries = self.dirs.get(folder)
        if entries is not None and name in entries and entries[name][0] == FILE_MODE:
            del entries[name]
            self._touch(folder)

    def oid(self) -> str:
        for folder in sorted(self.dirty, key=lambda f: -(f.count("/") + 1) if f else 0):
            entries = self.dirs.get(folder, {})
            if folder and not entries:
                self.dirs.pop(folder, None)
                self.oids.pop(folder, None)
                parent, name = self._parent(folder)
                self.dirs.get(parent, {}).pop(name, None)
                continue
            data = b"".join(
                b"%s %s\0%s"
                % (mode.encode(), name.encode("utf-8"), bytes.fromhex(self.oids[_join(folder, name)] if mode == "40000" else oid))
                for name, (mode, oid) in sorted(entries.items(), key=lambda kv: kv[0] + "/" if kv[1][0] == "40000" else kv[0])
            )
            self.oids[folder] = object_oid("tree", data)
        self.dirty.clear()
        return self.oids[""]


def _join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


def _seconds_exact_all(commits: list[dict[str, Any]]) -> bool:
    return all(parse_date(c["date"]).microsecond == 0 for c in commits)


def derive_commits(commits: list[dict[str, Any]]) -> list[tuple[str, list[str], str]]:
    """For each commit (registry order): its derived id, its parents' derived ids and its tree id.

    Parents are the given ``parents`` (or the previous commit) mapped through the ids derived so far;
    a parent that names no earlier commit keeps its given id.
    """
    mapping: dict[str, str] = {}
    states: dict[str, TreeState] = {}
    out: list[tuple[str, list[str], str]] = []
    previous: str | None = None
    for i, commit in enumerate(commits):
        given_parents = list(commit["parents"]) if "parents" in commit else ([previous] if previous else [])
        parents = [mapping.get(p, p) for p in given_parents]
        first = given_parents[0] if given_parents else None
        state = states[first].copy() if first in states else TreeState()
        for change in commit.get("changes") or []:
            if change.get("op") == "delete":
                state.delete(change["path"])
            else:
                state.set(change["path"], blob_oid(change))
        tree = state.oid()
        data = commit_bytes(tree, parents, git_seconds(commit["date"]), commit.get("title") or "",
                            commit.get("message") or "", [str(a) for a in commit.get("authors") or []])  # fmt: skip
        derived = object_oid("commit", data)
        key = commit.get("id") or f"#{i}"
        mapping[key] = derived
        states[key] = state
        out.append((derived, parents, tree))
        previous = key
    return out


def _unrepresentable(commits: list[dict[str, Any]]) -> str | None:
    seen: set[str] = set()
    for i, commit in enumerate(commits):
        parents = commit["parents"] if "parents" in commit else ([commits[i - 1].get("id") or f"#{i - 1}"] if i else [])
        if any(p not in seen for p in parents):
            return f"commit {str(commit.get('id'))[:12]}: a parent is not an earlier commit of the model"
        seen.add(str(commit.get("id") or f"#{i}"))
        names = [str(a) for a in commit.get("authors") or []]
        if any(re.search(r"[<>\n]", n) or n != n.strip() for n in names):
            return f"commit {str(commit.get('id'))[:12]}: an author name has <, > or a newline, or edge spaces"
        if "\n" in (commit.get("title") or ""):
            return f"commit {str(commit.get('id'))[:12]}: the title has a newline"
        for change in commit.get("changes") or []:
            path = change.get("path") or ""
            if not path or "\n" in path or path.startswith("/") or path.endswith("/") or "//" in path:
                return f"commit {str(commit.get('id'))[:12]}: path {path!r} cannot be a git path"
    return None


def git_problem(raw: dict[str, Any]) -> str | None:
    """Why this registry line has no git view (its given ids are not the derived ones), or None."""
    return checked(raw)[0]


def checked(raw: dict[str, Any]) -> tuple[str | None, list[tuple[str, list[str], str]]]:
    """``git_problem`` and, when there is none, the derived (id, parents, tree) of every commit."""
    commits = raw.get("commits") or []
    problem = _unrepresentable(commits)
    if problem:
        return problem, []
    for commit in commits:
        for change in commit.get("changes") or []:
            if change.get("op") != "delete" and change.get("oid") and change["oid"] != blob_oid(change):
                return f"commit {commit['id'][:12]}: {change['path']}: oid {change['oid'][:12]} is not the blob of its facts", []
    if not _seconds_exact_all(commits):
        return "a commit date has fractions of a second, which git cannot hold", []
    derived = derive_commits(commits)
    for commit, (cid, _, _) in zip(commits, derived, strict=True):
        if commit["id"] != cid:
            return f"commit {commit['id'][:12]} is not the git id of its facts ({cid[:12]})", []
    return None, derived


def derive_line(raw: dict[str, Any], *, keep_upstream: bool = False) -> dict[str, str]:
    """Rewrite ``raw`` in place into format 2; returns old commit id → derived id.

    Dates are cut to whole seconds; blob ``oid``s and commit ``id``s are replaced by the derived
    ones (kept as ``upstream_oid`` / ``upstream_id`` when ``keep_upstream`` and they differed);
    parents and refs follow the new ids.
    """
    commits = raw.get("commits") or []
    problem = _unrepresentable(commits)
    if problem:
        raise ValueError(f"{raw.get('id')}: {problem}")
    for commit in commits:
        when = parse_date(commit["date"])
        if when.microsecond:
            from hfaudit.fakehub.registry import hub_date

            commit["date"] = hub_date(when.replace(microsecond=0))
        for change in commit.get("changes") or []:
            if change.get("op") == "delete":
                continue
            oid = blob_oid(change)
            given = change.get("oid")
            if given and given != oid and keep_upstream:
                change["upstream_oid"] = given
            change["oid"] = oid
    derived = derive_commits(commits)
    mapping: dict[str, str] = {}
    for i, (commit, (cid, parents, _)) in enumerate(zip(commits, derived, strict=True)):
        old = commit.get("id")
        if old and old != cid:
            mapping[old] = cid
            if keep_upstream:
                commit["upstream_id"] = old
        commit["id"] = cid
        if "parents" in commit or i > 0:
            commit["parents"] = parents
    refs = raw.get("refs")
    if refs:
        for kind in ("branches", "tags", "pullRequests"):
            if refs.get(kind):
                refs[kind] = {name: mapping.get(target, target) for name, target in refs[kind].items()}
    return mapping


def remap(value: Any, mapping: dict[str, str]) -> Any:
    """``value`` (JSON) with every string that is a key of ``mapping`` replaced by its value."""
    if not mapping:
        return value
    if isinstance(value, str):
        return mapping.get(value, value)
    if isinstance(value, list):
        return [remap(v, mapping) for v in value]
    if isinstance(value, dict):
        return {mapping.get(k, k) if _HEX40.fullmatch(k) else k: remap(v, mapping) for k, v in value.items()}
    return value


def derive_all(
    lines: Iterable[dict[str, Any]], *, keep_upstream: bool = False, skip: set[int] | None = None
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Derive every line (except the indexes in ``skip``); returns the lines and the merged id mapping."""
    out, mapping = [], {}
    for i, line in enumerate(lines):
        if not skip or i not in skip:
            mapping.update(derive_line(line, keep_upstream=keep_upstream))
        out.append(line)
    return out, mapping
