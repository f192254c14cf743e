"""The study's measures computed from a store, as the study computed them, beside hfaudit's own.

``study_measures(con)`` returns, for a crawled store:

- ``weight_share``: the share of commit-level file changes that touch weight files: the study's
  extension categories (§4.3) and hfaudit's ``files.is_weight``; and hfaudit's sharper figure, the
  share of weight changes after the first release that no version signal documents;
- ``repeat_weight_files``: weight files committed at least twice (the study's five extensions),
  and hfaudit's files with at least one in-place replacement;
- ``cards``: card presence (study: README loads) and declared training datasets (study: card
  metadata ``datasets``), beside hfaudit's filled cards and datasets declared or mentioned;
- ``version_pairs``: §6.3, the change flags between a versioned model and its predecessor in its
  version series, major against minor (the study's ``vN`` / ``vN.M`` groups), Fisher exact per flag.

``build_version_pairs(con)`` stores the §6.3 flags per pair in ``version_pair_changes``.
"""

from __future__ import annotations

import difflib
import functools
import re
from typing import Any

import duckdb
import pandas as pd

from hfaudit.analyse.releases.paper import STUDY, category_shares, repeat_weight_files
from hfaudit.analyse.releases.stats import fisher_exact
from hfaudit.cards import LFS_POINTER
from hfaudit.files import MATTERING
from hfaudit.store import replace_table, schema

_MATTERING = ", ".join(f"'{c}'" for c in sorted(MATTERING))
PAIR_FLAGS = ("base_changed", "weights_changed", "pointers_changed", "readme_changed", "card_changed")
PAIR_COLUMNS = schema.columns("version_pair_changes")
_TOKEN = re.compile(r"\w+|[^\w\s]")

PAIRS_QUERY = """
with heads as (
    select model_id, config_model_type, card_base_models
    from models
    where crawled_sha is not null
),
paired as (
    -- the models of the pairs (only their files and READMEs are read)
    select model_id from version_series where predecessor_id is not null
    union
    select predecessor_id from version_series where predecessor_id is not null
),
lfs as (
    select model_id,
           sum(size) as lfs_size,
           list(sha256 order by path) filter (where category = 'weights') as weight_shas,
           list(struct_pack(sha256 := sha256, size := size) order by path) as pointers
    from model_files
    where sha256 is not null and model_id in (select model_id from paired)
    group by model_id
),
readme as (
    select fc.model_id, arg_max(cv.content, c.position) as content, arg_max(fc.change_kind, c.position) as kind
    from file_changes as fc
    join commits as c using (model_id, commit_id)
    left join card_versions as cv using (model_id, commit_id)
    where fc.path = 'README.md' and c.unreachable_since is null and fc.model_id in (select model_id from paired)
    group by fc.model_id
)
select s.model_id, s.predecessor_id, s.series_id, s.version_scheme, n.paper_version_group,
       h1.config_model_type as type_new, h0.config_model_type as type_old,
       h1.card_base_models as bases_new, h0.card_base_models as bases_old,
       l1.lfs_size as size_new, l0.lfs_size as size_old,
       l1.weight_shas as shas_new, l0.weight_shas as shas_old,
       l1.pointers as pointers_new, l0.pointers as pointers_old,
       case when r1.kind = 'deleted' then null else r1.content end as readme_new,
       case when r0.kind = 'deleted' then null else r0.content end as readme_old
from version_series as s
join heads as h1 on h1.model_id = s.model_id
join heads as h0 on h0.model_id = s.predecessor_id
left join naming as n on n.model_id = s.model_id
left join lfs as l1 on l1.model_id = s.model_id
left join lfs as l0 on l0.model_id = s.predecessor_id
left join readme as r1 on r1.model_id = s.model_id
left join readme as r0 on r0.model_id = s.predecessor_id
where s.predecessor_id is not null
order by s.model_id
"""


def _exists(con: duckdb.DuckDBPyConnection, *names: str) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'main' and list_contains(?, table_name)",
        [list(names)],
    ).fetchall()[0]
    return bool(row and row[0] == len(names))


def _pointer_total(pointers: Any) -> int:
    """Σ LFS pointer-file sizes, as the study's ``lfs.pointer_size`` sum."""
    if pointers is None:
        return 0
    return sum(len(LFS_POINTER.format(sha256=p["sha256"], size=p["size"])) for p in pointers)


