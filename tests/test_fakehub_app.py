"""The fake Hub handler: routing, projections, pagination, errors, quotas, faults and stats."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from huggingface_hub import HfApi, hf_hub_download
from huggingface_hub.errors import (
    DisabledRepoError,
    GatedRepoError,
    HfHubHTTPError,
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.utils import httpx

from hfaudit.fakehub.app import FakeHub, Response
from hfaudit.fakehub.limits import (
    HubOptions,
    OptionError,
    parse_fault_rates,
    parse_fault_schedule,
    parse_quota,
)
from hfaudit.fakehub.server import build_options
from hfaudit.fakehub.transport import FAKE_ENDPOINT, use_fakehub
from tests import fakehub_support as fs

HOST = {"host": "hub.test:8080"}


@pytest.fixture(autouse=True)
def sealed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fs.seal(monkeypatch, tmp_path, FAKE_ENDPOINT)


@pytest.fixture
def hub() -> FakeHub:
    return FakeHub(fs.registry())


def get(
    hub: FakeHub, path: str, query: list[tuple[str, str]] | None = None, headers: dict | None = None
) -> Response:
    return hub.handle("GET", path, query or [], {**HOST, **(headers or {})})


# ------------------------------------------------------------------------------------------ routing


def test_info_default_projection_key_order_and_derivations(hub: FakeHub) -> None:
    r = get(hub, "/api/models/acme/base")
    body = r.json()
    assert r.status == 200
    assert r.header("Content-Type") == "application/json; charset=utf-8"
    assert list(body)[:14] == ["_id", "id", "private", "pipeline_tag", "library_name", "tags", "downloads", "likes",
                               "modelId", "author", "sha", "lastModified", "gated", "disabled"]  # fmt: skip
    assert body["sha"] == fs.sha("acme/base", 2)
    assert body["lastModified"] == "2024-01-03T10:00:00.000Z"
    assert body["cardData"] == {"license": "mit", "language": "en"}
    assert body["tags"][-2:] == ["en", "license:mit"]
    assert body["config"] == {"architectures": ["LlamaForCausalLM"], "model_type": "llama"}
    assert "baseModels" not in body and "childrenModelCount" not in body and "trendingScore" not in body
    assert re.fullmatch(r"[0-9a-f]{24}", body["_id"])


def test_info_at_revision_tag_and_encoded_pr_ref(hub: FakeHub) -> None:
    at_tag = get(hub, "/api/models/acme/base/revision/v1.0").json()
    at_pr = get(hub, "/api/models/acme/base/revision/refs%2Fpr%2F1").json()
    assert at_tag["sha"] == at_pr["sha"] == fs.sha("acme/base", 1)
    assert at_tag["cardData"] == {"license": "mit"}
    assert at_tag["lastModified"] == "2024-01-02T10:00:00.000Z"


def test_expand_projection_is_exact_and_base_models_resolve_aliases(hub: FakeHub) -> None:
    r = get(hub, "/api/models/other/base-lora", [("expand[]", "baseModels"), ("expand", "author")])
    body = r.json()
    assert list(body) == ["_id", "id", "author", "baseModels"]
    base_id = get(hub, "/api/models/acme/base").json()["_id"]
    assert body["baseModels"] == {"relation": "adapter", "models": [{"_id": base_id, "id": "acme/base"}]}
    counts = get(hub, "/api/models/acme/base", [("expand", "childrenModelCount")]).json()[
        "childrenModelCount"
    ]
    assert counts == {"adapter": 1, "merge": 0, "quantized": 1, "finetune": 0}
    assert "baseModels" not in get(hub, "/api/models/acme/base", [("expand", "baseModels")]).json()


def test_unknown_expand_is_400_and_list_refuses_tree_fields(hub: FakeHub) -> None:
    assert get(hub, "/api/models/acme/base", [("expand", "nope")]).status == 400
    assert get(hub, "/api/models/acme/base", [("expand", "cardData.license")]).status == 400
    for value in ("baseModels", "childrenModelCount", "usedStorage"):
        r = get(hub, "/api/models", [("expand", value)])
        assert r.status == 400 and "error" in r.json()


def test_blobs_siblings_carry_size_blob_and_lfs(hub: FakeHub) -> None:
    siblings = get(hub, "/api/models/acme/base", [("blobs", "true")]).json()["siblings"]
    by_name = {s["rfilename"]: s for s in siblings}
    assert by_name["model.safetensors"]["lfs"] == {"size": 300_000, "sha256": fs.sha256("model.safetensors", 0),
                                                   "pointerSize": 131}  # fmt: skip
    assert "lfs" not in by_name["config.json"] and by_name["README.md"]["size"] > 0
    plain = get(hub, "/api/models/acme/base").json()["siblings"]
    assert all(set(s) == {"rfilename"} for s in plain)


def test_list_default_projection_filters_and_private_hidden(hub: FakeHub) -> None:
    items = get(hub, "/api/models").json()
    assert "acme/private" not in [i["id"] for i in items]
    assert all(list(i)[:2] == ["_id", "id"] for i in items)
    base = next(i for i in items if i["id"] == "acme/base")
    assert list(base) == ["_id", "id", "likes", "trendingScore", "private", "downloads", "tags", "pipeline_tag",
                          "library_name", "createdAt", "modelId"]  # fmt: skip
    quantized = get(hub, "/api/models", [("filter", "base_model:quantized:acme/base")]).json()
    assert [i["id"] for i in quantized] == ["other/base-GGUF"]
    both = get(
        hub, "/api/models", [("filter", "base_model:acme/old-base"), ("filter", "license:apache-2.0")]
    ).json()
    assert [i["id"] for i in both] == ["other/base-lora"]
    assert [i["id"] for i in get(hub, "/api/models", [("search", "GGUF")]).json()] == ["other/base-GGUF"]
    assert {i["id"] for i in get(hub, "/api/models", [("author", "other")]).json()} == {
        "other/base-GGUF",
        "other/base-lora",
    }
    by_likes = get(hub, "/api/models", [("sort", "likes"), ("limit", "2")]).json()
    assert [i["id"] for i in by_likes] == ["other/base-GGUF", "acme/base"]


def test_list_expand_and_full(hub: FakeHub) -> None:
    items = get(hub, "/api/models", [("expand[]", "sha"), ("search", "acme/base")]).json()
    assert items == [{"_id": items[0]["_id"], "id": "acme/base", "sha": fs.sha("acme/base", 2)}]
    full = get(hub, "/api/models", [("full", "true"), ("cardData", "true"), ("search", "acme/base")]).json()[
        0
    ]
    assert full["siblings"][0] == {"rfilename": ".gitattributes"} and full["cardData"]["license"] == "mit"
    assert "disabled" not in full and full["sha"] == fs.sha("acme/base", 2)


def test_list_pagination_cursor_and_absolute_link(hub: FakeHub) -> None:
    seen: list[str] = []
    query = [("limit", "2"), ("sort", "downloads")]
    r = get(hub, "/api/models", query)
    while True:
        seen.extend(i["id"] for i in r.json())
        link = r.header("Link")
        if link is None:
            break
        match = re.fullmatch(r'<(http://hub\.test:8080/api/models\?([^>]*))>; rel="next"', link)
        assert match, link
        params = [tuple(p.split("=", 1)) for p in match.group(2).split("&")]
        assert ("limit", "2") in params and ("sort", "downloads") in params
        r = get(hub, "/api/models", [(k, v) for k, v in params])
    assert seen == ["acme/base", "other/base-GGUF", "other/base-lora", "acme/disabled", "acme/gated"]


def test_commits_pages_total_count_and_link(hub: FakeHub) -> None:
    r = get(hub, "/api/models/acme/base/commits/main", [("limit", "2"), ("expand[]", "formatted")])
    assert r.header("X-Total-Count") == "3"
    assert r.header("Link") == ('<http://hub.test:8080/api/models/acme/base/commits/main?expand%5B%5D=formatted'
                                '&p=1&limit=2>; rel="next"')  # fmt: skip
    first = r.json()
    assert [c["title"] for c in first] == ["Update README", "Upload weights"]
    assert first[0]["authors"] == [{"user": "bob"}] and "formatted" in first[0]
    last = get(hub, "/api/models/acme/base/commits/main", [("limit", "2"), ("p", "1")])
    assert [c["title"] for c in last.json()] == ["initial commit"] and last.header("Link") is None


def test_tree_paths_entries_and_missing_path(hub: FakeHub) -> None:
    root = get(hub, "/api/models/acme/base/tree/main", [("recursive", "false")]).json()
    assert [(e["type"], e["path"]) for e in root] == [("file", ".gitattributes"), ("file", "README.md"),
        ("file", "config.json"), ("file", "model.safetensors"), ("directory", "sub dir")]  # fmt: skip
    lfs = next(e for e in root if e["path"] == "model.safetensors")
    assert set(lfs) == {"type", "oid", "size", "path", "lfs"} and set(lfs["lfs"]) == {
        "oid",
        "size",
        "pointerSize",
    }
    assert not any("xetHash" in e for e in root)
    sub = get(hub, "/api/models/acme/base/tree/main/sub%20dir", [("expand", "true")]).json()
    assert [e["path"] for e in sub] == ["sub dir/a b.txt"] and sub[0]["lastCommit"][
        "title"
    ] == "Upload weights"
    missing = get(hub, "/api/models/acme/base/tree/main/nope")
    assert missing.status == 404 and missing.header("X-Error-Code") == "EntryNotFound"
    assert missing.json() == {"error": 'nope does not exist on "main"'}
    paged = get(hub, "/api/models/acme/base/tree/main", [("recursive", "true"), ("limit", "4")])
    assert len(paged.json()) == 4 and "cursor=" in (paged.header("Link") or "")


def test_paths_info_form_and_json_bodies(hub: FakeHub) -> None:
    form = hub.handle("POST", "/api/models/acme/base/paths-info/main", [],
                      {"content-type": "application/x-www-form-urlencoded"},
                      b"paths=config.json&paths=nope&paths=sub%20dir%2Fa%20b.txt&expand=true")  # fmt: skip
    assert [e["path"] for e in form.json()] == ["config.json", "sub dir/a b.txt"]
    assert "lastCommit" in form.json()[0]
    js = hub.handle("POST", "/api/models/acme/base/paths-info/main", [], {"content-type": "application/json"},
                    b'{"paths": ["model.safetensors"]}')  # fmt: skip
    assert (
        js.json()[0]["lfs"]["oid"] == fs.sha256("model.safetensors", 0) and "lastCommit" not in js.json()[0]
    )


def test_refs_with_and_without_prs(hub: FakeHub) -> None:
    refs = get(hub, "/api/models/acme/base/refs").json()
    assert set(refs) == {"branches", "converts", "tags"}
    assert refs["tags"] == [{"name": "v1.0", "ref": "refs/tags/v1.0", "targetCommit": fs.sha("acme/base", 1)}]
    assert (
        get(hub, "/api/models/acme/base/refs", [("include_prs", "1")]).json()["pullRequests"][0]["ref"]
        == "refs/pr/1"
    )


# ------------------------------------------------------------------------------------ redirects/errors


def test_renamed_legacy_and_case_ids_redirect_with_query(hub: FakeHub) -> None:
    r = get(hub, "/api/models/acme/old-base/commits/main", [("limit", "1")])
    assert (r.status, r.header("Location")) == (307, "/api/models/acme/base/commits/main?limit=1")
    assert get(hub, "/api/models/base-legacy").header("Location") == "/api/models/acme/base"
    assert get(hub, "/api/models/ACME/Base").header("Location") == "/api/models/acme/base"
    assert (
        get(hub, "/base-legacy/resolve/main/README.md").header("Location")
        == "/acme/base/resolve/main/README.md"
    )
    assert r.header("RateLimit") is not None


def test_error_shapes(hub: FakeHub) -> None:
    missing = get(hub, "/api/models/acme/nope")
    assert (missing.status, missing.header("X-Error-Code")) == (404, "RepoNotFound")
    bad_rev = get(hub, "/api/models/acme/base/commits/nope")
    assert (
        bad_rev.json() == {"error": "Invalid rev id: nope"}
        and bad_rev.header("X-Error-Code") == "RevisionNotFound"
    )
    gated = get(hub, "/api/models/acme/gated/tree/main")
    assert (gated.status, gated.header("X-Error-Code")) == (401, "GatedRepo")
    gated_token = get(hub, "/api/models/acme/gated/tree/main", headers={"authorization": "Bearer hf_x"})
    assert (gated_token.status, gated_token.header("X-Error-Code")) == (403, "GatedRepo")
    assert get(hub, "/api/models/acme/gated").status == 200
    disabled = get(hub, "/api/models/acme/disabled/commits/main")
    assert (
        disabled.status == 403
        and disabled.header("X-Error-Message") == "Access to this resource is disabled."
    )
    assert get(hub, "/api/models/acme/disabled").json()["disabled"] is True
    assert get(hub, "/api/models/acme/private").status == 401
    assert get(hub, "/api/models/acme/private", headers={"authorization": "Bearer hf_x"}).status == 404


def test_token_access_and_anonymous_401_option() -> None:
    hub = FakeHub(fs.registry(), options=HubOptions(token_access=("hf_ok",), anonymous_404_as_401=True))
    ok = {"authorization": "Bearer hf_ok"}
    assert get(hub, "/api/models/acme/gated/commits/main", headers=ok).status == 200
    assert get(hub, "/api/models/acme/private", headers=ok).status == 200
    anonymous = get(hub, "/api/models/acme/nope")
    assert anonymous.status == 401 and anonymous.header("X-Error-Code") is None
    assert anonymous.json() == {"error": "Invalid username or password."}


def test_client_maps_errors_to_its_exceptions(hub: FakeHub) -> None:
    with use_fakehub(hub):
        api = HfApi(endpoint=FAKE_ENDPOINT, token=False)
        with pytest.raises(RepositoryNotFoundError):
            api.model_info("acme/nope")
        with pytest.raises(RevisionNotFoundError):
            api.model_info("acme/base", revision="nope")
        with pytest.raises(GatedRepoError):
            api.list_repo_commits("acme/gated")
        with pytest.raises(DisabledRepoError):
            next(iter(api.list_repo_tree("acme/disabled")))
        with pytest.raises(RemoteEntryNotFoundError):
            list(api.list_repo_tree("acme/base", path_in_repo="nope"))
        with pytest.raises(HfHubHTTPError) as bad:
            list(api.list_models(expand=["nope"]))  # type: ignore[list-item]
        assert bad.value.response.status_code == 400


# ------------------------------------------------------------------------------------------- files


def test_resolve_git_file_lfs_file_and_missing(hub: FakeHub) -> None:
    head = fs.sha("acme/base", 2)
    git = hub.handle("HEAD", "/acme/base/resolve/main/config.json", [], HOST)
    assert git.status == 307 and git.header("X-Repo-Commit") == head
    location = git.header("Location") or ""
    assert location.startswith(f"/api/resolve-cache/models/acme/base/{head}/config.json?")
    path, _, query = location.partition("?")
    final = hub.handle("HEAD", path, [], HOST)
    assert final.status == 200 and final.body == b""
    assert final.header("ETag") == git.header("X-Linked-Etag")
    assert int(final.header("Content-Length") or 0) == len(get(hub, path).body)
    ranged = get(hub, path, headers={"range": "bytes=2-5"})
    assert ranged.status == 206 and ranged.body == get(hub, path).body[2:6]
    lfs = hub.handle("HEAD", "/acme/base/resolve/main/model.safetensors", [], HOST)
    assert lfs.status == 302 and lfs.header("X-Linked-Size") == "300000"
    assert lfs.header("X-Linked-Etag") == f'"{fs.sha256("model.safetensors", 0)}"'
    assert (lfs.header("Location") or "").startswith("http://hub.test:8080/cdn-lfs/acme/base/")
    missing = hub.handle("HEAD", "/acme/base/resolve/main/nope.bin", [], HOST)
    assert (missing.status, missing.header("X-Error-Code"), missing.header("X-Repo-Commit")) == (
        404,
        "EntryNotFound",
        head,
    )
    assert missing.header("Content-Type") == "text/plain; charset=utf-8"


def test_hf_hub_download_in_process(hub: FakeHub, tmp_path: Path) -> None:
    with use_fakehub(hub):
        path = hf_hub_download(
            "acme/base", "model.safetensors", endpoint=FAKE_ENDPOINT, token=False, cache_dir=tmp_path / "c"
        )
        assert Path(path).stat().st_size == 300_000
        text = hf_hub_download("acme/base", "sub dir/a b.txt", revision="v1.0", endpoint=FAKE_ENDPOINT, token=False,
                               cache_dir=tmp_path / "c")  # fmt: skip
        assert Path(text).read_text() == "hello"
    stats = hub.stats.snapshot()
    assert (
        stats["routes"]["resolve"] == 2
        and stats["routes"]["cdn"] >= 1
        and stats["routes"]["resolve_cache"] >= 1
    )


# ------------------------------------------------------------------------------ quotas/faults/stats


def test_headers_on_every_response(hub: FakeHub) -> None:
    for path in (
        "/api/models",
        "/api/models/acme/nope",
        "/api/models/acme/old-base",
        "/acme/base/resolve/main/x",
    ):
        r = get(hub, path)
        bucket = "resolvers" if "/resolve/" in path else "api"
        assert re.fullmatch(rf'"{bucket}";r=\d+;t=\d+', r.header("RateLimit") or "")
        assert re.fullmatch(rf'"fixed window";"{bucket}";q=1000000;w=300', r.header("RateLimit-Policy") or "")
        assert r.header("X-Request-Id") and r.header("Access-Control-Expose-Headers")


def test_quota_exhaustion_gives_429_with_r0() -> None:
    hub = FakeHub(fs.registry(), options=build_options(quotas=["api=2/300"]))
    first, second, third = (get(hub, "/api/models/acme/nope") for _ in range(3))
    assert (first.header("RateLimit") or "").startswith('"api";r=1;')
    assert second.status == 404 and third.status == 429
    assert re.fullmatch(r'"api";r=0;t=\d+', third.header("RateLimit") or "") and "error" in third.json()
    assert get(hub, "/acme/base/resolve/main/config.json").status == 307  # other bucket unaffected


def test_fault_schedule_and_stats() -> None:
    hub = FakeHub(fs.registry(), options=build_options(fault_schedule="2:503,3:reset,4:429"))
    statuses = [get(hub, "/api/models/acme/base") for _ in range(5)]
    assert [r.status for r in statuses][:2] == [200, 503]
    assert statuses[2].fault == "reset" and statuses[4].fault is None
    assert statuses[3].status == 429 and re.match(r'"api";r=0;', statuses[3].header("RateLimit") or "")
    get(hub, "/_fakehub/stats")
    stats = get(hub, "/_fakehub/stats").json()
    assert stats["total"] == 5 and stats["buckets"] == {"api": 5, "resolvers": 0, "git": 0}
    assert stats["routes"] == {"model_info": 5}
    assert stats["status"] == {"200": 2, "429": 1, "503": 1, "reset": 1}
    assert hub.handle("POST", "/_fakehub/stats/reset", [], {}).status == 200
    assert get(hub, "/_fakehub/stats").json()["total"] == 0


def test_seeded_fault_rates_are_reproducible() -> None:
    def run() -> list[int]:
        hub = FakeHub(fs.registry(), options=build_options(faults="500:0.3,502:0.2", fault_seed=7))
        return [get(hub, "/api/models/acme/base").status for _ in range(40)]

    first = run()
    assert first == run() and {500, 502, 200} == set(first)


def test_in_process_socket_faults_raise_httpx_errors() -> None:
    hub = FakeHub(fs.registry(), options=build_options(fault_schedule="1:timeout,2:truncate,3:reset"))
    with use_fakehub(hub):
        api = HfApi(endpoint=FAKE_ENDPOINT, token=False)
        for error in (httpx.ReadTimeout, httpx.RemoteProtocolError, httpx.ConnectError):
            with pytest.raises(error):
                api.list_repo_refs("acme/base")
        assert api.list_repo_refs("acme/base").branches[0].name == "main"


def test_option_parsing_errors() -> None:
    assert parse_quota("api=10/60") == ("api", 10, 60.0)
    assert parse_fault_rates("500:0.1,reset:0.2") == {"500": 0.1, "reset": 0.2}
    assert parse_fault_schedule("3:500,7:reset") == {3: "500", 7: "reset"}
    for bad in (lambda: parse_quota("pages=1/1"), lambda: parse_quota("api=x"), lambda: parse_fault_rates("418:0.1"),
                lambda: parse_fault_rates("500:2"), lambda: parse_fault_schedule("0:500")):  # fmt: skip
        with pytest.raises(OptionError):
            bad()


def test_loopback_socket_faults_reach_the_client_as_transport_errors() -> None:
    from hfaudit.fakehub.server import start_server

    schedule = "1:reset,2:truncate,3:timeout"
    with start_server(fs.registry(), fault_schedule=schedule, timeout_stall_s=0.2) as server:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            for _ in range(3):
                with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError, httpx.ConnectError)):
                    client.get("/api/models/acme/base")
            assert client.get("/api/models/acme/base").json()["id"] == "acme/base"
        stats = server.stats()
    assert stats["faults"] == {"reset": 1, "timeout": 1, "truncate": 1} and stats["status"]["200"] == 1
