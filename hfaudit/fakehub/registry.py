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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hfaudit.cards import LFS_POINTER, ParsedCard, as_list, parse_card

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
                from hfaudit.fakehub.canonical import derive_line

                try:
                    derive_line(raw)
                except ValueError as exc:
                    raise RegistryError(f"{path}:{number}: commits without 'id' cannot be derived: {exc}") from None
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
