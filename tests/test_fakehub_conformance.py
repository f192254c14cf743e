"""Conformance with real Hub responses (``reference/hub-api-samples``).

For each captured response an equivalent model is built into a registry; the fake Hub's answer must
have the same keys, JSON types, headers and pagination shape, and huggingface_hub must parse both
into the same attribute types. Runs in-process and over the real loopback server.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import yaml
from huggingface_hub import HfApi, ModelCard
from huggingface_hub.hf_api import ModelInfo, RepoFile

from hfaudit.fakehub.app import FakeHub
from hfaudit.fakehub.limits import HubOptions
from hfaudit.fakehub.registry import Model, Registry
from hfaudit.fakehub.server import start_server
from hfaudit.fakehub.transport import FAKE_ENDPOINT, use_fakehub
from tests import fakehub_support as fs

if not fs.SAMPLES.is_dir():
    pytest.skip("reference/hub-api-samples is not available", allow_module_level=True)


def sample(name: str) -> dict[str, Any]:
    return json.loads((fs.SAMPLES / name).read_text(encoding="utf-8"))


def json_type(value: Any) -> str:
    return {bool: "bool", int: "number", float: "number", str: "string", list: "array", dict: "object"}.get(
        type(value), "null"
    )


def type_map(body: dict[str, Any]) -> dict[str, str]:
    return {k: json_type(v) for k, v in body.items()}


def line_from_body(body: dict[str, Any], n: int) -> dict[str, Any]:
    """A registry line that should serve ``body`` back (README from cardData, files from siblings)."""
    head = body.get("sha") or fs.sha(body["id"], "head")
    changes: list[dict[str, Any]] = []
    if body.get("cardData") is not None:
        changes.append(
            fs.text(
                "README.md", "---\n" + yaml.safe_dump(body["cardData"], sort_keys=False) + "---\n# card\n"
            )
        )
    for sib in body.get("siblings") or []:
        name = sib["rfilename"] if isinstance(sib, dict) else None
        if not name or name == "README.md":
            continue
        changes.append(
            fs.weight(name, 1000) if name.endswith((".safetensors", ".gguf", ".bin")) else fs.text(name, "x")
        )
    line = {k: body[k] for k in ("_id", "createdAt", "private", "disabled", "gated", "downloads", "downloadsAllTime",
                                  "likes", "trendingScore", "pipeline_tag", "library_name", "widgetData", "model-index",
                                  "config", "transformersInfo", "safetensors", "spaces") if k in body}  # fmt: skip
    line.update(id=body["id"], tags=[t for t in body.get("tags", []) if not t.startswith("base_model:")])
    line["commits"] = [{"id": head, "date": body.get("lastModified", "2024-01-01T00:00:00.000Z"), "title": "Upload",
                        "message": "", "authors": ["someone"], "changes": changes}]  # fmt: skip
    if "baseModels" in body:
        bases = [m["id"] for m in body["baseModels"]["models"]]
        card = {
            "base_model": bases[0] if len(bases) == 1 else bases,
            "base_model_relation": body["baseModels"]["relation"],
        }
        line["commits"][0]["changes"].append(fs.text("README.md", "---\n" + yaml.safe_dump(card) + "---\n"))
    return line


def conformance_registry() -> Registry:
    lines: dict[str, dict[str, Any]] = {}
    for name in ("repoing-model-gpt2-expand.json", "repoing-model-llama-2-7b-gguf-basemodels.json",
                 "repoing-model-llama-3.1-8b-gated.json", "repoing-model-gpt-4chan-disabled.json",
                 "model-info-TheBloke-DiscoLM-120b-GPTQ-revision-main.json",
                 "model-info-meta-llama-Llama-3.2-3B-revision-main.json"):  # fmt: skip
        body = sample(name)["body"]
        lines[body["id"]] = line_from_body(body, len(lines))
        for base in (body.get("baseModels") or {}).get("models", []):
            lines.setdefault(base["id"], line_from_body({"id": base["id"], "_id": base["_id"]}, len(lines)))
    lines["meta-llama/Llama-3.1-8B"]["aliases"] = ["meta-llama/Meta-Llama-3.1-8B"]
    mellum = sample("list-models-full-true-item-mellum2-gguf-truncated.json")["item"]
    mellum = {**mellum, "siblings": [s for s in mellum["siblings"] if isinstance(s, dict)]}
    lines[mellum["id"]] = line_from_body(mellum, len(lines))
    gpt2 = lines["openai-community/gpt2"]
    prefix = sample("model-info-openai-community-gpt2-default-prefix.json")["body_prefix"]
    gpt2.update(library_name=prefix["library_name"], widgetData=prefix["widgetData"])
    gpt2["commits"][-1]["changes"].append(fs.text("config.json", json.dumps({"model_type": "gpt2"})))
    gpt2["commits"] = [
        {"id": fs.sha("gpt2", i), "date": f"2019-0{1 + i % 9}-01T00:00:00.000Z", "title": f"c{i}", "message": "",
         "authors": ["lysandre"], "changes": [fs.text(f"f{i}.txt", str(i))]}
        for i in range(25)
    ] + gpt2["commits"]  # fmt: skip
    bert = sample("hfjs-tree-bert-base-uncased-dd4bc8b2-expand.json")["body"]
    lines["google-bert/bert-base-uncased"] = {
        "id": "google-bert/bert-base-uncased",
        "commits": [{"id": e["lastCommit"]["id"], "date": e["lastCommit"]["date"], "title": e["lastCommit"]["title"],
                     "authors": ["x"], "changes": [fs.weight(e["path"], e["size"]) if "lfs" in e else
                                                   fs.text(e["path"], "x" * e["size"])]}
                    for e in sorted(bert, key=lambda e: e["lastCommit"]["date"])],
    }  # fmt: skip
    return Registry(Model(line) for line in lines.values())


@pytest.fixture(autouse=True)
def sealed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fs.seal(monkeypatch, tmp_path)


@pytest.fixture(scope="module")
def hub() -> FakeHub:
    return FakeHub(conformance_registry())


@pytest.fixture(params=["in-process", "loopback"])
def endpoint(request: pytest.FixtureRequest, hub: FakeHub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
             ) -> Iterator[str]:  # fmt: skip
    if request.param == "in-process":
        fs.seal(monkeypatch, tmp_path, FAKE_ENDPOINT)
        with use_fakehub(hub):
            yield FAKE_ENDPOINT
    else:
        with start_server(hub) as server:
            fs.seal(monkeypatch, tmp_path, server.url)
            yield server.url


def fetch(hub: FakeHub, request_line: str, headers: dict[str, str] | None = None, method: str = "GET") -> Any:
    parts = urlsplit(request_line.split(" ")[-1] if " " in request_line else request_line)
    return hub.handle(method, parts.path, parse_qsl(parts.query, keep_blank_values=True),
                      {"host": "127.0.0.1:9", **(headers or {})})  # fmt: skip


# ---------------------------------------------------------------------------------- wire shapes


@pytest.mark.parametrize("name", ["repoing-model-gpt2-expand.json", "repoing-model-llama-2-7b-gguf-basemodels.json",
                                  "repoing-model-llama-3.1-8b-gated.json", "repoing-model-gpt-4chan-disabled.json"])  # fmt: skip
def test_expand_bodies_same_keys_order_types_and_headers(hub: FakeHub, name: str) -> None:
    real = sample(name)
    ours = fetch(hub, real["request"])
    assert ours.status == real["status"]
    body = ours.json()
    assert list(body) == list(real["body"])
    assert type_map(body) == type_map(real["body"])
    assert set(body["childrenModelCount"]) == set(real["body"]["childrenModelCount"])
    if "baseModels" in real["body"]:
        assert body["baseModels"] == real["body"]["baseModels"]
    for header in ("content-type", "ratelimit", "ratelimit-policy"):
        pattern = re.sub(r"\d+", r"\\d+", re.escape(real["headers"][header]))
        assert re.fullmatch(pattern, ours.header(header) or ""), header


@pytest.mark.parametrize("name", ["model-info-TheBloke-DiscoLM-120b-GPTQ-revision-main.json",
                                  "model-info-meta-llama-Llama-3.2-3B-revision-main.json"])  # fmt: skip
def test_default_info_same_keys_and_types(hub: FakeHub, name: str) -> None:
    real = sample(name)["body"]
    body = fetch(hub, f"/api/models/{real['id']}/revision/main").json()
    assert set(body) - set(real) <= {"usedStorage"} and set(real) <= set(body)
    assert {k: v for k, v in type_map(body).items() if k in real} == type_map(real)
    assert body["cardData"] == real["cardData"] and body["config"] == real["config"]
    assert [s["rfilename"] for s in body["siblings"]] == sorted(s["rfilename"] for s in real["siblings"])


def test_default_info_key_order_matches_gpt2_prefix(hub: FakeHub) -> None:
    prefix = [
        k for k in sample("model-info-openai-community-gpt2-default-prefix.json")["body_prefix"] if k != "..."
    ]
    body = fetch(hub, "/api/models/openai-community/gpt2").json()
    assert list(body)[: len(prefix)] == prefix


def test_list_full_item_same_keys(hub: FakeHub) -> None:
    real = sample("list-models-full-true-item-mellum2-gguf-truncated.json")
    ours = fetch(hub, real["request"]).json()
    assert len(ours) == 1
    assert list(ours[0]) == list(real["item"]) and type_map(ours[0]) == type_map(real["item"])


def test_commits_page_headers_and_items(hub: FakeHub) -> None:
    real = sample("repoing-commits-gpt2-limit1.json")
    ours = fetch(hub, real["request"])
    assert ours.header("X-Total-Count") == real["headers"]["x-total-count"]
    real_link = real["headers"]["link"].replace("https://huggingface.co", "http://127.0.0.1:9")
    assert ours.header("Link") == real_link
    item, real_item = ours.json()[0], real["body"][0]
    assert list(item) == list(real_item) and type_map(item) == type_map(real_item)
    assert set(item["authors"][0]) <= set(real_item["authors"][0])


@pytest.mark.parametrize("name", ["repoing-commits-bad-revision-404.json", "repoing-commits-gated-401.json"])
def test_error_responses(hub: FakeHub, name: str) -> None:
    real = sample(name)
    ours = fetch(hub, real["request"])
    assert ours.status == real["status"] and ours.json() == real["body"]
    assert ours.header("X-Error-Code") == real["headers"]["x-error-code"]
    assert ours.header("X-Error-Message") == real["headers"]["x-error-message"]


def test_anonymous_not_found_and_redirect() -> None:
    anonymous = FakeHub(conformance_registry(), options=HubOptions(anonymous_404_as_401=True))
    real = sample("repoing-model-not-found-401.json")
    ours = fetch(anonymous, real["request"])
    assert (ours.status, ours.json(), ours.header("X-Error-Code")) == (401, real["body"], None)
    redirect = sample("repoing-redirect-renamed-repo-307.json")
    ours = fetch(anonymous, redirect["request"])
    assert (ours.status, ours.header("Location")) == (307, redirect["headers"]["location"])


@pytest.mark.parametrize("name", ["hfjs-tree-bert-base-uncased-dd4bc8b2.json",
                                  "hfjs-tree-bert-base-uncased-dd4bc8b2-expand.json"])  # fmt: skip
def test_tree_entries_same_keys_and_types(hub: FakeHub, name: str) -> None:
    real = sample(name)
    ours = fetch(hub, real["request"]).json()
    assert [e["path"] for e in ours] == [e["path"] for e in real["body"]]
    for mine, theirs in zip(ours, real["body"], strict=True):
        theirs = {k: v for k, v in theirs.items() if k != "xetHash"}
        assert set(mine) == set(theirs) and type_map(mine) == type_map(theirs)
        if "lfs" in theirs:
            assert (
                set(mine["lfs"]) == set(theirs["lfs"])
                and mine["lfs"]["pointerSize"] == theirs["lfs"]["pointerSize"]
            )
        if "lastCommit" in theirs:
            assert mine["lastCommit"] == theirs["lastCommit"]


def test_resolve_headers_follow_the_real_chain(hub: FakeHub) -> None:
    real = sample("hfd-report-resolve-headers-2026-09-22.json")["exchanges"][0]
    first = fetch(hub, "/openai-community/gpt2/resolve/main/config.json", method="HEAD")
    assert first.status == real["status_chain"][0] and first.header("ETag") is None
    assert re.fullmatch(r"/api/resolve-cache/models/openai-community/gpt2/[0-9a-f]{40}/config\.json\?%2Fopenai-community"
                        r"%2Fgpt2%2Fresolve%2Fmain%2Fconfig\.json=&etag=%22[0-9a-f]{40}%22", first.header("Location") or "")  # fmt: skip
    final = fetch(hub, first.header("Location") or "", method="HEAD")
    assert final.status == real["status_chain"][1]
    for header in (
        "Accept-Ranges",
        "Content-Disposition",
        "Content-Type",
        "ETag",
        "X-Repo-Commit",
        "Content-Length",
    ):
        assert final.header(header) is not None, header
    assert final.header("ETag") == first.header("X-Linked-Etag")


# ------------------------------------------------------------------------------ client parsing


def attribute_types(obj: Any) -> dict[str, type]:
    return {k: type(v) for k, v in vars(obj).items()}


@pytest.mark.parametrize("name", ["model-info-TheBloke-DiscoLM-120b-GPTQ-revision-main.json",
                                  "model-info-meta-llama-Llama-3.2-3B-revision-main.json",
                                  "repoing-model-llama-2-7b-gguf-basemodels.json"])  # fmt: skip
def test_client_parses_real_and_fake_model_info_alike(endpoint: str, name: str) -> None:
    real_body = sample(name)["body"]
    real = ModelInfo(**{**real_body, "siblings": real_body.get("siblings")})
    api = HfApi(endpoint=endpoint, token=False)
    expand = list(real_body)[2:] if "expand" in sample(name)["request"] else None
    fake = api.model_info(real_body["id"], expand=expand)  # type: ignore[arg-type]
    real_types, fake_types = attribute_types(real), attribute_types(fake)
    differing = {
        k: (real_types[k], fake_types.get(k)) for k in real_types if real_types[k] is not fake_types.get(k)
    }
    assert differing == {k: (type(None), int) for k in differing if k == "used_storage"}


def test_client_parses_lists_commits_tree_paths_refs_and_card(endpoint: str, tmp_path: Path) -> None:
    api = HfApi(endpoint=endpoint, token=False)
    mellum = sample("list-models-full-true-item-mellum2-gguf-truncated.json")["item"]
    real_item = ModelInfo(**{**mellum, "siblings": [s for s in mellum["siblings"] if isinstance(s, dict)]})
    listed = list(api.list_models(search="Mellum2", full=True))
    assert len(listed) == 1 and attribute_types(listed[0]) == attribute_types(real_item)
    commits = api.list_repo_commits("openai-community/gpt2")
    assert len(commits) == int(sample("repoing-commits-gpt2-limit1.json")["headers"]["x-total-count"])
    assert commits[0].commit_id == sample("repoing-commits-gpt2-limit1.json")["body"][0]["id"]
    real_tree = [RepoFile(**e) for e in sample("hfjs-tree-bert-base-uncased-dd4bc8b2-expand.json")["body"]]
    fake_tree = list(api.list_repo_tree("google-bert/bert-base-uncased", expand=True))
    for real_entry, fake_entry in zip(real_tree, fake_tree, strict=True):
        real_entry.xet_hash = None
        assert attribute_types(fake_entry) == attribute_types(real_entry)
        assert (fake_entry.path, fake_entry.size, fake_entry.last_commit) == (real_entry.path, real_entry.size,
                                                                             real_entry.last_commit)  # fmt: skip
    paths = api.get_paths_info(
        "google-bert/bert-base-uncased", ["tf_model.h5", "config.json", "missing"], expand=True
    )
    asserted = sample("hfjs-file-download-info-and-paths-info-bert.json")["paths_info"]
    assert [p.path for p in paths] == ["tf_model.h5", "config.json"]
    assert (
        paths[0].lfs is not None
        and paths[0].lfs.pointer_size == asserted["asserted_item_without_expand"]["lfs"]["pointerSize"]
    )
    assert paths[1].lfs is None
    refs = api.list_repo_refs("openai-community/gpt2", include_pull_requests=True)
    assert refs.branches[0].name == "main" and refs.pull_requests == [] and refs.converts == []
    card = ModelCard.load("TheBloke/DiscoLM-120b-GPTQ")
    assert (
        card.data.to_dict()
        == sample("model-info-TheBloke-DiscoLM-120b-GPTQ-revision-main.json")["body"]["cardData"]
    )
