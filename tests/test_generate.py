"""The synthetic registry generator: determinism, feature coverage, calibration, truth, evolve."""

from __future__ import annotations

import csv
import json
import re
import statistics
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from hfaudit.fakehub.generate import (
    CONVERT_TITLE,
    SEGMENT_TYPES,
    WEIGHT_EXTENSIONS,
    evolve_with_changes,
    generate,
    truth_path,
    write_registry,
)
from hfaudit.fakehub.registry import Model, Registry, parse_card

REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference"
S2E = REFERENCE / "real-data" / "s2e-safetensors-evolution"

Lines = list[dict[str, Any]]


@pytest.fixture(scope="module")
def small() -> tuple[Lines, Lines]:
    return generate(300, 11)


@pytest.fixture(scope="module")
def medium() -> tuple[Lines, Lines]:
    return generate(2000, 1)


def all_changes(truths: Lines) -> list[dict[str, Any]]:
    return [w for t in truths for w in t["weight_changes"]]


# ------------------------------------------------------------------------------------------ determinism


def test_same_seed_same_bytes_and_different_seed_differs(tmp_path: Path) -> None:
    write_registry(tmp_path / "a.jsonl", 150, 5)
    write_registry(tmp_path / "b.jsonl", 150, 5)
    write_registry(tmp_path / "c.jsonl", 150, 6)
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    assert (tmp_path / "a.truth.jsonl").read_bytes() == (tmp_path / "b.truth.jsonl").read_bytes()
    assert (tmp_path / "a.jsonl").read_bytes() != (tmp_path / "c.jsonl").read_bytes()
    assert truth_path(tmp_path / "a.jsonl") == tmp_path / "a.truth.jsonl"


def test_exact_model_count_unique_ids_and_registry_loads(small: tuple[Lines, Lines]) -> None:
    lines, truths = small
    assert len(lines) == len(truths) == 300
    assert [line["id"] for line in lines] == [t["id"] for t in truths]
    ids = [line["id"].lower() for line in lines]
    aliases = [a.lower() for line in lines for a in line.get("aliases") or []]
    assert len(set(ids)) == len(ids)
    assert not set(ids) & set(aliases)
    registry = Registry(Model(line) for line in lines)
    assert len(registry) == 300


# ------------------------------------------------------------------------------------------ features


def test_every_relation_and_undeclared_derivatives(small: tuple[Lines, Lines]) -> None:
    _, truths = small
    relations = Counter(t["relation"] for t in truths)
    for relation in ("finetune", "adapter", "quantized", "merge"):
        assert relations[relation] >= 4, relation
        assert any(t["relation"] == relation and t["base_declaration"] == "none" for t in truths), relation
    assert relations[None] == sum(1 for t in truths if t["kind"] in ("root", "standalone"))
    assert {"string", "list"} <= {t["base_declaration"] for t in truths}
    assert any(t["declared_relation"] for t in truths)
    assert {"gguf", "gptq", "awq"} <= {t["quant_method"] for t in truths}
    assert any(t["owner_role"] == "quantizer" for t in truths)
    assert {"user", "org"} <= {t["owner_kind"] for t in truths}


def test_relation_evidence_is_in_the_files(small: tuple[Lines, Lines]) -> None:
    lines, truths = small
    for line, truth in zip(lines, truths, strict=True):
        model = Model(line)
        if model.head is None or truth["commits"] < 2:
            continue
        tree = model.tree(model.head)
        if truth["relation"] == "adapter":
            config = json.loads(tree["adapter_config.json"].content or "{}")
            assert config["base_model_name_or_path"] == truth["base_models"][0]
            assert "adapter_model.safetensors" in tree
        elif truth["relation"] == "merge":
            assert "mergekit_config.yml" in tree and len(truth["base_models"]) >= 2
        elif truth["relation"] == "quantized":
            config = json.loads(tree["config.json"].content or "{}") if "config.json" in tree else {}
            assert any(p.endswith(".gguf") for p in tree) or "quantization_config" in config, truth["id"]


def test_every_weight_format_sharding_and_lfs(small: tuple[Lines, Lines]) -> None:
    lines, truths = small
    formats = {f for t in truths for f in t["formats"]}
    assert set(WEIGHT_EXTENSIONS) <= formats
    paths = {c["path"] for line in lines for commit in line["commits"] for c in commit["changes"]}
    assert any(re.fullmatch(r"model-0000\d-of-0000\d\.safetensors", p) for p in paths)
    assert "model.safetensors.index.json" in paths
    for line in lines:
        for commit in line["commits"]:
            for change in commit["changes"]:
                if change["path"].endswith(WEIGHT_EXTENSIONS) and change["op"] != "delete":
                    assert re.fullmatch(r"[0-9a-f]{64}", change["lfs"]["sha256"])
                    assert change["lfs"]["size"] == change["size"] > 0


