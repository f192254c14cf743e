"""Build ``weight_changes`` in DuckDB: weight events and their signals as one query, one CTE per step.

Reads the crawl tables (commits, file_changes, card_versions, refs, models) and, when the naming
analyser ran first, ``naming`` and ``version_series``, staged once into temporary tables keyed by
integers (``STAGE_QUERIES``: ``mk`` per model, ``ck`` per reachable commit). The rules are those of
:mod:`.events` and :mod:`.signals` (their docstrings say them); here each is a step of one query over
the staged tables, run once per range of models sized to ``memory_limit``
(``hfaudit.analyse.batches.weighted_ranges`` on ``mk``) and inserted in model-id order:

- ``weight_rows``, ``path_history``: the weight ``file_changes`` of reachable commits with their
  shard parts, and whether the path was present or added in an earlier commit (window functions over
  the model's rows by position);
- ``commit_rows``, ``first_release``: the first release, a prefix of the model's weight commits (the
  first one, then those that only add new weight files within ``INITIAL_UPLOAD_MINUTES``);
- ``rows_in_release``, ``shard_completions``, ``weight_commits``: the sharded sets the first release
  began, completed by later shards until a weight commit does anything else;
- ``classified``, ``candidates``, ``tree``, ``sources``, ``conversions``, ``events``: each row's kind;
  a rewritten pointer with the same sha256 is dropped; an added ``.safetensors`` file is
  ``converted`` from the closest weight file present before its commit;
- ``anchors``, ``tagged``: the weight-change commits, and the tags from each to the next;
- ``readme_read`` … ``near``: each README change (staged with its front-matter version fields)
  read against the one before it (changelog lines, once per distinct pair of texts, carried as
  ``hash`` keys until then), attributed to the closest weight-change commit (window functions over one sequence of
  notes and commits: back first, then ahead);
- ``signalled`` and the final select: the signals of each event, in ``SIGNALS`` order, and
  ``documented``.

Python runs only where SQL cannot say it, once per distinct value, as vectorised (Arrow) DuckDB
functions (:func:`registered_functions`): card front matter the crawler did not parse (a YAML parse)
and its version fields, card-body diffs (``reads_as_changelog``), commit-text tests
(``descriptive_message``), stems of conversion candidates, and the study's extension of a path. The
commit-text tests and the path's extension run once per distinct value of the store, while staging
(``_wc_texts``, ``_wc_paths``), and each staged row carries its value's key (``KEY_HASH``).
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Callable, Iterator
from typing import Any

import duckdb
import pyarrow as pa
from duckdb.func import FunctionNullHandling, PythonUDFType

from hfaudit.analyse.batches import (
    in_range,
    memory_limit_bytes,
    params,
    sql_functions,
    temp_tables,
    weighted_ranges,
)
from hfaudit.analyse.releases.events import (
    CONVERT_BOT,
    CONVERT_SIZE_TOLERANCE,
    INITIAL_UPLOAD_MINUTES,
    stem,
)
from hfaudit.analyse.releases.paper import extension, paper_category
from hfaudit.analyse.releases.signals import (
    VERSION_FIELDS,
    Window,
    _field,
    descriptive_message,
    reads_as_changelog,
)
from hfaudit.analyse.semver.tables import reason_rows
from hfaudit.cards import card_body, parse_card
from hfaudit.store import schema, table_names

# Memory per weight row of a range: a range of 564k weight rows (100k models of the 1M-model bench
# store) ran in 2 GB with 0.15 GB spilled, one of 3.1M rows spilled 20 GB (string-keyed; on the
# integer keys 725k rows spill about 0.1-0.5 GB in 3 GB). Fewer, larger ranges did not pay: at 1M,
# 8 ranges (2,500 bytes a row) took 107 s against 92 s for 13.
RANGE_ROW_BYTES = 4000

# RE2 forms of the Python patterns in :mod:`.events` (the same text; RE2 has no lookbehind, these need none).
_SHARD_RE = r"^(.+)-(\d{3,6})-of-(\d{3,6})(\.[^/]+)$"
_CONVERT_TITLE_RE = r"(?i)safetensors.{0,3}variant|convert(ed|ing)? (to|into) safetensors"

EVENTS_QUERY = f"""
with
weight_rows as (
    -- every weight file_changes row of a reachable commit (the staged rows are those), with its
    -- shard parts and stem; the two sha256 texts (most of a row's width) stay in the staged table,
    -- fetched by the row's ``rowid`` (``wr``) for the output only
    select fc.mk, fc.ck, fc.rowid as wr, fc.position, fc.committed_at, fc.path, fc.change_kind,
           fc.old_size, fc.new_size,
           coalesce(shard.i <> '', false) as is_shard, shard.stem as shard_stem, shard.n as shard_n,
           shard.ext as shard_ext,
           fc.change_kind = 'modified' and fc.old_sha256 is not null and fc.new_sha256 is not null
               and fc.old_sha256 = fc.new_sha256 as same_content
    from _wc_weights as fc,
    -- (the regex only on paths that can match it: it is the costliest expression of the query)
    lateral (
        select case when fc.path like '%-of-%' then regexp_extract(fc.path, '{_SHARD_RE}', ['stem', 'i', 'n', 'ext']) end
            as shard
    )
    where fc.category = 'weights' and {in_range('fc.mk')}
),
path_history as (
    -- whether the path was present (a row other than a deletion) or added in an earlier commit: a
    -- path has one row a commit, so that is whether its first such row is at an earlier position
    -- (an aggregate per path joined back: cheaper than a running count over the path's rows)
    select r.*,
           coalesce(p.first_present < r.position, false) as seen_before,
           coalesce(p.first_added < r.position, false) as added_before
    from weight_rows as r
    join (
        select mk, path,
               min(position) filter (where change_kind <> 'deleted') as first_present,
               min(position) filter (where change_kind = 'added') as first_added
        from weight_rows
        group by mk, path
    ) as p using (mk, path)
),
commit_rows as (
    select mk, ck, position, any_value(committed_at) as committed_at,
           bool_and(change_kind = 'added' and not seen_before) as only_new_files
    from path_history
    group by mk, ck, position
),
first_release as (
    -- the first release: the first weight commit, and the ones after it that only add new weight
    -- files within INITIAL_UPLOAD_MINUTES of it, while no other weight commit came between
    select *,
           coalesce(sum(case when n > 1 and not coalesce(fits, false) then 1 else 0 end)
                    over (partition by mk order by position rows between unbounded preceding and current row), 0) = 0
               as in_first
    from (
        select *,
               row_number() over w as n,
               only_new_files
                   and abs(epoch_us(committed_at) - epoch_us(first_value(committed_at) over w)) / 1e6 / 60
                       <= {INITIAL_UPLOAD_MINUTES} as fits
        from commit_rows
        window w as (partition by mk order by position)
    )
),
rows_in_release as (
    select r.*, f.in_first,
           -- a sharded set (stem, count, extension) that the first release began
           r.is_shard and coalesce(o.opened, false) as open_set
    from path_history as r
    join first_release as f using (ck)
    left join (
        select r.mk, r.shard_stem, r.shard_n, r.shard_ext, true as opened
        from path_history as r
        join first_release as f using (ck)
        where f.in_first and r.change_kind = 'added' and r.is_shard
        group by all
    ) as o
      on r.is_shard and o.mk = r.mk and o.shard_stem = r.shard_stem and o.shard_n = r.shard_n
         and o.shard_ext = r.shard_ext
),
shard_completions as (
    -- after the first release, an added shard of a set it began completes it (``initial``) until
    -- a weight commit does anything else
    select *,
           not in_first and change_kind not in ('deleted', 'modified') and open_set and not added_before
               as completes
    from rows_in_release
),
weight_commits as (
    select ck, position, in_first,
           coalesce(sum(case when not in_first and not commit_ok then 1 else 0 end) over (
               partition by mk order by position rows between unbounded preceding and 1 preceding
           ), 0) = 0 as shards_open
    from (
        select mk, ck, position, any_value(in_first) as in_first,
               bool_and(completes or same_content) as commit_ok
        from shard_completions
        group by mk, ck, position
    )
),
classified as (
    select r.mk, r.ck, r.wr, r.position, r.committed_at, r.path,
           r.old_size, r.new_size,
           case
               when r.change_kind = 'deleted' then 'deleted'
               when r.change_kind = 'modified' then 'replaced'
               when r.in_first then 'initial'
               when w.shards_open and r.completes then 'initial'
               else 'candidate'
           end as kind0
    from shard_completions as r
    join weight_commits as w using (ck)
    where not r.same_content
),
candidates as (
    -- added .safetensors files that may convert an existing weight file, with whether the Hub's
    -- conversion bot made the commit
    select a.mk, a.ck, a.position, a.path, a.new_size,
           list_contains(list_transform(coalesce(c.authors, []), lambda x: lower(x)), '{CONVERT_BOT.lower()}')
               or regexp_matches(coalesce(c.title, ''), '{_CONVERT_TITLE_RE}') as by_bot
    from classified as a
    join _wc_commits as c using (ck)
    where a.kind0 = 'candidate' and a.path like '%.safetensors' and {in_range('c.mk')}
),
tree as (
    -- the weight files present before each added .safetensors file that may be a conversion:
    -- each other path's last row in an earlier commit, when that row did not delete it
    select a.ck, a.path, p.path as source, arg_max(p.new_size, p.position) as size,
           arg_max(p.change_kind, p.position) as last_kind
    from candidates as a
    join weight_rows as p on p.mk = a.mk and p.position < a.position
    where p.path not like '%.safetensors'
    group by a.ck, a.path, p.path
),
sources as (
    select t.ck, t.path, t.source,
           case when coalesce(t.size, 0) <> 0 and coalesce(a.new_size, 0) <> 0 then abs(t.size - a.new_size)::double / t.size else 1.0 end as gap,
           not (t.source like '%.bin' or t.source like '%.pt' or t.source like '%.pth' or t.source like '%.ckpt')
               as not_pickle,
           hfaudit_stem(t.source) = hfaudit_stem(a.path) as same_stem
    from tree as t
    join candidates as a using (ck, path)
    where t.last_kind <> 'deleted'
),
conversions as (
    select a.ck, a.path, any_value(a.by_bot) as by_bot,
           arg_min(s.source, (s.gap, s.not_pickle, s.source)) filter (where s.same_stem) as stem_source,
           min(s.gap) filter (where s.same_stem) as stem_gap,
           arg_min(s.source, (s.gap, s.not_pickle, s.source)) as any_source
    from candidates as a
    left join sources as s using (ck, path)
    group by a.ck, a.path
),
events as (
    select s.mk, s.ck, s.wr, s.committed_at, s.position, s.path,
           s.old_size, s.new_size,
           case
               when s.kind0 <> 'candidate' or v.path is null then null
               when v.stem_source is not null and (v.by_bot or v.stem_gap <= {CONVERT_SIZE_TOLERANCE}) then v.stem_source
               when v.by_bot then coalesce(v.any_source, '')
           end as source,
           case
               when s.kind0 <> 'candidate' then s.kind0
               when source is not null then 'converted'
               else 'added'
           end as change_kind
    from classified as s
    left join conversions as v using (ck, path)
),
anchors as (
    -- the commits of weight events, each with the next one's position
    select mk, position, committed_at, lead(position) over (partition by mk order by position) as next_position
    from (select distinct mk, position, committed_at from events)
),
tagged as (
    select a.mk, a.position
    from anchors as a
    join (select * from _wc_tags where {in_range('mk')}) as t
      on t.mk = a.mk and t.position >= a.position and (a.next_position is null or t.position < a.next_position)
    group by a.mk, a.position
),
readme_read as (
    -- the README changes (staged with their front-matter fields), each with the one before it
    select r.*,
           sum(case when r.deleted then 1 else 0 end) over (
               partition by r.mk order by r.position rows between unbounded preceding and current row
           ) as since_delete,
           lag(r.text_key) over (partition by r.mk order by r.position) as prev_key,
           lag(case when r.deleted then null else r.ck end) over (partition by r.mk order by r.position)
               as prev_ck
    from _wc_readme as r
    where {in_range('r.mk')}
),
readme_notes as (
    select *,
           last_value(case when front_is_dict then struct_pack(version := version, new_version := new_version) end ignore nulls) over (
               partition by mk, since_delete order by position rows between unbounded preceding and 1 preceding
           ) as prev_front
    from readme_read
    where not deleted
),
marks as (
    -- notes and weight-change commits in one sequence per model (a commit before a note at the same
    -- position): each note's closest commit at or before it, and after it
    select *,
           last_value(case when is_anchor then position end ignore nulls) over back as before_position,
           last_value(case when is_anchor then committed_at end ignore nulls) over back as before_at,
           first_value(case when is_anchor then position end ignore nulls) over ahead as after_position,
           first_value(case when is_anchor then committed_at end ignore nulls) over ahead as after_at
    from (
        select mk, position, committed_at, true as is_anchor from anchors
        union all by name
        select *, false as is_anchor from readme_notes
    )
    window back as (partition by mk order by position, not is_anchor rows between unbounded preceding and current row),
           ahead as (partition by mk order by position, not is_anchor rows between current row and unbounded following)
),
attributed as (
    -- each README change to the closest weight-change commit at or before it within the window,
    -- else to the next one within the window
    select *,
           case
               when before_position is not null and position - before_position <= $commits
                    and coalesce(abs(epoch_us(committed_at) - epoch_us(before_at)) / 1e6 / 86400, 0) <= $days
                   then before_position
               when after_position is not null and after_position - position <= $commits
                    and coalesce(abs(epoch_us(after_at) - epoch_us(committed_at)) / 1e6 / 86400, 0) <= $days
                   then after_position
           end as anchor
    from marks
    where not is_anchor
),
pairs as (
    -- one (card before, card after) pair of commits for each distinct pair of texts, with their ids
    select p.prev_key, p.text_key, a.model_id, a.commit_id, b.commit_id as prev_commit_id
    from (
        select prev_key, text_key, arg_min(struct_pack(c := ck, p := prev_ck), ck) as one
        from attributed
        where anchor is not null
        group by prev_key, text_key
    ) as p
    join (select * from _wc_commits where {in_range('mk')}) as a on a.ck = p.one.c
    left join (select * from _wc_commits where {in_range('mk')}) as b on b.ck = p.one.p
),
pair_rows as materialized (
    -- the ``card_versions`` rows of those cards: their keys read within the range's model ids
    -- ($lo_id, $hi_id: the range's bounds on ``mk`` as model ids), then their texts by row id in the
    -- same query (a row id is not kept beyond it: it is not stable across a checkpoint)
    select cv.rowid as cr, cv.model_id, cv.commit_id
    from card_versions as cv
    semi join (
        select model_id, commit_id from pairs
        union
        select model_id, prev_commit_id from pairs where prev_commit_id is not null
    ) as w using (model_id, commit_id)
    where {in_range('cv.model_id', 'lo_id', 'hi_id')}
),
pair_texts as materialized (
    select r.model_id, r.commit_id, cv.content
    from card_versions as cv
    join pair_rows as r on cv.rowid = r.cr
),
changelogs as materialized (
    -- once per distinct (card before, card after)
    select p.prev_key, p.text_key, hfaudit_reads_as_changelog(b.content, a.content) as changelog
    from pairs as p
    join pair_texts as a on a.model_id = p.model_id and a.commit_id = p.commit_id
    left join pair_texts as b on b.model_id = p.model_id and b.commit_id = p.prev_commit_id
),
near as (
    select a.mk, a.anchor as position,
           bool_or(c.changelog) as changelog,
           bool_or(a.version is not null and a.version is distinct from a.prev_front.version) as version_changed,
           bool_or(a.new_version is not null and a.new_version is distinct from a.prev_front.new_version
                   and a.position = a.anchor) as new_version_changed
    from attributed as a
    join changelogs as c on c.prev_key is not distinct from a.prev_key and c.text_key = a.text_key
    where a.anchor is not null
    group by a.mk, a.anchor
),
texts as (
    -- the ids, title and text key (``_wc_texts``) of each weight-event commit
    select e.*, c.model_id, c.commit_id, c.title, c.text_key
    from events as e
    join _wc_commits as c using (ck)
    where {in_range('c.mk')}
),
successor_hits as (
    -- the commits (model, time) of weight events with a successor repository created within the
    -- window after them: a join of the distinct commit times of models with a successor, instead of
    -- a correlated ``exists`` per event row (decorrelated, it joined every row: a fifth of a range's time)
    select distinct e.mk, e.committed_at
    from (select distinct mk, committed_at from events) as e
    join (select * from _wc_successors where {in_range('mk')}) as s
      on s.mk = e.mk and s.created_at >= e.committed_at
         and (epoch_us(s.created_at) - epoch_us(e.committed_at)) / 1e6 / 86400 <= $days
),
signalled as (
    select e.*,
           t.position is not null as tag,
           coalesce(v.version_raw, '') <> '' and e.change_kind = 'initial' as name_version,
           coalesce(v.version_raw, '') <> '' and e.change_kind <> 'initial' and h.mk is not null
               as successor_repo,
           coalesce(n.changelog, false) as readme_changelog,
           n.position is not null and not coalesce(n.changelog, false) as readme_edit,
           coalesce(n.version_changed, false) as card_version,
           coalesce(n.new_version_changed, false) as card_new_version,
           m.descriptive as commit_message
    from texts as e
    left join tagged as t using (mk, position)
    left join (select * from _wc_versions where {in_range('mk')}) as v using (mk)
    left join near as n using (mk, position)
    left join successor_hits as h on h.mk = e.mk and h.committed_at = e.committed_at
    join _wc_texts as m using (text_key)
)
select s.mk, s.model_id, s.commit_id, s.committed_at, s.position, s.path, s.change_kind, w.old_sha256, w.new_sha256,
       s.old_size, s.new_size,
       tag or name_version or readme_changelog or commit_message or card_version or card_new_version as documented,
       list_filter([
           case when tag then 'tag' end,
           case when name_version then 'name_version' end,
           case when readme_changelog then 'readme_changelog' end,
           case when commit_message then 'commit_message' end,
           case when card_version then 'card_version' end,
           case when card_new_version then 'card_new_version' end,
           case when readme_edit then 'readme_edit' end,
           case when successor_repo then 'successor_repo' end
       ], lambda x: x is not null) as signals,
       nullif(s.source, '') as from_path, s.title, p.extension, p.paper_category
from signalled as s
join (select rowid as wr, old_sha256, new_sha256, path_key from _wc_weights where {in_range('mk')}) as w using (wr)
join _wc_paths as p using (path_key)
"""

# The crawl rows the query reads, staged once per run into temporary tables keyed by integers:
# ``mk`` numbers the models in ``model_id`` order and ``ck`` (the commit row's ``rowid``) the reachable
# commits, so the query's joins, windows and groups are on integers instead of (model id, commit id)
# strings, and a range is a filter on ``mk``. Only reachable commits are staged (an unreachable one is
# in no release), with their weight rows and README changes. The large tables are sorted by ``mk``, so
# a range reads its own row groups: unsorted, they spill beyond ``memory_limit`` and every range
# rereads them (1M models, ``--memory 3GB``: 3.1 GB spilled a range, twice the time of a range).
# The ``file_changes`` rows staged in ``_wc_weights``: the weight files, and the files that the
# semver step's reasons read (``hfaudit.analyse.semver.tables``, ``_sv_changes``).
CHANGE_ROWS = reason_rows("fc")
# The staged tables a later step of the same run reads (the semver step: its commits and changes
# from these, joined on integers, instead of joining ``file_changes`` to ``commits`` by their ids a
# second time; at 1M models that join took 8-11 s, docs/scale.md). In a run's stage database they
# are kept to the run's end; as temporary tables (no stage database) they go with the step.
SHARED = ("_wc_commits", "_wc_weights")
STAGE_QUERIES: list[tuple[str, str]] = [
    (
        "_wc_models",
        """
        select model_id, (row_number() over (order by model_id))::integer as mk
        from (select distinct model_id from commits where unreachable_since is null)
        """,
    ),
    (
        # the commit's text (title, message) as a key (``KEY_HASH``), and its title ('' for none)
        "_wc_commits",
        """
        select k.mk, c.rowid as ck, c.model_id, c.commit_id, c.position, c.committed_at, coalesce(c.title, '') as title,
               {message_key} as text_key, c.authors
        from commits as c
        join _wc_models as k using (model_id){message_join}
        where c.unreachable_since is null
        order by k.mk
        """,
    ),
    (
        # the weight rows, and (for the semver step, which reads this table when it is kept:
        # ``SHARED``) the other rows a bump reason depends on; the query reads the weight rows
        "_wc_weights",
        f"""
        select c.mk, c.ck, c.position, c.committed_at, fc.path, fc.change_kind, fc.category,
               fc.old_sha256, fc.new_sha256, fc.old_size, fc.new_size, {{path_key}} as path_key
        from file_changes as fc
        join _wc_commits as c using (model_id, commit_id){{path_join}}
        where {CHANGE_ROWS}
        order by c.mk
        """,
    ),
    (
        # README changes: deletions, and versions whose text was stored (carried as a hash), with
        # their front matter's version fields, read once per distinct front matter (or card text,
        # when the crawler did not parse it)
        "_wc_readme",
        """
        with rows as (
            select c.mk, c.ck, c.position, c.committed_at, fc.change_kind = 'deleted' as deleted,
                   case when fc.change_kind <> 'deleted' then hash(cv.content) end as text_key,
                   case when fc.change_kind <> 'deleted' then cv.front_matter end as front_matter,
                   case when fc.change_kind <> 'deleted' and cv.front_matter is null then cv.content end as raw
            from file_changes as fc
            join _wc_commits as c using (model_id, commit_id)
            left join card_versions as cv using (model_id, commit_id)
            where fc.path = 'README.md' and (fc.change_kind = 'deleted' or cv.content is not null)
        ),
        fronts as materialized (
            select front_matter, raw, hfaudit_front_fields(front_matter, raw) as f
            from (select distinct front_matter, raw from rows where not deleted)
        )
        select r.mk, r.ck, r.position, r.committed_at, r.deleted, r.text_key,
               f.f.is_dict as front_is_dict, f.f.version as version, f.f.new_version as new_version
        from rows as r
        left join fronts as f
          on f.front_matter is not distinct from r.front_matter and f.raw is not distinct from r.raw
        order by r.mk
        """,
    ),
    (
        # the tags of each model's latest snapshot, at the position of the commit they name
        "_wc_tags",
        """
        with latest as (select model_id, max(snapshot_id) as snapshot_id from refs group by model_id)
        select c.mk, c.position
        from refs as r
        join latest as l using (model_id, snapshot_id)
        join _wc_commits as c on c.model_id = r.model_id and c.commit_id = r.target_commit
        where r.ref_type = 'tag'
        """,
    ),
]
SUCCESSORS_QUERY = """
select k.mk, m.created_at
from version_series as s
join models as m using (model_id)
join _wc_models as k on k.model_id = s.predecessor_id
where s.predecessor_id is not null
"""
VERSIONS_QUERY = """
select k.mk, n.version_raw from naming as n join _wc_models as k using (model_id) where n.version_raw is not null
"""
NO_SUCCESSORS = "select null::integer as mk, null::timestamptz as created_at where false"
NO_VERSIONS = "select null::integer as mk, null::varchar as version_raw where false"
# Weight rows per model (by ``mk``), which size the ranges.
WEIGHT_ROWS = "select mk, count(*) as n from _wc_weights where category = 'weights' group by mk"


# ------------------------------------------------------------- Python, once per distinct text


@functools.lru_cache(maxsize=4096)
def _card_data(content: str) -> dict[str, Any] | None:
    """The card's parsed front matter (once per distinct card text: a YAML parse is slow)."""
    return parse_card(content).data


def _body(content: str | None) -> str | None:
    return None if content is None else card_body(content)


def front_fields(front_json: str | None, content: str | None) -> dict[str, Any]:
    """Whether a README's front matter is a mapping, and its version fields (``_field``'s strings)."""
    front: Any = None
    if front_json is not None:
        front = json.loads(front_json)
    elif content is not None:
        front = _card_data(content)
    if not isinstance(front, dict):
        return {"is_dict": False, "version": None, "new_version": None}
    return {"is_dict": True, "version": _field(front, VERSION_FIELDS), "new_version": _field(front, ("new_version",))}


def changelog(prev_content: str | None, content: str) -> bool:
    """``reads_as_changelog`` of two README texts, on their bodies."""
    return reads_as_changelog(_body(prev_content), _body(content) or "")


_FRONT_TYPE = "struct(is_dict boolean, version varchar, new_version varchar)"


def _vectorised(func: Callable[..., Any], arity: int, result: pa.DataType) -> Callable[..., pa.Array]:
    """``func`` over Arrow columns, value by value (DuckDB reads a function's arity from its signature)."""

    def values(*columns: pa.Array) -> pa.Array:
        return pa.array([func(*v) for v in zip(*(c.to_pylist() for c in columns), strict=True)], type=result)

    if arity == 1:
        return lambda a: values(a)
    return lambda a, b: values(a, b)


FUNCTIONS: dict[str, tuple[Callable[..., Any], list[str], str, pa.DataType]] = {
    "hfaudit_front_fields": (
        front_fields, ["varchar", "varchar"], _FRONT_TYPE,
        pa.struct([("is_dict", pa.bool_()), ("version", pa.string()), ("new_version", pa.string())]),
    ),
    "hfaudit_reads_as_changelog": (changelog, ["varchar", "varchar"], "boolean", pa.bool_()),
    "hfaudit_descriptive_message": (descriptive_message, ["varchar", "varchar"], "boolean", pa.bool_()),
    "hfaudit_extension": (extension, ["varchar"], "varchar", pa.string()),
    "hfaudit_paper_category": (paper_category, ["varchar"], "varchar", pa.string()),
    "hfaudit_stem": (functools.lru_cache(maxsize=65536)(stem), ["varchar"], "varchar", pa.string()),
}


def registered_functions(con: duckdb.DuckDBPyConnection) -> contextlib.AbstractContextManager[None]:
    """The Python pieces of the query, as vectorised (Arrow) DuckDB functions, for one query's time."""
    options = {"type": PythonUDFType.ARROW, "null_handling": FunctionNullHandling.SPECIAL, "side_effects": False}
    return sql_functions(con, {
        name: (_vectorised(func, len(args), arrow_type), [duckdb.sqltype(a) for a in args], duckdb.sqltype(result), options)
        for name, (func, args, result, arrow_type) in FUNCTIONS.items()
    })  # fmt: skip


def events_query(window: Window) -> str:
    """The query of ``weight_changes``'s rows for ``window``, over the staged tables (:func:`_staged`)."""
    return EVENTS_QUERY.replace("$commits", str(int(window.commits))).replace("$days", repr(float(window.days)))


# What Python reads once per distinct value of the store (the commit texts' ``descriptive_message``,
# the weight paths' study extension and category), staged as small tables beside a key: each staged
# commit and weight row carries its value's key, so a range joins on a 64-bit integer against a few
# thousand rows instead of finding its distinct texts and joining them back by the strings (a third
# of a range's time; docs/scale.md). The key is DuckDB's ``hash`` of the value when no two distinct
# values share one (checked each run: then the key names exactly one value), else the value's number
# among the distinct values, found by a join of every row (slower, never wrong).
KEY_HASH = "hash({})"


def _values_queries() -> dict[str, str]:
    """The distinct commit texts and weight paths, each with both keys and what Python reads of it."""
    return {
        "_wc_text_values": f"""
            select title, message, {KEY_HASH.format("title, message")} as hashed, row_number() over ()::ubigint as numbered,
                   hfaudit_descriptive_message(title, message) as descriptive
            from (select distinct coalesce(title, '') as title, coalesce(message, '') as message
                  from commits where unreachable_since is null)
        """,
        "_wc_path_values": f"""
            select path, {KEY_HASH.format("path")} as hashed, row_number() over ()::ubigint as numbered,
                   hfaudit_extension(path) as extension, hfaudit_paper_category(path) as paper_category
            from (select distinct path from file_changes where category = 'weights')
        """,
    }


def _value_keys(con: duckdb.DuckDBPyConnection, values: str) -> str:
    """``hashed`` when no two of the distinct values staged in ``values`` share a hash, else ``numbered``."""
    row = con.execute(f"select count(distinct hashed) = count(*) from {values}").fetchone()
    return "hashed" if row is None or row[0] else "numbered"


@contextlib.contextmanager
def _staged(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """The crawl rows the query reads (``STAGE_QUERIES``), the Python readings of their distinct texts
    and paths (``_wc_texts``, ``_wc_paths``, by key), and the naming analyser's versions and
    successors when it ran, as temporary tables for the step's time."""
    present = set(table_names(con))
    with temp_tables(con) as temps:
        for name, select in _values_queries().items():
            temps.create(name, select)
        text_by, path_by = _value_keys(con, "_wc_text_values"), _value_keys(con, "_wc_path_values")
        temps.create("_wc_texts", f"select {text_by} as text_key, descriptive from _wc_text_values")
        temps.create("_wc_paths", f"select {path_by} as path_key, extension, paper_category from _wc_path_values")
        keys = {
            "message_key": KEY_HASH.format("coalesce(c.title, ''), coalesce(c.message, '')"),
            "message_join": "",
            "path_key": KEY_HASH.format("fc.path"),
            "path_join": "",
        }
        if text_by == "numbered":
            keys["message_key"], keys["message_join"] = "tv.numbered", (
                "\n        join _wc_text_values as tv"
                " on tv.title = coalesce(c.title, '') and tv.message = coalesce(c.message, '')"
            )
        if path_by == "numbered":
            keys["path_key"], keys["path_join"] = "pv.numbered", "\n        left join _wc_path_values as pv on pv.path = fc.path"
        for name, select in STAGE_QUERIES:
            temps.create(name, select.format(**keys) if name in ("_wc_commits", "_wc_weights") else select)
        temps.drop("_wc_text_values", "_wc_path_values")
        temps.create("_wc_versions", VERSIONS_QUERY if "naming" in present else NO_VERSIONS)
        temps.create("_wc_successors", SUCCESSORS_QUERY if "version_series" in present else NO_SUCCESSORS)
        if temps.prefix:
            temps.keep(*SHARED)
        yield


def _model_id(con: duckdb.DuckDBPyConnection, mk: Any) -> str | None:
    """The model id numbered ``mk``: a range's bound on ``mk`` as a bound on ``model_id``."""
    row = None if mk is None else con.execute("select model_id from _wc_models where mk = ?", [mk]).fetchone()
    return None if row is None else str(row[0])


def build_weight_changes(con: duckdb.DuckDBPyConnection, window: Window | None = None, table: str = "weight_changes") -> int:
    """(Re)create table ``weight_changes`` (or ``table``, with its columns), one query per range of
    models with about as many weight rows as ``memory_limit`` holds (``RANGE_ROW_BYTES`` each),
    whatever the size of the store; returns its row count."""
    window = window or Window()
    casts = ", ".join(f"cast({c} as {t}) as {c}" for c, t in schema.types("weight_changes").items())
    con.execute(schema.empty_table_ddl("weight_changes").replace(" weight_changes (", f" {table} (", 1))
    with registered_functions(con), _staged(con):
        ranges = weighted_ranges(con, memory_limit_bytes(con) // RANGE_ROW_BYTES, WEIGHT_ROWS)
        query = events_query(window)
        for bounds in ranges:
            # ranges in model order, each inserted in order: the table is in its declared order
            con.execute(
                f"insert into {table} select {casts} from ({query}) as _q order by _q.mk, position, path",
                {**params(bounds), "lo_id": _model_id(con, bounds[0]), "hi_id": _model_id(con, bounds[1])},
            )
    rows = con.execute(f"select count(*) from {table}").fetchall()
    return int(rows[0][0]) if rows else 0
