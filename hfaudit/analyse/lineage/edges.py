"""Lineage evidence: every (child, parent) claim the store holds, with its source and confidence.

Sources, strongest first (``SOURCES``):

- ``hub_api``: ``baseModels`` from model info (table ``model_base_models``, when it was fetched): the
  Hub's own resolution of the card, with canonical parent ids;
- ``card``: ``cardData.base_model`` (a string or a list) and ``base_model_relation``;
- ``tag``: the Hub's ``base_model:<id>`` and ``base_model:<relation>:<id>`` tags;
- ``adapter_config``: ``base_model_name_or_path`` in ``adapter_config.json``;
- ``card_text``: the README's prose, "a fine-tuned version of [X](https://huggingface.co/X)" (as the
  transformers Trainer writes it), "trained starting from X", "quantized version of X";
- ``config``: ``_name_or_path`` in ``config.json`` (often a local path, the model itself, or a
  grandparent, hence the low confidence);
- ``name``: a quantized or converted repository whose name embeds another crawled model's name
  (``TheBloke/Llama-2-7B-GGUF``, ``RichardErkhov/owner_-_name-gguf``, ``mlx-community/…-4bit``).

References are resolved to canonical ids: exact id, a rename the crawl recorded
(``models.renamed_to``), the Hub's canonical id for the same reference (``hub_api``), or a
case-insensitive match (Hub ids are case-insensitive).
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import duckdb
import pandas as pd

from hfaudit.analyse.lineage.relations import QUANT_TOKEN, RELATIONS, name_quant_sign
from hfaudit.store import json_value

SOURCES: dict[str, float] = {
    "hub_api": 0.98,
    "card": 0.95,
    "tag": 0.9,
    "adapter_config": 0.85,
    "card_text": 0.7,
    "config": 0.6,
    "name": 0.6,
}
# Sources that restate the card (one declaration), and the tier each source's parents belong to.
DECLARED_SOURCES = ("hub_api", "card", "tag")
TIER: dict[str, int] = {"hub_api": 0, "card": 0, "tag": 0, "adapter_config": 1, "card_text": 2, "config": 3, "name": 4}
NAME_AMBIGUOUS_CONFIDENCE = 0.35

EVIDENCE_COLUMNS = ["child_id", "parent_ref", "source", "declared_relation", "confidence", "position"]

_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*/[\w.\-]*[\w]$")
_LEGACY_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*$")


def as_list(value: Any) -> list[Any]:
    """A list column's value as a list (pandas gives arrays, lists or NA)."""
    if isinstance(value, list | tuple):
        return list(value)
    if hasattr(value, "tolist") and not isinstance(value, str):
        out = value.tolist()
        return out if isinstance(out, list) else []
    return []


def clean_ref(value: Any, *, legacy: bool) -> str | None:
    """A Hub id from a card or config value; ``legacy`` accepts one-part ids (``gpt2``)."""
    if not isinstance(value, str):
        return None
    text = value.strip().removeprefix("https://huggingface.co/").removeprefix("hf://").strip("/")
    if not text or ".." in text or text.startswith((".", "~")):
        return None
    if _HUB_ID.match(text):
        return text
    if legacy and _LEGACY_ID.match(text):
        return text
    return None


def _table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables where table_name = ? and table_schema = current_schema()",
        [name],
    ).fetchone()
    return bool(row and row[0])


def read_models(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        """
        select model_id, status, renamed_to, tags, card_base_models, card_base_model_relation,
               config, config_model_type, created_at, downloads,
               -- the Hub's library (the card's, or its own inference), else the card's as recorded
               coalesce(library_name, json_extract_string(card_data, '$.library_name')) as library_name
        from models
        order by model_id
        """
    ).df()


def _sign_paths_regex() -> str:
    """A regex (on the lowercased path) that every path ``relations.file_signs`` or the weights test
    can look at matches: weight and quantised suffixes, and the named quantisation, adapter and merge
    files. Other paths cannot change a relation, so they are not read."""
    from hfaudit.analyse.lineage import relations as r

    suffixes = sorted({s.lstrip(".") for s in (*r._WEIGHT_SUFFIXES, *r._QUANT_SUFFIXES)})
    names = sorted({*r._QUANT_FILES, *r._MERGE_FILES, "adapter_config.json"})
    return rf"\.({'|'.join(map(re.escape, suffixes))})$|(^|/)({'|'.join(map(re.escape, names))})$"


