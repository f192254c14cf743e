"""``hfaudit lock``: pin models to a commit, with every file that a release is made of.

A lock holds, per model, the commit its revision resolved to, and for every weight, config,
tokenizer, adapter, merge-config and card file at it the path, git blob oid, size and (for LFS
files, as the Hub gives it) sha256; plus what decides whether the model can still be used as locked
(gating, privacy, disabled) and what it declares (base models and relation, version signals).

It is built from the Hub through the crawler's seam (``hfaudit.collect.hub``), three calls a model
(model info at the revision, the recursive tree at the resolved commit, the refs), or from a store
with no network at all (``lock_from_store``). ``read_lock`` parses and checks a lock file;
``docs/lock.md`` documents the format.
"""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from huggingface_hub import RepoFile

from hfaudit import __version__
from hfaudit.analyse.naming import parse_name
from hfaudit.analyse.semver import parse_version
from hfaudit.cards import as_list
from hfaudit.collect.hub import HUB_ERRORS, Hub, classify, configure_client
from hfaudit.errors import HfauditError
from hfaudit.files import MATTERING, category
from hfaudit.store import Store, json_value
from hfaudit.types import parse_model_id

LOCK_FORMAT = 1
DEFAULT_REVISION = "main"
INFO_EXPAND: list[Any] = ["sha", "author", "private", "gated", "disabled", "cardData", "tags", "lastModified"]


def hub_error(endpoint: str, model_id: str, exc: BaseException, doing: str) -> HfauditError:
    """One line for a Hub call that failed for good (exit 2: could not check)."""
    failure = classify(exc)
    if failure.error_type in ("network", "timeout"):
        return HfauditError(f"cannot reach {endpoint}: {failure.message}", code=2)
    if failure.error_type == "not_found":
        return HfauditError(f"unknown model {model_id} at {endpoint} (not found, or private without a token)", code=2)
    if failure.error_type == "revision_not_found":
        return HfauditError(f"{model_id}: {failure.message}", code=2)
    return HfauditError(f"{model_id}: {doing} failed: {failure.error_type}: {failure.message}", code=2)


def parse_revisions(values: Iterable[str]) -> dict[str, str]:
    """``--revision MODEL=REV`` options as a dict."""
    out: dict[str, str] = {}
    for value in values:
        model, sep, rev = value.partition("=")
        if not sep or not model or not rev:
            raise HfauditError(f"--revision must be MODEL=REV, not {value!r}", code=2)
        out[parse_model_id(model)] = rev
    return out


def _gated(value: Any) -> str:
    return "false" if value in (None, False, "false") else str(value)


def _file(path: str, blob: str | None, size: int | None, sha256: str | None) -> dict[str, Any]:
    return {"path": path, "category": category(path), "blob": blob, "size": size, "sha256": sha256}


def _signals(model_id: str, card: dict[str, Any] | None, tags_at_commit: Iterable[str]) -> dict[str, Any]:
    card = card or {}
    version = card.get("version")
    return {
        "name_version": parse_name(model_id).version_raw,
        "card_version": str(version) if version is not None else None,
        "version_tags": sorted(t for t in tags_at_commit if parse_version(t)),
    }


def _lineage(card: dict[str, Any] | None, tags: Iterable[str]) -> dict[str, Any]:
    card = card or {}
    bases = as_list(card.get("base_model"))
    relation = card.get("base_model_relation")
    if relation is None:
        # the Hub's own reading, as a tag base_model:<relation>:<id>
        for tag in tags:
            parts = str(tag).split(":")
            if len(parts) >= 3 and parts[0] == "base_model" and parts[1] in ("adapter", "merge", "quantized", "finetune"):
                relation = parts[1]
                break
    return {"base_models": sorted(bases), "base_model_relation": relation if bases else None}


