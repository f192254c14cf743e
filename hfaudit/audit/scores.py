"""Compliance scores in the manner of OpenSSF Scorecard: named checks over the findings.

Each check groups audits, has a weight, a motivation and a remediation. A model's check scores 10 with
no finding, and loses points per finding by severity (error 5, warn 3, info 1, floor 0). A check
whose audits were all skipped (their tables absent) is *not applicable* and does not count. The model
score is the weighted mean of its applicable checks; an owner's score is the mean of its models'.
The aggregate alone says little: the report always shows the findings beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from hfaudit.audit import AuditRun
from hfaudit.store import replace_table

PENALTY = {"error": 5, "warn": 3, "info": 1}


@dataclass(frozen=True)
class Check:
    name: str
    weight: int
    audits: tuple[str, ...]
    motivation: str
    remediation: str


CHECKS: tuple[Check, ...] = (
    Check(
        "Silent-Weight-Changes", 10, ("weights_replaced_silently",),
        "Weights that change under a name without a signal break every user who pinned the name.",
        "Tag a new version (or bump the name, or add a changelog entry) whenever weights change.",
    ),
    Check(
        "Bump-Matches-Change", 10, ("under_bump", "over_bump", "license_changed"),
        "A version's bump is the only signal a dependant reads before upgrading.",
        "Bump the major version for a new architecture, tokenizer, base, task or license.",
    ),
    Check(
        "Declares-Versions", 5, ("no_version_signal",),
        "A repository released several times with no version can only be pinned by commit.",
        "Add git tags or a card version field, or publish new versions under versioned names.",
    ),
    Check(
        "Series-Continuity", 3, ("version_series_gap", "version_without_predecessor", "naming_scheme_inconsistent"),
        "Users follow a series by its numbers; gaps and orphans hide what changed.",
        "Keep every version public, point each card to its predecessor, and use one version form.",
    ),
    Check(
        "Lineage-Declared", 5, ("base_relation_contradicted", "dangling_base_model", "license_differs_from_base"),
        "A model's base carries its license, its training data and its known problems.",
        "Declare base_model and base_model_relation correctly in the card, pointing at a real repository.",
    ),
    Check(
        "Stable-History", 5, ("history_rewritten",),
        "A rewritten history deletes revisions that users pinned.",
        "Never force-push a published branch; publish a new revision instead.",
    ),
    Check(
        "Documented", 4, ("card_missing_or_template", "no_training_data"),
        "The card is where a user learns what the model is, what it was trained on, and what changed.",
        "Write a card (not the template) and list the training datasets in its metadata.",
    ),
)
CHECK_COLUMNS = ["model_id", "owner", "check_name", "weight", "outcome", "score", "findings", "worst"]


def check_frame(run: AuditRun, models: list[str]) -> pd.DataFrame:
    """One row per model and check: outcome (pass, fail, not_applicable), score 0–10, findings."""
    ran = {a.id for a in run.audits if a.id not in run.skipped}
    by_model: dict[tuple[str, str], list[str]] = {}
    for f in run.findings:
        by_model.setdefault((f.model_id, f.audit_id), []).append(f.severity)
    rows = []
    for model_id in models:
        owner = model_id.split("/", 1)[0]
        for check in CHECKS:
            applicable = [a for a in check.audits if a in ran]
            if not applicable:
                rows.append({"model_id": model_id, "owner": owner, "check_name": check.name, "weight": check.weight,
                             "outcome": "not_applicable", "score": None, "findings": 0, "worst": None})
                continue
            severities = [s for a in applicable for s in by_model.get((model_id, a), [])]
            penalty = sum(PENALTY[s] for s in severities)
            worst = max(severities, key=lambda s: PENALTY[s]) if severities else None
            rows.append(
                {
                    "model_id": model_id,
                    "owner": owner,
                    "check_name": check.name,
                    "weight": check.weight,
                    "outcome": "pass" if not severities or worst == "info" else "fail",
                    "score": float(max(0, 10 - penalty)),
                    "findings": len(severities),
                    "worst": worst,
                }
            )
    return pd.DataFrame(rows, columns=CHECK_COLUMNS)


def build_score_tables(con: duckdb.DuckDBPyConnection, run: AuditRun) -> None:
    """(Re)create ``compliance_checks``, ``compliance_scores`` (per model) and ``owner_scores``."""
    models = [r[0] for r in con.execute("select model_id from models where status = 'present' order by model_id").fetchall()]
    frame = check_frame(run, models)
    types = {
        "model_id": "varchar",
        "owner": "varchar",
        "check_name": "varchar",
        "weight": "integer",
        "outcome": "varchar",
        "score": "double",
        "findings": "integer",
        "worst": "varchar",
    }
    replace_table(con, "compliance_checks", frame, types, "model_id, check_name")
    con.execute(
        """
        create or replace table compliance_scores as
        with applicable as (
            select * from compliance_checks where outcome <> 'not_applicable'
        ),

        scored as (
            select
                model_id,
                owner,
                round(sum(score * weight) / nullif(sum(weight), 0), 1) as score,
                count(*) filter (where outcome = 'fail') as failing_checks,
                sum(findings) as findings
            from applicable
            group by model_id, owner
        )

        select * from scored
        order by model_id
        """
    )
    con.execute(
        """
        create or replace table owner_scores as
        with per_owner as (
            select
                owner,
                count(*) as models,
                round(avg(score), 1) as score,
                min(score) as worst_model_score,
                sum(findings) as findings
            from compliance_scores
            group by owner
        )

        select * from per_owner
        order by owner
        """
    )
