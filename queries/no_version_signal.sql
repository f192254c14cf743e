-- id: no_version_signal
-- title: Several releases and no version signal at all
-- severity: warn
-- bump: minor
-- rationale: The repository's weights changed after the first upload, yet nothing marks a version:
--   no version in the name, no git tag, no card version, no changelog. Users can only pin commits.
-- reference: DESIGN.md section 5
-- message: {weight_releases} weight releases and no version in the name, tags or card
-- requires: semver_changes, semver_releases, naming
with weight_commits as (
    select model_id, count(*) as later_changes
    from semver_changes
    where list_contains(reasons, 'weights') or list_contains(reasons, 'format')
    group by model_id
),

declared as (
    select distinct model_id
    from semver_releases
    where release_kind in ('tag', 'card')
),

unversioned as (
    select w.model_id, w.later_changes + 1 as weight_releases
    from weight_commits as w
    join naming as n using (model_id)
    left join declared as d using (model_id)
    where d.model_id is null
      and n.version_raw is null
)

select model_id, model_id as location, weight_releases
from unversioned
order by model_id
