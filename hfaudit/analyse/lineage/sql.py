"""The lineage tables as set work in DuckDB.

Each step is one temporary table built by one SQL statement (its CTEs are the sub-steps):

1. ``_lin_cfg``, ``_lin_card``, ``_lin_names``: the distinct config texts, card prose heads and
   model names, each with what Python reads from it (``lin_config``, ``lin_card_refs``,
   ``lin_name``: DuckDB functions, so Python sees each distinct value once);
2. ``_lin_raw``: every claim of a parent (card, tags, ``baseModels``, adapter config, config,
   card prose, name) with its raw reference; ``_lin_clean``: each distinct raw reference cleaned
   (``lin_ref``); ``_lin_ev0``: the claims with clean references, deduplicated;
3. ``_lin_alias``, ``_lin_ren``: the Hub's resolution of card references and the rename chains;
   ``_lin_ev``: every claim resolved (exact, ``hub_api``, case, then renames) — the evidence table;
4. ``_lin_pp``: one row per (child, parent) with its best source, combined confidence and order;
   ``_lin_edges``: with the child's best tier, the graph parents and the dangling reason;
5. the graph (Python, on integer node ids): roots, depth, descendants and cycles into ``_lin_place``;
6. ``_lin_obs``: the relation rules per model with parents (``lin_observe``, memoised on what they read);
7. the five tables, written ordered.
"""

from __future__ import annotations

import concurrent.futures
import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from hfaudit.analyse.batches import FunctionSpec, TempTables, sql_functions, staged, temp_tables, transaction
from hfaudit.analyse.lineage import edges as E
from hfaudit.analyse.lineage.graph import LineageGraph, Placement
from hfaudit.analyse.lineage.relations import (
    BASIS_CONFIDENCE,
    QUANT_OWNERS,
    RELATIONS,
    Evidence,
    name_quant_token,
    observe,
)
from hfaudit.store import json_value, schema, table_names

# The lineage tables (columns and types declared in hfaudit.store.schema), in the order they are written.
TABLES: tuple[str, ...] = ("lineage_evidence", "lineage_edges", "model_lineage", "lineage_conflicts", "lineage_paper")
ORDER: dict[str, list[str]] = {
    "lineage_evidence": ["child_id", "source", "position", "parent_ref"],
    "lineage_edges": ["child_id", "parent_id"],
    "model_lineage": ["model_id"],
    "lineage_conflicts": ["model_id", "kind", "parent_id"],
    "lineage_paper": ["model_id"],
}
SOURCE_ORDER = ("card", "hub_api", "tag", "adapter_config", "card_text", "config", "name")
_QUANT_KEYS = ("quantization_config", "quantization")
GRAPH_BATCH = 50_000


def _sql_list(values: Any) -> str:
    return "(" + ", ".join("'" + str(v).replace("'", "''") + "'" for v in values) + ")"


def _case(column: str, mapping: dict[str, Any]) -> str:
    whens = " ".join(f"when '{k}' then {v!r}" for k, v in mapping.items())
    return f"case {column} {whens} end"


def _relation(column: str) -> str:
    """A declared relation as the evidence keeps it: trimmed, lower-cased, one of RELATIONS, else null."""
    return f"case when lower(trim({column})) in {_sql_list(RELATIONS)} then lower(trim({column})) end"


# -- the Python that SQL cannot say, once per distinct value -------------------------------------


def _clean_ref(value: str, legacy: bool) -> str | None:
    return E.clean_ref(value, legacy=bool(legacy))


def _card_refs(text: str) -> list[str]:
    """The first reference the prose names, and the first after it that differs in more than case
    (the child is excluded in SQL: the first that is not the child is one of the two)."""
    out: list[str] = []
    for match in E._PROSE.finditer(text):
        ref = E.clean_ref((match.group("link") or match.group("bare") or "").rstrip(".,;:"), legacy=True)
        if ref and not ref.startswith(("datasets/", "spaces/")):
            if not out or ref.lower() != out[0].lower():
                out.append(ref)
            if len(out) == 2:
                break
    return out


def _config(content: str) -> list[str | None]:
    """[``'1'`` when the text is a JSON object, ``base_model_name_or_path``, ``_name_or_path`` (when
    strings), the quantization keys as JSON]."""
    data = json_value(content)
    if not isinstance(data, dict):
        return [None, None, None, "{}"]
    base, path = data.get("base_model_name_or_path"), data.get("_name_or_path")
    quant = {k: data[k] for k in _QUANT_KEYS if k in data}
    return ["1", base if isinstance(base, str) else None, path if isinstance(path, str) else None, json.dumps(quant)]


