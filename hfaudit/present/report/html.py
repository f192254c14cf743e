"""``report.html``: one self-contained file (inline CSS and SVG, no script, no network), Jinja2 with
autoescape on, so every model-supplied string (ids, card text) is escaped."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from hfaudit.present.report import charts


def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("hfaudit.present.report", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = lambda v: "–" if v is None else (f"{v:,.2f}".rstrip("0").rstrip(".") if isinstance(v, float) else f"{v:,}" if isinstance(v, int) else v)
    return env


def build_charts(data: dict[str, Any]) -> dict[str, Markup]:
    """SVG strings built by :mod:`hfaudit.present.report.charts` (labels escaped there)."""
    out: dict[str, str] = {}
    if data.get("score_histogram"):
        out["scores"] = charts.histogram_counts(
            [r["models"] for r in data["score_histogram"]], "Compliance scores of models (0–10)"
        )
    if data.get("audits"):
        out["audits"] = charts.bars([(a["audit_id"], a["findings"]) for a in data["audits"] if a["findings"]], "Findings per audit")
    if data.get("version_schemes"):
        out["schemes"] = charts.bars([(r["scheme"], r["models"]) for r in data["version_schemes"]], "Version schemes in names")
    if data.get("base_families"):
        out["families"] = charts.bars([(r["model_type"], r["models"]) for r in data["base_families"]], "Models per model_type")
    if len(data.get("weight_trend") or []) >= 2:
        out["trend"] = charts.line([(r["month"], r["weight_file_changes"]) for r in data["weight_trend"]], "Weight-file changes per month")
    if data.get("family"):
        fam = data["family"]
        title = f"Lineage of {fam['root']}: {fam['shown']} of {fam['descendants']} descendants shown, breadth first"
        out["family"] = charts.tree(fam["root"], fam["children"], title, hidden=fam.get("hidden_children"))
    return {k: Markup(v) for k, v in out.items() if v}  # noqa: S704 - built with html.escape in charts


def render_html(data: dict[str, Any]) -> str:
    return _env().get_template("report.html.j2").render(data=data, charts=build_charts(data))
