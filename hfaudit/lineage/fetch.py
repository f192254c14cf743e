"""``baseModels`` from model info: the Hub's own resolution of a card's base models.

The list endpoint cannot return ``baseModels`` (docs/hub-api.md §5), so it costs one ``model_info``
call per model. ``fetch_base_models`` makes that call only for the models it is given; the crawler
calls it for models whose tags contain ``base_model:`` (``needs_base_models``), and
``write_base_models`` stores the rows in ``model_base_models`` (one row per model and parent, per
snapshot). A failed call is returned as an error row, never raised, so a crawl goes on.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import duckdb
import pandas as pd

from hfaudit.hub import Hub, classify, with_retry

DDL = """
create table if not exists model_base_models (
    snapshot_id integer,
    model_id varchar not null,
    position integer not null,      -- order in baseModels.models
    parent_id varchar not null,     -- canonical id, as the Hub resolved it
    parent_object_id varchar,       -- the parent's _id
    relation varchar                -- baseModels.relation (null when the Hub knows none)
)
"""
COLUMNS = ["snapshot_id", "model_id", "position", "parent_id", "parent_object_id", "relation"]


def needs_base_models(tags: Iterable[str] | None) -> bool:
    """Whether a model's tags show a declared base (so ``baseModels`` is worth a call)."""
    return any(str(t).startswith("base_model:") for t in tags or ())


def _field(value: Any, name: str) -> Any:
    return value.get(name) if isinstance(value, dict) else getattr(value, name, None)


def fetch_base_models(
    hub: Hub, model_ids: Iterable[str], snapshot_id: int | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(rows for ``model_base_models``, error rows ``model_id, error_type, message``)."""
    rows: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for model_id in model_ids:
        def call(m: str = model_id) -> Any:
            return hub.api.model_info(m, expand=["baseModels"])

        try:
            info = with_retry(call)
        except Exception as exc:  # noqa: BLE001 - recorded with its reason, the caller goes on
            failure = classify(exc)
            errors.append({"model_id": model_id, "error_type": failure.error_type, "message": failure.message})
            continue
        base = getattr(info, "base_models", None)
        if not base:
            continue
        relation = _field(base, "relation")
        for position, parent in enumerate(_field(base, "models") or []):
            parent_id = _field(parent, "id")
            if parent_id:
                rows.append({
                    "snapshot_id": snapshot_id, "model_id": model_id, "position": position,
                    "parent_id": str(parent_id), "parent_object_id": _field(parent, "_id"),
                    "relation": relation,
                })  # fmt: skip
    return rows, errors


def write_base_models(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]) -> int:
    """Replace the stored rows of the same (snapshot, model) with ``rows``, in bulk."""
    con.execute(DDL)
    if not rows:
        return 0
    frame = pd.DataFrame(rows).reindex(columns=COLUMNS)
    con.register("_base_models", frame)
    try:
        con.execute(
            """
            delete from model_base_models
            where (coalesce(snapshot_id, -1), model_id) in (
                select distinct coalesce(snapshot_id, -1), model_id from _base_models
            )
            """
        )
        con.execute(f"insert into model_base_models select {', '.join(COLUMNS)} from _base_models")
    finally:
        con.unregister("_base_models")
    return len(rows)