def _name(name: str) -> list[str | None]:
    """[the name's quantization token, its stem without quantization suffixes (when it has one), the
    ``owner/name`` the stem spells, the name's key, the stem's key, the study's variant label]."""
    from hfaudit.analyse.naming.paper import paper_variant

    token = name_quant_token(name)
    stem: str | None = E.strip_quant_suffix(name)
    stem_id = None
    if stem == name or not stem:
        stem = None
    elif "_-_" in stem:  # RichardErkhov style: owner_-_name
        owner, _, rest = stem.partition("_-_")
        stem_id = f"{owner}/{rest}"
    elif "." in stem:  # DevQuasar style: owner.name
        owner, _, rest = stem.partition(".")
        stem_id = f"{owner}/{rest}" if rest else None
    return [token, stem, stem_id, E.name_key(name), E.name_key(stem) if stem else None, paper_variant(name)]


@functools.lru_cache(maxsize=1 << 12)
def _observed(
    key_id: str, paths: tuple[str, ...], quant: str, tags: tuple[str, ...], library: str | None, n: int, declared: bool
) -> tuple[str, str, str, str | None]:
    obs = observe(key_id, Evidence(paths, json.loads(quant), tags, library), n, declared=declared)
    return obs.relation, obs.basis, obs.reason, obs.files


def _observe(
    key_id: str, paths: list[str] | None, cfg_a: str | None, cfg_b: str | None, tags: list[str] | None,
    library: str | None, n: int, declared: bool,
) -> list[str | None]:  # fmt: skip
    """[relation, basis, reason, the files' relation where something else decided], for a model id
    reduced to what the rules read (its name, and its owner when that is a quantization owner)."""
    quant = json.dumps({**json.loads(cfg_a or "{}"), **json.loads(cfg_b or "{}")}, sort_keys=True)
    return list(_observed(key_id, tuple(paths or ()), quant, tuple(str(t) for t in tags or ()), library or None, n, bool(declared)))


def _functions() -> dict[str, FunctionSpec]:
    specs: list[tuple[str, Any, list[Any], Any]] = [
        ("lin_ref", _clean_ref, ["VARCHAR", "BOOLEAN"], "VARCHAR"),
        ("lin_card_refs", _card_refs, ["VARCHAR"], "VARCHAR[]"),
        ("lin_config", _config, ["VARCHAR"], "VARCHAR[]"),
        ("lin_name", _name, ["VARCHAR"], "VARCHAR[]"),
        ("lin_observe", _observe, ["VARCHAR", "VARCHAR[]", "VARCHAR", "VARCHAR", "VARCHAR[]", "VARCHAR", "INTEGER", "BOOLEAN"], "VARCHAR[]"),
    ]  # fmt: skip
    return {
        # observe takes nulls itself
        name: (func, args, ret, {"null_handling": "special" if name == "lin_observe" else "default", "side_effects": False})
        for name, func, args, ret in specs
    }


_NAME = "case when contains(model_id, '/') then substr(model_id, strpos(model_id, '/') + 1) else model_id end"
_OWNER = "case when contains(model_id, '/') then lower(split_part(model_id, '/', 1)) else '' end"
# The name rule's match (in ``_lin_ev0``): CTEs over ``children`` (signed models with a stem),
# ``pool`` (unsigned models) and ``spelled`` (children whose stem spells a crawled id), ending in
# ``matched`` (child_id, n: the pool models of its key, ref: the closest).
_NAME_MATCH = """
    -- The closest pool model to each child, by (other type, other spelling, younger, downloads,
    -- id), without pairing every child with every pool model of its key (a popular name has
    -- thousands of both): pool models grouped by (key, spelling, type), each group's best member,
    -- and its best member created at or before a time (a running best over creation times, read
    -- by an ASOF join at the child's creation). A member created after the child, or at an
    -- unknown time, is younger.
    pool_groups as (
        select key, name, lower(coalesce(config_model_type, '')) as ltype, count(*) as n,
               min(struct_pack(downloads := -downloads, model_id := model_id)) as best
        from pool group by all
    ),
    pool_times as (
        select key, name, ltype, created_at,
               min(best_then) over (partition by key, name, ltype order by created_at
                                    rows between unbounded preceding and current row) as best_by
        from (
            select key, name, lower(coalesce(config_model_type, '')) as ltype, created_at,
                   min(struct_pack(downloads := -downloads, model_id := model_id)) as best_then
            from pool where created_at is not null group by all
        )
    ),
    candidates as (
        select c.model_id as child_id, c.stem, c.tags, c.created_at, g.key, g.name, g.ltype, g.n, g.best
        from children as c join pool_groups as g on g.key = c.stem_key
        where c.model_id not in (select child_id from spelled)
    ),
    ranked as (
        select k.child_id, k.n,
               struct_pack(
                   other_type := not list_contains(list_transform(coalesce(k.tags, []), lambda t: lower(t)), k.ltype),
                   other_spelling := k.name != k.stem,
                   younger := k.created_at is not null and t.best_by is null,
                   downloads := coalesce(t.best_by, k.best).downloads,
                   model_id := coalesce(t.best_by, k.best).model_id
               ) as o
        from candidates as k
        asof left join pool_times as t
          on t.key = k.key and t.name = k.name and t.ltype = k.ltype and k.created_at >= t.created_at
    ),
    matched as (select child_id, sum(n) as n, min(o).model_id as ref from ranked group by child_id)
"""


