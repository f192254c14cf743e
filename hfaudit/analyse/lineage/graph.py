"""The lineage graph: roots, depth, family, descendants, and cycles found without looping.

Each model has at most one *primary* parent (the first parent of its strongest source); roots and
depth follow primary parents, so a merge belongs to the family of its first base. Ancestors and
descendants follow every parent. Every walk is iterative with a visited set. A cycle of primary
parents is cut at its member with the smallest id (that member becomes a root) and reported.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Placement:
    """Where one node sits: its family root, its depth below it, and whether a cycle was cut."""

    root: str
    depth: int
    cut: bool = False


@dataclass
class LineageGraph:
    """Parents per child (primary first); nodes are every child and every parent."""

    parents: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_edges(cls, edges: Iterable[tuple[str, str]]) -> LineageGraph:
        parents: dict[str, list[str]] = defaultdict(list)
        for child, parent in edges:
            if child != parent and parent not in parents[child]:
                parents[child].append(parent)
        return cls(dict(parents))

    @property
    def children(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = defaultdict(list)
        for child, ps in sorted(self.parents.items()):
            for p in ps:
                out[p].append(child)
        return out

    def nodes(self) -> set[str]:
        out = set(self.parents)
        for ps in self.parents.values():
            out.update(ps)
        return out

    def primary(self, node: str) -> str | None:
        ps = self.parents.get(node)
        return ps[0] if ps else None

    def primary_cycles(self) -> list[list[str]]:
        """Cycles of primary parents, each as the list of its members starting at the smallest id."""
        state: dict[str, int] = {}  # 1 = on the current walk, 2 = done
        cycles: list[list[str]] = []
        for start in sorted(self.nodes()):
            if start in state:
                continue
            walk: list[str] = []
            node: str | None = start
            while node is not None and node not in state:
                state[node] = 1
                walk.append(node)
                node = self.primary(node)
            if node is not None and state.get(node) == 1:
                members = walk[walk.index(node) :]
                first = members.index(min(members))
                cycles.append(members[first:] + members[:first])
            for n in walk:
                state[n] = 2
        return cycles

    def placements(self) -> dict[str, Placement]:
        """Root and depth of every node, following primary parents, cycles cut."""
        cut = {min(c) for c in self.primary_cycles()}
        out: dict[str, Placement] = {}
        for start in sorted(self.nodes()):
            walk: list[str] = []
            node = start
            while node not in out:
                walk.append(node)
                parent = None if node in cut else self.primary(node)
                if parent is None:
                    out[node] = Placement(node, 0, node in cut)
                    walk.pop()
                    break
                node = parent
            base = out[node]
            for depth, n in enumerate(reversed(walk), start=1):
                out[n] = Placement(base.root, base.depth + depth)
        return out

    def ancestors(self, node: str) -> list[str]:
        return _walk(node, self.parents)

    def descendants(self, node: str, children: Mapping[str, list[str]] | None = None) -> list[str]:
        return _walk(node, children if children is not None else self.children)

    def descendant_counts(self) -> dict[str, int]:
        children = self.children
        return {n: len(_walk(n, children)) for n in self.nodes()}

    def strongly_connected(self) -> list[list[str]]:
        """Cycles over all parents (Tarjan's algorithm, iterative): components of two or more nodes."""
        index: dict[str, int] = {}
        low: dict[str, int] = {}
        on_stack: set[str] = set()
        stack: list[str] = []
        out: list[list[str]] = []
        counter = 0
        for root in sorted(self.nodes()):
            if root in index:
                continue
            work: list[tuple[str, int]] = [(root, 0)]
            while work:
                node, i = work.pop()
                if i == 0:
                    index[node] = low[node] = counter
                    counter += 1
                    stack.append(node)
                    on_stack.add(node)
                ps = self.parents.get(node, [])
                if i < len(ps):
                    work.append((node, i + 1))
                    nxt = ps[i]
                    if nxt not in index:
                        work.append((nxt, 0))
                    elif nxt in on_stack:
                        low[node] = min(low[node], index[nxt])
                    continue
                if low[node] == index[node]:
                    comp: list[str] = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        comp.append(w)
                        if w == node:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
        return sorted(out)


def _walk(start: str, links: Mapping[str, list[str]]) -> list[str]:
    """Every node reachable from ``start`` (breadth first, never ``start`` itself, each once)."""
    seen = {start}
    order: list[str] = []
    queue = deque(links.get(start, []))
    while queue:
        node = queue.popleft()
        if node in seen:
            continue
        seen.add(node)
        order.append(node)
        queue.extend(links.get(node, []))
    return order
