"""Shared pieces of the fake Hub tests: a small registry with every access case, and sealing helpers."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from huggingface_hub import constants

from hfaudit.fakehub.registry import Registry, hub_date, write_models

REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference"
SAMPLES = REFERENCE / "hub-api-samples"
TREES = REFERENCE / "real-data" / "oderinwale-model-trees"


def sha(*parts: object) -> str:
    return hashlib.sha1("/".join(map(str, parts)).encode()).hexdigest()


def sha256(*parts: object) -> str:
    return hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()


def commit(
    model: str, n: int, title: str, changes: list[dict[str, Any]], author: str = "alice"
) -> dict[str, Any]:
    return {
        "id": sha(model, n),
        "date": hub_date(f"2024-01-{n + 1:02d}T10:00:00Z"),
        "title": title,
        "message": f"message {n}",
        "authors": [author],
        "changes": changes,
    }


def text(path: str, content: str, op: str = "add") -> dict[str, Any]:
    return {"path": path, "op": op, "content": content}


def weight(path: str, size: int, version: int = 0) -> dict[str, Any]:
    return {"path": path, "op": "add", "size": size, "lfs": {"sha256": sha256(path, version), "size": size}}


def base_lines() -> list[dict[str, Any]]:
    """acme/base (3 commits, tag, PR, alias), a quantized child, an adapter child, gated/private/disabled."""
    base = "acme/base"
    commits = [
        commit(base, 0, "initial commit", [text(".gitattributes", "*.safetensors filter=lfs\n")], "system"),
        commit(
            base,
            1,
            "Upload weights",
            [
                weight("model.safetensors", 300_000),
                text(
                    "config.json", json.dumps({"architectures": ["LlamaForCausalLM"], "model_type": "llama"})
                ),
                text("sub dir/a b.txt", "hello"),
                text("README.md", "---\nlicense: mit\n---\n# base\n"),
            ],
        ),
        commit(
            base,
            2,
            "Update README",
            [text("README.md", "---\nlicense: mit\nlanguage: en\n---\n# base v2\n", "modify")],
            "bob",
        ),
    ]
    lines: list[dict[str, Any]] = [
        {
            "id": base,
            "createdAt": "2024-01-01T10:00:00.000Z",
            "downloads": 100,
            "likes": 5,
            "trendingScore": 3,
            "tags": ["transformers", "safetensors", "llama", "text-generation", "region:us"],
            "pipeline_tag": "text-generation",
            "library_name": "transformers",
            "aliases": ["base-legacy", "acme/old-base"],
            "refs": {
                "branches": {"main": commits[2]["id"]},
                "tags": {"v1.0": commits[1]["id"]},
                "pullRequests": {"1": commits[1]["id"]},
            },
            "commits": commits,
        },
        {
            "id": "other/base-GGUF",
            "downloads": 7,
            "likes": 50,
            "tags": ["gguf"],
            "commits": [
                commit(
                    "other/base-GGUF",
                    3,
                    "up",
                    [weight("m.Q4_K_M.gguf", 10), text("README.md", "---\nbase_model: acme/base\n---\n")],
                )
            ],
        },
        {
            "id": "other/base-lora",
            "downloads": 3,
            "tags": ["peft"],
            "commits": [
                commit(
                    "other/base-lora",
                    4,
                    "up",
                    [
                        text("adapter_config.json", "{}"),
                        text("README.md", "---\nbase_model: acme/old-base\nlicense: apache-2.0\n---\n"),
                    ],
                )
            ],
        },
        {
            "id": "acme/gated",
            "gated": "manual",
            "commits": [commit("acme/gated", 5, "x", [text("README.md", "hi")])],
        },
        {
            "id": "acme/private",
            "private": True,
            "commits": [commit("acme/private", 6, "x", [text("README.md", "hi")])],
        },
        {
            "id": "acme/disabled",
            "disabled": True,
            "commits": [commit("acme/disabled", 7, "x", [text("README.md", "hi")])],
        },
    ]
    return lines


def write_registry(path: Path, lines: list[dict[str, Any]] | None = None) -> Path:
    write_models(path, lines if lines is not None else base_lines())
    return path


def registry(lines: list[dict[str, Any]] | None = None) -> Registry:
    from hfaudit.fakehub.registry import Model

    return Registry(Model(line) for line in (lines if lines is not None else base_lines()))


def seal(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, endpoint: str | None = None) -> None:
    """No token, temporary cache, no Xet; optionally point huggingface_hub's module-level endpoint at ``endpoint``."""
    for var in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf_home"))
    monkeypatch.setenv("HF_HUB_DISABLE_XET", "1")
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hf_home" / "hub"))
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(tmp_path / "hf_home" / "token"))
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", True, raising=False)
    if endpoint is not None:
        monkeypatch.setattr(constants, "ENDPOINT", endpoint)
        monkeypatch.setattr(
            constants, "HUGGINGFACE_CO_URL_TEMPLATE", endpoint + "/{repo_id}/resolve/{revision}/{filename}"
        )
