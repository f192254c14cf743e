"""The registry file: a whole (fake) Hub at one point in time, as JSON Lines.

One line per model. The format is documented in ``docs/registry-format.md``; this module reads and
writes it and answers the questions the fake Hub and the checks ask of it: which commit a revision
names, which files exist at a commit, what a file's blob and LFS ids are, what the card said.

Everything derivable is derived here (blob oids, ``_id``, ``lastModified``, ``cardData`` and the
card-computed tags), so generators and importers only write facts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hfaudit.cards import LFS_POINTER, ParsedCard, as_list, parse_card
from hfaudit.gitcommit import commit_message, email

RELATIONS = ("adapter", "merge", "quantized", "finetune")


class RegistryError(ValueError):
    """A registry file that cannot be read: the message names the line and the problem."""


def git_blob_oid(data: bytes) -> str:
    """The git sha1 of a blob, as git and the Hub compute it."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def lfs_pointer(sha256: str, size: int) -> str:
    return LFS_POINTER.format(sha256=sha256, size=size)


def hub_date(value: dt.datetime | str) -> str:
    """A date in the Hub's wire form, ``YYYY-MM-DDTHH:MM:SS.mmmZ``."""
    if isinstance(value, str):
        value = parse_date(value)
    value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def parse_date(value: str) -> dt.datetime:
    text = value.strip().replace(" ", "T")
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    parsed = dt.datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


def object_id(model_id: str, created_at: str | None) -> str:
    """A stable 24-hex Mongo ObjectId whose first 4 bytes are the creation time, as on the Hub."""
    seconds = int(parse_date(created_at).timestamp()) if created_at else 0
    tail = hashlib.sha1(model_id.encode()).hexdigest()[:16]
    return f"{seconds & 0xFFFFFFFF:08x}{tail}"


# --------------------------------------------------------------------------------------------- model


@dataclass
class FileState:
    """One path as it stands at some commit."""

    path: str
    oid: str
    size: int
    lfs_sha256: str | None = None
    lfs_size: int | None = None
    content: str | None = None
    last_commit: str = ""

    @property
    def pointer_size(self) -> int | None:
        if self.lfs_sha256 is None or self.lfs_size is None:
            return None
        return len(lfs_pointer(self.lfs_sha256, self.lfs_size).encode())

    def payload(self) -> bytes:
        """The bytes a download of this file returns (weights are served as zero-filled stand-ins)."""
        if self.content is not None:
            return self.content.encode("utf-8")
        return b"\0" * self.size


def change_state(change: dict[str, Any], commit_id: str) -> FileState:
    lfs = change.get("lfs") or None
    content = change.get("content")
    if lfs:
        sha256, lsize = str(lfs["sha256"]), int(lfs["size"])
        oid = change.get("oid") or git_blob_oid(lfs_pointer(sha256, lsize).encode())
        return FileState(change["path"], oid, lsize, sha256, lsize, None, commit_id)
    if content is not None:
        data = content.encode("utf-8")
        return FileState(change["path"], change.get("oid") or git_blob_oid(data), len(data), None, None, content, commit_id)
    size = int(change.get("size") or 0)
    oid = change.get("oid") or git_blob_oid(b"\0" * size)
    return FileState(change["path"], oid, size, None, None, None, commit_id)