@functools.lru_cache(maxsize=2048)  # pure; the cards of a series' versions repeat across pairs
def card_similarity(a: str | None, b: str | None) -> float:
    """The study's card similarity: difflib ratio over word tokens (nltk's tokenizer approximated)."""
    return difflib.SequenceMatcher(None, _TOKEN.findall(a or ""), _TOKEN.findall(b or ""), autojunk=False).ratio()


def _value(v: Any) -> Any:
    if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v)):
        return None
    return v


def _list(v: Any) -> list[Any]:
    v = _value(v)
    return [] if v is None else list(v)


def version_pairs(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """§6.3 change flags for every (versioned model, predecessor) pair of the version series."""
    if not _exists(con, "version_series", "naming"):
        return pd.DataFrame(columns=PAIR_COLUMNS)
    rows = []
    for r in con.execute(PAIRS_QUERY).df().itertuples(index=False):
        new, old = _value(r.readme_new), _value(r.readme_old)
        similarity = card_similarity(new, old)
        rows.append(
            {
                "model_id": r.model_id,
                "predecessor_id": r.predecessor_id,
                "series_id": r.series_id,
                "version_scheme": _value(r.version_scheme),
                "paper_version_group": _value(r.paper_version_group),
                "base_changed": _value(r.type_new) != _value(r.type_old),
                "weights_changed": (_value(r.size_new) or 0) != (_value(r.size_old) or 0),
                "pointers_changed": _pointer_total(_value(r.pointers_new)) != _pointer_total(_value(r.pointers_old)),
                "readme_changed": len((new or "").encode()) != len((old or "").encode()),
                "card_changed": similarity < 1.0,
                "card_similarity": round(similarity, 4),
                "weights_sha_changed": sorted(_list(r.shas_new)) != sorted(_list(r.shas_old)),
                "declared_base_changed": sorted(_list(r.bases_new)) != sorted(_list(r.bases_old)),
            }
        )
    return pd.DataFrame(rows, columns=PAIR_COLUMNS)


def build_version_pairs(con: duckdb.DuckDBPyConnection) -> int:
    """(Re)create table ``version_pair_changes``; returns its row count."""
    frame = version_pairs(con)
    replace_table(con, "version_pair_changes", frame, "model_id")
    return len(frame)


def _finite(x: float) -> float | str | None:
    """JSON has no NaN or infinity: an undefined odds ratio is null, an infinite one ``"inf"``."""
    if x != x:
        return None
    return "inf" if x == float("inf") else round(x, 4)


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 2) if whole else None


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[Any, ...]:
    rows = con.execute(sql).fetchall()  # fetchone would leave the result open
    row = rows[0] if rows else None
    return tuple(row) if row else ()


def pair_tests(con: duckdb.DuckDBPyConnection, group_column: str = "paper_version_group") -> list[dict[str, Any]]:
    """Fisher exact per §6.3 flag: [[changed_major, changed_minor], [same_major, same_minor]]."""
    if not _exists(con, "version_pair_changes"):
        return []
    out = []
    for flag in (*PAIR_FLAGS, "weights_sha_changed", "declared_base_changed"):
        cm, cn, sm, sn = _one(
            con,
            f"""
            select count(*) filter (where {group_column} = 'major' and {flag}),
                   count(*) filter (where {group_column} = 'minor' and {flag}),
                   count(*) filter (where {group_column} = 'major' and not {flag}),
                   count(*) filter (where {group_column} = 'minor' and not {flag})
            from version_pair_changes
            """,
        )
        test = fisher_exact(((cm, cn), (sm, sn)))
        out.append(
            {
                "flag": flag,
                "measure": "paper" if flag in PAIR_FLAGS else "hfaudit",
                "major_changed": cm,
                "major_same": sm,
                "minor_changed": cn,
                "minor_same": sn,
                "odds_ratio": _finite(test.odds_ratio),
                "p_value": test.p_value,
            }
        )
    return out


