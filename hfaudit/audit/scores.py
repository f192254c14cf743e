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
from hfaudit.store import schema

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
CHECK_COLUMNS = schema.columns("compliance_checks")


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


CHECKS_QUERY = """
with checks as (
    select * from (values {checks}) as t(check_name, weight, audit_id, position)
),

penalties as (
    select * from (values ('error', 5), ('warn', 3), ('info', 1)) as t(severity, penalty)
),

ran as (
    select audit_id from (values {ran}) as t(audit_id)
),

applicable as (
    -- each check's audits that ran; a check with none is not applicable
    select c.check_name, c.weight, c.audit_id from checks as c join ran using (audit_id)
),

per_model_audit as (
    select f.model_id, f.audit_id, count(*) as findings, sum(p.penalty) as penalty, max(p.penalty) as worst_penalty
    from audit_findings as f
    join penalties as p using (severity)
    group by f.model_id, f.audit_id
),

models_present as (
    select model_id, split_part(model_id, '/', 1) as owner from models where status = 'present'
),

check_list as (
    select check_name, any_value(weight) as weight, min(position) as position,
           count(audit_id) filter (where audit_id in (select audit_id from ran)) as ran_audits
    from checks
    group by check_name
),

per_check as (
    select m.model_id, a.check_name,
           sum(f.findings) as findings, sum(f.penalty) as penalty, max(f.worst_penalty) as worst_penalty
    from models_present as m
    join applicable as a on true
    join per_model_audit as f on f.model_id = m.model_id and f.audit_id = a.audit_id
    group by m.model_id, a.check_name
),

rows as (
    select m.model_id, m.owner, k.check_name, k.weight,
           case when k.ran_audits = 0 then 'not_applicable'
                when coalesce(c.findings, 0) = 0 or c.worst_penalty = 1 then 'pass'
                else 'fail' end as outcome,
           case when k.ran_audits = 0 then null else cast(greatest(0, 10 - coalesce(c.penalty, 0)) as double) end as score,
           coalesce(c.findings, 0) as findings,
           case c.worst_penalty when 5 then 'error' when 3 then 'warn' when 1 then 'info' end as worst
    from models_present as m
    cross join check_list as k
    left join per_check as c on c.model_id = m.model_id and c.check_name = k.check_name
)

select {columns} from rows
order by model_id, check_name
"""


def _checks_sql(run: AuditRun) -> str:
    ran = sorted(a.id for a in run.audits if a.id not in run.skipped)
    checks = ", ".join(
        f"('{c.name}', {int(c.weight)}, '{a}', {i})" for i, c in enumerate(CHECKS) for a in c.audits
    )
    ran_values = ", ".join(f"('{a}')" for a in ran) or "(null)"
    columns = ", ".join(f"cast({c} as {t}) as {c}" for c, t in schema.types("compliance_checks").items())
    return CHECKS_QUERY.format(checks=checks, ran=ran_values, columns=columns)


def build_score_tables(con: duckdb.DuckDBPyConnection, run: AuditRun) -> None:
    """(Re)create ``compliance_checks``, ``compliance_scores`` (per model) and ``owner_scores``.

    Set work over ``audit_findings`` (which ``build_findings_table`` wrote for ``run``): per model
    and check the findings of the check's audits that ran, their penalties, the worst severity."""
    con.execute(f"create or replace table compliance_checks as {_checks_sql(run)}")
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