def test_names_use_every_segment_type_and_conventions_match(small: tuple[Lines, Lines]) -> None:
    _, truths = small
    used = {kind for t in truths for _, kind in t["segments"]}
    assert set(SEGMENT_TYPES) <= used
    for t in truths:
        name = t["id"].split("/", 1)[1]
        assert name == t["separator"].join(text for text, _ in t["segments"]), t["id"]
        assert t["convention"] == "".join(f"{{{kind}}}" for _, kind in t["segments"])
    assert len({t["convention"] for t in truths}) >= 30


def test_version_series_schemes_gaps_and_positions(small: tuple[Lines, Lines]) -> None:
    _, truths = small
    by_id = {t["id"]: t for t in truths}
    forms = {t["version_form"] for t in truths if t["version_raw"]}
    assert {"vN", "vN.M", "N.M", "N.M.P", "vN.M.P", "YYYY-MM-DD", "YYYYMMDD"} <= forms
    assert {"major", "minor", "semver", "date"} <= {t["version_scheme"] for t in truths}
    assert any(t["version_gap"] for t in truths)
    series = Counter(t["series_id"] for t in truths if t["series_id"])
    assert max(series.values()) >= 2
    for t in truths:
        if t["version_raw"]:
            assert t["id"].endswith(t["version_raw"])
        if t["series_predecessor"]:
            prev = by_id[t["series_predecessor"]]
            assert prev["series_id"] == t["series_id"]
            assert prev["series_position"] + 1 == t["series_position"]
            assert prev["series_successor"] == t["id"]
    assert any(t["new_version"] for t in truths)


def test_histories_have_replacements_documented_and_silent(small: tuple[Lines, Lines]) -> None:
    lines, truths = small
    changes = all_changes(truths)
    kinds = Counter(w["kind"] for w in changes)
    assert {"initial", "replaced", "added", "deleted", "converted"} <= set(kinds)
    replaced = [w for w in changes if w["kind"] == "replaced"]
    assert any(not w["documented"] for w in replaced)
    how = {h for w in replaced for h in w["how"]}
    assert {"tag", "readme_changelog", "commit_message", "card_version"} <= how
    assert any("name_version" in w["how"] for w in changes if w["kind"] == "initial")
    for w in changes:
        assert w["documented"] == bool(w["how"])
    # silent replacements with and without a README edit in the same commit
    commits = {(line["id"], c["id"]): c for line in lines for c in line["commits"]}
    with_readme = without = 0
    for t in truths:
        for w in t["weight_changes"]:
            if w["kind"] == "replaced" and not w["documented"]:
                paths = {c["path"] for c in commits[(t["id"], w["commit"])]["changes"]}
                with_readme += "README.md" in paths
                without += "README.md" not in paths
    assert with_readme and without


def test_commit_messages_tags_and_system_initial_commit(small: tuple[Lines, Lines]) -> None:
    lines, _ = small
    titles = Counter(c["title"] for line in lines for c in line["commits"])
    for title in ("Upload folder using huggingface_hub", "Update README.md", "initial commit"):
        assert titles[title] > 0
    assert any(t.startswith("Upload model.safetensors") for t in titles)
    assert any(t.startswith(CONVERT_TITLE) for t in titles)
    for line in lines:
        first = line["commits"][0]
        assert first["title"] == "initial commit" and first["authors"] == ["system"]
        assert [c["path"] for c in first["changes"]] == [".gitattributes"]
        ids = {c["id"] for c in line["commits"]}
        assert all(sha in ids for sha in line["refs"]["tags"].values())
        assert line["refs"]["branches"]["main"] == line["commits"][-1]["id"]
        dates = [c["date"] for c in line["commits"]]
        assert dates == sorted(dates)
        assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", d) for d in dates)
    assert sum(bool(line["refs"]["tags"]) for line in lines) >= 3


def test_conversion_commits_look_like_the_real_ones(small: tuple[Lines, Lines]) -> None:
    """Our SFconvertbot titles follow the forms seen in real Hub conversion commits."""
    if not S2E.is_dir():
        pytest.skip("../shared/reference is not available")
    with (S2E / "results_safetensors_commits_by_tool_both.csv").open(encoding="utf-8", newline="") as handle:
        real = [row["message"].split("\n", 1)[0] for row in csv.DictReader(handle)]
    form = re.compile(r"^Adding `safetensors` variant of this model( \(#\d+\))?$")
    assert sum(bool(form.match(title)) for title in real) / len(real) > 0.8
    lines, truths = small
    ours = [c for line in lines for c in line["commits"] if c["title"].startswith(CONVERT_TITLE)]
    assert ours and all(form.match(c["title"]) for c in ours)
    converted = [w for w in all_changes(truths) if w["kind"] == "converted"]
    assert converted and all(
        w["path"].endswith(".safetensors") and w["from_path"].endswith(".bin") for w in converted
    )


