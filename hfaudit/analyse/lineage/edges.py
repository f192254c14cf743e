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

import re
from typing import Any

from hfaudit.analyse.lineage.relations import QUANT_TOKEN, name_quant_sign

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


def _sign_paths_regex() -> str:
    """A regex (on the lowercased path) that every path ``relations.file_signs`` or the weights test
    can look at matches: weight and quantised suffixes, and the named quantisation, adapter and merge
    files. Other paths cannot change a relation, so they are not read."""
    from hfaudit.analyse.lineage import relations as r

    suffixes = sorted({s.lstrip(".") for s in (*r._WEIGHT_SUFFIXES, *r._QUANT_SUFFIXES)})
    names = sorted({*r._QUANT_FILES, *r._MERGE_FILES, "adapter_config.json"})
    return rf"\.({'|'.join(map(re.escape, suffixes))})$|(^|/)({'|'.join(map(re.escape, names))})$"


# Prose that names a parent: a Hub link after the phrase wins over the link text or a bare id.
_PROSE = re.compile(
    r"(?:fine-?tuned version of|quantized version of|quantizations? of|quants of|"
    r"(?:fine-?tuned|trained|quantized|converted)(?: starting)? from)\s+"
    r"(?:\[[^\]]{1,200}\]\(\s*(?:https?://huggingface\.co/)?(?P<link>[^)\s]+)\s*\)|[`*\"']{0,2}(?P<bare>[\w.\-]+/[\w.\-]+))",
    re.IGNORECASE,
)


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