def read_current_files(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Per model, its current paths that can show a relation (in path order)."""
    cur = con.execute(
        "select model_id, path from model_files where regexp_matches(lower(path), ?) order by model_id, path",
        [_sign_paths_regex()],
    )
    out: dict[str, list[str]] = defaultdict(list)
    while rows := cur.fetchmany(100_000):
        for model_id, path in rows:
            out[model_id].append(path)
    return out


def read_config_texts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The newest text of config.json and adapter_config.json still in each model's current tree."""
    return con.execute(
        """
        with texts as (
            select fc.model_id, fc.path, fc.content, c.committed_at, c.position
            from file_contents as fc
            join commits as c using (model_id, commit_id)
            join model_files as mf on mf.model_id = fc.model_id and mf.path = fc.path
            where fc.path in ('config.json', 'adapter_config.json')
              and c.unreachable_since is null
        ),
        newest as (
            select *, row_number() over (
                partition by model_id, path order by committed_at desc nulls last, position desc nulls last
            ) as rank
            from texts
        )
        select model_id, path, content from newest where rank = 1
        order by model_id, path
        """
    ).df()


def read_card_texts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The newest README.md text of each model whose current tree still has one."""
    return con.execute(
        """
        with newest as (
            select cv.model_id, cv.content, row_number() over (
                partition by cv.model_id order by cv.committed_at desc nulls last, cv.commit_id desc
            ) as rank
            from card_versions as cv
            join model_files as mf on mf.model_id = cv.model_id and mf.path = 'README.md'
        )
        select model_id, content from newest where rank = 1 and content is not null
        order by model_id
        """
    ).df()


# Prose that names a parent: a Hub link after the phrase wins over the link text or a bare id.
_PROSE = re.compile(
    r"(?:fine-?tuned version of|quantized version of|quantizations? of|quants of|"
    r"(?:fine-?tuned|trained|quantized|converted)(?: starting)? from)\s+"
    r"(?:\[[^\]]{1,200}\]\(\s*(?:https?://huggingface\.co/)?(?P<link>[^)\s]+)\s*\)|[`*\"']{0,2}(?P<bare>[\w.\-]+/[\w.\-]+))",
    re.IGNORECASE,
)


def text_evidence(cards: pd.DataFrame) -> list[dict[str, Any]]:
    """Evidence rows from README prose (the first phrase naming a Hub id)."""
    rows: list[dict[str, Any]] = []
    for rec in cards.itertuples(index=False):
        child = str(rec.model_id)
        for match in _PROSE.finditer(str(rec.content)[:20000]):
            ref = clean_ref((match.group("link") or match.group("bare") or "").rstrip(".,;:"), legacy=True)
            if ref and ref.lower() != child.lower() and not ref.startswith(("datasets/", "spaces/")):
                rows.append(_row(child, ref, "card_text", None, SOURCES["card_text"], 0))
                break
    return rows


def read_hub_api(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    if not _table_exists(con, "model_base_models"):
        return pd.DataFrame(columns=["model_id", "parent_id", "relation", "position"])
    return con.execute(
        """
        with newest as (
            select *, dense_rank() over (partition by model_id order by snapshot_id desc) as rank
            from model_base_models
        )
        select model_id, parent_id, relation, position from newest where rank = 1
        order by model_id, position
        """
    ).df()


def declared_evidence(models: pd.DataFrame, api: pd.DataFrame) -> list[dict[str, Any]]:
    """Evidence rows from the card, the tags and ``baseModels``."""
    rows: list[dict[str, Any]] = []
    for rec in models.itertuples(index=False):
        child = str(rec.model_id)
        bases = as_list(rec.card_base_models)
        relation = rec.card_base_model_relation if isinstance(rec.card_base_model_relation, str) else None
        for i, base in enumerate(bases):
            ref = clean_ref(base, legacy=True)
            if ref:
                rows.append(_row(child, ref, "card", relation, SOURCES["card"], i))
        tag_parents: dict[str, str | None] = {}
        for tag in as_list(rec.tags):
            parts = str(tag).split(":")
            if parts[0] != "base_model" or len(parts) < 2:
                continue
            if len(parts) >= 3 and parts[1] in RELATIONS:
                ref = clean_ref(":".join(parts[2:]), legacy=True)
                if ref:
                    tag_parents[ref] = parts[1]
            else:
                ref = clean_ref(":".join(parts[1:]), legacy=True)
                if ref:
                    tag_parents.setdefault(ref, None)
        for i, (ref, rel) in enumerate(tag_parents.items()):
            rows.append(_row(child, ref, "tag", rel, SOURCES["tag"], i))
    for rec in api.itertuples(index=False):
        rows.append(_row(str(rec.model_id), str(rec.parent_id), "hub_api", rec.relation, SOURCES["hub_api"], int(rec.position)))
    return rows


def file_evidence(configs: pd.DataFrame) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Evidence rows from adapter_config.json and config.json; also each model's parsed config.json."""
    rows: list[dict[str, Any]] = []
    parsed: dict[str, dict[str, Any]] = {}
    for rec in configs.itertuples(index=False):
        data = json_value(rec.content)
        if not isinstance(data, dict):
            continue
        child = str(rec.model_id)
        if rec.path == "adapter_config.json":
            ref = clean_ref(data.get("base_model_name_or_path"), legacy=True)
            if ref and ref != child:
                rows.append(_row(child, ref, "adapter_config", None, SOURCES["adapter_config"], 0))
        else:
            parsed[child] = data
            ref = clean_ref(data.get("_name_or_path"), legacy=False)
            if ref and ref.lower() != child.lower():
                rows.append(_row(child, ref, "config", None, SOURCES["config"], 0))
    return rows, parsed


def strip_quant_suffix(name: str) -> str:
    """``Llama-2-7B-Chat-GGUF`` → ``Llama-2-7B-Chat``; ``x-Q4_K_M-GGUF`` → ``x``; ``y_4bit`` → ``y``."""
    while True:
        last = re.match(r"^(.+?)[-.]([^-.]+)$", name)  # the token after the last - or . (keeps Q4_K_M)
        if last and QUANT_TOKEN.match(last.group(2).lower()):
            name = last.group(1)
            continue
        last = re.match(r"^(.+)_([^-._]+)$", name)
        if last and QUANT_TOKEN.match(last.group(2).lower()):
            name = last.group(1)
            continue
        return name


def name_key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name.lower()).removesuffix("-hf")