def lock_entry_from_hub(hub: Hub, model_id: str, revision: str) -> dict[str, Any]:
    """One model's lock entry: model info at ``revision``, its tree, its refs (three calls)."""
    endpoint = hub.endpoint
    try:
        info = hub.model_info_at(model_id, None if revision == DEFAULT_REVISION else revision, INFO_EXPAND)
    except HUB_ERRORS as exc:
        raise hub_error(endpoint, model_id, exc, "model info") from exc
    current = info.id
    try:
        tree = hub.tree(current, info.sha)
        refs = hub.refs(current)
    except HUB_ERRORS as exc:
        failure = classify(exc)
        if failure.error_type in ("gated", "disabled", "unauthorized"):
            raise HfauditError(f"{current}: cannot read its files ({failure.error_type}); give a token with access", code=2) from exc
        raise hub_error(endpoint, current, exc, "tree") from exc
    files = []
    for item in tree:
        if not isinstance(item, RepoFile) or category(item.path) not in MATTERING:
            continue
        lfs = getattr(item, "lfs", None)
        files.append(_file(item.path, item.blob_id, item.size, lfs.sha256 if lfs is not None else None))
    card = info.card_data.to_dict() if getattr(info, "card_data", None) is not None else None
    tags_here = [t.name for t in refs.tags if t.target_commit == info.sha]
    return {
        "id": current,
        "object_id": info.__dict__.get("_id") or getattr(info, "_id", None),
        "revision": revision,
        "commit": info.sha,
        "committed_at": info.last_modified.strftime("%Y-%m-%dT%H:%M:%SZ") if info.last_modified else None,
        "gated": _gated(info.gated),
        "private": bool(info.private),
        "disabled": bool(info.disabled),
        **_lineage(card, info.tags or []),
        **_signals(current, card, tags_here),
        "files": files,
    }


def lock_from_hub(
    model_ids: Sequence[str], endpoint: str, token: str | None = None, revisions: dict[str, str] | None = None,
    timeout: float = 30.0,
) -> dict[str, Any]:
    """The lock of ``model_ids`` as the Hub at ``endpoint`` serves them now."""
    configure_client(timeout)
    hub = Hub(endpoint, token)
    revisions = revisions or {}
    entries = {}
    for model_id in dict.fromkeys(model_ids):
        entry = lock_entry_from_hub(hub, model_id, revisions.get(model_id, DEFAULT_REVISION))
        entries[entry["id"]] = entry
    return {"format": LOCK_FORMAT, "generated_by": f"hfaudit {__version__}", "endpoint": endpoint, "models": list(entries.values())}


def lock_from_store(db: str | Path, model_ids: Sequence[str], revisions: dict[str, str] | None = None) -> dict[str, Any]:
    """The lock of ``model_ids`` as the store last crawled them (no network): the head whose history
    is stored (``models.crawled_sha``) and the files at it (``model_files``)."""
    if revisions:
        raise HfauditError("--revision needs the Hub: a store holds the files of each model's head only", code=2)
    entries = []
    with Store(db, read_only=True) as store:
        con = store.con
        endpoint = store.latest_endpoint()
        for model_id in dict.fromkeys(model_ids):
            row = con.execute(
                "select model_id, object_id, crawled_sha, last_modified, gated, private, disabled, card_data, tags, status "
                "from models where model_id = ?",
                [model_id],
            ).fetchone()
            if row is None:
                raise HfauditError(f"unknown model {model_id}: not in {db}", code=2)
            if row[9] != "present":
                raise HfauditError(f"{model_id} is {row[9]} in {db}: it cannot be locked", code=2)
            if not row[2]:
                raise HfauditError(f"{model_id}: the store holds no files for it (its crawl failed)", code=2)
            sha = row[2]
            files = [
                _file(p, b, s, h)
                for p, b, h, s in con.execute(
                    "select path, blob, sha256, size from model_files where model_id = ? order by path", [model_id]
                ).fetchall()
                if category(p) in MATTERING
            ]
            tags_here = [
                r[0]
                for r in con.execute(
                    "select name from refs where model_id = ? and ref_type = 'tag' and target_commit = ? "
                    "and snapshot_id = (select max(snapshot_id) from refs where model_id = ?)",
                    [model_id, sha, model_id],
                ).fetchall()
            ]
            committed = con.execute(
                "select strftime(committed_at at time zone 'UTC', '%Y-%m-%dT%H:%M:%SZ') from commits "
                "where model_id = ? and commit_id = ?",
                [model_id, sha],
            ).fetchone()
            card = json_value(row[7])
            card = card if isinstance(card, dict) else None
            entries.append(
                {
                    "id": model_id,
                    "object_id": row[1],
                    "revision": DEFAULT_REVISION,
                    "commit": sha,
                    "committed_at": committed[0] if committed else None,
                    "gated": _gated(row[4]),
                    "private": bool(row[5]),
                    "disabled": bool(row[6]),
                    **_lineage(card, row[8] or []),
                    **_signals(model_id, card, tags_here),
                    "files": files,
                }
            )
    return {"format": LOCK_FORMAT, "generated_by": f"hfaudit {__version__}", "endpoint": endpoint, "source": str(db), "models": entries}


