"""Small hand-built registries for tests: deterministic ids, readable call sites."""

from __future__ import annotations

import hashlib
from typing import Any

from hfaudit.fakehub.registry import Model, Registry, hub_date


def sha(*parts: object) -> str:
    return hashlib.sha1("/".join(map(str, parts)).encode()).hexdigest()


def sha256(*parts: object) -> str:
    return hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()


def text(path: str, content: str, op: str = "add") -> dict[str, Any]:
    return {"path": path, "op": op, "content": content}


def weight(path: str, version: int, size: int = 4096, op: str = "add") -> dict[str, Any]:
    return {"path": path, "op": op, "size": size, "lfs": {"sha256": sha256(path, version), "size": size}}


def delete(path: str) -> dict[str, Any]:
    return {"path": path, "op": "delete"}


def commit(model_id: str, n: int, title: str, changes: list[dict[str, Any]], day: int | None = None, author: str = "alice") -> dict[str, Any]:
    return {
        "id": sha(model_id, n, title),
        "date": hub_date(f"2024-01-{(day or n + 1):02d}T10:00:00Z"),
        "title": title,
        "message": "",
        "authors": [author],
        "changes": changes,
    }


def model(model_id: str, commits: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    initial = {
        "id": sha(model_id, "initial"),
        "date": hub_date("2023-12-31T09:00:00Z"),
        "title": "initial commit",
        "message": "",
        "authors": ["system"],
        "changes": [text(".gitattributes", "*.safetensors filter=lfs diff=lfs merge=lfs -text\n")],
    }
    raw = {"id": model_id, "createdAt": initial["date"], "downloads": 5, "likes": 1, "tags": ["region:us"], "commits": [initial, *commits]}
    raw.update(fields)
    return raw


def registry(lines: list[dict[str, Any]]) -> Registry:
    return Registry(Model(dict(line)) for line in lines)


def small_registry() -> list[dict[str, Any]]:
    """Five models covering replacements, card versions, malformed YAML, tags, gating and adapters."""
    a = "acme/tiny-llama-v2"
    card1 = "---\nlicense: mit\nbase_model: acme/tiny-llama\n---\n# tiny\n"
    card2 = "---\nlicense: mit\nbase_model: acme/tiny-llama\n---\n# tiny\n\n## Changelog\n- v2.1: retrained\n"
    m1 = model(
        a,
        [
            commit(a, 1, "Upload model", [weight("model.safetensors", 1), text("README.md", card1), text("config.json", '{"model_type": "llama"}')]),
            commit(a, 2, "Upload model.safetensors", [weight("model.safetensors", 2, op="modify")]),
            commit(a, 3, "Retrain: v2.1", [weight("model.safetensors", 3, op="modify"), text("README.md", card2, op="modify")]),
        ],
        pipeline_tag="text-generation",
        library_name="transformers",
    )
    m1["refs"] = {"branches": {"main": m1["commits"][-1]["id"]}, "tags": {"v2.1": m1["commits"][-1]["id"]}}
    b = "acme/tiny-llama"
    m2 = model(
        b,
        [
            commit(b, 1, "Add sharded weights", [
                weight("model-00001-of-00002.safetensors", 1), weight("model-00002-of-00002.safetensors", 1),
                text("README.md", "---\nlicense: apache-2.0\n---\n# base\n"),
            ]),
            commit(b, 2, "Drop pytorch weights", [weight("pytorch_model.bin", 1)]),
            commit(b, 3, "Remove bin", [delete("pytorch_model.bin")]),
        ],
    )
    c = "someone/broken-card"
    m3 = model(c, [commit(c, 1, "Add card", [text("README.md", "---\nlicense: [mit\n---\nbody\n"), weight("pytorch_model.bin", 1)])])
    d = "gatekeeper/locked-model"
    m4 = model(d, [commit(d, 1, "Upload", [weight("model.safetensors", 1)])], gated="manual")
    e = "someone/tiny-lora"
    m5 = model(
        e,
        [commit(e, 1, "Upload adapter", [
            text("adapter_config.json", '{"base_model_name_or_path": "acme/tiny-llama"}'),
            weight("adapter_model.safetensors", 1),
            text("README.md", "---\nbase_model: acme/tiny-llama\n---\n"),
        ])],
    )
    return [m1, m2, m3, m4, m5]
