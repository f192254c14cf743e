"""The study's lineage measures beside hfaudit's, from ``lineage_paper``.

The study took ``config.model_type`` as the base model (299 values) and labelled every model without
a quantization, distillation or deduplication keyword as ``finetuned``. ``paper_lineage_measures``
computes both as the study did, and sets hfaudit's evidence-based relation beside the keyword label,
so the share of "fine-tuned" that is only a default shows.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from hfaudit.errors import HfauditError

BASES_SQL = """
with bases as (
    select paper_base, count(*) as models
    from lineage_paper
    group by paper_base
)
select paper_base, models,
       round(100.0 * models / sum(models) over (), 2) as share_pct
from bases
order by models desc, paper_base
"""

VARIANTS_SQL = """
with labelled as (
    select paper_label,
           paper_variant,
           coalesce(relation, 'no parent') as relation,
           coalesce(relation_basis, 'no parent') as relation_basis
    from lineage_paper
)
select paper_variant, paper_label, relation, relation_basis, count(*) as models
from labelled
group by all
order by paper_variant, paper_label, models desc, relation, relation_basis
"""

SUMMARY_SQL = """
with finetuned as (
    select * from lineage_paper where paper_variant = 'finetuned'
)
select
    (select count(distinct paper_base) from lineage_paper) as distinct_model_types,
    (select count(*) from lineage_paper) as models,
    (select count(*) from finetuned) as paper_finetuned,
    (select count(*) from finetuned where paper_label = 'none') as paper_finetuned_by_default,
    (select count(*) from finetuned where relation = 'finetune' and relation_basis in ('declared', 'weights')) as finetune_with_evidence,
    (select count(*) from finetuned where relation is null) as finetuned_without_parent,
    (select count(*) from finetuned where relation is not null and relation <> 'finetune') as finetuned_other_relation
"""


def paper_lineage_measures(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    """``summary``, ``bases`` (models per ``config.model_type``) and ``variants`` (label × relation)."""
    row = con.execute(
        "select count(*) from information_schema.tables where table_name = 'lineage_paper'"
    ).fetchone()
    if not row or not row[0]:
        raise HfauditError("no lineage_paper table in this database: run 'hfaudit analyse' first", code=2)
    return {
        "summary": con.execute(SUMMARY_SQL).df(),
        "bases": con.execute(BASES_SQL).df(),
        "variants": con.execute(VARIANTS_SQL).df(),
    }