def write_lock(lock: dict[str, Any], out: str | Path) -> Path:
    """Write the lock atomically: a reader never sees half a file, and a failure leaves none."""
    from hfaudit.present.lockfile import render_lock

    out = Path(out)
    text = render_lock(lock)
    fd, tmp = tempfile.mkstemp(prefix=".hfaudit-lock-", dir=str(out.parent if str(out.parent) else "."))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


# ---------------------------------------------------------------------------------------- reading


def read_lock(path: str | Path) -> tuple[dict[str, Any], dict[str, int]]:
    """The lock at ``path`` and, per model id, the line of its ``id = …`` key (for SARIF).

    Every way a lock can be wrong is one ``HfauditError`` (exit 2) naming the file.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise HfauditError(f"no lock file at {path}: write one with 'hfaudit lock'", code=2) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise HfauditError(f"cannot read {path}: {exc}", code=2) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise HfauditError(f"{path} is not a valid lock file: {exc}", code=2) from None
    fmt = data.get("format")
    if not isinstance(fmt, int) or isinstance(fmt, bool):
        raise HfauditError(f"{path} is not a valid lock file: no integer 'format' key", code=2)
    if fmt > LOCK_FORMAT:
        raise HfauditError(f"{path} has lock format {fmt}, newer than this hfaudit reads ({LOCK_FORMAT}): upgrade hfaudit", code=2)
    if fmt < 1:
        raise HfauditError(f"{path} has an unknown lock format {fmt}", code=2)
    models = data.get("models", [])
    if not isinstance(models, list):
        raise HfauditError(f"{path} is not a valid lock file: 'models' must be an array of tables", code=2)
    seen: set[str] = set()
    for i, model in enumerate(models, 1):
        where = f"{path}: model {i}"
        if not isinstance(model, dict):
            raise HfauditError(f"{where} is not a table", code=2)
        for key in ("id", "commit"):
            if not isinstance(model.get(key), str) or not model[key]:
                raise HfauditError(f"{where} has no {key!r}", code=2)
        try:
            parse_model_id(model["id"])
        except HfauditError as exc:
            raise HfauditError(f"{where}: {exc}", code=2) from None
        if model["id"] in seen:
            raise HfauditError(f"{path}: {model['id']} is locked twice", code=2)
        seen.add(model["id"])
        files = model.setdefault("files", [])
        if not isinstance(files, list) or any(not isinstance(f, dict) or not isinstance(f.get("path"), str) for f in files):
            raise HfauditError(f"{where} ({model['id']}): 'files' must be an array of tables with a 'path'", code=2)
        model.setdefault("revision", DEFAULT_REVISION)
        model.setdefault("gated", "false")
        model["gated"] = _gated(model["gated"])
    return data, model_lines(text)


_ID_LINE = re.compile(r'^id\s*=\s*"((?:[^"\\]|\\.)*)"\s*$')


def model_lines(text: str) -> dict[str, int]:
    """Model id → 1-based line of its ``id = "…"`` key in a lock written by ``render_lock``."""
    out: dict[str, int] = {}
    in_model = False
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("[["):
            in_model = stripped == "[[models]]"
            continue
        if in_model and (m := _ID_LINE.match(stripped)):
            out.setdefault(m.group(1), number)
    return out
