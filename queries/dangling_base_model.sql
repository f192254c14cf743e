-- id: dangling_base_model
-- title: Declared base model that cannot be found
-- severity: warn
-- rationale: The card names a base model that does not exist (deleted, renamed without a redirect,
--   misspelt, or never crawled). The lineage stops there, and its license and card cannot be read.
-- reference: https://huggingface.co/docs/hub/model-cards#specifying-a-base-model
-- message: declared base {parent_id} is {why}
-- requires: lineage_edges, models
with declared as (
    select distinct child_id, parent_id
    from lineage_edges
    where source in ('card', 'tag', 'hub_api')
),

resolved as (
    select d.child_id, d.parent_id, m.status
    from declared as d
    left join models as m on m.model_id = d.parent_id
),

dangling as (
    select
        child_id,
        parent_id,
        case when status is null then 'not in the crawl' else status end as why
    from resolved
    where status is null or status = 'gone'
)

select child_id as model_id, parent_id as location, parent_id, why
from dangling
order by model_id, parent_id
