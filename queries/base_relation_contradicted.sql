-- id: base_relation_contradicted
-- title: Declared base relation contradicted by the files
-- severity: warn
-- rationale: The card declares how the model derives from its base (base_model_relation or the Hub's
--   base_model:<relation>: tags) but the files say otherwise (GGUF weights on a "finetune", an
--   adapter_config.json on a "merge"). Tools that trust the declaration load the model wrongly.
-- reference: https://huggingface.co/docs/hub/model-cards#specifying-a-base-model
-- message: declared {declared_relation} of {parent_id}, but the evidence says {relation}
-- requires: lineage_edges
with declared as (
    select child_id, parent_id, relation, declared_relation, source, confidence
    from lineage_edges
    where declared_relation is not null
      and relation is not null
      and relation <> declared_relation
)

select distinct
    child_id as model_id,
    parent_id as location,
    parent_id,
    declared_relation,
    relation
from declared
order by model_id, parent_id
