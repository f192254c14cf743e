-- id: card_missing_or_template
-- title: No model card, an empty card, or an unfilled template
-- severity: warn
-- rationale: Without a card nobody can tell what the model is for, how it was trained or what
--   changed; the auto-generated template ("[More Information Needed]") says no more than no card.
-- reference: https://huggingface.co/docs/hub/model-cards
-- message: the card is {card_state}
-- requires: transparency
with latest as (
    select *
    from transparency
    qualify row_number() over (partition by model_id order by snapshot_id desc) = 1
),

flagged as (
    select
        model_id,
        case
            when not coalesce(card_present, false) or card_state = 'none' then 'missing'
            when card_state = 'empty' then 'empty'
            else 'an unfilled template'
        end as card_state
    from latest
    where not coalesce(card_present, false) or card_state in ('none', 'empty', 'template')
)

select model_id, 'README.md' as location, card_state
from flagged
order by model_id
