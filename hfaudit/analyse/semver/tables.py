"""``semver_changes`` and ``semver_releases`` as set work in DuckDB (the rules: ``history``'s docstring).

Each step is one temporary table (``STEPS``, in order), read by the steps after it; the two
analysis tables are written from the last ones through the schema registry
(``hfaudit.store.create_table_as``). Every per-commit state the rules walk in order is a window over
a model's commits ordered by position: the previous ``config.json`` architecture and the previous
card's license, base and task are ``lag()``s, a new weight format is the first commit that added
that extension, the reasons a release ships are a range join between two releases.

Python runs only where SQL cannot say it, once per distinct text, never per row:
``history.changelog_versions`` (its regex needs look-arounds RE2 lacks) over the distinct README
texts that name a changelog heading word, and ``history._normjson_value`` (JSON with sorted keys)
over the distinct ``tokenizer_config.json`` texts of the models in a version series.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from hfaudit.analyse.batches import STAGE, FunctionSpec, sql_functions, temp_tables, transaction
from hfaudit.analyse.semver.history import (
    _TOKENIZER_RESTATED,
    BUMP_RANK,
    REASON_BUMP,
    _normjson_value,
    changelog_versions,
)
from hfaudit.store import create_table_as


def _quoted(values: Iterable[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def _reasons_of(bump: str) -> str:
    return _quoted(sorted(r for r, b in REASON_BUMP.items() if b == bump))


_VERSION = r"^[vV]?(\d+)(?:\.(\d+))?(?:\.(\d+))?$"
_FALSY_JSON = _quoted(["0", "0.0", "-0", "-0.0", "false", "[]", "{}", "null"])

# Helpers as temporary macros: the pure rules of ``history`` in SQL.
MACROS = [
    # str.strip(), then parse_version's groups as digit strings without leading zeros (int() of each):
    # [] for what is not a dotted version. Equal lists ⇔ equal parse_version tuples, at any length.
    r"create or replace temp macro _sv_strip(s) as regexp_replace(s, '^\s+|\s+$', '', 'g')",
    f"""create or replace temp macro _sv_groups(s) as list_transform(
          list_filter([regexp_extract(_sv_strip(s), '{_VERSION}', 1), regexp_extract(_sv_strip(s), '{_VERSION}', 2),
                       regexp_extract(_sv_strip(s), '{_VERSION}', 3)], lambda g: g <> ''),
          lambda g: regexp_replace(g, '^0+(\\d)', '\\1'))""",
    # The key ``note`` files a version under ("v1.02" → "1.2"); _sv_repo orders by its groups as numbers.
    "create or replace temp macro _sv_key(s) as nullif(array_to_string(_sv_groups(s), '.'), '')",
    r"""create or replace temp macro _sv_date(s) as coalesce(regexp_full_match(_sv_strip(s), '\d{4}-?\d{2}-?\d{2}'), false)""",
    # history.declared_bump, from the two versions and their _sv_groups (``go``, ``gn``): a macro's
    # argument is inlined at each use, so a caller over many rows passes groups it computed once
    # (each _sv_groups is six regexes; in _sv_repo at 1M models, 9.1 s before, 6.5 s after).
    """create or replace temp macro _sv_declared_g(old, new, go, gn) as case
          when old is null or new is null or _sv_date(old) or _sv_date(new) then 'none'
          when len(go) = 0 or len(gn) = 0 or go = gn then 'none'
          when go[1] <> gn[1] then 'major'
          when len(go) > 1 and len(gn) > 1 and go[2] <> gn[2] then 'minor'
          else 'patch' end""",
    "create or replace temp macro _sv_declared(old, new) as _sv_declared_g(old, new, _sv_groups(old), _sv_groups(new))",
    # history.required_bump
    f"""create or replace temp macro _sv_required(r) as case
          when list_has_any(r, [{_reasons_of('major')}]) then 'major'
          when list_has_any(r, [{_reasons_of('minor')}]) then 'minor'
          when list_has_any(r, [{_reasons_of('patch')}]) then 'patch'
          else 'none' end""",
    "create or replace temp macro _sv_rank(b) as case b "
    + " ".join(f"when '{k}' then {v}" for k, v in BUMP_RANK.items())
    + " else 0 end",
    # history.is_under / is_over
    """create or replace temp macro _sv_under(d, q) as
          d not in ('none', 'initial') and q <> 'initial' and _sv_rank(d) < _sv_rank(q)""",
    "create or replace temp macro _sv_over(d, q) as d not in ('none', 'initial') and _sv_rank(d) > _sv_rank(q)",
    # history._ext: the file name's last '.'-part with its dot ('' when the name has none), and the name.
    r"create or replace temp macro _sv_ext(p) as regexp_extract(p, '(\.[^./]*)$', 1)",
    "create or replace temp macro _sv_name(p) as regexp_extract(p, '[^/]*$')",
    # history._arch as one comparable key: NULL for (None, ()) (not JSON, not an object, neither field),
    # else the model_type's and the architectures list's JSON texts.
    """create or replace temp macro _sv_arch(t) as case when json_valid(t) then case when json_type(t) = 'OBJECT' then
          nullif(coalesce(nullif(json_extract(t, '$.model_type')::varchar, 'null'), '~') || '|'
                 || coalesce(case when json_type(t, '$.architectures') = 'ARRAY'
                                  then json_extract(t, '$.architectures')::varchar end, '[]'), '~|[]')
          end end""",
    # A card fact (the front matter's license or pipeline_tag value): a string as itself, another
    # value as its JSON text; NULL for what Python finds falsy ("" 0 false [] {} null or absent), which the rules
    # treat alike (a change needs one side truthy).
    f"""create or replace temp macro _sv_fact(v) as case
          when v is null then null
          when json_type(v) = 'VARCHAR' then nullif(v ->> '$', '')
          when v::varchar in ({_FALSY_JSON}) then null
          else chr(1) || v::varchar end""",
    # _card_fields's base (the front matter's ``base_model`` value): a list sorted, a truthy scalar
    # as one; NULL when empty.
    f"""create or replace temp macro _sv_base(v) as case
          when v is null then null
          when json_type(v) = 'ARRAY' then nullif(list_sort(json_extract_string(v, '$[*]')), [])
          when json_type(v) = 'VARCHAR' then case when v ->> '$' <> '' then [v ->> '$'] end
          when v::varchar in ({_FALSY_JSON}) then null
          else [v::varchar] end""",
]

def reason_rows(alias: str) -> str:
    """SQL predicate on ``file_changes`` (as ``alias``): the rows a reason reads (weight and tokenizer
    files, generation_config.json). The releases step stages these rows too (``_wc_weights``)."""
    return (
        f"({alias}.category in ('weights', 'tokenizer') or {alias}.path like '%generation_config.json'"
        f" or {alias}.path = 'tokenizer.json')"
    )


# The first two steps when the releases step of the same run kept its staged commits and changes
# (``hfaudit.analyse.releases.build.SHARED``): the same rows, read from those tables and joined on
# the commit's row number (``ck``) instead of joining ``file_changes`` to ``commits`` by their ids
# (at 1M models, 4.1 and 8.2-11.5 s; docs/scale.md). ``mk`` numbers the models in id order, so its
# partitions are the models'.
SHARED_STEPS: dict[str, str] = {
    "_sv_commits": """
        select model_id, commit_id, committed_at, coalesce(position, 0) as position, ck,
               row_number() over (partition by mk order by committed_at, coalesce(position, 0), commit_id) - 1 as idx
        from _wc_commits
    """,
    "_sv_changes": """
        select c.model_id, c.idx, f.path, f.change_kind, f.category, f.new_size,
               case when f.category = 'weights' then _sv_ext(f.path) end as ext
        from _wc_weights as f
        join _sv_commits as c using (ck)
    """,
}


_RESTATED = _quoted(sorted(_TOKENIZER_RESTATED))
# The README texts worth the Python changelog parse: a line that starts with '#', then what Python's
# \s matches (str.isspace), then a heading word; a superset of history._CHANGELOG_HEADING's matches
# (no word boundary here), so no changelog is missed.
HEADING = r"(?im)^#+[\s\x0b\x1c-\x1f\x{85}\pZ]*(changelog|change log|changes|release notes|history|updates)"

STEPS: list[tuple[str, str]] = [
    # Each model's reachable commits in order; idx 0 is the oldest.
    (
        "_sv_commits",
        """
        select model_id, commit_id, committed_at, coalesce(position, 0) as position,
               row_number() over (partition by model_id order by committed_at, coalesce(position, 0), commit_id) - 1 as idx
        from commits where unreachable_since is null
        """,
    ),
    # What each of those commits changed that a reason depends on (weight and tokenizer files,
    # generation_config.json), with a weight file's extension.
    (
        "_sv_changes",
        f"""
        select c.model_id, c.idx, f.path, f.change_kind, f.category, f.new_size,
               case when f.category = 'weights' then _sv_ext(f.path) end as ext
        from file_changes as f
        join _sv_commits as c using (model_id, commit_id)
        where {reason_rows('f')}
        """,
    ),
    # The upload: the first commit that touched a weight file (the baseline of every reason).
    (
        "_sv_upload",
        """
        select u.model_id, u.upload_idx, c.commit_id, c.committed_at
        from (select model_id, min(idx) as upload_idx from _sv_changes where category = 'weights' group by model_id) as u
        join _sv_commits as c on c.model_id = u.model_id and c.idx = u.upload_idx
        """,
    ),
    # config.json at each commit that changed it, as an architecture key, and the one before.
    (
        "_sv_configs",
        """
        select model_id, idx, arch, lag(arch) over (partition by model_id order by idx) as previous_arch
        from (
            select c.model_id, c.idx, _sv_arch(fc.content) as arch
            from file_contents as fc join _sv_commits as c using (model_id, commit_id)
            where fc.path = 'config.json'
        )
        """,
    ),
    # The card at each commit that changed the README: its facts, its version, and the previous card's.
    (
        "_sv_cards",
        f"""
        with headed as materialized (
            -- the heading test on each card before the join: in the join's pipeline it took 4 s more
            -- at 1M models (the step 8.2 s against 9.4 s; docs/scale.md)
            select model_id, commit_id, front_matter,
                   case when regexp_matches(content, '{HEADING}') then content end as changelog_text
            from card_versions
        ),
        cards as (
            select c.model_id, c.idx, o.is_object, cv.changelog_text,
                   f[1] as license_value, f[2] as base_value, f[3] as task_value, f[4] as version_value
            from headed as cv
            join _sv_commits as c using (model_id, commit_id),
            lateral (select coalesce(json_type(cv.front_matter) = 'OBJECT', false) as is_object) as o,
            lateral (select case when o.is_object then json_extract(cv.front_matter, ['$.license', '$.base_model', '$.pipeline_tag', '$.version'])
                                 else [null, null, null, null]::json[] end as f) as j
        ),
        facts as (
            select model_id, idx, is_object, changelog_text,
                   _sv_fact(license_value) as license, _sv_base(base_value) as base, _sv_fact(task_value) as task,
                   case when json_type(version_value) = 'VARCHAR' then version_value ->> '$' else version_value::varchar end as version
            from cards
        )
        select *,
               lag(is_object) over w as previous_object, lag(license) over w as previous_license,
               lag(base) over w as previous_base, lag(task) over w as previous_task
        from facts
        window w as (partition by model_id order by idx)
        """,
    ),
    # Every reason each commit after the upload contributes, with the path that shows it
    # (a reason may be NULL: a weight change of another kind still names its path).
    (
        "_sv_reasons",
        f"""
        with first_added as (
            select model_id, ext, min(idx) as first_idx from _sv_changes
            where category = 'weights' and change_kind = 'added' group by model_id, ext
        ),
        file_reasons as (
            select ch.model_id, ch.idx, ch.path,
                   case
                       when ch.category = 'weights' then
                           case ch.change_kind
                               when 'modified' then 'weights'
                               when 'added' then case when fa.first_idx = ch.idx then 'format' else 'weights' end
                               when 'deleted' then 'format'
                           end
                       when ch.category = 'tokenizer' and _sv_name(ch.path) not in ({_RESTATED}) then 'tokenizer'
                       when _sv_name(ch.path) = 'generation_config.json' then 'generation'
                   end as reason,
                   ch.category = 'weights' as path_counts
            from _sv_changes as ch
            left join first_added as fa on fa.model_id = ch.model_id and fa.ext = ch.ext and ch.category = 'weights'
        ),
        arch_reasons as (
            select model_id, idx, 'config.json' as path, 'architecture' as reason from _sv_configs
            where previous_arch is not null and arch is distinct from previous_arch
        ),
        card_reasons as (
            select model_id, idx, 'README.md' as path,
                   unnest(case when len(r) = 0 then ['card'] else r end) as reason
            from (
                select model_id, idx, list_filter([
                    case when previous_object and license is distinct from previous_license then 'license' end,
                    case when previous_object and base is distinct from previous_base then 'base' end,
                    case when previous_object and task is distinct from previous_task then 'task' end
                ], lambda x: x is not null) as r
                from _sv_cards
            )
        ),
        every_reason as (
            -- a weight change names its path even with no reason; a restated tokenizer file does not
            select model_id, idx, path, reason from file_reasons where reason is not null or path_counts
            union all select model_id, idx, path, reason from arch_reasons
            union all select model_id, idx, path, reason from card_reasons
        )
        select r.model_id, r.idx, r.path, r.reason
        from every_reason as r join _sv_upload as u on u.model_id = r.model_id and r.idx > u.upload_idx
        where r.reason is not null or r.path is not null
        """,
    ),
    # Every version a tag, a card version or a changelog entry shows, at the commit that shows it.
    (
        "_sv_notes",
        """
        with latest as (select model_id, max(snapshot_id) as snapshot_id from refs group by model_id),
        tags as (
            select r.model_id, r.name, r.target_commit from refs as r join latest using (model_id, snapshot_id)
            where r.ref_type = 'tag' and _sv_key(r.name) is not null
        )
        select t.model_id, c.idx, _sv_key(t.name) as key, 'tag' as declared_by, t.name as raw, 0 as ord
        from tags as t join _sv_commits as c on c.model_id = t.model_id and c.commit_id = t.target_commit
        union all
        select model_id, idx, _sv_key(version), 'card_version', version, 0 from _sv_cards where _sv_key(version) is not null
        union all
        select cd.model_id, cd.idx, cl.key, 'readme_changelog', cl.raw, cl.ord
        from _sv_cards as cd join _sv_changelogs as cl on cl.content = cd.changelog_text
        where cl.key is not null
        """,
    ),
    # The label of each version: the first tag naming it (by name, wherever the tag points), else its
    # first changelog entry, else the key.
    (
        "_sv_labels",
        """
        with latest as (select model_id, max(snapshot_id) as snapshot_id from refs group by model_id),
        tag_labels as (
            select r.model_id, _sv_key(r.name) as key, min(r.name) as label
            from refs as r join latest using (model_id, snapshot_id)
            where r.ref_type = 'tag' and _sv_key(r.name) is not null group by all
        ),
        changelog_labels as (
            select model_id, key, arg_min(raw, [idx, ord]) as label
            from _sv_notes where declared_by = 'readme_changelog' group by model_id, key
        )
        select model_id, key, coalesce(t.label, cl.label) as label
        from tag_labels as t full join changelog_labels as cl using (model_id, key)
        """,
    ),
    # In-repository releases: each version at the first commit that shows it, in order, with the
    # reasons of the commits since the previous one (the latest amended by later card facts).
    (
        "_sv_repo",
        """
        with firsts as (
            select *, min(idx) over (partition by model_id, key) as first_idx from _sv_notes
        ),
        seen as (
            select model_id, key, first_idx as idx, list_sort(list(distinct declared_by)) as declared_by
            from firsts where idx = first_idx group by model_id, key, first_idx
        ),
        labelled as (
            -- each release's version and the groups of its key and version, computed once
            select s.*, v.version, _sv_groups(s.key) as key_groups, _sv_groups(v.version) as version_groups
            from seen as s left join _sv_labels as l using (model_id, key),
            lateral (select coalesce(l.label, s.key) as version) as v
        ),
        ordered as (
            select s.*,
                   row_number() over w as n, count(*) over (partition by s.model_id) as releases,
                   lag(s.idx) over w as previous_idx, lag(s.version) over w as previous_version,
                   lag(s.version_groups) over w as previous_groups
            from labelled as s
            window w as (partition by s.model_id order by s.idx, list_transform(s.key_groups, lambda g: try_cast(g as hugeint)), s.key)
        ),
        shipped as (
            select o.model_id, o.key,
                   list_sort(list(distinct r.reason) filter (r.reason is not null and r.idx <= o.idx)) as reasons,
                   list_sort(list(distinct r.reason) filter (
                       r.idx > o.idx and o.n = o.releases and r.reason in ('license', 'base', 'task'))) as later_facts
            from ordered as o
            join _sv_reasons as r on r.model_id = o.model_id and r.idx > coalesce(o.previous_idx, -1)
                and (r.idx <= o.idx or o.n = o.releases)
            group by o.model_id, o.key
        ),
        bumped as (
            select o.*, coalesce(sh.reasons, []) as shipped_reasons, coalesce(sh.later_facts, []) as later_facts,
                   c.commit_id, c.committed_at, p.commit_id as previous_commit_id,
                   o.n = 1 and (
                       (o.key_groups[1] in ('0', '1') and len(list_filter(o.key_groups[2:], lambda g: g <> '0')) = 0)
                       or o.key_groups in (['0', '1'], ['0', '1', '0'])
                       or (u.upload_idx is not null and o.idx <= u.upload_idx)
                   ) as initial
            from ordered as o
            left join shipped as sh using (model_id, key)
            left join _sv_upload as u using (model_id)
            join _sv_commits as c on c.model_id = o.model_id and c.idx = o.idx
            left join _sv_commits as p on p.model_id = o.model_id and p.idx = o.previous_idx
        ),
        declared as (
            select *,
                   case when initial then 'initial' when n = 1 then _sv_declared_g('1.0.0', version, ['1', '0', '0'], version_groups)
                        else _sv_declared_g(previous_version, version, previous_groups, version_groups) end as declared_bump
            from bumped
        ),
        amended as (
            select *,
                   case when declared_bump <> 'initial' and len(later_facts) > 0
                        then list_sort(list_distinct(shipped_reasons || later_facts)) else shipped_reasons end as reasons
            from declared
        )
        select model_id, case when list_contains(declared_by, 'tag') then 'tag' else 'card' end as release_kind,
               commit_id, committed_at, version,
               case when n > 1 then model_id end as previous_model_id, previous_commit_id,
               case when n > 1 then previous_version end as previous_version,
               declared_by, declared_bump, r.required_bump, reasons,
               _sv_under(declared_bump, r.required_bump) as under_bump, _sv_over(declared_bump, r.required_bump) as over_bump,
               idx
        from amended, lateral (select case when initial then 'initial' else _sv_required(reasons) end as required_bump) as r
        """,
    ),
    # The version-series steps and the models they compare.
    (
        "_sv_pairs",
        """
        select vs.model_id, vs.version_raw as version, vs.predecessor_id, p.version_raw as previous_version
        from version_series as vs
        join version_series as p on p.model_id = vs.predecessor_id and p.series_id = vs.series_id
        where vs.predecessor_id is not null and vs.version_raw is not null
        """,
    ),
    (
        "_sv_paired",
        """
        select distinct model_id from (select model_id from _sv_pairs union all select predecessor_id from _sv_pairs)
        """,
    ),
    # What each paired repository's head says (history._head_facts), and its state at the upload
    # (history.upload_facts), which the series step compares when an in-repository release follows
    # the upload.
    (
        "_sv_facts",
        """
        with latest_contents as (
            select fc.model_id, fc.path, fc.content
            from file_contents as fc
            join _sv_paired using (model_id)
            join commits as c using (model_id, commit_id)
            where fc.path in ('config.json', 'tokenizer_config.json')
            qualify row_number() over (partition by fc.model_id, fc.path order by c.committed_at desc, c.position desc, c.commit_id desc) = 1
        ),
        head_files as (
            select f.model_id,
                   count(*) filter (f.category = 'weights') as weight_files,
                   list_sort(list(distinct coalesce(f.sha256, f.blob, chr(0))) filter (f.category = 'weights')) as weights,
                   list_sort(list(distinct _sv_ext(f.path)) filter (f.category = 'weights')) as formats,
                   any_value(f.size) filter (f.category is distinct from 'weights' and f.path = 'tokenizer.json') as tokenizer_size
            from model_files as f join _sv_paired using (model_id)
            group by f.model_id
        ),
        head as (
            select m.model_id,
                   case when json_type(m.card_data) = 'OBJECT' then _sv_fact(json_extract(m.card_data, '$.license')) end as license,
                   nullif(list_sort(coalesce(m.card_base_models, [])), []) as base,
                   nullif(m.pipeline_tag, '') as task,
                   case when cfg.model_id is not null then _sv_arch(cfg.content) else _sv_arch(m.config::varchar) end as arch,
                   tok.content as tokenizer_text,
                   coalesce(hf.weight_files, 0) as weight_files, coalesce(hf.weights, []) as weights,
                   coalesce(hf.formats, []) as formats, hf.tokenizer_size
            from models as m
            join _sv_paired using (model_id)
            left join latest_contents as cfg on cfg.model_id = m.model_id and cfg.path = 'config.json'
            left join latest_contents as tok on tok.model_id = m.model_id and tok.path = 'tokenizer_config.json'
            left join head_files as hf on hf.model_id = m.model_id
        ),
        until as (
            select c.model_id, coalesce(u.upload_idx, 9223372036854775807) as last_idx
            from (select distinct model_id from _sv_commits join _sv_paired using (model_id)) as c
            left join _sv_upload as u using (model_id)
        ),
        up_arch as (
            select k.model_id, k.arch from _sv_configs as k join until as t using (model_id)
            where k.idx <= t.last_idx qualify row_number() over (partition by k.model_id order by k.idx desc) = 1
        ),
        up_tok as (
            select c.model_id, fc.content from file_contents as fc
            join _sv_commits as c using (model_id, commit_id) join until as t using (model_id)
            where fc.path = 'tokenizer_config.json' and c.idx <= t.last_idx
            qualify row_number() over (partition by c.model_id order by c.idx desc) = 1
        ),
        up_size as (
            select ch.model_id, ch.new_size from _sv_changes as ch join until as t using (model_id)
            where ch.path = 'tokenizer.json' and ch.change_kind <> 'deleted' and ch.idx <= t.last_idx
            qualify row_number() over (partition by ch.model_id order by ch.idx desc) = 1
        ),
        up_card as (
            select cd.model_id, cd.license, cd.base, cd.task from _sv_cards as cd join until as t using (model_id)
            where cd.idx <= t.last_idx qualify row_number() over (partition by cd.model_id order by cd.idx desc) = 1
        ),
        released_after as (
            select distinct r.model_id from _sv_repo as r join _sv_upload as u using (model_id)
            where r.declared_bump <> 'initial' and r.idx > u.upload_idx
        )
        select h.model_id,
               coalesce(ua.arch, h.arch) as arch,
               coalesce(ut.content, h.tokenizer_text) as tokenizer_text,
               coalesce(us.new_size, h.tokenizer_size) as tokenizer_size,
               case when uc.model_id is not null and ra.model_id is not null then uc.license else h.license end as license,
               case when uc.model_id is not null and ra.model_id is not null then uc.base else h.base end as base,
               case when uc.model_id is not null and ra.model_id is not null then uc.task else h.task end as task,
               h.weight_files, h.weights, h.formats
        from head as h
        left join up_arch as ua on ua.model_id = h.model_id
        left join up_tok as ut on ut.model_id = h.model_id
        left join up_size as us on us.model_id = h.model_id
        left join up_card as uc on uc.model_id = h.model_id
        left join released_after as ra on ra.model_id = h.model_id
        """,
    ),
    # tokenizer_config.json texts as JSON with sorted keys, once per distinct text.
    (
        "_sv_tokenizers",
        "select text, _sv_normjson(text) as normalised from (select distinct tokenizer_text as text from _sv_facts where tokenizer_text is not null)",
    ),
    # One release per repository that continues a version series, against its predecessor.
    (
        "_sv_series",
        """
        with f as (
            select f.*, t.normalised as tokenizer from _sv_facts as f left join _sv_tokenizers as t on t.text = f.tokenizer_text
        ),
        compared as (
            select p.model_id, p.version, p.predecessor_id, p.previous_version, list_filter([
                case when b.weight_files > 0 and b.weights <> a.weights then 'weights' end,
                case when a.arch is not null and b.arch is not null and a.arch <> b.arch then 'architecture' end,
                case when (a.tokenizer is not null and b.tokenizer is not null and a.tokenizer <> b.tokenizer)
                       or (coalesce(a.tokenizer_size, 0) <> 0 and coalesce(b.tokenizer_size, 0) <> 0 and a.tokenizer_size <> b.tokenizer_size)
                     then 'tokenizer' end,
                case when a.base is not null and b.base is not null and a.base <> b.base
                       and not list_contains(b.base, p.predecessor_id) then 'base' end,
                case when a.license is not null and b.license is not null and a.license <> b.license then 'license' end,
                case when a.task is not null and b.task is not null and a.task <> b.task then 'task' end,
                case when not list_has_all(a.formats, b.formats) then 'format' end
            ], lambda x: x is not null) as reasons
            from _sv_pairs as p
            join f as a on a.model_id = p.predecessor_id
            join f as b on b.model_id = p.model_id
        )
        select c.model_id, 'series' as release_kind, u.commit_id, u.committed_at, c.version,
               c.predecessor_id as previous_model_id, null as previous_commit_id, c.previous_version,
               ['name_version'] as declared_by, d.declared_bump, d.required_bump, list_sort(c.reasons) as reasons,
               _sv_under(d.declared_bump, d.required_bump) as under_bump, _sv_over(d.declared_bump, d.required_bump) as over_bump
        from compared as c
        left join _sv_upload as u using (model_id),
        lateral (select _sv_declared(c.previous_version, c.version) as declared_bump, _sv_required(c.reasons) as required_bump) as d
        """,
    ),
]

# Each commit's distinct reasons and paths, sorted. Most commits have one reason row (5 of 6M at 1M
# models): a one-element list is already distinct and sorted (unless it holds a NULL path, which
# list_distinct drops), and skipping list_sort/list_distinct for it took a quarter off this write
# (about 6 s at 1M; docs/scale.md).
CHANGES_QUERY = """
    select r.model_id, c.commit_id, c.committed_at, c.position, r.reasons, r.paths
    from (
        select model_id, idx,
               case when len(lr) = 1 then lr else list_sort(list_distinct(lr)) end as reasons,
               case when len(lp) = 1 and lp[1] is not null then lp else list_sort(list_distinct(lp)) end as paths
        from (
            select model_id, idx, list(reason) as lr, list(path) as lp
            from _sv_reasons group by model_id, idx having count(reason) > 0
        )
    ) as r
    join _sv_commits as c using (model_id, idx)
