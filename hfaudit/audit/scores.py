"""Compliance scores in the manner of OpenSSF Scorecard: named checks over the findings.

Each check groups audits, has a weight, a motivation and a remediation. Every finding costs points
by severity (error 5, warn 3, info 1), scaled by its check's weight over 10: the *demerits* ``D``. A
score is ``10 / (1 + D / 10)``: 10 with no finding, never below 0, and never flat, so the whole
0–10 range is used and more findings always score lower. Worked example: one silent weight
replacement (an error in a weight-10 check) is D = 5, score 10 / 1.5 = 6.67; add a missing card
(a warning in the weight-4 Documented check, D = 3 × 0.4 = 1.2) and D = 6.2, score 6.17; 164 errors
in weight-10 checks are D = 820, score 0.12, and 236 are D = 1180, score 0.08. A check's own score
is the same formula over its findings. A check whose audits were all skipped (their tables absent)
is *not applicable*. A model that could not be checked (no history crawled: gated, disabled,
failed) has no score (null) and a ``reason``, and is left out of its owner's score, which is the
mean of its checked models'. The aggregate alone says little: the report shows the findings beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from hfaudit.audit import AuditRun
from hfaudit.store import create_table_as, schema

PENALTY = {"error": 5, "warn": 3, "info": 1}
SCALE = 10.0  # demerits at which a score halves (10 → 5)


def score_of(demerits: float) -> float:
    """``10 / (1 + D / SCALE)``, rounded to 2 decimals: 10 for none, towards 0 as D grows."""
    return round(10.0 / (1.0 + demerits / SCALE), 2)


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

not_checked as (
    -- no history was ever stored (gated, disabled, private, or every call failed)
    select model_id from models_present as m
    where not exists (select 1 from commits as c where c.model_id = m.model_id)
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
           case when n.model_id is not null then 'not_checked'
                when k.ran_audits = 0 then 'not_applicable'
                when coalesce(c.findings, 0) = 0 or c.worst_penalty = 1 then 'pass'
                else 'fail' end as outcome,
           case when n.model_id is not null or k.ran_audits = 0 then null
                else coalesce(c.penalty, 0) * k.weight / 10.0 end as demerits,
           case when n.model_id is not null then 0 else coalesce(c.findings, 0) end as findings,
           case when n.model_id is not null then null
                else case c.worst_penalty when 5 then 'error' when 3 then 'warn' when 1 then 'info' end end as worst
    from models_present as m
    cross join check_list as k
    left join not_checked as n on n.model_id = m.model_id
    left join per_check as c on c.model_id = m.model_id and c.check_name = k.check_name
),

scored as (
    select *, case when demerits is null then null else round(10.0 / (1.0 + demerits / {scale}), 2) end as score
    from rows
)

select {columns} from scored
order by model_id, check_name
"""


def _checks_sql(run: AuditRun) -> str:
    """One row per model and check, as set work over ``audit_findings``: outcome (pass, fail,
    not_applicable, not_checked), score ``score_of(demerits)`` (null when not applicable or not
    checked), findings, the worst severity and the demerits (penalties × the check's weight / 10)."""
    ran = sorted(a.id for a in run.audits if a.id not in run.skipped)
    checks = ", ".join(
        f"('{c.name}', {int(c.weight)}, '{a}', {i})" for i, c in enumerate(CHECKS) for a in c.audits
    )
    ran_values = ", ".join(f"('{a}')" for a in ran) or "(null)"
    columns = ", ".join(f"cast({c} as {t}) as {c}" for c, t in schema.types("compliance_checks").items())
    return CHECKS_QUERY.format(checks=checks, ran=ran_values, columns=columns, scale=SCALE)


def build_score_tables(con: duckdb.DuckDBPyConnection, run: AuditRun) -> None:
    """(Re)create ``compliance_checks``, ``compliance_scores`` (per model) and ``owner_scores``: set
    work over ``audit_findings`` (which ``build_findings_table`` wrote for ``run``)."""
    con.execute(f"create or replace table compliance_checks as {_checks_sql(run)}")
    create_table_as(
        con,
        "compliance_scores",
        """
        with reasons as (
            -- why a model could not be checked: its newest open crawl error, else never crawled
            select m.model_id,
                   coalesce((select e.error_type from crawl_errors as e
                             where e.model_id = m.model_id and e.resolved_snapshot is null
                               and e.stage <> 'card'
                             order by e.occurred_at desc limit 1), 'not crawled') as reason
            from models as m
            where m.status = 'present'
              and not exists (select 1 from commits as c where c.model_id = m.model_id)
        ),

        per_model as (
            select
                model_id,
                owner,
                bool_or(outcome = 'not_checked') as not_checked,
                sum(demerits) filter (where outcome in ('pass', 'fail')) as demerits,
                count(*) filter (where outcome = 'fail') as failing_checks,
                sum(findings) as findings
            from compliance_checks
            group by model_id, owner
        )

        select
            p.model_id,
            p.owner,
            case when p.not_checked then null else round(10.0 / (1.0 + coalesce(p.demerits, 0) / ?), 2) end as score,
            p.failing_checks,
            p.findings,
            p.demerits,
            case when p.not_checked then 'not checked: ' || r.reason end as reason
        from per_model as p
        left join reasons as r using (model_id)
        """,
        "model_id",
        [SCALE],
    )
    create_table_as(
        con,
        "owner_scores",
        """
        with per_owner as (
            select
                owner,
                count(score) as models,
                count(*) - count(score) as not_checked,
                round(avg(score), 2) as score,
                min(score) as worst_model_score,
                sum(findings) as findings
            from compliance_scores
            group by owner
        )

        select * from per_owner
        """,
        "owner",
    )
