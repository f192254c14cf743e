-- id: dangling_base_model
-- title: Declared base model that cannot be found
-- severity: warn
-- rationale: The card names a base model that does not exist (deleted, renamed without a redirect,
--   misspelt, or never crawled). The lineage stops there, and its license and card cannot be read.
-- reference: https://huggingface.co/docs/hub/model-cards#specifying-a-base-model
-- message: declared base {parent_id} is {why}
-- requires: lineage_edges
with dangling as (
    select distinct
        child_id,
        parent_id,
        replace(coalesce(dangling_reason, 'missing'), '_', ' ') as why
    from lineage_edges
    where dangling
      and source in ('card', 'tag', 'hub_api')
)

select child_id as model_id, parent_id as location, parent_id, why
from dangling
order by model_id, parent_id