def _steps(has_api: bool) -> Iterator[str]:
    """The SQL of steps 1–4, in order."""
    declared = _sql_list(E.DECLARED_SOURCES)
    yield """
    create or replace temp table _lin_cfgtext as
    -- the newest commit of each file first, then its text: sorting the texts with the rows cost
    -- twice as much at 1M models (docs/scale.md)
    with texts as (
        select fc.model_id, fc.path, fc.commit_id, c.committed_at, c.position
        from file_contents as fc
        join commits as c using (model_id, commit_id)
        semi join model_files as mf on mf.model_id = fc.model_id and mf.path = fc.path
        where fc.path in ('config.json', 'adapter_config.json') and c.unreachable_since is null
    ),
    newest as (
        select model_id, path, commit_id from texts
        qualify row_number() over (
            partition by model_id, path order by committed_at desc nulls last, position desc nulls last
        ) = 1
    )
    select fc.model_id, fc.path, fc.content
    from file_contents as fc join newest as n using (model_id, path, commit_id)
    where fc.content is not null
    """
    yield """
    create or replace temp table _lin_cfg as
    with texts as (
        select content from _lin_cfgtext
        union select cast(config as varchar) from models where config is not null
    )
    select content, lin_config(content) as f from texts
    """
    yield """
    create or replace temp table _lin_cardtext as
    with newest as (
        select cv.model_id, cv.commit_id
        from card_versions as cv
        semi join (select model_id from model_files where path = 'README.md') as mf using (model_id)
        qualify row_number() over (
            partition by cv.model_id order by cv.committed_at desc nulls last, cv.commit_id desc
        ) = 1
    )
    select cv.model_id, left(cv.content, 20000) as text
    from card_versions as cv join newest as n using (model_id, commit_id)
    where cv.content is not null
    """
    yield """
    create or replace temp table _lin_card as
    select text, lin_card_refs(text) as refs from (select distinct text from _lin_cardtext)
    """
    yield f"""
    create or replace temp table _lin_names as
    select name, lin_name(name) as f from (select distinct {_NAME} as name from models)
    """
    api = (
        f"""
        api as (
            select model_id as child_id, parent_id as raw, {_relation("relation")} as rel, position
            from (select *, dense_rank() over (partition by model_id order by snapshot_id desc) as rk from model_base_models)
            where rk = 1 and parent_id is not null
        ),"""
        if has_api
        else "api as (select null::varchar as child_id, null::varchar as raw, null::varchar as rel, null::integer as position where false),"
    )
    yield f"""
    create or replace temp table _lin_raw as
    with card as (
        select model_id as child_id, unnest(card_base_models) as raw,
               generate_subscripts(card_base_models, 1) - 1 as position,
               {_relation("card_base_model_relation")} as rel
        from models where len(card_base_models) > 0
    ),
    tag_rows as (
        select model_id, unnest(tags) as tag, generate_subscripts(tags, 1) as i from models where len(tags) > 0
    ),
    tag_parts as (
        select model_id, i, string_split(tag, ':') as parts from tag_rows where starts_with(tag, 'base_model:')
    ),
    tag as (
        select model_id as child_id, i,
               case when len(parts) >= 3 and parts[2] in {_sql_list(RELATIONS)} then parts[2] end as rel,
               case when len(parts) >= 3 and parts[2] in {_sql_list(RELATIONS)} then array_to_string(parts[3:], ':')
                    else array_to_string(parts[2:], ':') end as raw
        from tag_parts
    ),{api}
    cfg as (
        select t.model_id as child_id, t.path, c.f
        from _lin_cfgtext as t join _lin_cfg as c using (content)
        where c.f[1] = '1'
    ),
    prose as (
        select t.model_id as child_id,
               case when lower(c.refs[1]) != lower(t.model_id) then c.refs[1] else c.refs[2] end as ref
        from _lin_cardtext as t join _lin_card as c using (text)
    )
    select 'card' as source, child_id, raw, true as legacy, rel, position from card
    union all select 'tag', child_id, raw, true, rel, i from tag
    union all select 'hub_api', child_id, raw, null, rel, position from api
    union all select 'adapter_config', child_id, f[2], true, null, 0 from cfg where path = 'adapter_config.json'
    union all select 'config', child_id, f[3], false, null, 0 from cfg where path = 'config.json'
    union all select 'card_text', child_id, ref, null, null, 0 from prose where ref is not null
    """
    yield """
    create or replace temp table _lin_clean as
    select raw, legacy, lin_ref(raw, legacy) as ref
    from (select distinct raw, legacy from _lin_raw where legacy is not null and raw is not null)
    """
    quant_owners = _sql_list(sorted(QUANT_OWNERS))
    yield f"""
    create or replace temp table _lin_ev0 as
    with cleaned as (
        select r.source, r.child_id, coalesce(c.ref, case when r.legacy is null then r.raw end) as ref, r.rel, r.position
        from _lin_raw as r left join _lin_clean as c on c.raw = r.raw and c.legacy = r.legacy
    ),
    kept as (
        select * from cleaned
        where ref is not null
          -- adapter_config compares case-sensitively, config case-insensitively (as the files are read)
          and not (source = 'adapter_config' and ref = child_id)
          and not (source = 'config' and lower(ref) = lower(child_id))
    ),
    card as (  -- one row per reference, at its first position
        select source, child_id, ref, arg_min(rel, position) as rel, min(position) as position
        from kept where source in ('card', 'hub_api') group by all
    ),
    tag as (  -- a reference's relation is its last relation tag's; positions count distinct references
        select source, child_id, ref, arg_max(rel, i) filter (where rel is not null) as rel,
               (dense_rank() over (partition by child_id order by min(i)) - 1)::integer as position
        from (select *, position as i from kept where source = 'tag')
        group by source, child_id, ref
    ),
    present as (
        select model_id, lower(model_id) as lid, {_NAME} as name, {_OWNER} as owner, tags, config_model_type,
               coalesce(downloads, 0) as downloads, created_at
        from models where status is distinct from 'gone'
    ),
    facts as (
        select p.*, n.f[1] is not null or p.owner in {quant_owners} as signed, n.f[2] as stem, n.f[3] as stem_id,
               n.f[4] as key, n.f[5] as stem_key
        from present as p join _lin_names as n using (name)
    ),
    lower_ids as (select lid, max(model_id) as model_id from present group by lid),
    children as (select * from facts where signed and contains(model_id, '/') and stem is not null),
    spelled as (  -- the stem spells a full id of a crawled model
        select c.model_id as child_id, l.model_id as ref
        from children as c join lower_ids as l on l.lid = lower(c.stem_id) and l.lid != c.lid
    ),
    pool as (select * from facts where not signed),
    {_NAME_MATCH},
    name as (
        select 'name' as source, child_id, ref, null::varchar as rel, 0 as position, {E.SOURCES["name"]} as confidence from spelled
        union all
        select 'name', child_id, ref, null, 0, case when n = 1 then {E.SOURCES["name"]} else {E.NAME_AMBIGUOUS_CONFIDENCE} end
        from matched
    ),
    other as (select * from kept where source not in ('card', 'hub_api', 'tag'))
    select child_id, ref as parent_ref, source, rel as declared_relation, confidence, position::integer as position
    from (
        select *, {_case("source", E.SOURCES)} as confidence from card
        union all by name select *, {E.SOURCES["tag"]} as confidence from tag
        union all by name select *, {_case("source", E.SOURCES)} as confidence from other
        union all by name select * from name
    )
    """
    yield """
    create or replace temp table _lin_alias as
    with card as (
        select child_id, min(parent_ref) as ref, count(*) as n from _lin_ev0 where source = 'card' group by child_id
    ),
    api as (
        select child_id, min(parent_ref) as ref, count(*) as n from _lin_ev0 where source = 'hub_api' group by child_id
    ),
    pairs as (
        select card.child_id, card.ref as k, api.ref as v
        from card join api using (child_id) where card.n = 1 and api.n = 1 and card.ref != api.ref
    ),
    -- the last child naming a reference gives its alias; among spellings, the last first seen wins
    per_ref as (select k, arg_max(v, child_id) as v, min(child_id) as first from pairs group by k)
    select lower(k) as lk, arg_max(v, first) as v from per_ref group by lower(k)
    """
    yield f"""
    create or replace temp table _lin_ev as
    with lower_ids as (select lower(model_id) as lk, max(model_id) as model_id from models group by 1),
    step as (
        select e.*,
               case when m.model_id is not null then e.parent_ref when a.v is not null then a.v else l.model_id end as cur,
               case when m.model_id is not null then 'exact' when a.v is not null then 'hub_api'
                    when l.model_id is not null then 'case' end as how
        from _lin_ev0 as e
        left join models as m on m.model_id = e.parent_ref
        left join _lin_alias as a on a.lk = lower(e.parent_ref)
        left join lower_ids as l on l.lk = lower(e.parent_ref)
    )
    select s.child_id, s.parent_ref, coalesce(r.final, s.cur, s.parent_ref) as parent_id,
           case when s.cur is null then 'unresolved' when r.final is not null then 'renamed' else s.how end as resolved_via,
           s.source, s.declared_relation, s.confidence, s.position,
           {_case("s.source", E.TIER)} as tier, {_case("s.source", {s: i for i, s in enumerate(SOURCE_ORDER)})} as rank
    from step as s left join _lin_ren as r on r.model_id = s.cur
    """
    yield f"""
    create or replace temp table _lin_pp as
    with claims as (select * from _lin_ev where lower(parent_id) != lower(child_id)),
    top as (
        select child_id, parent_id,
               min(struct_pack(t := tier, r := rank, p := position, ref := parent_ref, s := source, v := resolved_via)) as top,
               min(case when declared_relation is not null
                        then struct_pack(t := tier, r := rank, p := position, ref := parent_ref, d := declared_relation) end).d
                   as declared_relation,
               coalesce(min(position) filter (where source in ('card', 'tag')), min(position)) as card_position
        from claims group by child_id, parent_id
    ),
    conf as (
        select child_id, parent_id, round(1 - product(1 - c), 4) as confidence
        from (
            select child_id, parent_id, case when source in {declared} then 'declared' else source end as k,
                   max(confidence) as c
            from claims group by all
        )
        group by child_id, parent_id
    ),
    srcs as (
        select child_id, parent_id, list(source order by rank) as sources
        from (select distinct child_id, parent_id, source, rank from claims) group by child_id, parent_id
    ),
    best as (select child_id, min(tier) as best_tier from claims group by child_id),
    declared as (
        select child_id, min(struct_pack(o := {_case("source", {"card": 0, "hub_api": 1, "tag": 2})}, p := position,
                                          ref := parent_ref, d := declared_relation)).d as relation
        from claims where source in {declared} and declared_relation is not null group by child_id
    )
    select tp.child_id, tp.parent_id, tp.top.t as tier, tp.top.r as rank, tp.top.s as source, tp.top.v as resolved_via,
           tp.declared_relation, tp.card_position, c.confidence, s.sources, b.best_tier, tp.top.t = b.best_tier as in_graph,
           d.relation as child_declared
    from top as tp
    join conf as c using (child_id, parent_id)
    join srcs as s using (child_id, parent_id)
    join best as b using (child_id)
    left join declared as d using (child_id)
    """
    yield """
    create or replace temp table _lin_edges as
    with nf as (
        select distinct lower(model_id) as lk from crawl_errors where error_type = 'not_found' and resolved_snapshot is null
    ),
    ordered as (
        select p.*, case when in_graph then row_number() over (
            partition by child_id, in_graph order by card_position, rank, parent_id) end as g
        from _lin_pp as p
    )
    select o.*,
           case when m.status = 'present' then null when m.status = 'gone' then 'gone' when nf.lk is not null then 'not_found'
                when m.status is not null and m.status != 'renamed' then m.status else 'not_crawled' end as dangling_reason
    from ordered as o
    left join models as m on m.model_id = o.parent_id
    left join nf on nf.lk = lower(o.parent_id)
    """


