-- id: no_training_data
-- title: No declared training data
-- severity: info
-- rationale: The card's metadata names no dataset. Users cannot check licensing, contamination or
--   fitness for their domain; datasets named only in prose are not machine-readable.
-- reference: docs/paper.md section 5.3 (24% of models specify training data)
-- message: no dataset in the card metadata{in_text}
-- requires: transparency
with latest as (
    select *
    from transparency
    qualify row_number() over (partition by model_id order by snapshot_id desc) = 1
)

select
    model_id,
    'README.md' as location,
    case when datasets_mentioned then ' (only named in the text)' else '' end as in_text
from latest
where card_present
  and card_state not in ('none', 'empty', 'template')
  and not coalesce(datasets_declared, false)
order by model_id
