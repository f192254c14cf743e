-- id: version_without_predecessor
-- title: Versioned model with no findable predecessor
-- severity: warn
-- rationale: The name says this is a later version (v2, v1.1) but no earlier version of the series
--   can be found under the owner, a declared base, or another owner. Users cannot see what changed.
-- reference: docs/paper.md section 6.2 (43% of major and 35% of minor versions have a predecessor)
-- message: {version_raw} of {series_id} has no earlier version to compare with
-- requires: version_series
with members as (
    select
        series_id,
        model_id,
        version_raw,
        version_scheme,
        predecessor_id,
        cast(string_split(version_key, '.')[1] as integer) as major,
        cast(string_split(version_key, '.')[2] as integer) as minor,
        cast(string_split(version_key, '.')[3] as integer) as patch
    from version_series
    where version_raw is not null
      and version_scheme in ('major', 'minor', 'semver')
),

orphans as (
    select *
    from members
    where predecessor_id is null
      and not (major = 0 or (major = 1 and minor = 0 and patch = 0))
)

select model_id, series_id as location, series_id, version_raw, version_scheme
from orphans
order by model_id
