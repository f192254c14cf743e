"""``report.md``: the report's data as Markdown tables (model-supplied text escaped for Markdown and HTML)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, int):
        return f"{value:,}"
    text = " ".join(str(value).split())
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")


def table(rows: Sequence[dict[str, Any]], columns: Sequence[str], headers: Sequence[str] | None = None) -> str:
    if not rows:
        return "_none_\n"
    head = headers or columns
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(cell(r.get(c)) for c in columns) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def render_markdown(data: dict[str, Any]) -> str:
    t = data["totals"]
    out = ["# Release-practice report\n"]
    snap = data.get("snapshot") or {}
    out.append(
        f"Snapshot {snap.get('snapshot_id', '–')} of {cell(snap.get('endpoint'))}: {t['models']:,} models, "
        f"{t['owners']:,} owners, {t['commits']:,} commits, {t['file_changes']:,} file changes.\n"
    )
    if data.get("missing_tables"):
        out.append(f"Not yet analysed (sections left out): {', '.join(data['missing_tables'])}.\n")
    out.append("## The study's measures\n")
    out.append("Paper: Ajibode et al. (EMSE 2025). *Paper mode* computes the measure as the study did; *hfaudit* is hfaudit's own measure.\n")
    out.append(table(data["paper"], ["measure", "paper", "paper_mode", "hfaudit", "note"], ["measure", "paper", "paper mode", "hfaudit", "note"]))
    if "conventions" in data:
        out.append("## Naming and versions\n")
        out.append(table(data["conventions"], ["convention", "models"]))
        out.append("\n" + table(data["version_schemes"], ["scheme", "models"]))
        if data.get("conventions_more"):
            out.append(f"\n+{data['conventions_more']:,} more conventions\n")
        out.append("\n" + table(data["variants"], ["variant", "models"], ["modification (paper keywords)", "models"]))
    if "weight_changes" in data:
        out.append("## Weight changes\n")
        out.append(table(data["weight_changes"], ["change_kind", "changes", "documented", "silent_pct"], ["kind", "changes", "documented", "silent %"]))
    out.append("## Base families\n")
    out.append(table(data["base_families"], ["model_type", "models"]))
    if data.get("base_families_more"):
        out.append(f"\n+{data['base_families_more']:,} more model types\n")
    if "relations" in data:
        out.append("\n" + table(data["relations"], ["relation", "edges"]))
    if "releases" in data:
        out.append("## Releases: declared versus required bumps\n")
        out.append(table(data["releases"], ["declared_bump", "releases", "under_bumps", "over_bumps"]))
        out.append("\nWhat changed in major versus minor releases:\n\n")
        out.append(table(data["major_vs_minor"], ["reason", "major", "minor"]))
    if "audits" in data:
        out.append("## Findings\n")
        out.append(table(data["audits"], ["audit_id", "severity", "status", "findings", "title"]))
        out.append("\n### Owners (lowest scores first)\n\n")
        out.append(table(data["owners"], ["owner", "models", "score", "findings"]))
        if data.get("owners_more"):
            listed = ": every owner in owners.jsonl" if "owners.jsonl" in data.get("lists", []) else ""
            out.append(f"\n+{data['owners_more']:,} more owners{listed}\n")
        out.append("\n### Models (lowest scores first)\n\n")
        for m in data["models"]:
            score = f"score {cell(m['score'])}" if m["score"] is not None else cell(m.get("reason"))
            out.append(f"#### {cell(m['model_id'])}: {score}\n\n")
            out.append(table(m["findings_list"], ["severity", "audit_id", "message"]))
            if m.get("findings_more"):
                out.append(f"\n+{m['findings_more']:,} more findings\n")
            out.append("\n")
        if data.get("models_more"):
            listed = ": every model's score in models.jsonl" if "models.jsonl" in data.get("lists", []) else ""
            out.append(f"+{data['models_more']:,} more models{listed}\n")
    fam = data.get("family")
    if fam:
        out.append("## The largest family\n")
        more = f" (+{fam['more']:,} more)" if fam["more"] else ""
        out.append(
            f"{cell(fam['root'])}: {fam['descendants']:,} descendants, {fam['depth']} levels deep; the tree in report.html "
            f"shows {fam['shown']:,} of them, breadth first{more}.\n"
        )
    since = data.get("since_previous")
    out.append("## Since the previous snapshot\n")
    if since:
        out.append(
            f"Snapshot {since['previous_snapshot']} → {since['snapshot']}: {since['added']} models added, "
            f"{since['updated']} updated, {since['gone_or_renamed']} gone or renamed, {since['commits_added']} commits added, "
            f"{since['rewritten']} histories rewritten.\n"
        )
        if since.get("diff"):
            from hfaudit.present.dependents import diff_markdown

            out.append(diff_markdown(since["diff"], "###", limit=100))
    else:
        out.append("Only one snapshot: nothing to compare.\n")
    out.append("\nCharts are in report.html.\n")
    return "\n".join(out)
