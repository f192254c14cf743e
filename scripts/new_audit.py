#!/usr/bin/env python3
"""Scaffold a new audit (``queries/<id>.sql`` and its case ``tests/audit_cases/<id>.yaml``), or
regenerate ``docs/audits.md`` from the query headers.

Usage:
    python scripts/new_audit.py my_new_audit --title "What it finds" --severity warn --requires weight_changes
    python scripts/new_audit.py --docs
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SQL = """-- id: {id}
-- title: {title}
-- severity: {severity}
-- rationale: Why this matters to someone who depends on the model (one or two sentences).
-- reference: https://semver.org/
-- message: {{model_id}} at {{location}}: describe the finding
-- requires: {requires}
with source as (
    select *
    from {first_table}
),

flagged as (
    select model_id, model_id as location
    from source
    where false  -- the condition that makes a finding
)

select * from flagged
order by model_id, location
"""

CASE = """# Rows added to the clean scenario (tests/audit_cases/_clean.yaml), and the findings expected from
# every audit: [model_id, location] pairs, in query order.
given:
  {first_table}:
    - {{model_id: acme/example}}
expect:
  {id}:
    - [acme/example, acme/example]
"""


def write_docs() -> Path:
    from hfaudit.audit import load_audits
    from hfaudit.audit.docs import render_audit_docs

    path = ROOT / "docs" / "audits.md"
    path.write_text(render_audit_docs(load_audits()), encoding="utf-8")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("id", nargs="?", help="audit id: lowercase words joined by _")
    parser.add_argument("--title", default="Describe the problem in one line")
    parser.add_argument("--severity", choices=("info", "warn", "error"), default="warn")
    parser.add_argument("--requires", default="models", help="comma-separated tables the query reads")
    parser.add_argument("--docs", action="store_true", help="regenerate docs/audits.md and exit")
    args = parser.parse_args()
    if args.docs:
        print(f"wrote {write_docs()}")
        return 0
    if not args.id or not re.fullmatch(r"[a-z][a-z0-9_]*", args.id):
        parser.error("give an id of lowercase words joined by _")
    sql = ROOT / "queries" / f"{args.id}.sql"
    case = ROOT / "tests" / "audit_cases" / f"{args.id}.yaml"
    for path in (sql, case):
        if path.exists():
            parser.error(f"{path} exists")
    first = args.requires.split(",")[0].strip()
    fields = {"id": args.id, "title": args.title, "severity": args.severity, "requires": args.requires, "first_table": first}
    sql.write_text(SQL.format(**fields), encoding="utf-8")
    case.write_text(CASE.format(**fields), encoding="utf-8")
    print(f"wrote {sql}\nwrote {case}\nnow write the query and the case, then: python scripts/new_audit.py --docs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
