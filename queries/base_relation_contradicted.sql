-- id: base_relation_contradicted
-- title: Declared base relation contradicted by the files
-- severity: warn
-- rationale: The card declares how the model derives from its base (base_model_relation or the Hub's
--   base_model:<relation>: tags) but the files say otherwise (GGUF weights on a "finetune", an
--   adapter_config.json on a "merge"). Tools that trust the declaration load the model wrongly.
-- reference: https://huggingface.co/docs/hub/model-cards#specifying-a-base-model
-- message: declared {declared_relation} of {parent_id}, but the {relation_basis} say {observed_relation}
-- requires: model_lineage
with declared as (
    select model_id, parent_id, declared_relation, observed_relation, relation_basis
    from model_lineage
    where declared_relation is not null
      and observed_relation is not null
      -- a relation observed only by default (nothing to read) contradicts nothing
      and relation_basis not in ('default', 'declared')
      and observed_relation <> declared_relation
)

select
    model_id,
    coalesce(parent_id, '?') as location,
    coalesce(parent_id, 'its base') as parent_id,
    declared_relation,
    observed_relation,
    relation_basis
from declared
order by model_id, location
