-- id: over_bump
-- title: Version bumped more than the change requires
-- severity: info
-- bump: none
-- rationale: The declared bump is larger than what changed (a major version for new weights alone).
--   Harmless, but it spends a signal users rely on to spot breaking changes.
-- reference: https://semver.org/#spec-item-8
-- message: {version} (from {previous_version}) declares {declared_bump} where {required_bump} suffices
-- requires: semver_releases
with releases as (
    select *
    from semver_releases
    where over_bump
)

select
    model_id,
    coalesce(commit_id, version) as location,
    version,
    coalesce(previous_version, 'the first upload') as previous_version,
    declared_bump,
    required_bump,
    reasons
from releases
order by model_id, location
