"""The naming tables of the store: ``naming``, ``version_series`` and ``naming_vocabulary``.

``build_naming_tables(con)`` reads table ``models`` and (re)creates:

- ``naming``: one row per model with the columns of ``hfaudit names`` (segments as JSON text), plus
  the variant keywords, the series stem and the study's own version and variant labels
  (``paper_version``, ``paper_version_group``, ``paper_variant``) side by side;
- ``version_series``: see :mod:`hfaudit.analyse.naming.series`;
- ``naming_vocabulary``: the terms learned from the crawl (``config.model_type`` values, declared
  base model ids, dataset ids from card metadata) that extended the parser's vocabulary.

Learning first, then parsing: a crawl that saw ``base_model: org/Foo-7B`` parses ``x/Foo-7B-ft``
with ``Foo-7B`` as the base model. All writes are bulk inserts of pandas frames.
"""

from __future__ import annotations

import json

import duckdb
import pandas as pd

from hfaudit.analyse.naming import Vocabulary, parse_names
from hfaudit.analyse.naming.paper import paper_variant, paper_version, paper_version_group
from hfaudit.analyse.naming.series import SERIES_COLUMNS, build_series
from hfaudit.store import replace_table, schema

NAMING_COLUMNS = schema.columns("naming")


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    rows = con.execute(
        "select column_name from information_schema.columns where table_name = ?", [table]
    ).fetchall()
    return {r[0] for r in rows}


def _card_datasets(card_data: object) -> list[str]:
    if card_data is None or (isinstance(card_data, float) and pd.isna(card_data)):
        return []
    try:
        data = json.loads(card_data) if isinstance(card_data, str) else card_data
    except ValueError:
        return []
    if not isinstance(data, dict):
        return []
    ds = data.get("datasets")
    if isinstance(ds, str):
        return [ds]
    if isinstance(ds, list):
        return [str(d) for d in ds if isinstance(d, str | int)]
    return []


def learn_vocabulary(models: pd.DataFrame, vocab: Vocabulary | None = None) -> tuple[Vocabulary, pd.DataFrame]:
    """A vocabulary extended with what ``models`` declares, and the learned terms as a frame."""
    v = vocab if vocab is not None else Vocabulary()
    model_types = sorted({str(t) for t in models.get("config_model_type", pd.Series(dtype=object)).dropna()})
    base_ids: set[str] = set()
    if "card_base_models" in models.columns:
        for value in models["card_base_models"]:
            if value is not None and not isinstance(value, float) and value is not pd.NA:
                base_ids.update(str(b) for b in value if b)
    datasets: set[str] = set()
    if "card_data" in models.columns:
        for value in models["card_data"].dropna():
            datasets.update(_card_datasets(value))
    v.extend(model_types=model_types, base_models=sorted(base_ids), datasets=sorted(datasets))
    learned = [
        {"kind": kind, "term": term}
        for kind in ("model_types", "base_models", "datasets")
        for term in sorted(v.learned[kind])
    ]
    return v, pd.DataFrame(learned, columns=["kind", "term"])


def naming_frame(models: pd.DataFrame, vocab: Vocabulary | None = None) -> pd.DataFrame:
    """One row per model of ``models`` with :data:`NAMING_COLUMNS`."""
    rows = []
    ids = list(models["model_id"].astype(str))
    for model_id, p in zip(ids, parse_names(ids, vocab), strict=True):
        pv = paper_version(model_id)
        rows.append(
            {
                "model_id": model_id,
                "owner": p.owner,
                "convention": p.convention,
                "segments": json.dumps(p.segment_pairs(), ensure_ascii=False),
                "version_raw": p.version_raw,
                "version_scheme": p.version_scheme,
                "version_key": p.version_key,
                "size_params": p.size_params,
                "experts": p.experts,
                "quant_format": p.quant_format,
                "family": p.family,
                "variants": list(p.variants),
                "stem": p.stem,
                "jiang_class": p.jiang_class,
                "paper_version": pv,
                "paper_version_group": paper_version_group(pv),
                "paper_variant": paper_variant(model_id),
            }
        )
    frame = pd.DataFrame(rows, columns=NAMING_COLUMNS)
    frame["size_params"] = frame["size_params"].astype("Int64")
    frame["experts"] = frame["experts"].astype("Int64")
    return frame


def build_naming_tables(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create ``naming``, ``version_series`` and ``naming_vocabulary`` from table ``models``."""
    have = _columns(con, "models")
    wanted = [c for c in ("model_id", "author", "card_base_models", "config_model_type", "card_data", "created_at") if c in have]
    if "model_id" not in wanted:
        raise ValueError("table models has no model_id column")
    models = con.execute(f"select {', '.join(wanted)} from models order by model_id").df()
    if "card_base_models" in models.columns:
        models["card_base_models"] = models["card_base_models"].map(
            lambda v: None if v is None or v is pd.NA or isinstance(v, float) else list(v)
        )
    vocab, learned = learn_vocabulary(models)
    naming = naming_frame(models, vocab)
    series = build_series(models, vocab)
    if series.empty:
        series = pd.DataFrame({c: pd.Series(dtype="object") for c in SERIES_COLUMNS})
        series = series.astype({"position": "int64", "gap": "bool", "regression": "bool"})
    replace_table(con, "naming", naming, "model_id")
    replace_table(con, "version_series", series, "series_id, position")
    replace_table(con, "naming_vocabulary", learned, "kind, term")
