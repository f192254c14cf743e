-- id: under_bump
-- title: Breaking change released as a minor or patch version
-- severity: error
-- bump: major
-- rationale: The release changed what a major version covers (architecture, tokenizer, base model,
--   task or license) but its version only moved the minor or patch number, so version ranges that
--   accept minor updates pick up a breaking change.
-- reference: https://semver.org/#spec-item-8
-- message: {version} (from {previous_version}) declares a {declared_bump} bump but {reasons} require {required_bump}
-- requires: semver_releases
with releases as (
    select *
    from semver_releases
    where under_bump
),

findings as (
    select
        model_id,
        coalesce(commit_id, version) as location,
        release_kind,
        commit_id,
        version,
        coalesce(previous_version, 'the first upload') as previous_version,
        previous_model_id,
        declared_bump,
        required_bump,
        reasons
    from releases
)

select * from findings
order by model_id, location