def _renames(con: duckdb.DuckDBPyConnection) -> None:
    """``_lin_ren``: each renamed model's last id, following renames with a visited set (only the
    renamed models are read)."""
    renamed = dict(con.execute("select model_id, renamed_to from models where renamed_to is not null and renamed_to != ''").fetchall())
    final: dict[str, str] = {}
    for start in renamed:
        current, seen, moved = start, {start}, False
        while current in renamed:
            nxt = renamed[current]
            if nxt in seen:
                break
            seen.add(nxt)
            current, moved = nxt, True
        if moved:
            final[start] = current
    con.execute(staged(con, "create or replace temp table _lin_ren (model_id varchar, final varchar)"))
    if final:
        batch = pa.table({"model_id": list(final), "final": list(final.values())})
        con.register("_lin_ren_batch", batch)
        try:
            con.execute("insert into _lin_ren select * from _lin_ren_batch")
        finally:
            con.unregister("_lin_ren_batch")


# ``_graph_and_observations``'s queries: the graph's nodes numbered in id order, and its edges on those numbers.
_GRAPH_SQL = (
    """
    create or replace temp table _lin_nodes as
    select id, (row_number() over (order by id))::integer as idx
    from (select child_id as id from _lin_edges where in_graph union select parent_id from _lin_edges where in_graph)
    """,
    """
    select c.idx as c, p.idx as p from _lin_edges as e
    join _lin_nodes as c on c.id = e.child_id join _lin_nodes as p on p.id = e.parent_id
    where e.in_graph order by e.child_id, e.g
    """,
)