@dataclass
class Model:
    """One registry line, with lazily computed trees."""

    raw: dict[str, Any]
    _trees: dict[str, dict[str, FileState]] = field(default_factory=dict, repr=False)
    _index: dict[str, int] | None = field(default=None, repr=False)

    @property
    def id(self) -> str:
        return str(self.raw["id"])

    @property
    def author(self) -> str:
        return str(self.raw.get("author") or self.id.split("/")[0])

    @property
    def commits(self) -> list[dict[str, Any]]:
        return list(self.raw.get("commits") or [])

    @property
    def object_id(self) -> str:
        # A renamed repo keeps its identity: derive from the oldest id it had.
        original = (self.raw.get("aliases") or [self.id])[0]
        return str(self.raw.get("_id") or object_id(original, self.raw.get("createdAt")))

    @property
    def refs(self) -> dict[str, dict[str, str]]:
        refs = self.raw.get("refs") or {}
        branches = dict(refs.get("branches") or {})
        if not branches and self.commits:
            branches = {"main": self.commits[-1]["id"]}
        return {"branches": branches, "tags": dict(refs.get("tags") or {})}

    @property
    def head(self) -> str | None:
        return self.refs["branches"].get("main") or next(iter(self.refs["branches"].values()), None)

    def commit_index(self) -> dict[str, int]:
        if self._index is None:
            self._index = {c["id"]: i for i, c in enumerate(self.commits)}
        return self._index

    def parents(self, commit_id: str) -> list[str]:
        i = self.commit_index()[commit_id]
        commit = self.commits[i]
        if "parents" in commit:
            return list(commit["parents"])
        return [self.commits[i - 1]["id"]] if i > 0 else []

    def resolve(self, revision: str) -> str | None:
        """The commit a branch, tag, full sha or unique sha prefix (7+ hex) names."""
        refs = self.refs
        for kind in ("branches", "tags"):
            if revision in refs[kind]:
                return refs[kind][revision]
        for prefix in ("refs/heads/", "refs/tags/"):
            if revision.startswith(prefix):
                kind = "branches" if prefix == "refs/heads/" else "tags"
                return refs[kind].get(revision[len(prefix) :])
        index = self.commit_index()
        if revision in index:
            return revision
        if len(revision) >= 7 and all(c in "0123456789abcdef" for c in revision):
            hits = [cid for cid in index if cid.startswith(revision)]
            if len(hits) == 1:
                return hits[0]
        return None

    def history(self, commit_id: str) -> list[dict[str, Any]]:
        """Commits reachable from ``commit_id``, newest first (date, then position)."""
        index = self.commit_index()
        seen: set[str] = set()
        stack = [commit_id]
        while stack:
            cid = stack.pop()
            if cid in seen or cid not in index:
                continue
            seen.add(cid)
            stack.extend(self.parents(cid))
        chosen = sorted(seen, key=lambda c: (self.commits[index[c]]["date"], index[c]), reverse=True)
        return [self.commits[index[c]] for c in chosen]

    def tree(self, commit_id: str) -> dict[str, FileState]:
        """Every file at ``commit_id``: the sum of the changes along its first-parent chain."""
        if commit_id in self._trees:
            return self._trees[commit_id]
        chain: list[str] = []
        cursor: str | None = commit_id
        while cursor is not None and cursor not in self._trees:
            chain.append(cursor)
            parents = self.parents(cursor)
            cursor = parents[0] if parents else None
        state: dict[str, FileState] = dict(self._trees[cursor]) if cursor is not None else {}
        index = self.commit_index()
        for cid in reversed(chain):
            for change in self.commits[index[cid]].get("changes") or []:
                if change.get("op") == "delete":
                    state.pop(change["path"], None)
                else:
                    state[change["path"]] = change_state(change, cid)
            self._trees[cid] = state
            state = dict(state)
        return self._trees[commit_id]

    def file(self, commit_id: str, path: str) -> FileState | None:
        return self.tree(commit_id).get(path)

    def card(self, commit_id: str | None = None) -> ParsedCard:
        commit_id = commit_id or self.head
        if commit_id is None:
            return ParsedCard(data=None, text="")
        readme = self.file(commit_id, "README.md")
        return parse_card(readme.content if readme else None)

    def commit(self, commit_id: str) -> dict[str, Any]:
        return self.commits[self.commit_index()[commit_id]]


class Registry:
    """All models of one registry file, keyed by id (case-insensitive), with renamed-id aliases."""

    def __init__(self, models: Iterable[Model]):
        self.models: dict[str, Model] = {}
        self._lower: dict[str, str] = {}
        self.aliases: dict[str, str] = {}
        for model in models:
            self.add(model)

    def add(self, model: Model) -> None:
        self.models[model.id] = model
        self._lower[model.id.lower()] = model.id
        for alias in model.raw.get("aliases") or []:
            self.aliases[str(alias).lower()] = model.id

    def __len__(self) -> int:
        return len(self.models)

    def __iter__(self) -> Iterator[Model]:
        return iter(self.models.values())

    def get(self, model_id: str) -> Model | None:
        return self.models.get(model_id)

    def lookup(self, model_id: str) -> tuple[Model | None, bool]:
        """The model an id names, and whether the id is not its canonical spelling (a 307)."""
        if model_id in self.models:
            return self.models[model_id], False
        canonical = self._lower.get(model_id.lower()) or self.aliases.get(model_id.lower())
        if canonical is None:
            return None, False
        return self.models[canonical], True

    @classmethod
    def load(cls, path: str | Path) -> Registry:
        return cls(read_models(path))


_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


