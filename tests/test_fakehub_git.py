"""The fake Hub's git view: a plain git clone sees what the API serves, with the API's access rules."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest
from huggingface_hub import HfApi

from hfaudit.fakehub.generate import evolve_with_changes, generate
from hfaudit.fakehub.registry import Model, Registry, derive_all, git_problem, lfs_pointer
from hfaudit.fakehub.server import start_server
from hfaudit.gitcommit import parse_commit as commit_fields
from tests import fakehub_support as fs

TOKEN = "hf_gitviewtesttoken"


def git(*args: str, cwd: Path | None = None, token: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_TERMINAL_PROMPT="0", GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull)
    if token:
        env.update(GIT_CONFIG_COUNT="1", GIT_CONFIG_KEY_0="http.extraHeader",
                   GIT_CONFIG_VALUE_0=f"Authorization: Bearer {token}")  # fmt: skip
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    if check and done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {done.stderr}")
    return done


def derived_base() -> list[dict[str, Any]]:
    lines, _ = derive_all(fs.base_lines())
    return lines


def clone(url: str, dest: Path, *extra: str, token: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    return git("clone", "--bare", "--quiet", *extra, url, str(dest), token=token, check=check)


def api_tree(api: HfApi, model_id: str, commit: str) -> dict[str, str]:
    return {f.path: f.blob_id for f in api.list_repo_tree(model_id, revision=commit, recursive=True) if hasattr(f, "blob_id")}


def git_tree(repo: Path, commit: str) -> dict[str, str]:
    out = git("ls-tree", "-r", "-z", commit, cwd=repo).stdout
    tree = {}
    for entry in filter(None, out.split("\0")):
        meta, path = entry.split("\t", 1)
        tree[path] = meta.split()[2]
    return tree


@pytest.fixture(scope="module")
def generated() -> list[dict[str, Any]]:
    lines, _ = generate(12, 5)
    return lines


def test_derived_ids_are_git_ids_and_round_trip(generated: list[dict[str, Any]]) -> None:
    assert all(git_problem(line) is None for line in generated)
    # the base registry's hand-made ids are not git ids; derived, they are
    assert all(git_problem(line) is not None for line in fs.base_lines())
    assert all(git_problem(line) is None for line in derived_base())
    with start_server(Registry(Model(line) for line in derived_base())) as hub:
        assert hub.hub.git.report is not None and hub.hub.git.report.skipped == 0


def test_partial_clone_gives_the_api_commits_and_trees(tmp_path: Path, generated: list[dict[str, Any]]) -> None:
    registry = Registry(Model(line) for line in generated)
    public = [m for m in registry if not (m.raw.get("private") or m.raw.get("gated") or m.raw.get("disabled"))]
    with start_server(registry) as hub:
        api = HfApi(endpoint=hub.url, token=False)
        for model in public[:4]:
            dest = tmp_path / model.id.replace("/", "__")
            clone(f"{hub.url}/{model.id}", dest, "--filter=blob:none")
            api_ids = [c.commit_id for c in api.list_repo_commits(model.id)]
            git_ids = git("log", "--format=%H", "HEAD", cwd=dest).stdout.split()
            assert git_ids == api_ids
            for commit in api_ids:
                assert git_tree(dest, commit) == api_tree(api, model.id, commit)
            # promisor remote set: the filter was honoured
            assert git("config", "remote.origin.promisor", cwd=dest).stdout.strip() == "true"
            # every registry fact survives in the commit object
            for raw in model.commits:
                obj = git("cat-file", "commit", raw["id"], cwd=dest).stdout.encode()
                fields = commit_fields(obj)
                assert (fields["title"], fields["message"], fields["authors"]) == (
                    raw["title"], raw["message"], raw["authors"])  # fmt: skip
            tags = {r.name: r.target_commit for r in api.list_repo_refs(model.id).tags}
            git_tags = dict(
                line.split()[::-1] for line in git("show-ref", "--tags", cwd=dest, check=False).stdout.splitlines()
            )
            assert {k.removeprefix("refs/tags/"): v for k, v in git_tags.items()} == tags


def test_protocols_filters_and_lfs_pointers(tmp_path: Path) -> None:
    lines = derived_base()
    base = Model(lines[0])
    with start_server(Registry(Model(line) for line in lines)) as hub:
        for version, requests in (("0", 2), ("2", 3)):
            hub.reset_stats()
            dest = tmp_path / f"v{version}"
            git("-c", f"protocol.version={version}", "clone", "--bare", "--quiet", "--filter=blob:limit=1024",
                f"{hub.url}/acme/base.git", str(dest))  # fmt: skip
            stats = hub.stats()
            assert stats["buckets"]["git"] == requests and stats["buckets"]["api"] == 0
            assert git("rev-parse", "HEAD", cwd=dest).stdout.strip() == base.head
        # blob:limit kept the pointer local: it carries the API's sha256 and size
        state = base.file(base.head, "model.safetensors")
        assert state is not None
        pointer = git("cat-file", "blob", state.oid, cwd=tmp_path / "v0").stdout
        assert pointer == lfs_pointer(state.lfs_sha256 or "", state.lfs_size or 0)
        # refs/pr/N exist on the server (fetched only on request)
        ls = git("ls-remote", f"{hub.url}/acme/base").stdout
        assert "refs/pr/1" in ls and "refs/tags/v1.0" in ls and "HEAD" in ls


def test_access_rules_match_the_api(tmp_path: Path) -> None:
    lines = derived_base()
    with start_server(Registry(Model(line) for line in lines), token_access=[TOKEN]) as hub:
        for model_id in ("acme/gated", "acme/private", "acme/disabled", "acme/nothing"):
            failed = clone(f"{hub.url}/{model_id}", tmp_path / model_id.replace("/", "_"), check=False)
            assert failed.returncode != 0, model_id
        routes = hub.stats()["status"]
        assert set(routes) <= {"401", "403", "404"}
        # a token that may access: gated and private clone; disabled stays refused
        for model_id in ("acme/gated", "acme/private"):
            clone(f"{hub.url}/{model_id}", tmp_path / (model_id.replace("/", "_") + "-tok"), token=TOKEN)
        assert clone(f"{hub.url}/acme/disabled", tmp_path / "dis-tok", token=TOKEN, check=False).returncode != 0
        # a renamed id answers 307 and git follows it to the model
        hub.reset_stats()
        dest = tmp_path / "alias"
        clone(f"{hub.url}/acme/old-base", dest)
        assert git("rev-parse", "HEAD", cwd=dest).stdout.strip() == Model(lines[0]).head
        assert hub.stats()["status"].get("307", 0) >= 1


def test_faults_latency_and_quota_apply_to_git(tmp_path: Path) -> None:
    lines = derived_base()
    with start_server(Registry(Model(line) for line in lines), fault_schedule="1:503") as hub:
        assert clone(f"{hub.url}/acme/base", tmp_path / "a", check=False).returncode != 0
        clone(f"{hub.url}/acme/base", tmp_path / "b")
        assert hub.stats()["faults"] == {"503": 1}
    with start_server(Registry(Model(line) for line in lines), quotas={"git": (1, 300.0)}) as hub:
        assert clone(f"{hub.url}/acme/base", tmp_path / "c", check=False).returncode != 0
        assert hub.stats()["status"].get("429") == 1
    with start_server(Registry(Model(line) for line in lines), faults="truncate:1.0") as hub:
        assert clone(f"{hub.url}/acme/base", tmp_path / "d", check=False).returncode != 0


def test_old_format_registry_is_served_api_only(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    path = fs.write_registry(tmp_path / "old.jsonl")
    with start_server(path) as hub:
        err = capfd.readouterr().err
        assert "acme/base: no git view" in err
        api = HfApi(endpoint=hub.url, token=False)
        assert api.model_info("acme/base").sha == fs.base_lines()[0]["refs"]["branches"]["main"]
        failed = clone(f"{hub.url}/acme/base", tmp_path / "x", check=False)
        assert failed.returncode != 0 and "not found" in failed.stderr
        assert hub.stats()["buckets"]["git"] == 1


def test_evolve_keeps_ids_derived_through_the_squash() -> None:
    lines, truths = generate(40, 3)
    evolved, new_truths, changes = evolve_with_changes(lines, 9, truths)
    assert all(git_problem(line) is None for line in evolved)
    old_ids = {c["id"] for line in lines for c in line["commits"]}
    squashed = changes["squashed"]
    assert squashed and squashed["new_commit"] not in old_ids
    by_id = {line["id"]: line for line in evolved}
    assert [c["id"] for c in by_id[squashed["id"]]["commits"]] == [squashed["new_commit"]]
    # the truth names the derived commits
    truth_commits = {w["commit"] for t in new_truths for w in t.get("weight_changes") or []}
    all_commits = {c["id"] for line in evolved for c in line["commits"]}
    assert truth_commits <= all_commits
    for old_id, new in changes["updated"].items():
        assert set(new) <= all_commits, old_id
    # an old-format registry evolves with its given ids kept (API only)
    old_evolved, _, old_changes = evolve_with_changes(fs.base_lines(), 9)
    added = set(old_changes["added"])
    carried = [line for line in old_evolved if line["id"] not in added]
    assert carried and all(git_problem(line) is not None for line in carried)
    assert added and all(git_problem(line) is None for line in old_evolved if line["id"] in added)


HISTORIES = fs.REFERENCE / "real-data" / "hf-repo-git-histories"


@pytest.mark.skipif(not HISTORIES.is_dir(), reason="../shared/reference is not available")
def test_real_histories_import_with_derived_ids_and_clone(tmp_path: Path) -> None:
    from hfaudit.fakehub.import_git import write_import

    out = tmp_path / "git.jsonl"
    write_import(HISTORIES, out)
    kept = tmp_path / "kept.jsonl"
    write_import(HISTORIES, kept, keep_ids=True)
    models = list(Registry.load(out))
    real = {m.id: m for m in Registry.load(kept)}
    assert len(models) == 4
    for model in models:
        assert git_problem(model.raw) is None
        assert [c["upstream_id"] for c in model.commits] == [c["id"] for c in real[model.id].commits]
    with start_server(out) as hub:
        api = HfApi(endpoint=hub.url, token=False)
        for model in models:
            dest = tmp_path / model.id.replace("/", "__")
            clone(f"{hub.url}/{model.id}", dest, "--filter=blob:none")
            assert git("rev-list", "--count", "HEAD", cwd=dest).stdout.strip() == str(len(model.commits))
            assert git_tree(dest, model.head) == api_tree(api, model.id, model.head)
    lines = [json.loads(line) for line in kept.read_text().splitlines()]
    assert all(git_problem(line) is not None for line in lines)


def test_omitted_commit_ids_are_derived_at_load(tmp_path: Path) -> None:
    line = fs.base_lines()[1]
    expected = derive_all([json.loads(json.dumps(line))])[0][0]["commits"][0]["id"]
    for commit in line["commits"]:
        commit.pop("id")
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps(line) + "\n")
    model = next(iter(Registry.load(path)))
    assert model.head == expected and git_problem(model.raw) is None


def test_ref_advertisement_is_kept_per_namespace_and_protocol(tmp_path: Path) -> None:
    lines = derived_base()
    base = Model(lines[0])
    with start_server(Registry(Model(line) for line in lines)) as hub:
        url = f"{hub.url}/acme/base/info/refs?service=git-upload-pack"
        bodies = []
        for version in ("0", "0", "2", "2"):
            with urlopen(Request(url, headers={"Git-Protocol": f"version={version}"})) as response:
                bodies.append(response.read())
        assert bodies[0] == bodies[1] and bodies[2] == bodies[3] and bodies[0] != bodies[2]
        assert hub.hub.git.advert_hits == 2  # one http-backend run per (namespace, protocol)
        assert f"{base.head} refs/heads/main".encode() in bodies[0] and b"version 2" in bodies[2]
        # another model's advertisement is its own, and both still clone (v0 and v2) from the kept answer
        other = next(m for m in lines[1:] if hub.hub.git.has(Model(m)) and not m.get("gated") and not m.get("private")
                     and not m.get("disabled"))  # fmt: skip
        for model_id, head in (("acme/base", base.head), (other["id"], Model(other).head)):
            for version in ("0", "2"):
                dest = tmp_path / f"{model_id.replace('/', '_')}-{version}"
                clone(f"{hub.url}/{model_id}", dest, "-c", f"protocol.version={version}")
                assert git("rev-parse", "HEAD", cwd=dest).stdout.strip() == head
    # faults still apply to a kept answer: it only stands in for what http-backend would say
    with start_server(Registry(Model(line) for line in lines), fault_schedule="3:503") as hub:
        codes = []
        for _ in range(3):
            try:
                with urlopen(f"{hub.url}/acme/base/info/refs?service=git-upload-pack") as response:
                    codes.append(response.status)
            except HTTPError as exc:
                codes.append(exc.code)
        assert codes == [200, 200, 503] and hub.stats()["faults"] == {"503": 1} and hub.hub.git.advert_hits == 1