@dataclass
class _Placed:
    """What the graph walks give (``_place``): each node's placement and descendant count, and the cycles."""

    placements: dict[Any, Placement]
    descendants: dict[Any, int]
    cycles: list[list[Any]]


def _place(children_idx: list[Any], parents_idx: list[Any]) -> _Placed:
    """Root, depth, cycle cut and descendants of every node, and the cycles over all parents: pure
    Python on integer ids, touching no connection (it runs on a thread of its own, ``_graph_and_observations``)."""
    graph = LineageGraph.from_edges(zip(children_idx, parents_idx, strict=True))
    return _Placed(graph.placements(), graph.descendant_counts(), graph.strongly_connected())


def _graph_and_observations(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """``_lin_place`` (root, depth, cycle cut and descendants of every graph node, computed on integer
    ids numbered in id order, so every order the walks use is the ids' order) and ``_lin_obs``
    (``_observations``). Returns the cycle conflicts (member, detail).

    The graph walks are Python on one core; while they run, DuckDB builds ``_lin_obs`` on ``con``
    (it releases the GIL while it works): the two read ``_lin_edges`` and share nothing else."""
    con.execute(staged(con, _GRAPH_SQL[0]))
    edges = con.execute(_GRAPH_SQL[1]).fetchnumpy()
    children_idx, parents_idx = edges["c"].tolist(), edges["p"].tolist()
    del edges
    with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="lineage-graph") as pool:
        walks = pool.submit(_place, children_idx, parents_idx)
        del children_idx, parents_idx
        try:
            _observations(con)
        finally:
            placed = walks.result()  # an error of the walks is raised here (after one of _observations)
    placements, descendants = placed.placements, placed.descendants
    con.execute(staged(con, "create or replace temp table _lin_place (idx integer, root integer, depth integer, cut boolean, descendants integer)"))
    nodes = sorted(placements)
    for i in range(0, len(nodes), GRAPH_BATCH):
        chunk = nodes[i : i + GRAPH_BATCH]
        batch = pa.table({
            "idx": pa.array(chunk, pa.int32()),
            "root": pa.array([placements[n].root for n in chunk], pa.int32()),
            "depth": pa.array([placements[n].depth for n in chunk], pa.int32()),
            "cut": pa.array([placements[n].cut for n in chunk], pa.bool_()),
            "descendants": pa.array([descendants.get(n, 0) for n in chunk], pa.int32()),
        })  # fmt: skip
        con.register("_lin_place_batch", batch)
        try:
            con.execute("insert into _lin_place select * from _lin_place_batch")
        finally:
            con.unregister("_lin_place_batch")
    if not placed.cycles:
        return []
    members = sorted({m for c in placed.cycles for m in c})
    names = dict(con.execute(f"select idx, id from _lin_nodes where idx in ({', '.join(map(str, members))})").fetchall())
    return [(names[m], " -> ".join(names[x] for x in c)) for c in placed.cycles for m in c]


