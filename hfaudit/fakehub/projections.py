"""What the Hub derives from a model at one commit, and the JSON shapes it serves it in.

``ModelView`` gathers the facts (card, tags, config, relation, files) of one model at one commit;
the ``*_projection`` functions turn a view into the exact key sets and key orders of the wire spec
(``docs/hub-api.md`` §2.3, §3.3, §6).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any

from hfaudit.fakehub.registry import (
    RELATIONS,
    FileState,
    Model,
    Registry,
    card_tags,
    change_state,
    declared_bases,
    dedupe,
    hub_date,
    infer_relation,
)

# Allowed `expand` values of model info (§3.2); the list endpoint refuses the last three.
INFO_EXPAND = (
    "author", "baseModels", "cardData", "childrenModelCount", "config", "createdAt", "disabled", "downloads",
    "downloadsAllTime", "evalResults", "gated", "gguf", "inference", "inferenceProviderMapping", "lastModified",
    "library_name", "likes", "mask_token", "model-index", "pipeline_tag", "private", "resourceGroup",
    "safetensors", "sha", "siblings", "spaces", "tags", "transformersInfo", "trendingScore", "usedStorage",
    "widgetData", "xetEnabled",
)  # fmt: skip
LIST_ONLY_REFUSED = ("baseModels", "childrenModelCount", "usedStorage")
LIST_EXPAND = tuple(v for v in INFO_EXPAND if v not in LIST_ONLY_REFUSED)

# Server key order of the default model-info body (§3.3, gpt2 prefix), then the rest.
INFO_ORDER = (
    "_id", "id", "private", "pipeline_tag", "library_name", "tags", "downloads", "likes", "modelId", "author",
    "sha", "lastModified", "gated", "disabled", "mask_token", "widgetData", "model-index", "config", "cardData",
    "transformersInfo", "spaces", "siblings", "createdAt", "safetensors", "gguf", "inference", "usedStorage",
)  # fmt: skip
# Order used for `expand` projections (as in the captured expand bodies).
EXPAND_ORDER = (
    "_id", "id", "author", "private", "disabled", "gated", "lastModified", "sha", "pipeline_tag", "library_name",
    "tags", "likes", "downloads", "downloadsAllTime", "trendingScore", "baseModels", "spaces", "createdAt",
    "childrenModelCount", "mask_token", "widgetData", "model-index", "config", "cardData", "transformersInfo",
    "siblings", "safetensors", "gguf", "inference", "inferenceProviderMapping", "evalResults", "resourceGroup",
    "usedStorage", "xetEnabled",
)  # fmt: skip
LIST_DEFAULT = ("_id", "id", "likes", "trendingScore", "private", "downloads", "tags", "pipeline_tag",
                "library_name", "createdAt", "modelId")  # fmt: skip
LIST_FULL = ("_id", "id", "author", "gated", "disabled", "lastModified", "likes", "trendingScore", "private",
             "sha", "downloads", "tags", "pipeline_tag", "library_name", "createdAt", "modelId", "siblings")  # fmt: skip
VERBATIM = ("mask_token", "widgetData", "transformersInfo", "safetensors", "gguf", "inference",
            "inferenceProviderMapping", "evalResults", "resourceGroup", "xetEnabled")  # fmt: skip


@dataclass(frozen=True)
class ModelView:
    """One model at one commit, with everything the Hub derives from it."""

    model: Model
    commit: str
    files: dict[str, FileState]
    card_data: dict[str, Any] | None
    card_ok: bool
    bases: list[str]
    relation: str | None
    tags: list[str]
    config: dict[str, Any] | None

    @property
    def raw(self) -> dict[str, Any]:
        return self.model.raw


def _config_from_files(files: dict[str, FileState]) -> dict[str, Any] | None:
    state = files.get("config.json")
    if state is None or state.content is None:
        return None
    try:
        loaded = json.loads(state.content)
    except ValueError:
        return None
    if not isinstance(loaded, dict):
        return None
    return {k: loaded[k] for k in ("architectures", "model_type", "quantization_config") if k in loaded}


def _recorded_relation(tags: list[str], bases: list[str]) -> str | None:
    """The relation a registry's own ``base_model:<relation>:<base>`` tags already state (replayed Hub data)."""
    for tag in tags:
        parts = str(tag).split(":", 2)
        if len(parts) == 3 and parts[0] == "base_model" and parts[1] in RELATIONS and parts[2] in bases:
            return parts[1]
    return None


def build_view(model: Model, commit: str) -> ModelView:
    files = model.tree(commit)
    card = model.card(commit)
    card_ok = card.has_front_matter and card.data is not None
    data = card.data if card_ok else None
    config = model.raw.get("config")
    if config is None:
        config = _config_from_files(files)
    bases = declared_bases(data)
    declared = (data or {}).get("base_model_relation")
    relation: str | None = None
    if bases:
        recorded = _recorded_relation(model.raw.get("tags") or [], bases)
        if isinstance(declared, str) and declared in RELATIONS:
            relation = declared
        elif recorded is not None:
            relation = recorded
        elif model.raw.get("relation_inference", True):
            relation = infer_relation(bases, files.keys(), config)
    tags = dedupe([*(str(t) for t in model.raw.get("tags") or []), *card_tags(data, relation)])
    return ModelView(model, commit, files, data, card_ok, bases, relation, tags, config)