def name_candidates(model_id: str) -> tuple[list[str], str | None]:
    """(full ids the name spells, the bare name it embeds) for a name with a quantization sign."""
    if "/" not in model_id or not name_quant_sign(model_id):
        return [], None
    name = model_id.split("/", 1)[1]
    stem = strip_quant_suffix(name)
    if stem == name or not stem:
        return [], None
    ids: list[str] = []
    if "_-_" in stem:  # RichardErkhov style: owner_-_name
        owner, _, rest = stem.partition("_-_")
        ids.append(f"{owner}/{rest}")
    elif "." in stem:  # DevQuasar style: owner.name
        owner, _, rest = stem.partition(".")
        if rest:
            ids.append(f"{owner}/{rest}")
    return ids, stem


def _candidate_rank(
    tags: set[str], stem: str, created: str, c: tuple[str, str, str, int, str]
) -> tuple[bool, bool, bool, int, str]:
    mid, name, mtype, downloads, made = c
    return (mtype.lower() not in tags, name != stem, made > created, -downloads, mid)


def name_evidence(models: pd.DataFrame) -> list[dict[str, Any]]:
    """Evidence rows for names that embed another crawled model's name.

    When several crawled models carry the embedded name, the candidate is chosen by, in order: its
    ``model_type`` among the child's tags, the exact spelling, being older than the child, downloads.
    Such an edge gets the lower confidence ``NAME_AMBIGUOUS_CONFIDENCE``.
    """
    present = models[models["status"] != "gone"]
    by_key: dict[str, list[tuple[str, str, str, int, str]]] = defaultdict(list)
    lower = {str(m).lower(): str(m) for m in present["model_id"]}
    for rec in present.itertuples(index=False):
        mid = str(rec.model_id)
        if name_quant_sign(mid):
            continue  # a quantization is never the parent named by another quantization
        downloads = int(rec.downloads) if rec.downloads is not None and not pd.isna(rec.downloads) else 0
        mtype = str(rec.config_model_type) if isinstance(rec.config_model_type, str) else ""
        name = mid.split("/", 1)[-1]
        by_key[name_key(name)].append((mid, name, mtype, downloads, str(rec.created_at)))
    rows: list[dict[str, Any]] = []
    for rec in present.itertuples(index=False):
        child = str(rec.model_id)
        ids, stem = name_candidates(child)
        found = [lower[i.lower()] for i in ids if i.lower() in lower and i.lower() != child.lower()]
        if found:
            rows.append(_row(child, found[0], "name", None, SOURCES["name"], 0))
            continue
        if stem is None:
            continue
        matches = [c for c in by_key.get(name_key(stem), []) if c[0] != child]
        if not matches:
            continue
        tags = {str(t).lower() for t in as_list(rec.tags)}
        created = str(rec.created_at)
        matches.sort(key=functools.partial(_candidate_rank, tags, stem, created))
        confidence = SOURCES["name"] if len(matches) == 1 else NAME_AMBIGUOUS_CONFIDENCE
        rows.append(_row(child, matches[0][0], "name", None, confidence, 0))
    return rows


