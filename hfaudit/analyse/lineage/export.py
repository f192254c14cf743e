"""Views of the lineage graph: one model's ancestors and descendants, or the whole graph, as a rich
Tree, JSON or GraphML. Reads ``lineage_edges`` and ``model_lineage``; walks are iterative with
visited sets, so cycles print once and stop.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import duckdb
from rich.markup import escape
from rich.tree import Tree

from hfaudit.errors import HfauditError

JSON_VERSION = 1


@dataclass
class LineageView:
    """Nodes (with their ``model_lineage`` facts) and in-graph edges; ``focus`` is None for the whole graph."""

    focus: str | None
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    edges: list[dict[str, Any]] = field(default_factory=list)

    @property
    def parents(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for e in self.edges:
            out[e["child_id"]].append(e)
        return out

    @property
    def children(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for e in self.edges:
            out[e["parent_id"]].append(e)
        return out


def _require_tables(con: duckdb.DuckDBPyConnection) -> None:
    row = con.execute(
        "select count(*) from information_schema.tables where table_name in ('lineage_edges', 'model_lineage')"
    ).fetchone()
    if not row or row[0] < 2:
        raise HfauditError("no lineage tables in this database: run 'hfaudit analyse' first", code=2)


def load_view(con: duckdb.DuckDBPyConnection, model_id: str | None) -> LineageView:
    """The lineage around ``model_id`` (every ancestor and descendant), or the whole graph."""
    _require_tables(con)
    edge_rows = con.execute(
        """
        select child_id, parent_id, relation, declared_relation, source, confidence, is_primary, dangling_reason
        from lineage_edges
        where in_graph
        order by child_id, is_primary desc, parent_id
        """
    ).fetchall()
    keys = ("child_id", "parent_id", "relation", "declared_relation", "source", "confidence", "is_primary", "dangling_reason")
    edges = [dict(zip(keys, r, strict=True)) for r in edge_rows]
    node_rows = con.execute(
        "select model_id, relation_to_parent, relation_basis, root_id, depth, descendants from model_lineage order by model_id"
    ).fetchall()
    nkeys = ("model_id", "relation_to_parent", "relation_basis", "root_id", "depth", "descendants")
    facts = {r[0]: dict(zip(nkeys, r, strict=True)) for r in node_rows}
    if model_id is not None:
        lower = {m.lower(): m for m in facts}
        for e in edges:
            lower.setdefault(e["parent_id"].lower(), e["parent_id"])
        if model_id.lower() not in lower:
            raise HfauditError(f"unknown model {model_id!r}: not in this database's lineage", code=2)
        model_id = lower[model_id.lower()]
    view = LineageView(model_id)
    if model_id is None:
        keep = set(facts) | {e["parent_id"] for e in edges}
        view.edges = edges
    else:
        up = _reach(model_id, {c: [e["parent_id"] for e in es] for c, es in _group(edges, "child_id").items()})
        down = _reach(model_id, {p: [e["child_id"] for e in es] for p, es in _group(edges, "parent_id").items()})
        keep = {model_id} | up | down
        view.edges = [
            e for e in edges
            if (e["child_id"] in up | {model_id} and e["parent_id"] in up)
            or (e["parent_id"] in down | {model_id} and e["child_id"] in down)
        ]  # fmt: skip
    dangling = {e["parent_id"]: e["dangling_reason"] for e in edges}
    for node in sorted(keep):
        base = facts.get(node, {"model_id": node})
        view.nodes[node] = {**base, "crawled": node in facts, "dangling_reason": dangling.get(node) if node not in facts else None}
    return view


def _group(edges: list[dict[str, Any]], key: str) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in edges:
        out[e[key]].append(e)
    return out


def _reach(start: str, links: dict[str, list[str]]) -> set[str]:
    seen: set[str] = set()
    stack = list(links.get(start, []))
    while stack:
        node = stack.pop()
        if node in seen or node == start:
            continue
        seen.add(node)
        stack.extend(links.get(node, []))
    return seen


def _label(node: str, facts: dict[str, Any], relation: str | None) -> str:
    bits = [node]
    if relation:
        bits.append(f"[{relation}]")
    if facts.get("dangling_reason"):
        bits.append(f"(dangling: {facts['dangling_reason']})")
    return escape(" ".join(bits))


def render_tree(view: LineageView) -> Tree:
    """The focus model, its ancestors (parents nested upward) and descendants (children nested)."""
    if view.focus is None:
        raise HfauditError("a tree needs a MODEL (use --format json or graphml for the whole graph)", code=2)
    focus = view.focus
    facts = view.nodes[focus]
    tree = Tree(escape(f"{focus}  (root {facts.get('root_id') or focus}, depth {facts.get('depth') or 0})"))
    for title, links, key in (("ancestors", view.parents, "parent_id"), ("descendants", view.children, "child_id")):
        branch = tree.add(title)
        seen = {focus}
        # Depth first in the order the tree prints (each subtree before the next sibling), so a node
        # met again is marked "already shown" only below the place where it is shown.
        stack: list[tuple[Tree, Iterator[dict[str, Any]]]] = [(branch, iter(sorted(links.get(focus, []), key=lambda e: e[key])))]
        count = 0
        while stack:
            parent_branch, edges = stack[-1]
            edge = next(edges, None)
            if edge is None:
                stack.pop()
                continue
            nxt = edge[key]
            if nxt in seen:
                parent_branch.add(escape(f"{nxt} (already shown above: cycle or shared ancestor)"))
                continue
            seen.add(nxt)
            count += 1
            sub = parent_branch.add(_label(nxt, view.nodes.get(nxt, {}), edge["relation"]))
            stack.append((sub, iter(sorted(links.get(nxt, []), key=lambda e: e[key]))))
        if count == 0:
            branch.add("(none)")
    return tree


def to_json(view: LineageView) -> dict[str, Any]:
    return {
        "version": JSON_VERSION,
        "focus": view.focus,
        "nodes": [view.nodes[n] for n in sorted(view.nodes)],
        "edges": sorted(view.edges, key=lambda e: (e["child_id"], e["parent_id"])),
    }


def to_graphml(view: LineageView) -> str:
    """GraphML with node and edge attributes (directed child → parent)."""
    ns = "http://graphml.graphdrawing.org/xmlns"
    ET.register_namespace("", ns)
    root = ET.Element(f"{{{ns}}}graphml")
    node_keys = {"relation_to_parent": "string", "relation_basis": "string", "root_id": "string", "depth": "int",
                 "descendants": "int", "crawled": "boolean", "dangling_reason": "string"}  # fmt: skip
    edge_keys = {"relation": "string", "declared_relation": "string", "source": "string", "confidence": "double",
                 "is_primary": "boolean"}  # fmt: skip
    for kind, keys in (("node", node_keys), ("edge", edge_keys)):
        for name, typ in keys.items():
            ET.SubElement(root, f"{{{ns}}}key", {"id": f"{kind[0]}_{name}", "for": kind, "attr.name": name, "attr.type": typ})
    graph = ET.SubElement(root, f"{{{ns}}}graph", {"id": view.focus or "lineage", "edgedefault": "directed"})

    def data(parent: ET.Element, prefix: str, facts: dict[str, Any], keys: dict[str, str]) -> None:
        for name in keys:
            value = facts.get(name)
            if value is None:
                continue
            el = ET.SubElement(parent, f"{{{ns}}}data", {"key": f"{prefix}_{name}"})
            el.text = str(value).lower() if isinstance(value, bool) else str(value)

    for node in sorted(view.nodes):
        el = ET.SubElement(graph, f"{{{ns}}}node", {"id": node})
        data(el, "n", view.nodes[node], node_keys)
    for i, edge in enumerate(sorted(view.edges, key=lambda e: (e["child_id"], e["parent_id"]))):
        el = ET.SubElement(graph, f"{{{ns}}}edge", {"id": f"e{i}", "source": edge["child_id"], "target": edge["parent_id"]})
        data(el, "e", edge, edge_keys)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def dumps_json(view: LineageView) -> str:
    return json.dumps(to_json(view), indent=2, default=str) + "\n"