"""

_RELEASE_COLUMNS = (
    "model_id, release_kind, commit_id, committed_at, version, previous_model_id, previous_commit_id, "
    "previous_version, declared_by, declared_bump, required_bump, reasons, under_bump, over_bump"
)
RELEASES_QUERY = f"select {_RELEASE_COLUMNS} from _sv_repo union all select {_RELEASE_COLUMNS} from _sv_series"

# The versions each distinct changelog names, in order, once per distinct text.
CHANGELOG_TEXTS = """
    select content, v.raw, v.ord, _sv_key(v.raw) as key
    from (select content, _sv_changelog(content) as versions
          from (select distinct changelog_text as content from _sv_cards where changelog_text is not null)),
    lateral (select unnest(versions) as raw, generate_subscripts(versions, 1) as ord) as v
"""


def _changelog(text: str | None) -> list[str]:
    return changelog_versions(text)


def _shared_present(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the stage database holds the tables the releases step kept (``SHARED``)."""
    from hfaudit.analyse.releases.build import SHARED

    rows = con.execute(
        "select count(*) from duckdb_tables() where database_name = ? and schema_name = 'main' and list_contains(?, table_name)",
        [STAGE, list(SHARED)],
    ).fetchall()
    return bool(rows and rows[0][0] == len(SHARED))


