-- id: weights_replaced_silently
-- title: Weights replaced with no version signal
-- severity: error
-- bump: minor
-- rationale: A weight file was replaced under the same name with no tag, name version, changelog,
--   card version or descriptive commit message. Anyone pinned to the name now runs different weights
--   without being told; the change needs at least a minor release.
-- reference: https://semver.org/#spec-item-7
-- message: {path} was replaced in {commit_short} ({committed_at}) with no version signal
-- requires: weight_changes
with replaced as (
    select model_id, commit_id, committed_at, path, old_sha256, new_sha256
    from weight_changes
    where change_kind = 'replaced'
      and not coalesce(documented, false)
),

findings as (
    select
        model_id,
        commit_id || ':' || path as location,
        commit_id,
        left(commit_id, 8) as commit_short,
        strftime(committed_at, '%Y-%m-%d') as committed_at,
        path,
        old_sha256,
        new_sha256
    from replaced
)

select * from findings
order by model_id, committed_at, commit_id, path