def _observations(con: duckdb.DuckDBPyConnection) -> None:
    """``_lin_obs``: the relation rules for every model with graph parents."""
    con.execute(staged(con, _observations_sql()))


def _observations_sql() -> str:
    return f"""
        create or replace temp table _lin_obs as
        with kids as (
            select child_id as model_id, count(*) filter (where in_graph)::integer as n_parents,
                   min(best_tier) = 0 as declared, any_value(child_declared) as declared_relation,
                   min(case when g = 1 then parent_id end) as parent_id
            from _lin_edges group by child_id
        ),
        paths as (
            select model_id, list(path order by path) as paths from model_files
            where regexp_matches(lower(path), '{E._sign_paths_regex().replace("'", "''")}')
              and model_id in (select model_id from kids)
            group by model_id
        ),
        cfg as (
            select t.model_id, c.f[4] as quant from _lin_cfgtext as t join _lin_cfg as c using (content)
            where t.path = 'config.json' and c.f[1] = '1'
        ),
        facts as (
            select k.*, p.paths, ca.f[4] as cfg_a, cb.quant as cfg_b, m.tags,
                   coalesce(m.library_name, json_extract_string(m.card_data, '$.library_name')) as library
            from kids as k
            join models as m using (model_id)
            left join paths as p using (model_id)
            left join _lin_cfg as ca on ca.content = cast(m.config as varchar)
            left join cfg as cb using (model_id)
            where m.status is distinct from 'renamed'
        ),
        keyed as (
            -- the rules read the model id only through its name and a quantization owner
            select *, case when contains(model_id, '/')
                           then case when {_OWNER} in {_sql_list(sorted(QUANT_OWNERS))} then {_OWNER} else 'x' end || '/' || {_NAME}
                           else model_id end as key_id
            from facts
        ),
        distinct_facts as (
            select *, lin_observe(key_id, paths, cfg_a, cfg_b, tags, library, n_parents, declared) as o
            from (select distinct key_id, paths, cfg_a, cfg_b, tags, library, n_parents, declared from keyed)
        )
        select k.model_id, k.parent_id, k.n_parents, k.declared_relation, d.o
        from keyed as k join distinct_facts as d
          on d.key_id = k.key_id and d.paths is not distinct from k.paths and d.cfg_a is not distinct from k.cfg_a
         and d.cfg_b is not distinct from k.cfg_b and d.tags is not distinct from k.tags
         and d.library is not distinct from k.library and d.n_parents = k.n_parents and d.declared = k.declared
        """


