"""Paper mode: the study's own naming measures, computed exactly as the study computed them.

Ajibode et al. detect a version with one case-sensitive regex anchored at the end of the full id
(``[-_]v(\\d+(\\.\\d+)?)$``) and group it as *major* (no dot) or *minor* (one dot). They label a
variant ("modification type") with a keyword classifier over the name's ``-``/``_`` parts, where
quantization keywords match as substrings and the others as whole parts. Both are reproduced here
without change, bugs included, so that the paper's figures can be recomputed and set beside
hfaudit's own measures (see :func:`hfaudit_measures`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

PAPER_VERSION_RE = re.compile(r"[-_]v(\d+(\.\d+)?)$")
"""The study's version regex, applied to the full ``owner/name``, case-sensitive."""

PAPER_QUANT_KEYWORDS: tuple[str, ...] = (
    "4bits", "4bit", "8bits", "8bit", "awq", "float32", "int8", "Int4", "ptq", "q8", "quantized", "QAT", "float16",
)  # fmt: skip
"""The 13 quantization substrings of the study's classifier (matched case-insensitively inside a part)."""

VARIANT_LABELS: tuple[str, ...] = ("quantized", "distilled", "deduplicated", "finetuned", "none")

_QUANT_LOWER = tuple(q.lower() for q in PAPER_QUANT_KEYWORDS)
assert not any("-" in q for q in _QUANT_LOWER), "paper_variant's substring test needs keywords without '-'"


def paper_version(model_id: str) -> str | None:
    """The study's version string (``'v1'``, ``'v0.1'``) for ``model_id``, or ``None`` when none matches."""
    m = PAPER_VERSION_RE.search(model_id)
    return "v" + m.group(1) if m else None


def paper_version_group(version: str | None) -> str | None:
    """The study's grouping by the number of dots: major, minor, patches, negligent."""
    if version is None:
        return None
    return {0: "major", 1: "minor", 2: "patches"}.get(version.count("."), "negligent")


def paper_variant(model_id: str) -> str:
    """The study's keyword label: quantized > distilled > deduplicated > finetuned > none.

    The study printed ``compressed`` for distilled and later renamed it; this returns ``distilled``.
    """
    right = (model_id.split("/", 1)[1] if "/" in model_id else model_id).replace("_", "-").lower()
    parts = right.split("-")
    # a keyword inside a part: no keyword holds a "-", so inside the whole name is the same test
    if any(q in right for q in _QUANT_LOWER):
        return "quantized"
    if "distilled" in parts:
        return "distilled"
    if "deduped" in parts:
        return "deduplicated"
    if "ft" in parts or "finetuned" in parts:
        return "finetuned"
    return "none"


@dataclass
class PaperNamingMeasures:
    """The study's RQ1/RQ2 naming figures over one id list."""

    total_models: int = 0
    major_models: int = 0
    minor_models: int = 0
    major_owners: int = 0
    minor_owners: int = 0
    major_version_strings: int = 0
    minor_version_strings: int = 0
    variants: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "total_models": self.total_models,
            "major_models": self.major_models,
            "minor_models": self.minor_models,
            "major_owners": self.major_owners,
            "minor_owners": self.minor_owners,
            "major_version_strings": self.major_version_strings,
            "minor_version_strings": self.minor_version_strings,
            "variants": dict(self.variants),
        }


def paper_naming_measures(model_ids: Iterable[str]) -> PaperNamingMeasures:
    """Count models, owners and distinct version strings per group, and variant labels, as the study did.

    Every row counts (the study's list holds one id twice, and it is counted twice).
    """
    models: Counter[str] = Counter()
    owners: dict[str, set[str]] = {"major": set(), "minor": set()}
    strings: dict[str, set[str]] = {"major": set(), "minor": set()}
    variants: Counter[str] = Counter({label: 0 for label in VARIANT_LABELS})
    total = 0
    for model_id in model_ids:
        total += 1
        variants[paper_variant(model_id)] += 1
        version = paper_version(model_id)
        group = paper_version_group(version)
        if group in owners and version is not None:
            models[group] += 1
            owners[group].add(model_id.split("/", 1)[0])
            strings[group].add(version)
    return PaperNamingMeasures(
        total_models=total,
        major_models=models["major"],
        minor_models=models["minor"],
        major_owners=len(owners["major"]),
        minor_owners=len(owners["minor"]),
        major_version_strings=len(strings["major"]),
        minor_version_strings=len(strings["minor"]),
        variants=dict(variants),
    )


def hfaudit_measures(model_ids: Iterable[str]) -> dict[str, object]:
    """hfaudit's own measures over the same ids, to report beside the paper's.

    Versions by scheme (the parser sees ``-V2``, ``1.0.0``, bare ``0.1`` and dates), quantization
    formats and variant keywords from the full vocabulary.
    """
    from hfaudit.analyse.naming import parse_name

    schemes: Counter[str] = Counter()
    quant: Counter[str] = Counter()
    variants: Counter[str] = Counter()
    versioned_owners: set[str] = set()
    total = 0
    for model_id in model_ids:
        total += 1
        p = parse_name(model_id)
        schemes[p.version_scheme] += 1
        if p.version_scheme != "none":
            versioned_owners.add(p.owner)
        if p.quant_format:
            quant[p.quant_format] += 1
        for v in p.variants or ("none",):
            variants[v] += 1
    return {
        "total_models": total,
        "version_schemes": dict(sorted(schemes.items())),
        "versioned_models": total - schemes.get("none", 0),
        "versioned_owners": len(versioned_owners),
        "quant_formats": dict(quant.most_common()),
        "variants": dict(variants.most_common()),
    }


def jiang_shares(ids: list[str]) -> dict[str, object]:
    """Jiang et al.'s class of each id, counted: ``{"names": n, "classes": {class: {count, share}}}``.

    Shares are of all names, in the study's class order (I, T, IT, A, IA, O), every class listed.
    """
    from collections import Counter

    from hfaudit.analyse.naming import JIANG_CLASSES, parse_names

    counts = Counter(p.jiang_class for p in parse_names(ids))
    n = len(ids)
    return {
        "names": n,
        "classes": {
            c: {"count": counts[c], "share": round(counts[c] / n, 4) if n else 0.0} for c in JIANG_CLASSES
        },
    }
