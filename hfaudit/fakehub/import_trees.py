"""``hfaudit fakehub import-trees``: real model trees (oderinwale-model-trees CSVs) → a registry.

Each CSV row holds a model id, its README (``card``), a serialized huggingface_hub ``ModelInfo``
(``metadata``, snake_case JSON, siblings as ``RepoSibling(...)`` repr strings) and the Hub's child,
adapter, quantized and merge lists. Every row becomes a registry model with two synthetic commits
(an initial ``.gitattributes`` commit at ``created_at``, then one that adds the README and every sibling
at ``last_modified`` with the real head ``sha``), so ``model_info`` serves back the recorded fields.
Weights are LFS files with a deterministic fake sha256 derived from id and path.

Models named only in a parent's lists become minimal models whose README declares the parent as
``base_model`` (and ``base_model_relation`` for adapter/quantized/merge lists). ``strip_relations``
removes every ``base_model_relation`` and ``base_model:<relation>:`` tag and sets
``relation_inference: false``, so a crawler has to infer relations itself.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

from huggingface_hub.repocard import REGEX_YAML_BLOCK

from hfaudit.fakehub.registry import RELATIONS, derive_all, hub_date, write_models

LFS_EXTENSIONS = (
    ".safetensors", ".bin", ".pt", ".pth", ".ckpt", ".h5", ".gguf", ".onnx", ".msgpack", ".tflite", ".ot",
    ".npz", ".pkl", ".zip", ".model", ".mlmodel", ".pb", ".tar", ".gz", ".7z", ".arrow", ".parquet", ".joblib",
    ".nemo", ".keras", ".png", ".jpg", ".jpeg", ".gif", ".mp4", ".wav",
)  # fmt: skip
LIST_RELATIONS = {"children": "finetune", "adapters": "adapter", "quantized": "quantized", "merges": "merge"}
MINIMAL_DATE = "2025-04-22T00:00:00.000Z"
GITATTRIBUTES = (
    "*.safetensors filter=lfs diff=lfs merge=lfs -text\n*.bin filter=lfs diff=lfs merge=lfs -text\n"
)
_SIBLING = re.compile(r"rfilename=(['\"])(?P<name>.*?)\1, size=(?P<size>None|\d+)")
_LFS_SIZE = re.compile(r"lfs=.*?size=(\d+)")
_RELATION_TAG = re.compile(r"^base_model:(?:" + "|".join(RELATIONS) + "):")


class ImportError_(ValueError):  # noqa: N801 - avoid shadowing the builtin ImportError
    """The input cannot be imported; the message names the file and the problem."""


def model_id(text: str) -> str | None:
    """``https://huggingface.co/a/b`` or ``a/b`` → ``a/b``; None for anything else."""
    text = (
        text.strip().removeprefix("https://huggingface.co/").removeprefix("http://huggingface.co/").strip("/")
    )
    parts = text.split("/")
    if len(parts) != 2 or not all(parts) or " " in text:
        return None
    return text


def listed_ids(cell: str | None) -> list[str]:
    """The model ids of a comma-separated list cell (anything that is not an id is passed over)."""
    return [i for i in (model_id(part) for part in (cell or "").split(",")) if i]


def row_metadata(row: dict[str, str]) -> dict[str, Any] | None:
    """A row's recorded ModelInfo (``metadata`` column, JSON), or None when absent or not an object."""
    try:
        meta = json.loads(row.get("metadata") or "")
    except ValueError:
        return None
    return meta if isinstance(meta, dict) else None


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


def _fake_sha256(model: str, path: str) -> str:
    return hashlib.sha256(f"{model}/{path}".encode()).hexdigest()


def _fake_size(model: str, path: str, lfs: bool) -> int:
    seed = int(_sha1(f"size:{model}/{path}")[:8], 16)
    return (1 << 20) + seed % (64 << 20) if lfs else 64 + seed % 4096


def _date(value: Any) -> str | None:
    return hub_date(str(value)) if value else None