def read_models(path: str | Path) -> Iterator[Model]:
    path = Path(path)
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise RegistryError(f"cannot read registry {path}: {exc.strerror or exc}") from exc
    with handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                raise RegistryError(f"{path}:{number}: not JSON ({exc.msg})") from exc
            if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or "/" not in raw["id"]:
                raise RegistryError(f"{path}:{number}: a model line needs an 'id' of the form owner/name")
            commits = raw.get("commits") or []
            for commit in commits:
                if not isinstance(commit, dict) or "date" not in commit:
                    raise RegistryError(f"{path}:{number}: {raw['id']}: every commit needs a 'date'")
            if any("id" not in commit for commit in commits):
                # Registry format 2: an omitted commit id is the git id of the commit's facts.
                try:
                    derive_line(raw)
                except ValueError as exc:
                    raise RegistryError(f"{path}:{number}: commits without 'id' cannot be derived: {exc}") from None
            # What would load but break every listing later: parents that name no commit, and text
            # that cannot be sent as UTF-8 (a lone surrogate escape such as "\ud800").
            ids = {c["id"] for c in commits}
            for commit in commits:
                unknown = [p for p in commit.get("parents") or [] if p not in ids]
                if unknown:
                    raise RegistryError(f"{path}:{number}: {raw['id']}: commit {str(commit['id'])[:12]} names unknown parent {str(unknown[0])[:12]}")
            if _SURROGATE.search(line):
                try:
                    json.dumps(raw, ensure_ascii=False).encode("utf-8")
                except UnicodeEncodeError as exc:
                    raise RegistryError(f"{path}:{number}: {raw['id']}: text with a lone surrogate (not UTF-8): {exc.reason}") from exc
            yield Model(raw)


def write_models(path: str | Path, lines: Iterable[dict[str, Any]]) -> int:
    """Write registry lines atomically (temp file, then rename). Returns the number written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    count = 0
    with tmp.open("w", encoding="utf-8") as out:
        for raw in lines:
            out.write(json.dumps(raw, ensure_ascii=False, separators=(",", ":")) + "\n")
            count += 1
    tmp.replace(path)
    return count


# ------------------------------------------------------------------------------------ Hub derivations


def infer_relation(base_models: list[str], files: Iterable[str], config: dict[str, Any] | None) -> str:
    """The relation the Hub infers when a card names a base but no ``base_model_relation``."""
    names = [f.lower() for f in files]
    if len(base_models) > 1:
        return "merge"
    if any(n.endswith("adapter_config.json") for n in names):
        return "adapter"
    if any(n.endswith(".gguf") for n in names) or (config or {}).get("quantization_config"):
        return "quantized"
    return "finetune"


def declared_bases(card_data: dict[str, Any] | None) -> list[str]:
    return as_list((card_data or {}).get("base_model"))


def card_tags(card_data: dict[str, Any] | None, relation: str | None) -> list[str]:
    """The tags the Hub computes from card metadata."""
    data = card_data or {}
    tags: list[str] = []
    tags.extend(as_list(data.get("tags")))
    tags.extend(as_list(data.get("language")))
    tags.extend(f"dataset:{d}" for d in as_list(data.get("datasets")))
    for base in declared_bases(data):
        tags.append(f"base_model:{base}")
        if relation:
            tags.append(f"base_model:{relation}:{base}")
    if data.get("license"):
        tags.append(f"license:{data['license']}")
    return tags


def dedupe(items: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out

# ------------------------------------------------------------------------ git objects (format 2)
#
# Registry format 2: every commit id and blob oid is the git object id of an object built from facts.
#
# The canonical form (``docs/registry-format.md``, "Git objects"):
#
# - **blob**: the ``content`` (UTF-8) of a small text file; the LFS pointer text for an LFS file
#   (``version https://git-lfs.github.com/spec/v1`` / ``oid sha256:…`` / ``size …``); otherwise
#   ``size`` zero bytes.
# - **tree**: the sum of the changes along the first-parent chain, every file mode ``100644``, entries
#   in git's order (a folder sorts as its name followed by ``/``); folders without files do not exist.
# - **commit**: ``tree``, one ``parent`` line per parent in order, then ``author`` and ``committer``,
#   both ``NAME <NAME@users.noreply.huggingface.co> SECONDS +0000`` with NAME the first of ``authors``
#   (an empty name and ``<>`` when there is none) and SECONDS the whole seconds of ``date`` (UTC); the
#   message is ``title``, then a blank line and ``message`` when it is not empty, then, for each further
#   author, a blank line and ``Co-authored-by: NAME <NAME@users.noreply.huggingface.co>`` lines, then a
#   newline.
#
# ``derive_line`` rewrites one registry line into that form (ids of commits, parents, refs and blob
# oids), keeping replaced real ids as ``upstream_id`` / ``upstream_oid`` when asked; ``git_problem``
# says why a line's given ids are not the derived ones (then it has no git view). The message encoding
# and its inverse, ``parse_commit``, live in ``hfaudit.gitcommit``, shared with the git history backend.



EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
FILE_MODE = "100644"
_HEX40 = re.compile(r"[0-9a-f]{40}")


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


def git_seconds(date: str) -> int:
    return int(parse_date(date).timestamp())


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
