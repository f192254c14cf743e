"""Lineage: graph walks (cycles, self-references), relation rules, hand-built stores, the generator's
ground truth over a served and crawled registry, and the command line."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from hfaudit.analyse.lineage import build_lineage_tables
from hfaudit.analyse.lineage.edges import name_candidates, strip_quant_suffix
from hfaudit.analyse.lineage.graph import LineageGraph
from hfaudit.analyse.lineage.relations import Evidence, name_quant_sign, observe
from hfaudit.cli import app
from hfaudit.collect.crawl import Scope, crawl
from hfaudit.errors import HfauditError
from hfaudit.fakehub.generate import truth_path, write_registry
from hfaudit.fakehub.server import start_server
from hfaudit.lab.lineage_eval import read_truth, score_truth
from hfaudit.store import Store

# ------------------------------------------------------------------------------------------- graph


def test_placements_follow_primary_parents() -> None:
    g = LineageGraph.from_edges([("b", "a"), ("c", "b"), ("m", "c"), ("m", "x"), ("x", "a")])
    place = g.placements()
    assert (place["a"].root, place["a"].depth) == ("a", 0)
    assert (place["c"].root, place["c"].depth) == ("a", 2)
    assert (place["m"].root, place["m"].depth) == ("a", 3)  # first parent decides
    assert sorted(g.ancestors("m")) == ["a", "b", "c", "x"]
    assert g.descendant_counts()["a"] == 4


def test_cycles_are_cut_and_reported_never_looped() -> None:
    g = LineageGraph.from_edges([("a", "b"), ("b", "c"), ("c", "a"), ("d", "c"), ("s", "s")])
    assert g.primary_cycles() == [["a", "b", "c"]]
    assert g.strongly_connected() == [["a", "b", "c"]]
    place = g.placements()
    assert place["a"] == place["a"].__class__("a", 0, True)  # cut at the smallest member
    assert (place["c"].root, place["c"].depth) == ("a", 1)  # c's parent is a
    assert (place["b"].root, place["b"].depth) == ("a", 2)
    assert (place["d"].root, place["d"].depth) == ("a", 2)
    assert "s" not in g.nodes()  # a self-reference is no edge
    assert sorted(g.descendants("a")) == ["b", "c", "d"]


# --------------------------------------------------------------------------------------- relations


@pytest.mark.parametrize(
    ("paths", "config", "parents", "want"),
    [
        (["model.Q4_K_M.gguf"], None, 1, ("quantized", "files")),
        (["model.safetensors"], {"quantization_config": {"quant_method": "awq"}}, 1, ("quantized", "files")),
        (["adapter_config.json", "adapter_model.safetensors"], {"library": "peft"}, 1, ("adapter", "files")),
        (["adapter_config.json", "adapter_model.safetensors"], {"tags": ["peft"]}, 1, ("adapter", "files")),
        (["pytorch_lora_weights.safetensors"], {"library": "peft"}, 1, ("adapter", "files")),
        (["README.md"], {"library": "peft"}, 1, ("adapter", "library")),
        # Adapter files without the PEFT library: the Hub lists them as fine-tunes, so does hfaudit
        # (and keeps the files' reading, see test_adapter_files_the_hub_calls_finetunes).
        (["adapter_config.json", "adapter_model.safetensors"], None, 1, ("finetune", "library")),
        (["adapter_config.json", "adapter_model.bin"], {"library": "transformers", "tags": ["peft"]}, 1, ("finetune", "library")),
        (["pytorch_lora_weights.safetensors"], {"library": "diffusers"}, 1, ("finetune", "library")),
        (["model.safetensors", "mergekit_config.yml"], None, 1, ("merge", "files")),
        ([], {"tags": ["x"]}, 1, ("finetune", "default")),
        (["model.safetensors"], None, 2, ("finetune", "weights")),  # two bases alone are no merge
        (["model.safetensors"], {"tags": ["mergekit"]}, 2, ("merge", "parents")),
        (["model.safetensors"], None, 1, ("finetune", "weights")),
        ([], None, 1, ("finetune", "default")),
    ],
)
def test_observed_relation(paths: list[str], config: dict[str, Any] | None, parents: int, want: tuple[str, str]) -> None:
    config = dict(config or {})
    tags, library = tuple(config.pop("tags", ())), config.pop("library", None)
    got = observe("someone/plain-model", Evidence(tuple(paths), config or None, tags, library), parents)
    assert (got.relation, got.basis) == want
    adapter_files = any(p.startswith(("adapter", "pytorch_lora")) for p in paths)
    assert got.evidence_relation == ("adapter" if adapter_files else got.relation)


@pytest.mark.parametrize(
    ("model_id", "relation"),
    [
        ("TheBloke/Llama-2-7B-Chat-GGUF", "quantized"),
        ("mlx-community/Mistral-7B-Instruct-v0.2-4bit", "quantized"),
        ("ccarrez/meditron-7b-Q4_K_M-GGUF", "quantized"),
        ("LoneStriker/gemma-7b-4.0bpw-h6-exl2", "quantized"),
        ("someone/pokemon-lora", "adapter"),
        ("someone/llama-slerp", "merge"),
        ("someone/llama-2-7b-chat-medical", "finetune"),
    ],
)
def test_relation_from_the_name_when_there_are_no_files(model_id: str, relation: str) -> None:
    assert observe(model_id, Evidence(), 1).relation == relation
    if relation == "adapter":  # the Hub follows the library: a LoRA name under transformers is a fine-tune
        assert observe(model_id, Evidence(library="transformers"), 1).relation == "finetune"
        assert observe(model_id, Evidence(library="peft"), 1).relation == "adapter"


def test_names_that_embed_a_parent() -> None:
    assert strip_quant_suffix("Llama-2-7B-Chat-GGUF") == "Llama-2-7B-Chat"
    assert strip_quant_suffix("meditron-7b-Q4_K_M-GGUF") == "meditron-7b"
    assert name_candidates("RichardErkhov/meta-llama_-_Llama-2-7b-hf-gguf") == (
        ["meta-llama/Llama-2-7b-hf"], "meta-llama_-_Llama-2-7b-hf"
    )
    assert name_candidates("acme/plain-model") == ([], None)
    assert name_quant_sign("someone/bert-base-uncased") is None


# ------------------------------------------------------------------------------- hand-built stores


def _model(model_id: str, *, bases: list[str] | None = None, relation: str | None = None, status: str = "present",
           renamed_to: str | None = None, tags: list[str] | None = None,
           library: str | None = None, card_library: str | None = None) -> dict[str, Any]:  # fmt: skip
    tag_list = list(tags or [])
    for b in bases or []:
        tag_list.append(f"base_model:{b}")
    card = json.dumps({"library_name": card_library}) if card_library else None
    return {"model_id": model_id, "status": status, "renamed_to": renamed_to, "tags": tag_list,
            "card_base_models": bases, "card_base_model_relation": relation, "library_name": library,
            "card_data": card}  # fmt: skip


@pytest.fixture
def store(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with Store(tmp_path / "h.duckdb") as s:
        yield s.con


def _load(con: duckdb.DuckDBPyConnection, models: list[dict[str, Any]], files: list[tuple[str, str]] = ()) -> None:  # type: ignore[assignment]
    for m in models:
        con.execute(
            "insert into models (model_id, status, renamed_to, tags, card_base_models, card_base_model_relation, "
            "library_name, card_data) values (?, ?, ?, ?, ?, ?, ?, ?)",
            [m["model_id"], m["status"], m["renamed_to"], m["tags"], m["card_base_models"], m["card_base_model_relation"],
             m.get("library_name"), m.get("card_data")],
        )  # fmt: skip
    for model_id, path in files:
        con.execute("insert into model_files (model_id, path, category) values (?, ?, 'other')", [model_id, path])


def test_renames_self_references_cycles_and_dangling_parents(store: duckdb.DuckDBPyConnection) -> None:
    _load(store, [
        _model("org/base"),
        _model("old/name", status="renamed", renamed_to="org/base"),
        _model("a/child", bases=["old/name"]),             # renamed parent → canonical id
        _model("a/CASE", bases=["ORG/BASE"]),               # ids are case-insensitive
        _model("a/self", bases=["a/self"]),                 # self-reference
        _model("c/one", bases=["c/two"]), _model("c/two", bases=["c/one"]),  # a cycle
        _model("d/orphan", bases=["nowhere/model"]),        # never crawled
        _model("d/lost", bases=["gone/model"]), _model("gone/model", status="gone"),
        _model("q/quant-GGUF", bases=["org/base"], relation="finetune"),  # declared, files disagree
    ], [("q/quant-GGUF", "model.Q4_K_M.gguf"), ("a/child", "model.safetensors")])  # fmt: skip
    build_lineage_tables(store)
    edges = {(c, p): (d, r) for c, p, d, r in store.execute(
        "select child_id, parent_id, dangling, dangling_reason from lineage_edges").fetchall()}  # fmt: skip
    assert edges[("a/child", "org/base")] == (False, None)
    assert edges[("a/CASE", "org/base")] == (False, None)
    assert edges[("d/orphan", "nowhere/model")] == (True, "not_crawled")
    assert edges[("d/lost", "gone/model")] == (True, "gone")
    assert not any(c == p for c, p in edges)
    lineage = {r[0]: r[1:] for r in store.execute(
        "select model_id, root_id, depth, relation_to_parent, cycle_cut from model_lineage").fetchall()}  # fmt: skip
    assert lineage["a/child"] == ("org/base", 1, "finetune", False)
    assert lineage["c/one"] == ("c/one", 0, "finetune", True)
    assert lineage["c/two"][:2] == ("c/one", 1)
    assert lineage["q/quant-GGUF"][2] == "finetune"  # declared is kept ...
    conflicts = {(m, k) for m, k in store.execute("select model_id, kind from lineage_conflicts").fetchall()}
    assert ("q/quant-GGUF", "relation_mismatch") in conflicts  # ... and the disagreement recorded
    assert ("a/self", "self_reference") in conflicts
    assert {("c/one", "cycle"), ("c/two", "cycle")} <= conflicts
    assert "old/name" not in lineage


def test_rename_loops_tag_relations_and_their_order(store: duckdb.DuckDBPyConnection) -> None:
    """The resolver's rename chain stops at a loop; a tag's relation is the last relation tag's and
    tags keep the order they first name a parent in (as the set-work lineage writes them)."""
    _load(store, [
        _model("org/base"), _model("org/other"),
        _model("r/a", status="renamed", renamed_to="r/b"), _model("r/b", status="renamed", renamed_to="r/a"),
        _model("x/child", bases=["r/a"]),
        _model("t/child", tags=["base_model:org/base", "base_model:finetune:org/other", "base_model:adapter:org/base"]),
    ])  # fmt: skip
    build_lineage_tables(store)
    ev = store.execute(
        "select parent_ref, parent_id, resolved_via, declared_relation, position from lineage_evidence "
        "where child_id = 't/child' and source = 'tag' order by position"
    ).fetchall()
    assert ev == [("org/base", "org/base", "exact", "adapter", 0), ("org/other", "org/other", "exact", "finetune", 1)]
    got = store.execute(
        "select parent_id, resolved_via from lineage_evidence where child_id = 'x/child' and source = 'card'"
    ).fetchall()
    assert got == [("r/b", "renamed")]  # r/a -> r/b, then r/b -> r/a is a loop: stop at r/b
    edges = store.execute(
        "select parent_id, in_graph, is_primary, relation from lineage_edges where child_id = 't/child' order by parent_id"
    ).fetchall()
    assert edges == [("org/base", True, True, "adapter"), ("org/other", True, False, "adapter")]
    row = store.execute(
        "select parent_id, relation_to_parent, relation_basis, n_parents from model_lineage where model_id = 't/child'"
    ).fetchone()
    assert row == ("org/base", "adapter", "declared", 2)
    assert not store.execute("select * from duckdb_tables() where table_name like '_lin_%'").fetchall()  # no leftovers


def test_adapter_files_the_hub_calls_finetunes(store: duckdb.DuckDBPyConnection) -> None:
    """The Hub's relation follows the library: adapter files under transformers (or no library) are
    listed as fine-tunes. hfaudit gives the Hub's relation and keeps the files' reading visible."""
    adapter = ["adapter_config.json", "adapter_model.safetensors"]
    _load(store, [
        _model("org/base"),
        _model("p/peft", bases=["org/base"], library="peft"),                    # PEFT repository
        _model("p/card-peft", bases=["org/base"], card_library="peft"),          # the card's library
        _model("p/tag-peft", bases=["org/base"], tags=["peft"]),                 # the tag, no library
        _model("t/lora-ft", bases=["org/base"], library="transformers", tags=["peft"]),  # tag beside a library
        _model("n/no-library", bases=["org/base"]),
        _model("d/declared", bases=["org/base"], relation="finetune", library="transformers"),
    ], [(m, f) for m in ("p/peft", "p/card-peft", "p/tag-peft", "t/lora-ft", "n/no-library", "d/declared")
        for f in adapter])  # fmt: skip
    build_lineage_tables(store)
    lineage = {r[0]: r[1:] for r in store.execute(
        "select model_id, relation_to_parent, observed_relation, relation_basis from model_lineage").fetchall()}  # fmt: skip
    assert lineage["p/peft"] == ("adapter", "adapter", "files")
    assert lineage["p/card-peft"] == ("adapter", "adapter", "files")
    assert lineage["p/tag-peft"] == ("adapter", "adapter", "files")
    assert lineage["t/lora-ft"] == ("finetune", "adapter", "library")
    assert lineage["n/no-library"] == ("finetune", "adapter", "library")
    assert lineage["d/declared"] == ("finetune", "adapter", "declared")
    conflicts = {m: (d, o) for m, d, o in store.execute(
        "select model_id, declared, observed from lineage_conflicts where kind = 'relation_mismatch'").fetchall()}  # fmt: skip
    assert conflicts == {m: ("finetune", "adapter") for m in ("t/lora-ft", "n/no-library", "d/declared")}


def test_paper_default_is_visible(store: duckdb.DuckDBPyConnection) -> None:
    _load(store, [_model("org/base"), _model("x/llama-ft", bases=["org/base"]), _model("x/thing-4bit")])
    build_lineage_tables(store)
    rows = dict(store.execute("select model_id, paper_variant from lineage_paper").fetchall())
    assert rows == {"org/base": "finetuned", "x/llama-ft": "finetuned", "x/thing-4bit": "quantized"}


# --------------------------------------------------------------------------- generator ground truth

@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    tmp = tmp_path_factory.mktemp("lineage")
    registry = tmp / "registry.jsonl"
    write_registry(registry, 150, 7)
    db = tmp / "h.duckdb"
    with start_server(registry, port=0) as server:
        crawl(str(db), server.url, Scope(), concurrency=8)
    with Store(db) as s:
        build_lineage_tables(s.con)
    return registry, truth_path(registry), db


@pytest.mark.slow
def test_generator_truth(generated: tuple[Path, Path, Path]) -> None:
    _, truth, db = generated
    with Store(db, read_only=True) as s:
        score = score_truth(s.con, read_truth(truth))
    assert score.derivatives > 100
    # A derivative with no sign of its base at all (an empty repository with no card) is unknowable.
    assert score.as_dict()["observable_relation_accuracy"] >= 0.95, score.as_dict()
    assert score.relation_accuracy >= 0.9, score.as_dict()
    # Every model whose lineage is observable and unambiguous is placed exactly.
    assert score.placement_exact_confident == score.confident, score.as_dict()
    assert score.confident >= 0.97 * score.models
    for relation, (correct, total) in score.by_relation.items():
        assert correct >= 0.9 * total, (relation, correct, total)


def test_crawl_stores_base_models_and_lineage_reads_them(generated: tuple[Path, Path, Path]) -> None:
    """The crawler fetches ``baseModels`` for models whose tags declare a base; the analyser
    reads them as its ``hub_api`` source."""
    from hfaudit.collect.crawl import needs_base_models

    _, truth, db = generated
    declared = {t["id"]: t["base_models"] for t in read_truth(truth) if t["base_declaration"] != "none" and t["base_models"]}
    assert needs_base_models(["base_model:x/y"]) and not needs_base_models(["llama"])
    with Store(db) as s:
        rows = s.con.execute("select model_id, parent_id from model_base_models").fetchall()
        assert rows, "the crawl stored no baseModels"
        found = {(m, p) for m, p in rows}
        hits = sum(1 for m, bases in declared.items() if (m, bases[0]) in found)
        assert hits >= 0.9 * len([m for m in declared if any(r[0] == m for r in rows)])
        build_lineage_tables(s.con)
        sources = s.con.execute("select count(*) from lineage_evidence where source = 'hub_api'").fetchone()
    assert sources and sources[0] == len(rows)


def test_cli_tree_json_graphml_and_errors(generated: tuple[Path, Path, Path], tmp_path: Path) -> None:
    _, truth, db = generated
    deep = max((t for t in read_truth(truth) if t["relation"]), key=lambda t: len(t["id"]))["id"]
    runner = CliRunner()
    result = runner.invoke(app, ["lineage", deep, "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].startswith(deep) and "ancestors" in result.output
    result = runner.invoke(app, ["lineage", deep, "--db", str(db), "--format", "json"])
    data = json.loads(result.output)
    assert data["focus"] == deep and any(e["child_id"] == deep for e in data["edges"])
    out = tmp_path / "all.graphml"
    result = runner.invoke(app, ["lineage", "--all", "--db", str(db), "--format", "graphml", "--out", str(out)])
    assert result.exit_code == 0, result.output
    ns = "{http://graphml.graphdrawing.org/xmlns}"
    graph = ET.parse(out).getroot().find(f"{ns}graph")
    assert graph is not None and len(graph.findall(f"{ns}edge")) > 100
    result = runner.invoke(app, ["lineage", "nobody/nothing", "--db", str(db)])
    assert isinstance(result.exception, HfauditError) and result.exception.code == 2
    assert "unknown model" in str(result.exception)
    result = runner.invoke(app, ["lineage", "x/y", "--db", str(tmp_path / "missing.duckdb")])
    assert isinstance(result.exception, HfauditError) and result.exception.code == 2
    result = runner.invoke(app, ["paper", "lineage", "--db", str(db), "--format", "json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)["summary"][0]
    assert summary["paper_finetuned_by_default"] > summary["finetune_with_evidence"] / 2


def test_a_quantization_word_beside_a_full_weights_library_is_no_quantization() -> None:
    """The Hub goes by the files of a repository whose library it knows: a ``-GGUF`` name under
    ``transformers`` with no quantized file and no ``gguf`` tag is listed as a fine-tune (issue 15)."""
    tags = ("transformers", "en", "base_model:deepseek-ai/DeepSeek-R1")
    assert observe("mradermacher/DeepSeek-R1-GGUF", Evidence((), None, tags, "transformers"), 1).relation == "finetune"
    # Known only by its card (no library), or tagged gguf: the name still counts.
    assert observe("mradermacher/DeepSeek-R1-GGUF", Evidence(), 1).relation == "quantized"
    gguf = Evidence((), None, (*tags, "gguf"), "transformers")
    assert observe("mradermacher/DeepSeek-R1-GGUF", gguf, 1).relation == "quantized"
    assert observe("x/m-GGUF", Evidence((), None, (), "gguf"), 1).relation == "quantized"


def test_a_merge_recipe_over_one_declared_base_is_a_finetune() -> None:
    """The Hub lists a model as a merge only when its card declares several bases (issue 15)."""
    files = Evidence(("model.safetensors", "mergekit_config.yml"))
    one = observe("arcee-ai/gemma-7b-slerp", files, 1, declared=True)
    assert (one.relation, one.basis, one.evidence_relation) == ("finetune", "parents", "merge")
    assert observe("arcee-ai/gemma-7b-slerp", files, 2, declared=True).relation == "merge"
    # A parent read from prose or config only: no Hub listing to follow, the recipe decides.
    assert observe("arcee-ai/gemma-7b-slerp", files, 1, declared=False).relation == "merge"


def test_the_name_rules_match_equals_pairing_every_child_with_every_pool_model() -> None:
    """The name rule picks each child's closest pool model through per-group bests and an ASOF
    join; here against the definition, every (child, pool model) pair of a key ranked, on random
    tables with shared keys, null and tied creation times, tied downloads, types and spellings."""
    import random

    from hfaudit.analyse.lineage.sql import _NAME_MATCH

    rng = random.Random(5)
    con = duckdb.connect()
    times = [None, "2024-01-01", "2024-01-02", "2024-01-03"]

    def row(i: int, kind: str) -> tuple:
        return (f"o{i}/{kind}{i}", f"name{rng.randrange(3)}", f"k{rng.randrange(4)}", rng.choice(["llama", "Mistral", None]),
                rng.choice([["LLAMA", "gguf"], [], None, ["mistral"]]), rng.choice(times), rng.choice([0, 5, 5, 9]))  # fmt: skip

    cols = "model_id varchar, name varchar, key varchar, config_model_type varchar, tags varchar[], created_at timestamp, downloads bigint"
    con.execute(f"create table pool ({cols})")
    con.execute(f"create table kids ({cols})")
    con.executemany("insert into pool values (?, ?, ?, ?, ?, ?, ?)", [row(i, "p") for i in range(300)])
    con.executemany("insert into kids values (?, ?, ?, ?, ?, ?, ?)", [row(i, "c") for i in range(300)])
    con.execute("create table children as select *, name as stem, key as stem_key from kids")
    con.execute("create table spelled as select model_id as child_id from kids where downloads = 9 and key = 'k0'")
    pairwise = """
        select c.model_id as child_id, count(*) as n,
               min(struct_pack(
                   other_type := not list_contains(list_transform(coalesce(c.tags, []), lambda t: lower(t)), lower(coalesce(p.config_model_type, ''))),
                   other_spelling := p.name != c.stem,
                   younger := case when p.created_at is null then c.created_at is not null
                                   when c.created_at is null then false else p.created_at > c.created_at end,
                   downloads := -p.downloads,
                   model_id := p.model_id
               )).model_id as ref
        from children as c join pool as p on p.key = c.stem_key and p.model_id != c.model_id
        where c.model_id not in (select child_id from spelled)
        group by c.model_id
    """
    want = sorted(con.execute(pairwise).fetchall())
    got = sorted(con.execute(f"with {_NAME_MATCH} select child_id, n, ref from matched").fetchall())
    assert len(want) > 200 and len({r[2] for r in want}) > 20
    assert got == want


def test_descendant_counts_count_a_node_below_a_merge_once() -> None:
    # d is below b and c, both below a: a reaches b, c, d (3), not 4; e hangs below d
    g = LineageGraph.from_edges([("b", "a"), ("c", "a"), ("d", "b"), ("d", "c"), ("e", "d"), ("f", "x"), ("x", "y")])
    assert g.descendant_counts() == {"a": 4, "b": 2, "c": 2, "d": 1, "e": 0, "f": 0, "x": 1, "y": 2}
    # a cycle of one-parent nodes with a tree below it
    g = LineageGraph.from_edges([("p", "q"), ("q", "p"), ("r", "q")])
    assert g.descendant_counts() == {"p": 2, "q": 2, "r": 0}
