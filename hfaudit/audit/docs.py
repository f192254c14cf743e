"""``docs/audits.md``, generated from the query headers (a test fails when the file is stale)."""

from __future__ import annotations

from collections.abc import Sequence

from hfaudit.audit import Audit


def render_audit_docs(audits: Sequence[Audit]) -> str:
    lines = [
        "# Audits",
        "",
        "<!-- Generated from the headers of queries/*.sql by `python scripts/new_audit.py --docs`. Do not edit. -->",
        "",
        "Each audit is one file `queries/<id>.sql`: a header of `-- key: value` lines, then a query over the",
        "analysis tables that returns one row per finding (`model_id`, `location`, and the columns its",
        "message uses), in a fixed order. Severities can be overridden per audit in `pyproject.toml`",
        "(`[tool.hfaudit.audits]`) or `hfaudit.toml` (`[audits]`), e.g. `no_training_data = \"warn\"`.",
        "An audit whose tables are absent is skipped, not failed. Run them with `hfaudit audit`.",
        "",
        "| id | severity | required bump | title |",
        "|---|---|---|---|",
    ]
    lines += [f"| [`{a.id}`](#{a.id}) | {a.severity} | {a.bump or '–'} | {a.title} |" for a in audits]
    for a in audits:
        lines += [
            "",
            f"## {a.id}",
            "",
            f"**{a.title}** (severity `{a.severity}`" + (f", required bump `{a.bump}`" if a.bump else "") + ")",
            "",
            a.rationale,
            "",
            f"- Message: `{a.message}`",
            f"- Reads: {', '.join(f'`{t}`' for t in a.requires)}",
        ]
        if a.reference:
            lines.append(f"- Reference: {a.reference}")
    return "\n".join(lines) + "\n"