class Derived:
    """Per-registry caches: views by (model, commit) and the children counts of the model tree."""

    def __init__(self, registry: Registry):
        self.registry = registry
        self._lock = threading.RLock()
        self._views: dict[tuple[str, str], ModelView] = {}
        self._children: dict[str, Counter[str]] | None = None
        self._storage: dict[str, int] = {}

    def view(self, model: Model, commit: str) -> ModelView:
        key = (model.id, commit)
        with self._lock:
            if key not in self._views:
                self._views[key] = build_view(model, commit)
            return self._views[key]

    def head_view(self, model: Model) -> ModelView | None:
        return self.view(model, model.head) if model.head else None

    def children_counts(self, model_id: str) -> dict[str, int]:
        with self._lock:
            if self._children is None:
                children: dict[str, Counter[str]] = {}
                for child in self.registry:
                    view = self.head_view(child)
                    if view is None or view.relation is None:
                        continue
                    for base in view.bases:
                        parent, _ = self.registry.lookup(base)
                        if parent is not None and parent.id != child.id:
                            children.setdefault(parent.id, Counter())[view.relation] += 1
                self._children = children
            counts = self._children.get(model_id, Counter())
        return {rel: counts.get(rel, 0) for rel in ("adapter", "merge", "quantized", "finetune")}

    def used_storage(self, model: Model) -> int:
        with self._lock:
            if model.id not in self._storage:
                sizes: dict[str, int] = {}
                for commit in model.commits:
                    for change in commit.get("changes") or []:
                        if change.get("op") != "delete":
                            state = change_state(change, commit["id"])
                            sizes[state.oid] = state.size
                self._storage[model.id] = sum(sizes.values())
            return self._storage[model.id]

    def base_models(self, view: ModelView) -> dict[str, Any] | None:
        models = []
        for base in view.bases:
            parent, _ = self.registry.lookup(base)
            if parent is not None and parent.id != view.model.id:
                entry = {"_id": parent.object_id, "id": parent.id}
                if entry not in models:
                    models.append(entry)
        if not models:
            return None
        return {"relation": view.relation, "models": models}


# ------------------------------------------------------------------------------------------ fields


def sibling(state: FileState, blobs: bool) -> dict[str, Any]:
    item: dict[str, Any] = {"rfilename": state.path}
    if blobs:
        item["size"] = state.size
        item["blobId"] = state.oid
        if state.lfs_sha256 is not None:
            item["lfs"] = {
                "size": state.lfs_size,
                "sha256": state.lfs_sha256,
                "pointerSize": state.pointer_size,
            }
    return item


def all_fields(view: ModelView, derived: Derived, *, blobs: bool = False) -> dict[str, Any]:
    """Every field the model can show at this commit; absent optional fields are left out."""
    raw, model = view.raw, view.model
    commit = model.commit(view.commit)
    card = view.card_data or {}
    created = raw.get("createdAt") or (
        model.commits[0]["date"] if model.commits else "2022-03-02T23:29:04.000Z"
    )
    fields: dict[str, Any] = {
        "_id": model.object_id,
        "id": model.id,
        "modelId": model.id,
        "author": model.author,
        "sha": view.commit,
        "lastModified": hub_date(commit["date"]),
        "createdAt": hub_date(created),
        "private": bool(raw.get("private", False)),
        "disabled": bool(raw.get("disabled", False)),
        "gated": raw.get("gated") or False,
        "downloads": int(raw.get("downloads") or 0),
        "downloadsAllTime": int(raw.get("downloadsAllTime") or raw.get("downloads") or 0),
        "likes": int(raw.get("likes") or 0),
        "trendingScore": raw.get("trendingScore") or 0,
        "tags": list(view.tags),
        "spaces": list(raw.get("spaces") or [])[:100],
        "siblings": [sibling(view.files[p], blobs) for p in sorted(view.files)],
        "model-index": raw.get("model-index"),
        "usedStorage": int(raw["usedStorage"]) if "usedStorage" in raw else derived.used_storage(model),
    }
    pipeline = raw.get("pipeline_tag") or (
        card.get("pipeline_tag") if isinstance(card.get("pipeline_tag"), str) else None
    )
    library = raw.get("library_name") or (
        card.get("library_name") if isinstance(card.get("library_name"), str) else None
    )
    if pipeline:
        fields["pipeline_tag"] = pipeline
    if library:
        fields["library_name"] = library
    if view.config is not None:
        fields["config"] = view.config
    if view.card_data is not None:
        fields["cardData"] = view.card_data
    for key in VERBATIM:
        if raw.get(key) is not None:
            fields[key] = raw[key]
    base_models = derived.base_models(view)
    if base_models is not None:
        fields["baseModels"] = base_models
    fields["childrenModelCount"] = derived.children_counts(model.id)
    return fields


