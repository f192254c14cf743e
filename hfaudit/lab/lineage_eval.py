"""Scores of the lineage tables against ground truth: the generator's, and the Hub's own model trees.

``score_truth`` compares ``model_lineage`` with a generator's ground truth (relation accuracy over
derivatives, exact root and depth). ``score_trees`` compares it with the child, adapter, quantized and
merge lists of real model-tree CSVs (``hfaudit fakehub import-trees`` input). Both only read.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from hfaudit.analyse.lineage.edges import NAME_AMBIGUOUS_CONFIDENCE
from hfaudit.fakehub.import_trees import LIST_RELATIONS, listed_ids, model_id, read_rows, row_metadata

# relation_evidence naming an adapter file (not only an adapter word in the name).
_ADAPTER_EVIDENCE = re.compile(r"adapter_config\.json|\.(safetensors|bin|pt)\b")


@dataclass
class TruthScore:
    derivatives: int = 0
    relation_correct: int = 0
    unobservable: int = 0
    observable_relation_correct: int = 0
    models: int = 0
    root_exact_observable: int = 0
    depth_exact_observable: int = 0
    confident: int = 0
    placement_exact_confident: int = 0
    root_correct: int = 0
    depth_correct: int = 0
    by_relation: dict[str, list[int]] = field(default_factory=dict)  # relation -> [correct, total]
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def relation_accuracy(self) -> float:
        return self.relation_correct / self.derivatives if self.derivatives else 1.0

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["relation_accuracy"] = round(self.relation_accuracy, 4)
        observable = self.derivatives - self.unobservable
        out["observable_relation_accuracy"] = round(self.observable_relation_correct / observable, 4) if observable else 1.0
        out["errors"] = self.errors[:20]
        return out


def truth_placements(
    truths: Iterable[dict[str, Any]], visible: set[str] | None = None
) -> dict[str, tuple[str, int]]:
    """(root, depth) of each truth model, following the first true base (as hfaudit does).

    With ``visible``, only those children's edges count: a model whose crawled data carries no sign of
    its base (an empty repository, no card, no config) is a root as far as anyone can tell.
    """
    first = {
        t["id"]: (t.get("base_models") or [None])[0] if visible is None or t["id"] in visible else None
        for t in truths
    }
    out: dict[str, tuple[str, int]] = {}
    for start in first:
        walk, node = [], start
        while node not in out:
            parent = first.get(node)
            if parent is None or parent in walk or parent == node:
                out[node] = (node, 0)
                break
            walk.append(node)
            node = parent
        root, depth = out[node]
        for d, n in enumerate(reversed(walk), start=1):
            out[n] = (root, depth + d)
    return out


def score_truth(con: duckdb.DuckDBPyConnection, truths: list[dict[str, Any]]) -> TruthScore:
    rows = {
        r[0]: r[1:]
        for r in con.execute("select model_id, relation_to_parent, root_id, depth, relation_basis from model_lineage").fetchall()
    }
    visible = {r[0] for r in con.execute("select distinct child_id from lineage_evidence").fetchall()}
    # Models below a name-only edge that had several candidates: their placement is a guess.
    guessed = {
        r[0]
        for r in con.execute(
            f"""
            with recursive guesses as (
                select child_id as model_id from lineage_edges
                where is_primary and sources = ['name'] and confidence <= {NAME_AMBIGUOUS_CONFIDENCE}
                union
                select e.child_id from lineage_edges as e join guesses as g on e.parent_id = g.model_id
                where e.is_primary
            )
            select model_id from guesses
            """
        ).fetchall()
    }
    place = truth_placements(truths)
    seen = truth_placements(truths, visible)
    score = TruthScore()
    for t in truths:
        got = rows.get(t["id"])
        if got is None:
            continue  # not crawled (private, say)
        relation, root, depth, basis = got
        score.models += 1
        want_root, want_depth = place[t["id"]]
        score.root_correct += root == want_root
        score.depth_correct += depth == want_depth
        score.root_exact_observable += root == seen[t["id"]][0]
        score.depth_exact_observable += depth == seen[t["id"]][1]
        if t["id"] not in guessed:
            score.confident += 1
            score.placement_exact_confident += (root, depth) == seen[t["id"]]
        if root != want_root or depth != want_depth:
            score.errors.append({"id": t["id"], "want": [want_root, want_depth], "got": [root, depth]})
        if t.get("relation"):
            score.derivatives += 1
            ok = relation == t["relation"]
            score.relation_correct += ok
            score.unobservable += t["id"] not in visible
            score.observable_relation_correct += ok and t["id"] in visible
            cell = score.by_relation.setdefault(t["relation"], [0, 0])
            cell[0] += ok
            cell[1] += 1
            if not ok:
                score.errors.append({"id": t["id"], "want": t["relation"], "got": relation, "basis": basis})
    return score


def read_truth(path: str | Path) -> list[dict[str, Any]]:
    with Path(path).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


@dataclass
class TreeScore:
    pairs: int = 0
    agree: int = 0
    edge_found: int = 0
    quantized: int = 0
    quantized_recalled: int = 0
    finetune_full: int = 0
    finetune_mislabelled: int = 0
    finetune_adapter_files: int = 0  # listed as fine-tunes, but their files show an adapter
    finetune_adapter_files_given_adapter: int = 0  # ... and hfaudit gives them adapter
    finetune_adapter_files_flagged: int = 0  # ... given another relation, with a relation_mismatch conflict
    by_list: dict[str, list[int]] = field(default_factory=dict)  # relation -> [agree, total]
    confusion: dict[str, int] = field(default_factory=dict)  # "listed->given" -> count

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["agreement"] = round(self.agree / self.pairs, 4) if self.pairs else 1.0
        out["edge_recall"] = round(self.edge_found / self.pairs, 4) if self.pairs else 1.0
        out["quantized_recall"] = round(self.quantized_recalled / self.quantized, 4) if self.quantized else 1.0
        out["finetune_mislabel_rate"] = (
            round(self.finetune_mislabelled / self.finetune_full, 4) if self.finetune_full else 0.0
        )
        out["finetune_mislabel_rate_beyond_adapter_files"] = (
            round((self.finetune_mislabelled - self.finetune_adapter_files_given_adapter) / self.finetune_full, 4)
            if self.finetune_full
            else 0.0
        )
        return out


def tree_pairs(rows: list[dict[str, str]]) -> tuple[set[tuple[str, str, str]], set[str]]:
    """(child, parent, listed relation) for every list entry, and the ids that have rows of their own."""
    pairs: set[tuple[str, str, str]] = set()
    full: set[str] = set()
    for row in rows:
        parent = model_id(row.get("model_id") or "")
        if parent is None:
            continue
        if row_metadata(row) is not None:
            full.add(parent)
        for column, relation in LIST_RELATIONS.items():
            for child in listed_ids(row.get(column)):
                if child != parent:
                    pairs.add((child, parent, relation))
    return pairs, full


def score_trees(con: duckdb.DuckDBPyConnection, directory: str | Path) -> TreeScore:
    """Agreement of edges and relations with the Hub's lists in the CSVs of ``directory``."""
    pairs, full = tree_pairs(read_rows(Path(directory)))
    edges = {
        (c.lower(), p.lower())
        for c, p in con.execute("select child_id, parent_id from lineage_edges where in_graph").fetchall()
    }
    relation: dict[str, str | None] = {}
    adapter_files: set[str] = set()
    for m, r, evidence, observed in con.execute(
        "select model_id, relation_to_parent, relation_evidence, observed_relation from model_lineage"
    ).fetchall():
        relation[m.lower()] = r
        if observed == "adapter" and _ADAPTER_EVIDENCE.search(evidence or ""):
            adapter_files.add(m.lower())
    flagged = {
        m.lower()
        for (m,) in con.execute(
            "select distinct model_id from lineage_conflicts where kind = 'relation_mismatch' and observed = 'adapter'"
        ).fetchall()
    }
    score = TreeScore()
    confusion: Counter[str] = Counter()
    for child, parent, listed in sorted(pairs):
        score.pairs += 1
        has_edge = (child.lower(), parent.lower()) in edges
        given = relation.get(child.lower())
        ok = has_edge and given == listed
        score.edge_found += has_edge
        score.agree += ok
        cell = score.by_list.setdefault(listed, [0, 0])
        cell[0] += ok
        cell[1] += 1
        confusion[f"{listed}->{given}"] += 1
        if listed == "quantized":
            score.quantized += 1
            score.quantized_recalled += given == "quantized"
        if listed == "finetune" and child in full:
            score.finetune_full += 1
            score.finetune_mislabelled += given is not None and given != "finetune"
            if child.lower() in adapter_files:
                score.finetune_adapter_files += 1
                score.finetune_adapter_files_given_adapter += given == "adapter"
                score.finetune_adapter_files_flagged += given != "adapter" and child.lower() in flagged
    score.confusion = dict(sorted(confusion.items()))
    return score