def strip_relation(card: str) -> str:
    """Remove ``base_model_relation`` lines from a README's front matter."""
    match = REGEX_YAML_BLOCK.search(card)
    if not match:
        return card
    block = re.sub(r"(?m)^base_model_relation:.*(?:\r\n|\r|\n)?", "", match.group(2))
    return card[: match.start(2)] + block + card[match.end(2) :]


def parse_siblings(items: list[Any] | None) -> list[tuple[str, int | None, int | None]]:
    """(path, size, lfs size) of each serialized ``RepoSibling``."""
    out = []
    for item in items or []:
        if isinstance(item, dict):
            lfs = item.get("lfs") or {}
            out.append(
                (str(item["rfilename"]), item.get("size"), lfs.get("size") if isinstance(lfs, dict) else None)
            )
            continue
        match = _SIBLING.search(str(item))
        if not match:
            continue
        size = None if match.group("size") == "None" else int(match.group("size"))
        lfs_match = _LFS_SIZE.search(str(item)[match.end() :])
        out.append((match.group("name"), size, int(lfs_match.group(1)) if lfs_match else None))
    return out


def full_model(meta: dict[str, Any], card: str, strip: bool) -> dict[str, Any]:
    """A registry line replaying one recorded ``ModelInfo``."""
    mid = str(meta["id"])
    created = _date(meta.get("created_at") or meta.get("createdAt")) or MINIMAL_DATE
    modified = _date(meta.get("last_modified") or meta.get("lastModified")) or created
    head = str(meta.get("sha") or _sha1(f"{mid}:head"))
    first = _sha1(f"{mid}:initial")
    if strip:
        card = strip_relation(card)
    changes: list[dict[str, Any]] = []
    siblings = parse_siblings(meta.get("siblings"))
    names = {s[0] for s in siblings}
    if card and ("README.md" in names or not siblings):
        changes.append({"path": "README.md", "op": "add", "content": card})
    config = meta.get("config")
    for path, size, lfs_size in siblings:
        if path in ("README.md", ".gitattributes"):
            continue
        if path == "config.json" and isinstance(config, dict):
            changes.append(
                {"path": path, "op": "add", "content": json.dumps(config, indent=2, ensure_ascii=False)}
            )
            continue
        is_lfs = lfs_size is not None or path.lower().endswith(LFS_EXTENSIONS)
        real = lfs_size or size or _fake_size(mid, path, is_lfs)
        if is_lfs:
            changes.append({"path": path, "op": "add", "size": real,
                            "lfs": {"sha256": _fake_sha256(mid, path), "size": real}})  # fmt: skip
        else:
            changes.append({"path": path, "op": "add", "size": real})
    tags = [str(t) for t in meta.get("tags") or []]
    if strip:
        tags = [t for t in tags if not _RELATION_TAG.match(t)]
    line: dict[str, Any] = {
        "id": mid,
        "author": meta.get("author") or mid.split("/")[0],
        "createdAt": created,
        "private": bool(meta.get("private") or False),
        "gated": meta.get("gated") or False,
        "disabled": bool(meta.get("disabled") or False),
        "downloads": int(meta.get("downloads") or 0),
        "likes": int(meta.get("likes") or 0),
        "tags": tags,
    }
    if meta.get("_id"):
        line["_id"] = meta["_id"]
    for wire, key in (("downloadsAllTime", "downloads_all_time"), ("trendingScore", "trending_score")):
        if meta.get(key) is not None:
            line[wire] = meta[key]
    verbatim = {
        "pipeline_tag": "pipeline_tag", "library_name": "library_name", "mask_token": "mask_token",
        "widgetData": "widget_data", "model-index": "model_index", "config": "config",
        "transformersInfo": "transformers_info", "safetensors": "safetensors", "gguf": "gguf",
        "inference": "inference", "spaces": "spaces", "usedStorage": "usedStorage",
    }  # fmt: skip
    for wire, key in verbatim.items():
        value = meta.get(key, meta.get(wire))
        if value is not None:
            line[wire] = value
    if strip:
        line["relation_inference"] = False
    line["refs"] = {"branches": {"main": head}}
    line["commits"] = [
        {"id": first, "parents": [], "date": created, "title": "initial commit", "message": "", "authors": ["system"],
         "changes": [{"path": ".gitattributes", "op": "add", "content": GITATTRIBUTES}]},
        {"id": head, "parents": [first], "date": modified, "title": "Upload folder using huggingface_hub",
         "message": "", "authors": [line["author"]], "changes": changes},
    ]  # fmt: skip
    return line


