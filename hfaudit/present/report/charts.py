"""Small inline-SVG charts (no library, no network): horizontal bars, a histogram, a line, a tree.

Every label passes through ``html.escape``: labels are model-supplied strings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

PALETTE = ("#3b6ea8", "#d08c2e", "#5a9e57", "#b5483b", "#7c5ea8", "#4b9aa0")


def _svg(width: int, height: int, body: str, title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><title>{escape(title)}</title>{body}</svg>'
    )


def bars(items: Sequence[tuple[str, float]], title: str, width: int = 560, unit: str = "") -> str:
    """Horizontal bars, one per (label, value), in the given order."""
    if not items:
        return ""
    row, label_w = 20, 190
    top = max((v for _, v in items), default=0) or 1
    parts = []
    for i, (label, value) in enumerate(items):
        y = i * row + 4
        w = (width - label_w - 70) * (value / top)
        shown = label if len(label) <= 28 else label[:27] + "…"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end" font-size="12">{escape(shown)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{row - 6}" fill="{PALETTE[0]}"/>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + 13}" font-size="11">{escape(_fmt(value))}{escape(unit)}</text>'
        )
    return _svg(width, len(items) * row + 8, "".join(parts), title)


def histogram(values: Sequence[float], title: str, bins: int = 10, lo: float = 0.0, hi: float = 10.0, width: int = 560) -> str:
    """Counts of ``values`` in ``bins`` equal bins over [lo, hi]."""
    if not values:
        return ""
    counts = [0] * bins
    for v in values:
        i = min(bins - 1, max(0, int((v - lo) / (hi - lo) * bins)))
        counts[i] += 1
    return histogram_counts(counts, title, lo, hi, width)


def histogram_counts(counts: Sequence[int], title: str, lo: float = 0.0, hi: float = 10.0, width: int = 560) -> str:
    """Bars of already counted equal bins over [lo, hi] (the report counts them in SQL)."""
    if not any(counts):
        return ""
    bins = len(counts)
    height, base = 160, 130
    top = max(counts) or 1
    bw = (width - 40) / bins
    parts = []
    for i, c in enumerate(counts):
        h = (base - 10) * c / top
        x = 30 + i * bw
        parts.append(
            f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{bw - 2:.1f}" height="{h:.1f}" fill="{PALETTE[2]}"/>'
            f'<text x="{x + bw / 2:.1f}" y="{base - h - 3:.1f}" font-size="10" text-anchor="middle">{c}</text>'
            f'<text x="{x + bw / 2:.1f}" y="{base + 14}" font-size="10" text-anchor="middle">{_fmt(lo + i * (hi - lo) / bins)}</text>'
        )
    parts.append(f'<line x1="30" y1="{base}" x2="{width - 10}" y2="{base}" stroke="#444"/>')
    return _svg(width, height, "".join(parts), title)


def line(points: Sequence[tuple[str, float]], title: str, width: int = 560) -> str:
    """A line over ordered (label, value) points, labelled at the ends."""
    if len(points) < 2:
        return bars(list(points), title, width)
    height, base, left = 170, 140, 40
    top = max(v for _, v in points) or 1
    step = (width - left - 20) / (len(points) - 1)
    xy = [(left + i * step, base - (base - 15) * v / top) for i, (_, v) in enumerate(points)]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    parts = [
        f'<polyline points="{path}" fill="none" stroke="{PALETTE[1]}" stroke-width="2"/>',
        f'<line x1="{left}" y1="{base}" x2="{width - 10}" y2="{base}" stroke="#444"/>',
        f'<text x="{left}" y="{base + 16}" font-size="10">{escape(points[0][0])}</text>',
        f'<text x="{width - 10}" y="{base + 16}" font-size="10" text-anchor="end">{escape(points[-1][0])}</text>',
        f'<text x="4" y="20" font-size="10">{escape(_fmt(top))}</text>',
    ]
    return _svg(width, height, "".join(parts), title)


def tree(
    root: str,
    children: Mapping[str, Sequence[str]],
    title: str,
    hidden: Mapping[str, int] | None = None,
    width: int = 640,
) -> str:
    """A family tree as an indented outline with connectors, from ``root`` down, each node once.

    ``hidden`` counts, per node, the children left out of the drawing: they show as "+N more"
    under it. A legend names the colour of each depth.
    """
    hidden = hidden or {}
    order: list[tuple[str, int, bool]] = []  # (label, depth, is a "+N more" line)
    seen: set[str] = set()

    def walk(node: str, depth: int) -> None:
        if node in seen:
            return
        seen.add(node)
        order.append((node, depth, False))
        for child in sorted(children.get(node, ())):
            walk(child, depth + 1)
        if hidden.get(node):
            order.append((f"+{hidden[node]} more", depth + 1, True))

    walk(root, 0)
    row = 18
    parts = []
    position: dict[str, tuple[float, float]] = {}
    depths = sorted({d for _, d, more in order if not more})
    legend_h = 20
    for i, (node, depth, more) in enumerate(order):
        x, y = 10 + depth * 22, i * row + 14 + legend_h
        if more:
            parts.append(f'<text x="{x + 12}" y="{y}" font-size="11" fill="#666">{escape(node)}</text>')
            continue
        position[node] = (x, y)
        parts.append(f'<circle cx="{x + 4}" cy="{y - 4}" r="4" fill="{PALETTE[depth % len(PALETTE)]}"/>')
        parts.append(f'<text x="{x + 12}" y="{y}" font-size="12">{escape(node)}</text>')
    for node, _, more in order:
        if more:
            continue
        for child in children.get(node, ()):
            if child in position and node in position:
                (px, py), (cx, cy) = position[node], position[child]
                parts.append(f'<path d="M{px + 4},{py} V{cy - 4} H{cx}" fill="none" stroke="#999"/>')
    legend = []
    x = 10
    for depth in depths[:6]:
        label = "root" if depth == 0 else "direct derivatives" if depth == 1 else f"depth {depth}"
        legend.append(f'<circle cx="{x + 4}" cy="10" r="4" fill="{PALETTE[depth % len(PALETTE)]}"/>')
        legend.append(f'<text x="{x + 12}" y="14" font-size="11">{escape(label)}</text>')
        x += 24 + 7 * len(label)
    return _svg(width, len(order) * row + 8 + legend_h, "".join(legend) + "".join(parts), title)


def _fmt(value: float) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}"
    return f"{int(value):,}"
