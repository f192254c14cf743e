-- id: history_rewritten
-- title: History rewritten between snapshots
-- severity: warn
-- bump: major
-- rationale: Commits stored by an earlier crawl are no longer reachable from the branch head (a force
--   push or a squash). Anyone pinned to one of those revisions loses it without notice.
-- reference: https://git-scm.com/docs/git-push#Documentation/git-push.txt---force
-- message: {lost_commits} commit(s) seen in snapshot {first_seen} are unreachable since snapshot {unreachable_since}
-- requires: commits
with lost as (
    select model_id, commit_id, first_snapshot, unreachable_since
    from commits
    where unreachable_since is not null
),

per_model as (
    select
        model_id,
        unreachable_since,
        count(*) as lost_commits,
        min(first_snapshot) as first_seen
    from lost
    group by model_id, unreachable_since
)

select model_id, 'snapshot ' || unreachable_since as location, lost_commits, first_seen, unreachable_since
from per_model
order by model_id, unreachable_since