def minimal_model(
    mid: str, parent: str | None, relation: str | None, card: str | None, strip: bool
) -> dict[str, Any]:
    """A model known only by name (or by a card without metadata)."""
    if card is None:
        front = [f"base_model: {parent}"] if parent else []
        if parent and relation and relation != "finetune" and not strip:
            front.append(f"base_model_relation: {relation}")
        card = "---\n" + "".join(line + "\n" for line in front) + "---\n" if front else ""
    elif strip:
        card = strip_relation(card)
    tags: list[str] = []
    if parent:
        tags.append(f"base_model:{parent}")
        if relation and not strip:
            tags.append(f"base_model:{relation}:{parent}")
    head = _sha1(f"{mid}:head")
    line: dict[str, Any] = {
        "id": mid,
        "createdAt": MINIMAL_DATE,
        "tags": tags,
        "refs": {"branches": {"main": head}},
    }
    if strip:
        line["relation_inference"] = False
    changes = [{"path": ".gitattributes", "op": "add", "content": GITATTRIBUTES}]
    if card:
        changes.append({"path": "README.md", "op": "add", "content": card})
    line["commits"] = [{"id": head, "parents": [], "date": MINIMAL_DATE, "title": "initial commit", "message": "",
                        "authors": ["system"], "changes": changes}]  # fmt: skip
    return line


def read_rows(directory: Path) -> list[dict[str, str]]:
    if not directory.is_dir():
        raise ImportError_(f"not a directory: {directory}")
    files = sorted(directory.glob("*.csv"))
    if not files:
        raise ImportError_(f"no *.csv files in {directory}")
    csv.field_size_limit(sys.maxsize)
    rows: list[dict[str, str]] = []
    for path in files:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames or "model_id" not in reader.fieldnames:
                raise ImportError_(f"{path}: not a model-tree CSV (no model_id column)")
            rows.extend(reader)
    return rows


def build_registry(rows: list[dict[str, str]], *, strip_relations: bool = False) -> list[dict[str, Any]]:
    """Registry lines for the rows, full models first by appearance, then the minimal ones."""
    full: dict[str, dict[str, Any]] = {}
    minimal: dict[str, dict[str, Any]] = {}
    for row in rows:
        mid = model_id(row.get("model_id") or "")
        if mid is None:
            continue
        meta = row_metadata(row)
        card = row.get("card") or ""
        if meta is not None and model_id(str(meta.get("id") or "")):
            if mid not in full:
                full[mid] = full_model({**meta, "id": model_id(str(meta["id"]))}, card, strip_relations)
        elif mid not in full and (card.strip() or mid not in minimal):
            # A recorded README beats a card synthesized from a parent's list.
            minimal[mid] = minimal_model(mid, None, None, card if card.strip() else None, strip_relations)
        for column, relation in LIST_RELATIONS.items():
            for child in listed_ids(row.get(column)):
                if child not in minimal and child != mid:
                    minimal[child] = minimal_model(child, mid, relation, None, strip_relations)
    lines = list(full.values())
    lines.extend(line for mid, line in minimal.items() if mid not in full)
    return lines


def import_trees(
    directory: str | Path, out: str | Path, *, strip_relations: bool = False, keep_ids: bool = False
) -> int:
    """Read every CSV in ``directory`` and write the registry to ``out``; returns the model count.

    Commit ids and blob oids are derived (registry format 2), the recorded head sha kept as
    ``upstream_id``; ``keep_ids`` keeps the recorded ids instead (those models are API-only).
    """
    lines = build_registry(read_rows(Path(directory)), strip_relations=strip_relations)
    if not keep_ids:
        lines, _ = derive_all(lines, keep_upstream=True)
    try:
        return write_models(out, lines)
    except OSError as exc:
        raise ImportError_(f"cannot write {out}: {exc.strerror or exc}") from exc