def test_cards_with_without_front_matter_template_and_malformed(small: tuple[Lines, Lines]) -> None:
    lines, truths = small
    styles = Counter(t["card_style"] for t in truths)
    for style in ("yaml", "plain", "empty", "template", "malformed", "nondict", "none"):
        assert styles[style] >= 1, style
    for line, truth in zip(lines, truths, strict=True):
        model = Model(line)
        card = model.card()
        readme = model.file(model.head, "README.md") if model.head else None
        if truth["card_style"] in ("malformed", "nondict"):
            assert card.error is not None and card.data is None
        elif truth["card_style"] == "plain":
            assert readme is not None and not parse_card(readme.content).has_front_matter
        elif truth["card_style"] == "none":
            assert readme is None
        declared = (card.data or {}).get("base_model")
        if truth["base_declaration"] == "string":
            assert declared == truth["base_models"][0]
        elif truth["base_declaration"] == "list":
            assert declared == truth["base_models"]
        else:
            assert declared is None


def test_gated_private_disabled_and_aliases(small: tuple[Lines, Lines]) -> None:
    lines, _ = small
    assert any(line["gated"] in ("auto", "manual") for line in lines)
    assert any(line["private"] for line in lines)
    assert any(line["disabled"] for line in lines)
    assert any(line.get("aliases") for line in lines)


def test_under_bumps_are_recorded_with_required_and_declared(small: tuple[Lines, Lines]) -> None:
    _, truths = small
    releases = [r for t in truths for r in t["releases"]]
    under = [r for r in releases if r["under_bump"]]
    reasons = {reason for r in under for reason in r["reasons"]}
    assert {"tokenizer", "architecture", "license"} <= reasons
    assert any(r["kind"] == "series" and "base" in r["reasons"] for r in under)
    for r in releases:
        assert r["declared_bump"] in ("major", "minor", "patch", "none", "initial")
        assert r["required_bump"] in ("major", "minor", "patch", "initial")
        if r["under_bump"]:
            assert r["required_bump"] == "major" or r["declared_bump"] == "patch"


def _upload_commit(model: Model) -> str:
    return next(c["id"] for c in model.commits if any("lfs" in ch for ch in c.get("changes") or []))


def _license(model: Model, commit: str) -> Any:
    readme = model.tree(commit).get("README.md")
    data = parse_card(readme.content if readme else None).data
    return data.get("license") if isinstance(data, dict) else None


@pytest.mark.parametrize("which", ["small", "medium"])
def test_breaking_release_reasons_are_in_the_files(which: str, request: pytest.FixtureRequest) -> None:
    """A license reason is a card whose license differs from the previous release's, at the release's
    commit; a series step's tokenizer reason is two repositories that ship different tokenizers."""
    lines, truths = request.getfixturevalue(which)
    models = {line["id"]: Model(line) for line in lines}
    checked: Counter[str] = Counter()
    for truth in truths:
        model = models[truth["id"]]
        commits = {r["version"]: r["commit"] for r in truth["releases"] if r["kind"] != "series"}
        for r in truth["releases"]:
            if r["kind"] != "series" and "license" in r["reasons"]:
                before = commits[r["previous_version"]]
                assert _license(model, r["commit"]) != _license(model, before), (truth["id"], r["version"])
                checked["license"] += 1
            if r["kind"] == "series" and "tokenizer" in r["reasons"]:
                pred = models[truth["series_predecessor"]]
                ours = model.tree(r["commit"]).get("tokenizer.json")
                theirs = pred.tree(_upload_commit(pred)).get("tokenizer.json")
                assert ours is not None and theirs is not None and ours.oid != theirs.oid, truth["id"]
                checked["tokenizer"] += 1
    assert checked["license"] >= 2 and checked["tokenizer"] >= 1, checked


# ------------------------------------------------------------------------------------------ calibration


def test_commit_distribution_is_heavy_tailed(medium: tuple[Lines, Lines]) -> None:
    lines, truths = medium
    counts = [len(line["commits"]) for line in lines]
    assert 2 <= statistics.median(counts) <= 5
    assert 5 <= statistics.mean(counts) <= 11  # HFCommunity: ~7 commits a repo
    assert sum(1 for c in counts if c <= 5) / len(counts) > 0.6
    assert max(counts) >= 1000
    assert sum(1 for c in counts if c >= 1000) <= 2
    assert sum(1 for c in counts if 100 <= c < 1000) >= 3
    assert sum(counts) < 25 * len(counts)