def _row(child: str, ref: str, source: str, relation: Any, confidence: float, position: int) -> dict[str, Any]:
    rel = relation.strip().lower() if isinstance(relation, str) and relation.strip().lower() in RELATIONS else None
    return {
        "child_id": child,
        "parent_ref": ref,
        "source": source,
        "declared_relation": rel,
        "confidence": confidence,
        "position": position,
    }


def collect_evidence(
    models: pd.DataFrame, configs: pd.DataFrame, api: pd.DataFrame, cards: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, dict[str, dict[str, Any]]]:
    """Every evidence row (deduplicated per child, reference and source) and parsed configs."""
    rows = declared_evidence(models, api)
    file_rows, parsed = file_evidence(configs)
    rows += file_rows
    if cards is not None:
        rows += text_evidence(cards)
    rows += name_evidence(models)
    frame = pd.DataFrame(rows, columns=EVIDENCE_COLUMNS)
    frame = frame.drop_duplicates(subset=["child_id", "parent_ref", "source"], keep="first")
    return frame.reset_index(drop=True), parsed


class Resolver:
    """Turns a parent reference into a canonical id, and says why a parent is dangling."""

    def __init__(self, models: pd.DataFrame, api_aliases: dict[str, str], not_found: Iterable[str]):
        self.status = dict(zip(models["model_id"].astype(str), models["status"].astype(str), strict=True))
        self.renamed_to = {
            str(m): str(r) for m, r in zip(models["model_id"], models["renamed_to"], strict=True) if isinstance(r, str) and r
        }
        self.lower = {m.lower(): m for m in self.status}
        self.aliases = {k.lower(): v for k, v in api_aliases.items()}
        self.not_found = {m.lower() for m in not_found}

    def resolve(self, ref: str) -> tuple[str, str]:
        """(canonical id, how: exact | renamed | hub_api | case | unresolved)."""
        how = "exact"
        current = ref
        if current not in self.status:
            if current.lower() in self.aliases:
                current, how = self.aliases[current.lower()], "hub_api"
            elif current.lower() in self.lower:
                current, how = self.lower[current.lower()], "case"
            else:
                return ref, "unresolved"
        seen = {current}
        while current in self.renamed_to:  # follow renames, never looping
            nxt = self.renamed_to[current]
            if nxt in seen:
                break
            seen.add(nxt)
            current, how = nxt, "renamed"
        return current, how

    def dangling(self, parent: str) -> str | None:
        """None when the parent is a crawled, present model; else ``gone``, ``not_found`` or ``not_crawled``."""
        status = self.status.get(parent)
        if status == "present":
            return None
        if status == "gone":
            return "gone"
        if parent.lower() in self.not_found:
            return "not_found"
        if status is not None and status != "renamed":
            return str(status)
        return "not_crawled"


def api_aliases(evidence: pd.DataFrame) -> dict[str, str]:
    """Card references the Hub resolved to another id (one card base and one ``baseModels`` entry)."""
    out: dict[str, str] = {}
    card = evidence[evidence["source"] == "card"].groupby("child_id")["parent_ref"].agg(list)
    api = evidence[evidence["source"] == "hub_api"].groupby("child_id")["parent_ref"].agg(list)
    for child, refs in card.items():
        got = api.get(child)
        if got is not None and len(refs) == 1 and len(got) == 1 and refs[0] != got[0]:
            out[refs[0]] = got[0]
    return out


def not_found_ids(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "select distinct model_id from crawl_errors where error_type = 'not_found' and resolved_snapshot is null"
    ).fetchall()
    return [r[0] for r in rows]
