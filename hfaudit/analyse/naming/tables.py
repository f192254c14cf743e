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
import json.encoder
from dataclasses import dataclass
from typing import cast

import duckdb
import pandas as pd
import pyarrow as pa

from hfaudit.analyse.batches import BatchWriter, jobs, parallel_map, transaction
from hfaudit.analyse.naming import ParsedName, Vocabulary, parse_names
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


def segments_json(pairs: list[list[str]]) -> str:
    """``json.dumps(pairs, ensure_ascii=False)`` of ``[[text, type], …]``, byte for byte, with the C
    string encoder only (the generic encoder was a third of a worker's time per name)."""
    enc = json.encoder.encode_basestring
    return "[" + ", ".join("[" + enc(a) + ", " + enc(b) + "]" for a, b in pairs) + "]"


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
                "segments": segments_json(p.segment_pairs()),
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


NAMING_CHUNK = 20_000  # model ids a worker parses at a time
SERIES_QUERY = """
with versioned_stems as (
    select distinct stem from naming where version_key is not null
)
select n.model_id, n.owner, n.stem, n.version_raw, n.version_scheme, n.version_key{extra}
from naming as n
join models as m using (model_id)
where n.stem in (select stem from versioned_stems)
order by n.model_id
"""


def _learned_terms(con: duckdb.DuckDBPyConnection, have: set[str]) -> tuple[list[str], list[str], list[str]]:
    """The crawl's vocabulary terms, as ``learn_vocabulary`` reads them, with set work in SQL: distinct
    model types, declared base ids, and the distinct ``datasets`` values of card metadata."""
    model_types = (
        [r[0] for r in con.execute(
            "select distinct cast(config_model_type as varchar) from models where config_model_type is not null order by 1"
        ).fetchall()]
        if "config_model_type" in have
        else []
    )
    base_ids = (
        [r[0] for r in con.execute(
            "select distinct cast(b as varchar) from (select unnest(card_base_models) as b from models) "
            "where b is not null and b <> '' order by 1"
        ).fetchall()]
        if "card_base_models" in have
        else []
    )
    datasets: set[str] = set()
    if "card_data" in have:
        for (value,) in con.execute(
            "select distinct json_extract(card_data, '$.datasets') from models where card_data is not null"
        ).fetchall():
            if value is not None:
                datasets.update(_card_datasets(json.dumps({"datasets": json.loads(value)})))
    return model_types, base_ids, sorted(datasets)


_VOCABS: dict[tuple[tuple[str, ...], ...], Vocabulary] = {}


def _vocabulary(terms: tuple[list[str], list[str], list[str]]) -> Vocabulary:
    """The default vocabulary extended with ``terms`` (once per worker process)."""
    key = tuple(tuple(t) for t in terms)
    if key not in _VOCABS:
        v = Vocabulary()
        v.extend(model_types=terms[0], base_models=terms[1], datasets=terms[2])
        _VOCABS.clear()
        _VOCABS[key] = v
    return _VOCABS[key]


_WORKER_TERMS: list[tuple[list[str], list[str], list[str]]] = []


def _set_worker_terms(terms: tuple[list[str], list[str], list[str]]) -> None:
    """A worker's initializer: the learned terms its chunks share, sent once per worker (sent with
    every chunk, a 1M-model store's 273k base ids made the parent pickle and write 2 s)."""
    _WORKER_TERMS[:] = [terms]


def _naming_chunk(ids: list[str]) -> pa.Table:
    """A worker's job: parse one chunk of distinct model ids into ``naming`` rows (Arrow), with the
    vocabulary of the terms ``_set_worker_terms`` gave this process."""
    (terms,) = _WORKER_TERMS
    frame = naming_frame(pd.DataFrame({"model_id": ids}), _vocabulary(terms))
    return pa.Table.from_pandas(frame, preserve_index=False)


@dataclass(frozen=True)
class _Named:
    """What ``build_series`` reads of a parsed name, as the ``naming`` table holds it."""

    model_id: str
    owner: str
    stem: str
    version_raw: str | None
    version_scheme: str
    version_key: str | None


def build_naming_tables(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create ``naming``, ``version_series`` and ``naming_vocabulary`` from table ``models``, in
    one transaction (``batches.transaction``: the three land together).

    The vocabulary is learned in SQL; each distinct model id is parsed once, in chunks on ``jobs``
    worker processes, and written as Arrow batches; the version series read back only the models
    whose stem some versioned model shares (no other model can be in a series).
    """
    with transaction(con):
        _build_naming_tables(con)


def _build_naming_tables(con: duckdb.DuckDBPyConnection) -> None:
    have = _columns(con, "models")
    if "model_id" not in have:
        raise ValueError("table models has no model_id column")
    terms = _learned_terms(con, have)
    vocab = Vocabulary()
    vocab.extend(model_types=terms[0], base_models=terms[1], datasets=terms[2])
    learned = pd.DataFrame(
        [{"kind": kind, "term": term} for kind in ("model_types", "base_models", "datasets") for term in sorted(vocab.learned[kind])],
        columns=["kind", "term"],
    )
    ids = [r[0] for r in con.execute("select distinct cast(model_id as varchar) from models order by 1").fetchall()]
    size = NAMING_CHUNK
    chunks = [ids[i : i + size] for i in range(0, len(ids), size)]
    writer = BatchWriter(con, "naming")
    workers = min(jobs(con), len(chunks))
    for table in parallel_map(_naming_chunk, chunks, workers, initializer=_set_worker_terms, initargs=(terms,)):
        writer.append_arrow(table)
    writer.finish("model_id")
    extra = "".join(f", m.{c}" for c in ("card_base_models", "created_at") if c in have)
    rows = con.execute(SERIES_QUERY.format(extra=extra)).fetchall()
    names = ["model_id", "owner", "stem", "version_raw", "version_scheme", "version_key"]
    extras: list[str] = [c for c in ("card_base_models", "created_at") if c in have]
    members = pd.DataFrame(
        {c: [r[i] for r in rows] for i, c in enumerate(names + extras)}, columns=names + extras
    )
    if "card_base_models" in members.columns:
        members["card_base_models"] = members["card_base_models"].map(lambda v: None if v is None else list(v))
    parsed = [_Named(*r[:6]) for r in rows]
    # _Named has every attribute of ParsedName that build_series reads.
    series = build_series(members[["model_id", *extras]], vocab, parsed=cast(list[ParsedName], parsed))
    if series.empty:
        series = pd.DataFrame({c: pd.Series(dtype="object") for c in SERIES_COLUMNS})
        series = series.astype({"position": "int64", "gap": "bool", "regression": "bool"})
    replace_table(con, "version_series", series, "series_id, position")
    replace_table(con, "naming_vocabulary", learned, "kind, term")
