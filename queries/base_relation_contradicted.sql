-- id: base_relation_contradicted
-- title: Declared base relation contradicted by the files
-- severity: warn
-- rationale: The card declares how the model derives from its base (base_model_relation or the Hub's
--   base_model:<relation>: tags) but the files say otherwise (GGUF weights on a "finetune", an
--   adapter_config.json on a "merge"). Tools that trust the declaration load the model wrongly.
-- reference: https://huggingface.co/docs/hub/model-cards#specifying-a-base-model
-- message: declared {declared_relation} of {parent_id}, but the evidence says {observed_relation} ({evidence})
-- requires: lineage_conflicts
with mismatches as (
    -- written by the lineage analyser whenever the declared relation and the evidence disagree
    select model_id, parent_id, declared, observed, detail
    from lineage_conflicts
    where kind = 'relation_mismatch'
)

select
    model_id,
    coalesce(parent_id, '?') as location,
    coalesce(parent_id, 'its base') as parent_id,
    declared as declared_relation,
    observed as observed_relation,
    coalesce(detail, 'files') as evidence
from mismatches
order by model_id, location
