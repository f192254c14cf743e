"""Lineage: the base-model graph, modification types and families, from every source in the store.

``build_lineage_tables(con)`` reads the crawl tables and (re)writes:

- ``lineage_evidence``: every (child, parent reference, source) claim, resolved to a canonical id;
- ``lineage_edges``: one row per (child, parent) with its relation, declared relation, best source,
  every source, confidence, whether it is in the graph, and why a parent is dangling;
- ``model_lineage``: per model, its primary parent, relation to it (and on what basis), family root,
  depth and number of descendants;
- ``lineage_conflicts``: declared relations the files contradict, self-references, cycles and parents
  that sources disagree on;
- ``lineage_paper``: the study's measures beside hfaudit's (``config.model_type`` as base, the keyword
  variant label with its default, and the evidence-based relation).

See ``docs/lineage.md`` for the rules and ``docs/schema.md`` for the columns.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import duckdb
import pandas as pd

from hfaudit.analyse.lineage.edges import (
    DECLARED_SOURCES,
    TIER,
    Resolver,
    api_aliases,
    as_list,
    collect_evidence,
    not_found_ids,
    read_card_texts,
    read_config_texts,
    read_current_files,
    read_hub_api,
    read_models,
)
from hfaudit.analyse.lineage.graph import LineageGraph
from hfaudit.analyse.lineage.relations import Evidence, declared_relation, observe
from hfaudit.store import schema

__all__ = ["TABLES", "LineageTables", "build_lineage_tables", "compute_lineage"]

# The lineage tables (columns and types declared in hfaudit.store.schema), in the order they are written.
TABLES: tuple[str, ...] = ("lineage_evidence", "lineage_edges", "model_lineage", "lineage_conflicts", "lineage_paper")
ORDER: dict[str, list[str]] = {
    "lineage_evidence": ["child_id", "source", "position", "parent_ref"],
    "lineage_edges": ["child_id", "parent_id"],
    "model_lineage": ["model_id"],
    "lineage_conflicts": ["model_id", "kind", "parent_id"],
    "lineage_paper": ["model_id"],
}
_SOURCE_RANK = {s: i for i, s in enumerate(("card", "hub_api", "tag", "adapter_config", "card_text", "config", "name"))}


class LineageTables(dict[str, pd.DataFrame]):
    """The frames of every lineage table, by table name."""


def _config(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            loaded = json.loads(value)
        except ValueError:
            return {}
        return loaded if isinstance(loaded, dict) else {}
    return {}


def _combined(rows: list[dict[str, Any]]) -> float:
    """Declared sources restate one card (their best counts once); other sources are independent."""
    best: dict[str, float] = {}
    for r in rows:
        key = "declared" if r["source"] in DECLARED_SOURCES else str(r["source"])
        best[key] = max(best.get(key, 0.0), float(r["confidence"]))
    miss = 1.0
    for c in best.values():
        miss *= 1 - c
    return round(1 - miss, 4)


def compute_lineage(con: duckdb.DuckDBPyConnection) -> LineageTables:
    """Every lineage table as a frame, from the crawl tables (nothing written)."""
    from hfaudit.analyse.naming.paper import paper_variant

    models = read_models(con)
    files = read_current_files(con)
    configs = read_config_texts(con)
    api = read_hub_api(con)
    evidence, parsed = collect_evidence(models, configs, api, read_card_texts(con))
    resolver = Resolver(models, api_aliases(evidence), not_found_ids(con))

    resolved = [resolver.resolve(str(r)) for r in evidence["parent_ref"]]
    # object dtype even when empty (an empty store): the string methods below need it.
    evidence["parent_id"] = pd.Series([r[0] for r in resolved], index=evidence.index, dtype="object")
    evidence["resolved_via"] = pd.Series([r[1] for r in resolved], index=evidence.index, dtype="object")
    evidence["tier"] = evidence["source"].map(TIER)
    conflicts: list[dict[str, Any]] = []

    selfref = evidence["parent_id"].str.lower() == evidence["child_id"].str.lower()
    for rec in evidence[selfref].drop_duplicates(["child_id", "source"]).itertuples(index=False):
        conflicts.append(_conflict(rec.child_id, rec.parent_id, "self_reference", None, None, f"{rec.source} names the model itself"))
    claims = evidence[~selfref]

    # One edge per (child, parent): its best source, every source and a combined confidence.
    edges: list[dict[str, Any]] = []
    graph_parents: dict[str, list[str]] = {}
    parents_declared: set[str] = set()  # children whose graph parents are the card's declaration
    declared_by_child: dict[str, str | None] = {}
    by_child: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for claim in claims.to_dict("records"):
        claim["rank"] = _SOURCE_RANK[claim["source"]]
        by_child[str(claim["child_id"])].append(claim)
    for child in sorted(by_child):
        rows = by_child[child]
        best_tier = min(int(r["tier"]) for r in rows)
        per_parent_rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in rows:
            per_parent_rows[str(r["parent_id"])].append(r)
        per_parent = []
        for parent, prows in per_parent_rows.items():
            prows.sort(key=lambda r: (r["tier"], r["rank"], r["position"]))
            top = prows[0]
            # Order parents as the card lists them: baseModels omits bases not on the Hub, so its
            # positions shift and must not reorder the card's declaration.
            card_rows = [r for r in prows if r["source"] in ("card", "tag")] or prows
            position = min(int(r["position"]) for r in card_rows)
            per_parent.append((int(top["tier"]), position, int(top["rank"]), parent, prows))
        per_parent.sort(key=lambda p: p[:4])
        parents = [p[3] for p in per_parent if p[0] == best_tier]
        graph_parents[child] = parents
        if best_tier == 0:
            parents_declared.add(child)
        declared_by_child[child] = declared_relation(
            [r["declared_relation"] for source in ("card", "hub_api", "tag") for r in rows if r["source"] == source]
        )
        for tier, _, _, parent, prows in per_parent:
            top = prows[0]
            reason = resolver.dangling(parent)
            edges.append({
                "child_id": child,
                "parent_id": parent,
                "declared_relation": declared_relation(r["declared_relation"] for r in prows),
                "source": str(top["source"]),
                "confidence": _combined(prows),
                "sources": sorted({str(r["source"]) for r in prows}, key=_SOURCE_RANK.__getitem__),
                "in_graph": tier == best_tier,
                "is_primary": tier == best_tier and parent == parents[0],
                "dangling": reason is not None,
                "dangling_reason": reason,
                "resolved_via": str(top["resolved_via"]),
            })  # fmt: skip
            if tier != best_tier and tier <= TIER["config"] and parent not in parents:
                conflicts.append(_conflict(
                    child, parent, "parent_disagreement", parents[0], parent,
                    f"{top['source']} names {parent}, the graph keeps {', '.join(parents)}",
                ))  # fmt: skip

    graph = LineageGraph.from_edges((c, p) for c, ps in graph_parents.items() for p in ps)
    placements = graph.placements()
    descendants = graph.descendant_counts()
    for members in graph.strongly_connected():
        for m in members:
            conflicts.append(_conflict(m, None, "cycle", None, None, " -> ".join(members)))

    # Relations: declared kept, observed from files, conflicts recorded.
    lineage: list[dict[str, Any]] = []
    relation_of: dict[str, str | None] = {}
    model_ids = [str(m) for m, s in zip(models["model_id"], models["status"], strict=True) if s != "renamed"]
    cfg_of = dict(zip(models["model_id"].astype(str), models["config"], strict=True))
    tags_of = {str(m): [str(t) for t in as_list(t)] for m, t in zip(models["model_id"], models["tags"], strict=True)}
    library_of = {
        str(m): str(lib) for m, lib in zip(models["model_id"], models["library_name"], strict=True) if isinstance(lib, str) and lib
    }
    for mid in model_ids:
        parents = graph_parents.get(mid, [])
        place = placements.get(mid)
        row: dict[str, Any] = {
            "model_id": mid, "parent_id": parents[0] if parents else None, "relation_to_parent": None,
            "declared_relation": None, "observed_relation": None, "relation_basis": None,
            "relation_confidence": None, "relation_evidence": None,
            "root_id": place.root if place else mid, "depth": place.depth if place else 0,
            "n_parents": len(parents), "descendants": descendants.get(mid, 0),
            "root_dangling": False, "cycle_cut": bool(place and place.cut),
        }  # fmt: skip
        row["root_dangling"] = row["root_id"] != mid and resolver.dangling(row["root_id"]) is not None
        if parents:
            config = {**_config(cfg_of.get(mid)), **parsed.get(mid, {})}
            evidence_of = Evidence(tuple(files.get(mid, [])), config, tuple(tags_of.get(mid, [])), library_of.get(mid))
            observed = observe(mid, evidence_of, len(parents), declared=mid in parents_declared)
            declared = declared_by_child.get(mid)
            relation = declared or observed.relation
            row.update({
                "relation_to_parent": relation, "declared_relation": declared,
                # what the evidence shows: the files' relation even where the library overrules them
                "observed_relation": observed.evidence_relation,
                "relation_basis": "declared" if declared else observed.basis,
                "relation_confidence": 0.95 if declared else observed.confidence,
                "relation_evidence": observed.reason,
            })  # fmt: skip
            # Files (or parents) that contradict the relation given: a declaration, or the Hub's
            # library-led inference (adapter files in a repository the Hub calls a fine-tune).
            shown = observed.files or (observed.relation if observed.basis in ("files", "parents") else None)
            if shown and shown != relation:
                conflicts.append(_conflict(mid, parents[0], "relation_mismatch", relation, shown, observed.reason))
            relation_of[mid] = relation
        lineage.append(row)

    for edge in edges:
        edge["relation"] = relation_of.get(edge["child_id"]) if edge["in_graph"] else None

    paper = pd.DataFrame({"model_id": model_ids})
    mtype = dict(zip(models["model_id"].astype(str), models["config_model_type"], strict=True))
    basis = {r["model_id"]: r["relation_basis"] for r in lineage}
    paper["paper_base"] = [str(mtype.get(m)) if isinstance(mtype.get(m), str) and mtype.get(m) else "none" for m in model_ids]
    paper["paper_label"] = [paper_variant(m) for m in model_ids]
    paper["paper_variant"] = paper["paper_label"].where(paper["paper_label"] != "none", "finetuned")
    paper["relation"] = [relation_of.get(m) for m in model_ids]
    paper["relation_basis"] = [basis.get(m) for m in model_ids]

    out = LineageTables()
    out["lineage_evidence"] = evidence.drop(columns=["tier"])
    out["lineage_edges"] = pd.DataFrame(edges)
    out["model_lineage"] = pd.DataFrame(lineage)
    out["lineage_conflicts"] = pd.DataFrame(conflicts)
    out["lineage_paper"] = paper
    return out


def _conflict(model: str, parent: str | None, kind: str, declared: str | None, observed: str | None, detail: str) -> dict[str, Any]:
    return {"model_id": model, "parent_id": parent, "kind": kind, "declared": declared, "observed": observed, "detail": detail}


def write_tables(con: duckdb.DuckDBPyConnection, tables: dict[str, pd.DataFrame]) -> None:
    """Replace each lineage table with its frame, in bulk, columns in the documented order."""
    for name in TABLES:
        con.execute(schema.table(name).ddl(replace=True))
        frame = tables.get(name)
        if frame is None or frame.empty:
            continue
        columns = schema.columns(name)
        frame = frame.reindex(columns=columns).sort_values(ORDER[name], kind="stable")
        con.register("_lineage_frame", frame)
        try:
            con.execute(f"insert into {name} select {', '.join(columns)} from _lineage_frame")
        finally:
            con.unregister("_lineage_frame")


def build_lineage_tables(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """(Re)build every lineage table from the crawl tables; returns the row count of each."""
    tables = compute_lineage(con)
    write_tables(con, tables)
    return {name: len(tables.get(name, [])) for name in TABLES}


def group_counts(frame: pd.DataFrame, column: str) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for value in frame[column]:
        counts[str(value)] += 1
    return dict(sorted(counts.items()))
