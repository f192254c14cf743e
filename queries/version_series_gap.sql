-- id: version_series_gap
-- title: Version series with a gap or a regression
-- severity: warn
-- rationale: A series skips a version (v1 then v3) or publishes a higher version before a lower one.
--   Users cannot tell whether a release is missing, private, or was never made.
-- reference: https://semver.org/#spec-item-7
-- message: {version_raw} in series {series_id} follows {predecessor_id}: {problem}
-- requires: version_series
with flagged as (
    select series_id, model_id, position, version_raw, predecessor_id, gap, regression
    from version_series
    where coalesce(gap, false) or coalesce(regression, false)
)

select
    model_id,
    series_id as location,
    series_id,
    version_raw,
    coalesce(predecessor_id, 'nothing') as predecessor_id,
    case
        when gap and regression then 'a skipped version, published before its predecessor'
        when gap then 'a skipped version'
        else 'published before its predecessor'
    end as problem
from flagged
order by series_id, position, model_id