def build_lineage_tables(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """(Re)build every lineage table from the crawl tables (written in one transaction, after the
    intermediate tables); returns the row count of each."""
    with sql_functions(con, _functions()), temp_tables(con) as temps:
        temps.adopt(*_TEMPS)
        return _build(con, temps)


# The step's temporary tables (made by ``_steps``, ``_renames`` and ``_graph_and_observations``).
_TEMPS = ("_lin_cfgtext", "_lin_cfg", "_lin_cardtext", "_lin_card", "_lin_names", "_lin_raw", "_lin_clean", "_lin_ev0",
          "_lin_alias", "_lin_ren", "_lin_ev", "_lin_pp", "_lin_edges", "_lin_nodes", "_lin_place", "_lin_obs", "_lin_cycles")  # fmt: skip


def _build(con: duckdb.DuckDBPyConnection, temps: TempTables) -> dict[str, int]:
    # Each table is dropped once no SQL still to run names it, so that (outside a transaction) its
    # memory goes back to the steps after it; the card texts are the largest.
    select = _final_selects()
    steps = list(_steps("model_base_models" in table_names(con)))
    after = [*_GRAPH_SQL, _observations_sql(), *select.values()]
    _renames(con)
    for i, sql in enumerate(steps):
        con.execute(temps.sql(sql))
        temps.drop_unread(steps[i + 1 :] + after)
    cycles = _graph_and_observations(con)
    temps.drop_unread(list(select.values()))
    con.execute(temps.sql("create or replace temp table _lin_cycles (model_id varchar, detail varchar)"))
    if cycles:
        con.executemany("insert into _lin_cycles values (?, ?)", cycles)
    counts: dict[str, int] = {}
    with transaction(con):  # the five tables land together
        for name in TABLES:
            columns = schema.columns(name)
            con.execute(schema.table(name).ddl(replace=True))
            con.execute(f"insert into {name} ({', '.join(columns)}) select * from ({select[name]}) order by {', '.join(ORDER[name])}")
            row = con.execute(f"select count(*) from {name}").fetchone()
            counts[name] = int(row[0]) if row else 0
    return counts


def _final_selects() -> dict[str, str]:
    """The query of each lineage table, over the step's temporary tables."""
    basis_conf = _case("o[2]", BASIS_CONFIDENCE)
    return {
        "lineage_evidence": "select child_id, parent_ref, parent_id, resolved_via, source, declared_relation, confidence, position from _lin_ev",
        "lineage_edges": """
            select e.child_id, e.parent_id, case when e.in_graph then coalesce(o.declared_relation, o.o[1]) end as relation,
                   e.declared_relation, e.source, e.confidence, e.sources, e.in_graph, coalesce(e.g = 1, false) as is_primary,
                   e.dangling_reason is not null as dangling, e.dangling_reason, e.resolved_via
            from _lin_edges as e left join _lin_obs as o on o.model_id = e.child_id
        """,
        "model_lineage": f"""
            with place as (
                select n.id, r.id as root_id, p.depth, p.cut, p.descendants
                from _lin_place as p join _lin_nodes as n using (idx) join _lin_nodes as r on r.idx = p.root
            ),
            roots as (
                select m.model_id, coalesce(pl.root_id, m.model_id) as root_id, coalesce(pl.depth, 0) as depth,
                       coalesce(pl.cut, false) as cycle_cut, coalesce(pl.descendants, 0) as descendants
                from models as m left join place as pl on pl.id = m.model_id
                where m.status is distinct from 'renamed'
            ),
            nf as (
                select distinct lower(model_id) as lk from crawl_errors where error_type = 'not_found' and resolved_snapshot is null
            )
            select r.model_id, o.parent_id, coalesce(o.declared_relation, o.o[1]) as relation_to_parent,
                   o.declared_relation, coalesce(o.o[4], o.o[1]) as observed_relation,
                   case when o.model_id is null then null when o.declared_relation is not null then 'declared' else o.o[2] end
                       as relation_basis,
                   case when o.model_id is null then null when o.declared_relation is not null then 0.95 else {basis_conf} end
                       as relation_confidence,
                   o.o[3] as relation_evidence, r.root_id, r.depth, coalesce(o.n_parents, 0) as n_parents, r.descendants,
                   r.root_id != r.model_id and rm.status is distinct from 'present' as root_dangling,
                   r.cycle_cut
            from roots as r
            left join _lin_obs as o using (model_id)
            left join models as rm on rm.model_id = r.root_id
        """,
        "lineage_conflicts": f"""
            select child_id as model_id, arg_min(parent_id, position) as parent_id, 'self_reference' as kind,
                   null as declared, null as observed, source || ' names the model itself' as detail
            from _lin_ev where lower(parent_id) = lower(child_id) group by child_id, source
            union all
            select e.child_id, e.parent_id, 'parent_disagreement', k.parents[1], e.parent_id,
                   e.source || ' names ' || e.parent_id || ', the graph keeps ' || array_to_string(k.parents, ', ')
            from _lin_edges as e
            join (select child_id, list(parent_id order by g) as parents from _lin_edges where in_graph group by child_id) as k
                using (child_id)
            where not e.in_graph and e.tier <= {E.TIER["config"]}
            union all
            select model_id, null, 'cycle', null, null, detail from _lin_cycles
            union all
            select model_id, parent_id, 'relation_mismatch', coalesce(declared_relation, o[1]), shown, o[3]
            from (
                select *, coalesce(o[4], case when o[2] in ('files', 'parents') then o[1] end) as shown from _lin_obs
            )
            where shown is not null and shown != coalesce(declared_relation, o[1])
        """,
        "lineage_paper": """
            select m.model_id,
                   case when m.config_model_type is not null and m.config_model_type != '' then m.config_model_type else 'none' end,
                   n.f[6], case when n.f[6] != 'none' then n.f[6] else 'finetuned' end,
                   ml.relation_to_parent, ml.relation_basis
            from models as m
            join _lin_names as n on n.name = """ + _NAME.replace("model_id", "m.model_id") + """
            join model_lineage as ml on ml.model_id = m.model_id
            where m.status is distinct from 'renamed'
        """,
    }
