"""Release transparency: what a model's card declares, per model and snapshot.

The card of a snapshot is README.md as of the head commit that snapshot saw: the last change to
README.md among the commits that snapshot's history held, up to the head (a deleted README means
no card). From it: whether a card is present, and whether it is empty or only the Hub's default
template; whether the metadata declares a license, training datasets, base models and evaluation
results; and whether datasets are only mentioned in the text.
"""

from __future__ import annotations

import json
import re
from typing import Any

import duckdb
import pyarrow as pa
from duckdb.func import FunctionNullHandling, PythonUDFType

from hfaudit.analyse.batches import FunctionSpec, sql_functions
from hfaudit.cards import as_list, card_body
from hfaudit.store import create_table_as, schema

CARD_STATES = ("none", "empty", "template", "unparseable", "metadata", "plain")
TRANSPARENCY_COLUMNS = schema.columns("transparency")
# The columns ``card_facts`` gives (the others name the model, snapshot and commits).
FACT_COLUMNS = TRANSPARENCY_COLUMNS[4:]
# The placeholder the Hub's model-card template (and the Trainer's card) leaves in unfilled fields.
_MORE_INFO = re.compile(r"more information needed", re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
TEMPLATE_SHARE = 0.25
_DATASET_MENTION = re.compile(
    r"huggingface\.co/datasets/|\bdatasets?\b|\bcorpus\b|\bcorpora\b|\btrained on (the )?[\w-]+ (data|dataset)",
    re.IGNORECASE,
)

CARD_QUERY = """
with seen as (
    select snapshot_id, model_id, sha as head_commit
    from model_snapshots
    where status in ('crawled', 'unchanged') and sha is not null
),
visible as (
    -- the commits each snapshot's history held
    select s.snapshot_id, c.model_id, c.commit_id, c.position
    from seen as s
    join commits as c on c.model_id = s.model_id
    where coalesce(c.first_snapshot, 0) <= s.snapshot_id
      and (c.unreachable_since is null or c.unreachable_since > s.snapshot_id)
),
heads as (
    select s.snapshot_id, s.model_id, s.head_commit, v.position as head_position
    from seen as s
    join visible as v on v.snapshot_id = s.snapshot_id and v.model_id = s.model_id and v.commit_id = s.head_commit
),
readme_changes as (
    select v.snapshot_id, v.model_id, v.commit_id, v.position, fc.change_kind
    from visible as v
    join file_changes as fc on fc.model_id = v.model_id and fc.commit_id = v.commit_id
    where fc.path = 'README.md'
),
latest as (
    select h.snapshot_id, h.model_id, h.head_commit,
           arg_max(r.commit_id, r.position) as readme_commit,
           arg_max(r.change_kind, r.position) as readme_kind
    from heads as h
    left join readme_changes as r
      on r.snapshot_id = h.snapshot_id and r.model_id = h.model_id and r.position <= h.head_position
    group by h.snapshot_id, h.model_id, h.head_commit
),
cards as (
    -- the card of each snapshot, as a key of its text (null: no card)
    select l.model_id, l.snapshot_id, l.head_commit, l.readme_commit,
           case when l.readme_commit is not null and l.readme_kind <> 'deleted' and cv.content is not null
                then hash(cv.content, cv.front_matter, cv.card_error) end as card_key,
           cv.content, cv.front_matter, cv.card_error
    from latest as l
    left join card_versions as cv on cv.model_id = l.model_id and cv.commit_id = l.readme_commit
),
facts as materialized (
    -- ``card_facts`` once per distinct card
    select card_key,
           hfaudit_card_facts(any_value(content), any_value(front_matter), any_value(card_error), card_key is not null) as f
    from cards
    group by card_key
)
select c.model_id, c.snapshot_id, c.head_commit, c.readme_commit, unnest(f.f)
from cards as c
join facts as f on f.card_key is not distinct from c.card_key
"""


def is_template(body: str) -> bool:
    """Whether a card body is a template left unfilled: at least three of its content lines (not
    headings, not comments) and at least a quarter of them are "More Information Needed"."""
    lines = [
        line.strip() for line in _COMMENT.sub("", body).splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    placeholders = sum(1 for line in lines if _MORE_INFO.search(line))
    return placeholders >= 3 and placeholders >= TEMPLATE_SHARE * len(lines)


def _eval_results(front: dict[str, Any]) -> bool:
    index = front.get("model-index")
    if isinstance(index, list):
        for entry in index:
            if isinstance(entry, dict) and entry.get("results"):
                return True
    return bool(front.get("eval_results"))


def card_facts(content: str | None, front_json: str | None, card_error: str | None, deleted: bool = False) -> dict[str, Any]:
    """The transparency columns of one README (None when the model has no README)."""
    if content is None or deleted:
        return {"card_present": False, "card_state": "none", "card_length": 0, "has_metadata": False,
                "card_error": None, "license": None, "license_declared": False, "datasets": [],
                "datasets_declared": False, "datasets_mentioned": False, "base_models": [],
                "base_model_declared": False, "eval_results_declared": False, "new_version": None}
    front: dict[str, Any] = {}
    if front_json:
        loaded = json.loads(front_json)
        front = loaded if isinstance(loaded, dict) else {}
    body = card_body(content)
    if not content.strip() or (not body.strip() and not front):
        state = "empty"
    elif is_template(body):
        state = "template"
    elif card_error:
        state = "unparseable"
    elif front:
        state = "metadata"
    else:
        state = "plain"
    license_value = front.get("license") or front.get("license_name")
    datasets = as_list(front.get("datasets"))
    bases = as_list(front.get("base_model"))
    mentioned = not datasets and state not in ("empty", "template") and bool(_DATASET_MENTION.search(body))
    return {
        "card_present": True,
        "card_state": state,
        "card_length": len(body.strip()),
        "has_metadata": bool(front),
        "card_error": card_error,
        "license": None if license_value is None else str(license_value),
        "license_declared": license_value not in (None, "", []),
        "datasets": datasets,
        "datasets_declared": bool(datasets),
        "datasets_mentioned": mentioned,
        "base_models": bases,
        "base_model_declared": bool(bases),
        "eval_results_declared": _eval_results(front),
        "new_version": None if front.get("new_version") is None else str(front.get("new_version")),
    }


def _facts_type() -> tuple[pa.DataType, str]:
    """The Arrow and SQL types of ``card_facts``'s result (the declared types of its columns)."""
    arrow = {"boolean": pa.bool_(), "varchar": pa.string(), "integer": pa.int32(), "varchar[]": pa.list_(pa.string())}
    facts = [(c, t) for c, t in schema.types("transparency").items() if c in FACT_COLUMNS]
    return (
        pa.struct([(c, arrow[t]) for c, t in facts]),
        "struct(" + ", ".join(f"{c} {t}" for c, t in facts) + ")",
    )


def _card_facts_column(
    content: pa.Array, front: pa.Array, error: pa.Array, present: pa.Array
) -> pa.Array:
    arrow, _ = _facts_type()
    rows = zip(content.to_pylist(), front.to_pylist(), error.to_pylist(), present.to_pylist(), strict=True)
    return pa.array([card_facts(c, f, e, deleted=not p) for c, f, e, p in rows], type=arrow)


def build_transparency(con: duckdb.DuckDBPyConnection) -> int:
    """(Re)create table ``transparency`` in one query, ``card_facts`` once per distinct card; returns
    its row count."""
    card_facts: FunctionSpec = (
        _card_facts_column,
        ["varchar", "varchar", "varchar", "boolean"],
        duckdb.sqltype(_facts_type()[1]),
        {"type": PythonUDFType.ARROW, "null_handling": FunctionNullHandling.SPECIAL, "side_effects": False},
    )
    with sql_functions(con, {"hfaudit_card_facts": card_facts}):
        create_table_as(con, "transparency", CARD_QUERY, "model_id, snapshot_id")
    rows = con.execute("select count(*) from transparency").fetchall()
    return int(rows[0][0]) if rows else 0
