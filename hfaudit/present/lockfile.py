"""The lock file's bytes: TOML, sorted, one line per file, so that a change to a lock is a readable diff.

``render_lock(lock)`` takes the lock as plain data (``hfaudit.audit.lock`` builds and reads it) and
writes it in a fixed layout, documented in ``docs/lock.md``::

    format = 1
    ...
    [[models]]
    id = "acme/tiny"
    commit = "…"
    files = [
      { path = "config.json", category = "config", blob = "…", size = 412 },
    ]

TOML has no null: a key whose value is None is left out.
"""

from __future__ import annotations

import json
from typing import Any

HEADER = (
    "# hfaudit lock: the Hub models this project depends on, pinned to a commit.\n"
    "# Written by `hfaudit lock`, checked by `hfaudit verify`; see docs/lock.md. Do not edit by hand.\n"
)
# Key order inside a [[models]] table; anything else follows in sorted order.
MODEL_KEYS = (
    "id", "object_id", "revision", "commit", "committed_at", "gated", "private", "disabled",
    "base_models", "base_model_relation", "name_version", "card_version", "version_tags",
)
FILE_KEYS = ("path", "category", "blob", "size", "sha256")


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to a lock file")


def _inline(entry: dict[str, Any]) -> str:
    keys = [k for k in FILE_KEYS if entry.get(k) is not None] + sorted(
        k for k in entry if k not in FILE_KEYS and entry[k] is not None
    )
    return "{ " + ", ".join(f"{k} = {_value(entry[k])}" for k in keys) + " }"


def render_lock(lock: dict[str, Any]) -> str:
    """The TOML text of ``lock`` (keys ``format``, ``generated_by``, ``endpoint``, ``models``)."""
    out = [HEADER]
    for key in ("format", "generated_by", "endpoint", "source"):
        if lock.get(key) is not None:
            out.append(f"{key} = {_value(lock[key])}\n")
    for model in sorted(lock.get("models") or [], key=lambda m: m["id"]):
        out.append("\n[[models]]\n")
        keys = [k for k in MODEL_KEYS if k in model] + sorted(k for k in model if k not in MODEL_KEYS and k != "files")
        for key in keys:
            if model.get(key) is not None:
                out.append(f"{key} = {_value(model[key])}\n")
        files = sorted(model.get("files") or [], key=lambda f: f["path"])
        if files:
            out.append("files = [\n" + "".join(f"  {_inline(f)},\n" for f in files) + "]\n")
        else:
            out.append("files = []\n")
    return "".join(out)