def run_trees(directory: str | Path, work: str | Path, *, strip_relations: bool, concurrency: int = 8) -> dict[str, Any]:
    """Import the trees in ``directory`` into a registry, serve it, crawl it, analyse it, score it."""
    from hfaudit.analyse.lineage import build_lineage_tables
    from hfaudit.collect.crawl import Scope, crawl
    from hfaudit.fakehub.import_trees import import_trees
    from hfaudit.fakehub.server import start_server
    from hfaudit.store import Store

    work = Path(work)
    work.mkdir(parents=True, exist_ok=True)
    tag = "strip" if strip_relations else "published"
    registry, db = work / f"trees-{tag}.jsonl", work / f"trees-{tag}.duckdb"
    db.unlink(missing_ok=True)
    models = import_trees(directory, registry, strip_relations=strip_relations)
    with start_server(registry, port=0) as server:
        crawl(str(db), server.url, Scope(), concurrency=concurrency)
    with Store(db) as store:
        build_lineage_tables(store.con)
        return {"models": models, "strip_relations": strip_relations, **score_trees(store.con, directory).as_dict()}


def run_generated(models: int, seed: int, work: str | Path, concurrency: int = 8) -> dict[str, Any]:
    """Generate a registry, serve it, crawl it, analyse it, score it against its ground truth."""
    from hfaudit.analyse.lineage import build_lineage_tables
    from hfaudit.collect.crawl import Scope, crawl
    from hfaudit.fakehub.generate import truth_path, write_registry
    from hfaudit.fakehub.server import start_server
    from hfaudit.store import Store

    work = Path(work)
    work.mkdir(parents=True, exist_ok=True)
    registry, db = work / f"gen-{models}-{seed}.jsonl", work / f"gen-{models}-{seed}.duckdb"
    db.unlink(missing_ok=True)
    write_registry(registry, models, seed)
    with start_server(registry, port=0) as server:
        crawl(str(db), server.url, Scope(), concurrency=concurrency)
    with Store(db) as store:
        build_lineage_tables(store.con)
        return score_truth(store.con, read_truth(truth_path(registry))).as_dict()


def main(argv: list[str] | None = None) -> None:
    """``python -m hfaudit.lab.lineage_eval trees DIR [--strip-relations]`` or ``generated N SEED``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m hfaudit.lab.lineage_eval")
    sub = parser.add_subparsers(dest="what", required=True)
    trees = sub.add_parser("trees", help="score against real model trees")
    trees.add_argument("directory")
    trees.add_argument("--strip-relations", action="store_true")
    gen = sub.add_parser("generated", help="score against a generated registry's ground truth")
    gen.add_argument("models", type=int)
    gen.add_argument("seed", type=int)
    for p in (trees, gen):
        p.add_argument("--work", default="reports/lineage", help="where registries and databases go")
    args = parser.parse_args(argv)
    if args.what == "trees":
        result = run_trees(args.directory, args.work, strip_relations=args.strip_relations)
    else:
        result = run_generated(args.models, args.seed, args.work)
    result.pop("errors", None)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
