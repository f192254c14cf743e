-- id: license_changed
-- title: License changed between releases
-- severity: error
-- bump: major
-- rationale: The card's license changed between two releases of the model (or between two versions
--   of a series). Users who accepted the old terms may no longer be allowed to use the new release,
--   so the change needs a major version at least, and a note.
-- reference: DESIGN.md section 5 (a more restrictive license requires a major bump)
-- message: the license changed at {version} (from {previous_version}), declared as {declared_bump}
-- requires: semver_releases
with changed as (
    select *
    from semver_releases
    where list_contains(reasons, 'license')
)

select
    model_id,
    coalesce(commit_id, version) as location,
    version,
    coalesce(previous_version, 'the first upload') as previous_version,
    previous_model_id,
    declared_bump
from changed
order by model_id, location