def _ordered(fields: dict[str, Any], keys: tuple[str, ...] | list[str]) -> dict[str, Any]:
    return {k: fields[k] for k in keys if k in fields}


def info_default(view: ModelView, derived: Derived, *, blobs: bool, security: bool) -> dict[str, Any]:
    fields = all_fields(view, derived, blobs=blobs)
    body = _ordered(fields, INFO_ORDER)
    body.setdefault("model-index", None)
    for key, value in (view.raw.get("extra") or {}).items():
        body.setdefault(key, value)
    if security:
        body["securityRepoStatus"] = {"scansDone": True, "filesWithIssues": []}
    return body


def expand_projection(fields: dict[str, Any], expand: list[str]) -> dict[str, Any]:
    wanted = set(expand)
    keys = ["_id", "id", *[k for k in EXPAND_ORDER if k in wanted], *sorted(wanted - set(EXPAND_ORDER))]
    return _ordered(fields, dedupe(keys))


def list_item(view: ModelView, derived: Derived, *, full: bool, card: bool, config: bool,
              expand: list[str] | None) -> dict[str, Any]:  # fmt: skip
    fields = all_fields(view, derived)
    if expand:
        return expand_projection(fields, expand)
    item = _ordered(fields, LIST_FULL if full else LIST_DEFAULT)
    if full and not fields["disabled"]:
        item.pop("disabled", None)
    if card and "cardData" in fields:
        item["cardData"] = fields["cardData"]
    if config and "config" in fields:
        item["config"] = fields["config"]
    return item


# ------------------------------------------------------------------------------------------- trees


def tree_oid(entries: list[tuple[str, str]]) -> str:
    """A stable 40-hex id for a folder, from its (path, oid) contents."""
    digest = hashlib.sha1(b"tree\0")
    for path, oid in sorted(entries):
        digest.update(f"{path}\0{oid}\n".encode())
    return digest.hexdigest()


def last_commit(model: Model, commit_id: str) -> dict[str, Any]:
    commit = model.commit(commit_id)
    return {"id": commit["id"], "title": commit.get("title") or "", "date": hub_date(commit["date"])}


def file_entry(state: FileState) -> dict[str, Any]:
    entry: dict[str, Any] = {"type": "file", "oid": state.oid, "size": state.size, "path": state.path}
    if state.lfs_sha256 is not None:
        entry["lfs"] = {"oid": state.lfs_sha256, "size": state.lfs_size, "pointerSize": state.pointer_size}
    return entry


def folder_files(files: dict[str, FileState], folder: str) -> list[FileState]:
    prefix = folder.rstrip("/") + "/"
    return [s for p, s in files.items() if p.startswith(prefix)]


def folder_entry(model: Model, files: dict[str, FileState], folder: str, expand: bool) -> dict[str, Any]:
    inside = folder_files(files, folder)
    entry: dict[str, Any] = {"type": "directory", "oid": tree_oid([(s.path, s.oid) for s in inside]), "size": 0,
                             "path": folder}  # fmt: skip
    if expand and inside:
        newest = max(
            inside, key=lambda s: (model.commit(s.last_commit)["date"], model.commit_index()[s.last_commit])
        )
        entry["lastCommit"] = last_commit(model, newest.last_commit)
    return entry


def path_entry(model: Model, files: dict[str, FileState], path: str, expand: bool) -> dict[str, Any] | None:
    """The tree entry of a file or folder, or None when the path does not exist."""
    if path in files:
        entry = file_entry(files[path])
        if expand:
            entry["lastCommit"] = last_commit(model, files[path].last_commit)
        return entry
    if path and folder_files(files, path):
        return folder_entry(model, files, path, expand)
    return None


def list_tree(model: Model, files: dict[str, FileState], folder: str, recursive: bool, expand: bool
              ) -> list[dict[str, Any]] | None:  # fmt: skip
    """Entries under ``folder`` ('' = root), sorted by path; None when the folder does not exist."""
    folder = folder.strip("/")
    if folder and folder in files:
        return [path_entry(model, files, folder, expand) or {}]
    prefix = folder + "/" if folder else ""
    inside = [p for p in files if p.startswith(prefix)]
    if folder and not inside:
        return None
    paths: set[str] = set()
    for path in inside:
        rest = path[len(prefix) :].split("/")
        depth = len(rest) if recursive else 1
        for i in range(1, min(depth, len(rest)) + 1):
            paths.add(prefix + "/".join(rest[:i]))
    entries = []
    for path in sorted(paths):
        entry = path_entry(model, files, path, expand)
        if entry is not None:
            entries.append(entry)
    return entries
