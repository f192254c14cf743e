-- id: naming_scheme_inconsistent
-- title: One owner writes versions in different forms
-- severity: info
-- rationale: The owner's version series mix forms (v2 in one, a bare 1.0.2 or a date in another), so
--   a user cannot compare versions across the owner's models or learn one rule for them.
-- reference: docs/paper.md section 4.2
-- message: series {series_id} writes versions as {form} while {owner} also uses {other_forms}
-- requires: version_series
with versioned as (
    select
        split_part(model_id, '/', 1) as owner,
        series_id,
        model_id,
        case
            when version_scheme = 'date' then 'dates'
            when lower(version_raw) like 'v%' then 'v-prefixed numbers'
            else 'bare numbers'
        end as form
    from version_series
    where version_raw is not null
),

series_forms as (
    select owner, series_id, min(model_id) as model_id, min(form) as form
    from versioned
    group by owner, series_id
),

owners as (
    select owner
    from series_forms
    group by owner
    having count(distinct form) > 1
),

findings as (
    select
        s.model_id,
        s.series_id,
        s.owner,
        s.form,
        (
            select array_to_string(list(distinct o.form order by o.form), ', ')
            from series_forms as o
            where o.owner = s.owner and o.form <> s.form
        ) as other_forms
    from series_forms as s
    join owners using (owner)
)

select model_id, series_id as location, series_id, owner, form, other_forms
from findings
order by owner, series_id
