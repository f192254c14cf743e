-- id: license_differs_from_base
-- title: License differs from the base model's
-- severity: warn
-- rationale: A derived model declares a license other than its base model's. Some base licenses
--   forbid relicensing (llama2, llama3, gemma, cc-by-nc); either way a user must read both.
-- reference: https://huggingface.co/docs/hub/repositories-licenses
-- message: license {license} differs from {base_id}'s {base_license}
-- requires: models
with declared as (
    select
        model_id,
        json_extract_string(card_data, '$.license') as license,
        unnest(card_base_models) as base_id
    from models
    where status = 'present'
      and card_base_models is not null
),

bases as (
    select model_id as base_id, json_extract_string(card_data, '$.license') as base_license
    from models
    where status = 'present'
),

differing as (
    select d.model_id, d.license, d.base_id, b.base_license
    from declared as d
    join bases as b using (base_id)
    where d.license is not null
      and b.base_license is not null
      and d.license <> b.base_license
      and d.license <> 'other'
)

select model_id, base_id as location, license, base_id, base_license
from differing
order by model_id, base_id