def build_semver_sql(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(Re)create ``semver_changes`` and ``semver_releases`` in SQL; returns their row counts."""
    tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
    for sql in MACROS:
        con.execute(sql)
    functions: dict[str, FunctionSpec] = {
        "_sv_changelog": (_changelog, ["VARCHAR"], "VARCHAR[]", {"side_effects": False}),
        "_sv_normjson": (_normjson_value, ["VARCHAR"], "VARCHAR", {"side_effects": False}),
    }
    steps = [*STEPS[:5], ("_sv_changelogs", CHANGELOG_TEXTS), *STEPS[5:]]
    if "version_series" not in tables:
        none = "select null::varchar as model_id, null::varchar as version, null::varchar as predecessor_id, null::varchar as previous_version where false"
        steps = [(name, none if name == "_sv_pairs" else sql) for name, sql in steps]
    with sql_functions(con, functions), temp_tables(con) as temps:
        if temps.prefix and _shared_present(con):
            from hfaudit.analyse.releases.build import SHARED

            steps = [(name, SHARED_STEPS.get(name, sql)) for name, sql in steps]
            temps.adopt(*SHARED)  # dropped once read, as this step's own tables are
        # Each step's table is dropped once no later query reads it; outside a transaction that
        # frees its memory at once (kept to the end, the steps held 2.3 GB of a 3 GB limit at 1M
        # models; docs/scale.md). The two analysis tables are written together, in one transaction.
        temps.create_all(steps, then=[CHANGES_QUERY, RELEASES_QUERY])
        with transaction(con):
            create_table_as(con, "semver_changes", CHANGES_QUERY, "model_id, committed_at, commit_id")
            create_table_as(con, "semver_releases", RELEASES_QUERY, "model_id, committed_at, version")
    n_changes = con.execute("select count(*) from semver_changes").fetchone()
    n_releases = con.execute("select count(*) from semver_releases").fetchone()
    return (n_changes[0] if n_changes else 0, n_releases[0] if n_releases else 0)
