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
import pandas as pd

from hfaudit.audit import AuditRun
from hfaudit.store import create_table_as, replace_table, schema

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


def check_frame(run: AuditRun, models: list[str], not_checked: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per model and check: outcome (pass, fail, not_applicable, not_checked), score 0–10
    (null when not applicable or not checked), findings, and the demerits behind the score."""
    not_checked = not_checked or {}
    ran = {a.id for a in run.audits if a.id not in run.skipped}
    by_model: dict[tuple[str, str], list[str]] = {}
    for f in run.findings:
        by_model.setdefault((f.model_id, f.audit_id), []).append(f.severity)
    rows = []
    for model_id in models:
        owner = model_id.split("/", 1)[0]
        for check in CHECKS:
            if model_id in not_checked:
                rows.append({"model_id": model_id, "owner": owner, "check_name": check.name, "weight": check.weight,
                             "outcome": "not_checked", "score": None, "findings": 0, "worst": None, "demerits": None})
                continue
            applicable = [a for a in check.audits if a in ran]
            if not applicable:
                rows.append({"model_id": model_id, "owner": owner, "check_name": check.name, "weight": check.weight,
                             "outcome": "not_applicable", "score": None, "findings": 0, "worst": None, "demerits": None})
                continue
            severities = [s for a in applicable for s in by_model.get((model_id, a), [])]
            demerits = sum(PENALTY[s] for s in severities) * check.weight / 10
            worst = max(severities, key=lambda s: PENALTY[s]) if severities else None
            rows.append(
                {
                    "model_id": model_id,
                    "owner": owner,
                    "check_name": check.name,
                    "weight": check.weight,
                    "outcome": "pass" if not severities or worst == "info" else "fail",
                    "score": score_of(demerits),
                    "findings": len(severities),
                    "worst": worst,
                    "demerits": demerits,
                }
            )
    return pd.DataFrame(rows, columns=CHECK_COLUMNS)


def build_score_tables(con: duckdb.DuckDBPyConnection, run: AuditRun) -> None:
    """(Re)create ``compliance_checks``, ``compliance_scores`` (per model) and ``owner_scores``."""
    models = [r[0] for r in con.execute("select model_id from models where status = 'present' order by model_id").fetchall()]
    # Not checked: no history was ever stored (gated, disabled, private, or every call failed).
    not_checked = dict(
        con.execute(
            """
            select m.model_id,
                   coalesce((select e.error_type from crawl_errors as e
                             where e.model_id = m.model_id and e.resolved_snapshot is null
                               and e.stage <> 'card'
                             order by e.occurred_at desc limit 1), 'not crawled') as reason
            from models as m
            where m.status = 'present'
              and not exists (select 1 from commits as c where c.model_id = m.model_id)
            """
        ).fetchall()
    )
    frame = check_frame(run, models, not_checked)
    replace_table(con, "compliance_checks", frame, "model_id, check_name")
    reasons = pd.DataFrame(list(not_checked.items()), columns=["model_id", "reason"])
    con.register("not_checked", reasons)
    create_table_as(
        con,
        "compliance_scores",
        """
        with per_model as (
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
        left join not_checked as r using (model_id)
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
    con.unregister("not_checked")
