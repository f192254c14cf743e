"""Build ``weight_changes`` in DuckDB: weight events and their signals as one query, one CTE per step.

Reads the crawl tables (commits, file_changes, card_versions, refs, models) and, when the naming
analyser ran first, ``naming`` and ``version_series``. The rules are those of :mod:`.events` and
:mod:`.signals` (their docstrings say them); here each is a step of one query, run once per range of
models sized to ``memory_limit`` (``hfaudit.analyse.batches.weighted_ranges``) and inserted in
model-id order:

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
- ``readme_rows`` … ``near``: each README change read against the one before it (front-matter
  version fields; changelog lines, once per distinct pair of texts, carried as ``hash`` keys until
  then), attributed to the closest weight-change commit (window functions over one sequence of
  notes and commits: back first, then ahead);
- ``signalled`` and the final select: the signals of each event, in ``SIGNALS`` order, and
  ``documented``.

Python runs only where SQL cannot say it, once per distinct value, as vectorised (Arrow) DuckDB
functions (:func:`registered_functions`): card front matter the crawler did not parse (a YAML parse)
and its version fields, card-body diffs (``reads_as_changelog``), commit-text tests
(``descriptive_message``), stems of conversion candidates, and the study's extension of a path.
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
from hfaudit.cards import card_body, parse_card
from hfaudit.store import schema, table_names

WEIGHT_CHANGE_COLUMNS = schema.columns("weight_changes")
# Memory per weight row of a range: a range of 564k weight rows (100k models of the 1M-model bench
# store) ran in 2 GB with 0.15 GB spilled, one of 3.1M rows spilled 20 GB. Each range costs a scan
# of the unsorted crawl tables, so a range is as large as ``memory_limit`` allows.
RANGE_ROW_BYTES = 4000
WEIGHT_ROWS = "select model_id, count(*) as n from file_changes where category = 'weights' group by model_id"

# RE2 forms of the Python patterns in :mod:`.events` (the same text; RE2 has no lookbehind, these need none).
_SHARD_RE = r"^(.+)-(\d{3,6})-of-(\d{3,6})(\.[^/]+)$"
_CONVERT_TITLE_RE = r"(?i)safetensors.{0,3}variant|convert(ed|ing)? (to|into) safetensors"

EVENTS_QUERY = f"""
with
live as not materialized (
    -- reachable commits (their texts are read for weight-event commits only, in ``texts``)
    select model_id, commit_id, position, committed_at from __COMMITS__
    where unreachable_since is null and {in_range('model_id')}
),
weight_rows as (
    -- every weight file_changes row of a reachable commit, with its shard parts and stem
    select fc.model_id, fc.commit_id, c.position, c.committed_at, fc.path, fc.change_kind,
           fc.old_sha256, fc.new_sha256, fc.old_size, fc.new_size,
           coalesce(shard.i <> '', false) as is_shard, shard.stem as shard_stem, shard.n as shard_n,
           shard.ext as shard_ext,
           fc.change_kind = 'modified' and fc.old_sha256 is not null and fc.new_sha256 is not null
               and fc.old_sha256 = fc.new_sha256 as same_content
    from __FILE_CHANGES__ as fc
    join live as c using (model_id, commit_id),
    -- (the regex only on paths that can match it: it is the costliest expression of the query)
    lateral (
        select case when fc.path like '%-of-%' then regexp_extract(fc.path, '{_SHARD_RE}', ['stem', 'i', 'n', 'ext']) end
            as shard
    )
    where fc.category = 'weights' and {in_range('fc.model_id')}
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
        select model_id, path,
               min(position) filter (where change_kind <> 'deleted') as first_present,
               min(position) filter (where change_kind = 'added') as first_added
        from weight_rows
        group by model_id, path
    ) as p using (model_id, path)
),
commit_rows as (
    select model_id, commit_id, position, any_value(committed_at) as committed_at,
           bool_and(change_kind = 'added' and not seen_before) as only_new_files
    from path_history
    group by model_id, commit_id, position
),
first_release as (
    -- the first release: the first weight commit, and the ones after it that only add new weight
    -- files within INITIAL_UPLOAD_MINUTES of it, while no other weight commit came between
    select *,
           coalesce(sum(case when n > 1 and not coalesce(fits, false) then 1 else 0 end)
                    over (partition by model_id order by position rows between unbounded preceding and current row), 0) = 0
               as in_first
    from (
        select *,
               row_number() over w as n,
               only_new_files
                   and abs(epoch_us(committed_at) - epoch_us(first_value(committed_at) over w)) / 1e6 / 60
                       <= {INITIAL_UPLOAD_MINUTES} as fits
        from commit_rows
        window w as (partition by model_id order by position)
    )
),
rows_in_release as (
    select r.*, f.in_first,
           -- a sharded set (stem, count, extension) that the first release began
           r.is_shard and coalesce(o.opened, false) as open_set
    from path_history as r
    join first_release as f using (model_id, commit_id)
    left join (
        select r.model_id, r.shard_stem, r.shard_n, r.shard_ext, true as opened
        from path_history as r
        join first_release as f using (model_id, commit_id)
        where f.in_first and r.change_kind = 'added' and r.is_shard
        group by all
    ) as o
      on r.is_shard and o.model_id = r.model_id and o.shard_stem = r.shard_stem and o.shard_n = r.shard_n
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
    select model_id, commit_id, position, in_first,
           coalesce(sum(case when not in_first and not commit_ok then 1 else 0 end) over (
               partition by model_id order by position rows between unbounded preceding and 1 preceding
           ), 0) = 0 as shards_open
    from (
        select model_id, commit_id, position, any_value(in_first) as in_first,
               bool_and(completes or same_content) as commit_ok
        from shard_completions
        group by model_id, commit_id, position
    )
),
classified as (
    select r.model_id, r.commit_id, r.position, r.committed_at, r.path, r.old_sha256, r.new_sha256,
           r.old_size, r.new_size,
           case
               when r.change_kind = 'deleted' then 'deleted'
               when r.change_kind = 'modified' then 'replaced'
               when r.in_first then 'initial'
               when w.shards_open and r.completes then 'initial'
               else 'candidate'
           end as kind0
    from shard_completions as r
    join weight_commits as w using (model_id, commit_id)
    where not r.same_content
),
candidates as (
    -- added .safetensors files that may convert an existing weight file, with whether the Hub's
    -- conversion bot made the commit
    select a.model_id, a.commit_id, a.position, a.path, a.new_size,
           list_contains(list_transform(coalesce(c.authors, []), lambda x: lower(x)), '{CONVERT_BOT.lower()}')
               or regexp_matches(coalesce(c.title, ''), '{_CONVERT_TITLE_RE}') as by_bot
    from classified as a
    join __COMMITS__ as c using (model_id, commit_id)
    where a.kind0 = 'candidate' and a.path like '%.safetensors' and {in_range('c.model_id')}
),
tree as (
    -- the weight files present before each added .safetensors file that may be a conversion:
    -- each other path's last row in an earlier commit, when that row did not delete it
    select a.model_id, a.commit_id, a.path, p.path as source, arg_max(p.new_size, p.position) as size,
           arg_max(p.change_kind, p.position) as last_kind
    from candidates as a
    join weight_rows as p on p.model_id = a.model_id and p.position < a.position
    where p.path not like '%.safetensors'
    group by a.model_id, a.commit_id, a.path, p.path
),
sources as (
    select t.model_id, t.commit_id, t.path, t.source,
           case when coalesce(t.size, 0) <> 0 and coalesce(a.new_size, 0) <> 0 then abs(t.size - a.new_size)::double / t.size else 1.0 end as gap,
           not (t.source like '%.bin' or t.source like '%.pt' or t.source like '%.pth' or t.source like '%.ckpt')
               as not_pickle,
           hfaudit_stem(t.source) = hfaudit_stem(a.path) as same_stem
    from tree as t
    join candidates as a using (model_id, commit_id, path)
    where t.last_kind <> 'deleted'
),
conversions as (
    select a.model_id, a.commit_id, a.path, any_value(a.by_bot) as by_bot,
           arg_min(s.source, (s.gap, s.not_pickle, s.source)) filter (where s.same_stem) as stem_source,
           min(s.gap) filter (where s.same_stem) as stem_gap,
           arg_min(s.source, (s.gap, s.not_pickle, s.source)) as any_source
    from candidates as a
    left join sources as s using (model_id, commit_id, path)
    group by a.model_id, a.commit_id, a.path
),
events as (
    select s.model_id, s.commit_id, s.committed_at, s.position, s.path, s.old_sha256, s.new_sha256,
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
    left join conversions as v using (model_id, commit_id, path)
),
anchors as (
    -- the commits of weight events, each with the next one's position
    select model_id, position, committed_at, lead(position) over (partition by model_id order by position) as next_position
    from (select distinct model_id, position, committed_at from events)
),
tagged as (
    select a.model_id, a.position
    from anchors as a
    join (__TAGS__) as t
      on t.model_id = a.model_id and t.position >= a.position and (a.next_position is null or t.position < a.next_position)
    group by a.model_id, a.position
),
readme_rows as (
    -- README changes of reachable commits: deletions, and versions whose text was stored (the text
    -- itself is carried as a hash; front matter the crawler did not parse, as the text)
    select fc.model_id, fc.commit_id, c.position, c.committed_at, fc.change_kind = 'deleted' as deleted,
           case when fc.change_kind <> 'deleted' then hash(cv.content) end as text_key,
           case when fc.change_kind <> 'deleted' then cv.front_matter end as front_matter,
           case when fc.change_kind <> 'deleted' and cv.front_matter is null then cv.content end as raw
    from __FILE_CHANGES__ as fc
    join live as c using (model_id, commit_id)
    left join __CARDS__ as cv using (model_id, commit_id)
    where fc.path = 'README.md' and (fc.change_kind = 'deleted' or cv.content is not null) and {in_range('fc.model_id')}
),
fronts as materialized (
    -- once per distinct front matter (or card text, when the crawler did not parse it)
    select front_matter, raw, hfaudit_front_fields(front_matter, raw) as f
    from (select distinct front_matter, raw from readme_rows where not deleted)
),
readme_read as (
    select r.model_id, r.commit_id, r.position, r.committed_at, r.deleted, r.text_key,
           f.f.is_dict as front_is_dict, f.f.version as version, f.f.new_version as new_version,
           sum(case when r.deleted then 1 else 0 end) over (
               partition by r.model_id order by r.position rows between unbounded preceding and current row
           ) as since_delete,
           lag(r.text_key) over (partition by r.model_id order by r.position) as prev_key,
           lag(case when r.deleted then null else r.commit_id end) over (partition by r.model_id order by r.position)
               as prev_commit
    from readme_rows as r
    left join fronts as f
      on f.front_matter is not distinct from r.front_matter and f.raw is not distinct from r.raw
),
readme_notes as (
    select *,
           last_value(case when front_is_dict then struct_pack(version := version, new_version := new_version) end ignore nulls) over (
               partition by model_id, since_delete order by position rows between unbounded preceding and 1 preceding
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
        select model_id, position, committed_at, true as is_anchor from anchors
        union all by name
        select *, false as is_anchor from readme_notes
    )
    window back as (partition by model_id order by position, not is_anchor rows between unbounded preceding and current row),
           ahead as (partition by model_id order by position, not is_anchor rows between current row and unbounded following)
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
    select prev_key, text_key, arg_min(struct_pack(m := model_id, c := commit_id, p := prev_commit), model_id) as one
    from attributed
    where anchor is not null
    group by prev_key, text_key
),
changelogs as materialized (
    -- once per distinct (card before, card after)
    select p.prev_key, p.text_key, hfaudit_reads_as_changelog(b.content, a.content) as changelog
    from pairs as p
    join (select * from __CARDS__ where {in_range('model_id')}) as a on a.model_id = p.one.m and a.commit_id = p.one.c
    left join (select * from __CARDS__ where {in_range('model_id')}) as b on b.model_id = p.one.m and b.commit_id = p.one.p
),
near as (
    select a.model_id, a.anchor as position,
           bool_or(c.changelog) as changelog,
           bool_or(a.version is not null and a.version is distinct from a.prev_front.version) as version_changed,
           bool_or(a.new_version is not null and a.new_version is distinct from a.prev_front.new_version
                   and a.position = a.anchor) as new_version_changed
    from attributed as a
    join changelogs as c on c.prev_key is not distinct from a.prev_key and c.text_key = a.text_key
    where a.anchor is not null
    group by a.model_id, a.anchor
),
texts as (
    -- the title and message of each weight-event commit
    select e.*, coalesce(c.title, '') as title, coalesce(c.message, '') as message
    from events as e
    join __COMMITS__ as c using (model_id, commit_id)
    where {in_range('c.model_id')}
),
messages as materialized (
    select title, message, hfaudit_descriptive_message(title, message) as descriptive
    from (select distinct title, message from texts)
),
paths as materialized (
    select path, hfaudit_extension(path) as extension, hfaudit_paper_category(path) as paper_category
    from (select distinct path from events)
),
signalled as (
    select e.*,
           t.position is not null as tag,
           coalesce(v.version_raw, '') <> '' and e.change_kind = 'initial' as name_version,
           coalesce(v.version_raw, '') <> '' and e.change_kind <> 'initial' and exists (
               select 1 from (__SUCCESSORS__) as s
               where s.model_id = e.model_id and s.created_at >= e.committed_at
                 and (epoch_us(s.created_at) - epoch_us(e.committed_at)) / 1e6 / 86400 <= $days
           ) as successor_repo,
           coalesce(n.changelog, false) as readme_changelog,
           n.position is not null and not coalesce(n.changelog, false) as readme_edit,
           coalesce(n.version_changed, false) as card_version,
           coalesce(n.new_version_changed, false) as card_new_version,
           m.descriptive as commit_message
    from texts as e
    left join tagged as t using (model_id, position)
    left join (__VERSIONS__) as v using (model_id)
    left join near as n using (model_id, position)
    join messages as m on m.title = e.title and m.message = e.message
)
select s.model_id, s.commit_id, s.committed_at, s.position, s.path, s.change_kind, s.old_sha256, s.new_sha256,
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
join paths as p using (path)
"""

TAGS_QUERY = f"""
with latest as (
    select model_id, max(snapshot_id) as snapshot_id from refs where {in_range('model_id')} group by model_id
)
select r.model_id, c.position
from refs as r
join latest as l using (model_id, snapshot_id)
join __COMMITS__ as c on c.model_id = r.model_id and c.commit_id = r.target_commit
where r.ref_type = 'tag' and c.unreachable_since is null and {in_range('r.model_id')} and {in_range('c.model_id')}
"""
SUCCESSORS_QUERY = f"""
select s.predecessor_id as model_id, m.created_at
from version_series as s
join models as m using (model_id)
where s.predecessor_id is not null and {in_range('s.predecessor_id')}
"""
VERSIONS_QUERY = f"select model_id, version_raw from naming where version_raw is not null and {in_range('model_id')}"
NO_SUCCESSORS = "select null::varchar as model_id, null::timestamptz as created_at where false"
NO_VERSIONS = "select null::varchar as model_id, null::varchar as version_raw where false"


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


CRAWL_TABLES = {"__FILE_CHANGES__": "file_changes", "__COMMITS__": "commits", "__CARDS__": "card_versions"}
# The columns of the crawl tables the query reads, and the rows (staged only when there are several ranges).
STAGED = {
    "__FILE_CHANGES__": (
        "select model_id, commit_id, path, change_kind, category, old_sha256, new_sha256, old_size, new_size"
        " from file_changes where category = 'weights' or path = 'README.md'"
    ),
    "__COMMITS__": "select model_id, commit_id, position, committed_at, unreachable_since, title, message, authors from commits",
    "__CARDS__": "select model_id, commit_id, front_matter, content from card_versions",
}


def events_query(con: duckdb.DuckDBPyConnection, window: Window, tables: dict[str, str] | None = None) -> str:
    """The query of ``weight_changes``'s rows, for the tables the store has and ``window``, reading
    the crawl tables (or ``tables``, the same placeholders to other names)."""
    present = set(table_names(con))
    naming, series = "naming" in present, "version_series" in present
    query = (
        EVENTS_QUERY.replace("__TAGS__", TAGS_QUERY)
        .replace("__VERSIONS__", VERSIONS_QUERY if naming else NO_VERSIONS)
        .replace("__SUCCESSORS__", SUCCESSORS_QUERY if series else NO_SUCCESSORS)
        .replace("$commits", str(int(window.commits)))
        .replace("$days", repr(float(window.days)))
    )
    for placeholder, table in (tables or CRAWL_TABLES).items():
        query = query.replace(placeholder, table)
    return query


@contextlib.contextmanager
def _staged(con: duckdb.DuckDBPyConnection, ranges: int) -> Iterator[dict[str, str]]:
    """The crawl tables' rows the query reads, copied once into temporary tables sorted by
    ``model_id``, when it runs on several ranges: a range's filter then reads the row groups of its
    own models (their min/max), where the crawl tables, in crawl order, would be read whole for
    every range. One range reads the crawl tables themselves."""
    if ranges <= 1:
        yield dict(CRAWL_TABLES)
        return
    names = {placeholder: f"_wc_{table}" for placeholder, table in CRAWL_TABLES.items()}
    with temp_tables(con) as temps:
        for placeholder, select in STAGED.items():
            temps.create(names[placeholder], f"{select} order by model_id")
        yield names


def build_weight_changes(con: duckdb.DuckDBPyConnection, window: Window | None = None) -> int:
    """(Re)create table ``weight_changes``, one query per range of models with about as many weight
    rows as ``memory_limit`` holds (``RANGE_ROW_BYTES`` each), whatever the size of the store; returns
    its row count."""
    window = window or Window()
    casts = ", ".join(f"cast({c} as {t}) as {c}" for c, t in schema.types("weight_changes").items())
    con.execute(schema.empty_table_ddl("weight_changes"))
    ranges = weighted_ranges(con, memory_limit_bytes(con) // RANGE_ROW_BYTES, WEIGHT_ROWS)
    with _staged(con, len(ranges)) as tables, registered_functions(con):
        query = events_query(con, window, tables)
        for bounds in ranges:
            # ranges in model-id order, each inserted in order: the table is in its declared order
            con.execute(
                f"insert into weight_changes select {casts} from ({query}) as _q order by model_id, position, path",
                params(bounds),
            )
    rows = con.execute("select count(*) from weight_changes").fetchall()
    return int(rows[0][0]) if rows else 0