def test_owner_counts_are_zipf_like(medium: tuple[Lines, Lines]) -> None:
    _, truths = medium
    per_owner = Counter(t["owner"] for t in truths)
    sizes = sorted(per_owner.values(), reverse=True)
    assert statistics.median(sizes) <= 3
    assert sizes[0] >= 20 * statistics.median(sizes)
    assert 2.0 <= len(truths) / len(per_owner) <= 8.0  # paper: 52,227 models / 13,491 owners = 3.9


def test_relation_shares_and_versioned_share(medium: tuple[Lines, Lines]) -> None:
    _, truths = medium
    relations = Counter(t["relation"] for t in truths if t["relation"])
    total = sum(relations.values())
    assert relations.most_common(1)[0][0] == "finetune"
    assert relations["quantized"] / total > 0.1
    versioned = sum(1 for t in truths if t["version_raw"]) / len(truths)
    assert 0.04 <= versioned <= 0.2  # paper: 6.6% carry -vN / -vN.M, more with other forms


# ------------------------------------------------------------------------------------------ truth vs registry


def test_truth_weight_changes_match_registry_changes(small: tuple[Lines, Lines]) -> None:
    lines, truths = small
    for line, truth in zip(lines, truths, strict=True):
        model = Model(line)
        index = {(c["id"], ch["path"]): ch for c in model.commits for ch in c["changes"]}
        recorded = set()
        previous: dict[str, str | None] = {}
        for w in truth["weight_changes"]:
            change = index[(w["commit"], w["path"])]
            recorded.add((w["commit"], w["path"]))
            if w["kind"] == "deleted":
                assert change["op"] == "delete" and w["new_sha256"] is None
            else:
                assert change["lfs"]["sha256"] == w["new_sha256"]
                assert (change["op"] == "modify") == (w["kind"] == "replaced")
            assert w["old_sha256"] == previous.get(w["path"])
            previous[w["path"]] = w["new_sha256"]
        # every weight-file change in the registry is in the truth (training_args.bin is not a weight)
        for (cid, path), _change in index.items():
            if path.endswith(WEIGHT_EXTENSIONS) and path != "training_args.bin":
                assert (cid, path) in recorded, (truth["id"], path)
        head_weights = (
            {p for p in model.tree(model.head) if p.endswith(WEIGHT_EXTENSIONS)} if model.head else set()
        )
        live = {p for p, sha in previous.items() if sha is not None}
        assert head_weights - {"training_args.bin"} == live
        assert truth["commits"] == len(line["commits"])


# ------------------------------------------------------------------------------------------ evolve


def test_evolve_invariants(small: tuple[Lines, Lines]) -> None:
    lines, truths = small
    new_lines, new_truths, changes = evolve_with_changes(lines, 3, truths)
    again = evolve_with_changes(lines, 3, truths)
    assert json.dumps(again[0]) == json.dumps(new_lines)
    old = {line["id"]: line for line in lines}
    new = {line["id"]: line for line in new_lines}
    registry = Registry(Model(line) for line in new_lines)
    assert changes["deleted"] and all(d not in new for d in changes["deleted"])
    for old_id, new_id in changes["renamed"].items():
        assert old_id not in new and old_id in new[new_id]["aliases"]
        found, redirected = registry.lookup(old_id)
        assert found is not None and found.id == new_id and redirected
        assert [c["id"] for c in new[new_id]["commits"]][: len(old[old_id]["commits"])] == [
            c["id"] for c in old[old_id]["commits"]
        ]
    squash = changes["squashed"]
    before, after = Model(old[squash["id"]]), Model(new[squash["id"]])
    assert len(after.commits) == 1 and after.head == squash["new_commit"] != squash["old_head"]
    assert squash["new_commit"] not in {c["id"] for c in before.commits}
    old_tree = {p: (s.oid, s.lfs_sha256) for p, s in before.tree(before.head).items()}
    assert {p: (s.oid, s.lfs_sha256) for p, s in after.tree(after.head).items()} == old_tree
    for model_id, commit_ids in changes["updated"].items():
        line = new.get(model_id) or new[changes["renamed"][model_id]]
        assert [c["id"] for c in line["commits"]][-len(commit_ids) :] == commit_ids
        assert len(line["commits"]) == len(old[model_id]["commits"]) + len(commit_ids)
    assert changes["added"] and all(a in new and a not in old for a in changes["added"])
    statuses = Counter(t["evolution"]["status"] for t in new_truths)
    assert statuses["squashed"] == 1 and statuses["added"] == len(changes["added"])
    assert len(new_lines) == len(lines) - len(changes["deleted"]) + len(changes["added"])
    assert [t["id"] for t in new_truths] == [line["id"] for line in new_lines]