def study_measures(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The study's measures on a crawled store, each beside hfaudit's (see the module docstring)."""
    paths = con.execute(
        """
        select fc.path, count(*) as changes
        from file_changes as fc
        join commits as c using (model_id, commit_id)
        where c.unreachable_since is null
        group by fc.path
        order by fc.path
        """
    ).fetchall()
    shares = {s.category: s for s in category_shares(paths)}
    total = sum(n for _, n in paths)
    weights, commits, diffed, other_only = _one(
        con,
        f"""
        with per_commit as (
            select model_id, commit_id, bool_or(category in ({_MATTERING})) as matters
            from file_changes
            group by model_id, commit_id
        )
        select (select count(*) from file_changes as fc join commits as c using (model_id, commit_id)
                where fc.category = 'weights' and c.unreachable_since is null),
               (select count(*) from commits where unreachable_since is null),
               (select count(*) from per_commit),
               (select count(*) from per_commit where not matters)
        """,
    )
    out: dict[str, Any] = {"study": dict(STUDY)}
    events = _exists(con, "weight_changes")
    silent = _one(
        con,
        """
        select count(*) filter (where change_kind <> 'initial'),
               count(*) filter (where change_kind <> 'initial' and not documented),
               count(*) filter (where change_kind = 'replaced'),
               count(*) filter (where change_kind = 'replaced' and not documented)
        from weight_changes
        """,
    ) if events else (0, 0, 0, 0)
    model_files = shares.get("Model Files")
    out["weight_share"] = {
        "file_changes": total,
        "commits": commits,
        "commits_with_file_changes": diffed,
        # ``--changes matter`` diffs only commits that touch weights, cards, configs, tokenizers or
        # adapters: other commits' changes are missing and the shares are upper bounds. A stored
        # commit that touches none of those paths shows that every commit was diffed (``all``).
        "all_commits_diffed": bool(other_only) or diffed >= commits,
        "paper_weight_changes": model_files.changes if model_files else 0,
        "paper_share_pct": model_files.share_pct if model_files else None,
        "paper_categories": {k: v.share_pct for k, v in shares.items()},
        "hfaudit_weight_changes": weights,
        "hfaudit_share_pct": _pct(weights, total),
        "after_first_release": silent[0],
        "silent_after_first_release": silent[1],
        "silent_share_pct": _pct(silent[1], silent[0]),
        "replacements": silent[2],
        "silent_replacements": silent[3],
        "silent_replacement_share_pct": _pct(silent[3], silent[2]),
    }
    touched = con.execute(
        """
        select fc.model_id, fc.path, count(distinct fc.commit_id)
        from file_changes as fc
        join commits as c using (model_id, commit_id)
        where c.unreachable_since is null
        group by fc.model_id, fc.path
        order by fc.model_id, fc.path
        """
    ).fetchall()
    repeat = repeat_weight_files(touched)
    replaced = _one(
        con,
        """
        select count(distinct (model_id, path)), count(distinct model_id)
        from weight_changes where change_kind = 'replaced'
        """,
    ) if events else (0, 0)
    out["repeat_weight_files"] = {
        "paper_files": repeat.files,
        "paper_models": repeat.models,
        "paper_by_extension": repeat.by_extension,
        "hfaudit_replaced_files": replaced[0],
        "hfaudit_replaced_models": replaced[1],
    }
    if _exists(con, "transparency"):
        cards = _one(
            con,
            """
            with latest as (
                select * from transparency
                qualify snapshot_id = max(snapshot_id) over (partition by model_id)
            )
            select count(*), count(*) filter (where card_present),
                   count(*) filter (where card_state in ('metadata', 'plain', 'unparseable')),
                   count(*) filter (where datasets_declared),
                   count(*) filter (where datasets_declared or datasets_mentioned),
                   count(*) filter (where license_declared),
                   count(*) filter (where base_model_declared),
                   count(*) filter (where eval_results_declared)
            from latest
            """,
        )
        n = cards[0]
        out["cards"] = {
            "models": n,
            "paper_card_present_pct": _pct(cards[1], n),
            "hfaudit_card_filled_pct": _pct(cards[2], n),
            "paper_datasets_declared_pct": _pct(cards[3], n),
            "hfaudit_datasets_declared_or_mentioned_pct": _pct(cards[4], n),
            "license_declared_pct": _pct(cards[5], n),
            "base_model_declared_pct": _pct(cards[6], n),
            "eval_results_declared_pct": _pct(cards[7], n),
        }
    out["version_pairs"] = {
        "paper_groups": pair_tests(con, "paper_version_group"),
        "hfaudit_schemes": pair_tests(con, "version_scheme"),
    }
    return out
