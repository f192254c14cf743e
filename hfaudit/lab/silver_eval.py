"""Held-out-style checks of the name parser on Jiang et al.'s machine-made (silver) labels.

Nothing here is fitted to the study's hand labels or to the 225 curated Jiang examples, so these are
the scores that say whether a change to the parser generalises. Two corpora, both weak labels made by
a language model (read the figures as checks, never as targets to fit):

- ``jiang-naming-elements-extractor/data_hf_pkg_elements.csv``: 34,803 components of 9,509 popular
  ids, each with a category. Scored: **cohesion** (a component's characters fall inside one segment),
  **separation** (two neighbouring components whose categories map to disjoint hfaudit types are in
  different segments) and **type agreement** (the segment holding the component has a type that
  :data:`CATEGORY_TYPES` allows for its category).
- ``jiang-ptm-naming/Naming_practices_naming_elements_results.json``: 14,178 ids, each with the *set*
  of element categories in its name. It carries two bits of Jiang's class: an architecture (``A``)
  means the name has an implementation unit, a task or language element (``T``, ``L``) means it has a
  purpose (task or application). On the 157 of them among the curated examples these bits agree with
  the curated class 92% and 86% of the time. Scored: agreement of ``jiang_class``'s two bits, on the
  names that are not curated examples.

Every corpus is cut in two by sha1 of the id (:func:`half_of`): a **tune** half, the only one to read
when looking for errors to fix, and a **report** half, whose scores are the ones to quote.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

COMPONENTS = Path("real-data/jiang-naming-elements-extractor/data_hf_pkg_elements.csv")
ELEMENT_SETS = Path("real-data/jiang-ptm-naming/Naming_practices_naming_elements_results.json")

CATEGORY_TYPES: dict[str, frozenset[str]] = {
    "A": frozenset({"base-model", "identifier"}),
    "S": frozenset({"size"}),
    "P": frozenset({"size"}),
    "V": frozenset({"version", "base-model"}),
    "F": frozenset({"training-mechanism", "variant-type"}),
    "R": frozenset({"training-mechanism", "variant-type"}),
    "W": frozenset({"variant-type"}),
    "L": frozenset({"language"}),
    "D": frozenset({"dataset"}),
    "T": frozenset({"task", "training-mechanism"}),
}
"""hfaudit segment types that agree with each of Jiang et al.'s component categories: A architecture
(a base model, or the identifier of a derived project: the study's labeller wrote ``WizardLM`` as
identifier), S size and P parameter count (size), V version (a version inside a base model, ``Llama-3.1``,
is base-model for the study's labeller), F reuse method and R training regime (training-mechanism or
variant-type: ``finetuned``, ``distilled``, ``lora``, ``dpo``), W weight format (variant-type: ``GGUF``,
``onnx``), L language, D dataset, T task (task, or training-mechanism for ``instruct``/``chat``, which
the corpus calls a task and the study's labeller a training mechanism). Not scored: M organisation,
C configuration (``cased``, ``patch16``, ``4k``), N/H layer and hidden counts, O other."""

PairsOf = Callable[[str], list[list[str]]]
ClassOf = Callable[[str], str]


def half_of(model_id: str) -> str:
    """``'tune'`` or ``'report'``: sha1 of the id modulo 2 (never depends on what a system gets right)."""
    return "report" if int(hashlib.sha1(model_id.encode()).hexdigest(), 16) % 2 else "tune"


# --- components: splitting and typing ----------------------------------------------------------


def read_components(path: Path) -> dict[str, list[tuple[str, str]]]:
    """``model_id → [(component, category), …]`` in the corpus's order."""
    by_name: dict[str, list[tuple[str, str]]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            by_name.setdefault(row["model_name"], []).append((row["component"], row["category"]))
    return by_name


def _spans(texts: Iterable[str], name: str) -> list[tuple[int, int]]:
    """Character spans of segment texts found left to right in ``name`` (lowercased both)."""
    out, pos = [], 0
    for text in texts:
        start = name.find(text.lower(), pos)
        if start < 0:
            start = pos
        out.append((start, start + len(text)))
        pos = start + len(text)
    return out


def _segment_at(spans: list[tuple[int, int]], a: int, b: int) -> int | None:
    """The index of the segment holding characters ``[a, b)``, or ``None`` when they are cut."""
    for i, (s, e) in enumerate(spans):
        if s <= a and b <= e:
            return i
    return None


def _first_segment(spans: list[tuple[int, int]], a: int) -> int | None:
    return next((i for i, (s, e) in enumerate(spans) if s <= a < e), None)


def score_components(by_name: dict[str, list[tuple[str, str]]], pairs_of: PairsOf) -> dict[str, Any]:
    """Cohesion, separation and type agreement of one system over ``by_name``."""
    total: Counter[str] = Counter()
    agree: Counter[str] = Counter()
    cohesive = unplaced = pairs = separated = 0
    for model_id, comps in by_name.items():
        name = model_id.split("/", 1)[-1].lower()
        segs = pairs_of(model_id)
        spans = _spans((text for text, _ in segs), name)
        pos = 0
        placed: list[tuple[str, int | None, int | None]] = []  # category, first and last segment
        for comp, cat in comps:
            low = comp.lower()
            start = name.find(low, pos)
            if start < 0:
                start = name.find(low)
            if start < 0 or not low:
                unplaced += cat in CATEGORY_TYPES
                continue
            end = start + len(low)
            pos = end
            held = _segment_at(spans, start, end)
            placed.append((cat, _first_segment(spans, start), _first_segment(spans, end - 1)))
            if cat not in CATEGORY_TYPES:
                continue
            total[cat] += 1
            cohesive += held is not None
            agree[cat] += held is not None and segs[held][1] in CATEGORY_TYPES[cat]
        for (c1, _, last1), (c2, first2, _) in zip(placed, placed[1:], strict=False):
            t1, t2 = CATEGORY_TYPES.get(c1), CATEGORY_TYPES.get(c2)
            if t1 is None or t2 is None or t1 & t2 or last1 is None or first2 is None:
                continue
            pairs += 1
            separated += last1 != first2
    n = sum(total.values())
    return {
        "names": len(by_name),
        "components": n,
        "not_found_in_name": unplaced,
        "cohesion": round(cohesive / n, 4) if n else 0.0,
        "separation": round(separated / pairs, 4) if pairs else 0.0,
        "separation_pairs": pairs,
        "type_agreement": round(sum(agree.values()) / n, 4) if n else 0.0,
        "by_category": {c: round(agree[c] / total[c], 4) for c in CATEGORY_TYPES if total[c]},
        "category_counts": {c: total[c] for c in CATEGORY_TYPES if total[c]},
    }


def component_errors(
    by_name: dict[str, list[tuple[str, str]]], pairs_of: PairsOf, category: str
) -> Counter[tuple[str, str]]:
    """``(component, type given) → count`` for the components of ``category`` whose type disagrees
    (a tool for reading the tune half)."""
    out: Counter[tuple[str, str]] = Counter()
    for model_id, comps in by_name.items():
        name = model_id.split("/", 1)[-1].lower()
        segs = pairs_of(model_id)
        spans = _spans((text for text, _ in segs), name)
        for comp, cat in comps:
            if cat != category:
                continue
            low = comp.lower()
            start = name.find(low)
            if start < 0:
                continue
            held = _segment_at(spans, start, start + len(low))
            got = "(cut)" if held is None else segs[held][1]
            if got not in CATEGORY_TYPES[category]:
                out[(low, got)] += 1
    return out


# --- element sets: two bits of Jiang's class ---------------------------------------------------


def read_element_sets(path: Path) -> dict[str, frozenset[str]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {str(k): frozenset(v) for k, v in data.items() if isinstance(v, list)}


def silver_bits(categories: frozenset[str]) -> tuple[bool, bool]:
    """(implementation, purpose) as the element set tells them: an architecture; a task or a language."""
    return "A" in categories, bool(categories & {"T", "L"})


def class_bits(jiang: str) -> tuple[bool, bool]:
    """(implementation, purpose) of a Jiang class: I, IT, IA have the first; T, A, IT, IA the second."""
    return jiang.startswith("I"), jiang not in ("I", "O")


def score_class_bits(sets: dict[str, frozenset[str]], class_of: ClassOf) -> dict[str, Any]:
    n = impl = purpose = both = 0
    for model_id, cats in sets.items():
        want = silver_bits(cats)
        got = class_bits(class_of(model_id))
        n += 1
        impl += got[0] == want[0]
        purpose += got[1] == want[1]
        both += got == want
    return {
        "names": n,
        "implementation_bit": round(impl / n, 4) if n else 0.0,
        "purpose_bit": round(purpose / n, 4) if n else 0.0,
        "both_bits": round(both / n, 4) if n else 0.0,
    }


# --- the section of ``make evaluate`` ------------------------------------------------------------


def silver_section(
    reference: Path,
    systems: dict[str, tuple[PairsOf, ClassOf | None]],
    curated: Iterable[str] = (),
) -> dict[str, Any]:
    """Both silver checks, per half, for every system (``(pairs_of, class_of)``; ``class_of`` may be
    ``None`` for a system without Jiang classes). ``curated``: names of the curated Jiang examples,
    left out of the element-set check."""
    out: dict[str, Any] = {"halves": "sha1(id) mod 2: 0 tune, 1 report"}
    comp_path = reference / COMPONENTS
    if comp_path.is_file():
        by_name = read_components(comp_path)
        halves = {h: {m: c for m, c in by_name.items() if half_of(m) == h} for h in ("tune", "report")}
        out["components"] = {
            "corpus": str(COMPONENTS),
            "systems": {
                name: {h: score_components(part, pairs_of) for h, part in halves.items()}
                for name, (pairs_of, _) in systems.items()
            },
        }
    else:
        out["components"] = {"skipped": f"no component corpus at {comp_path}"}
    sets_path = reference / ELEMENT_SETS
    if sets_path.is_file():
        skip = set(curated)
        sets = {m: c for m, c in read_element_sets(sets_path).items() if m.split("/", 1)[-1] not in skip}
        halves_s = {h: {m: c for m, c in sets.items() if half_of(m) == h} for h in ("tune", "report")}
        out["class_bits"] = {
            "corpus": str(ELEMENT_SETS),
            "left_out_curated": len(skip),
            "systems": {
                name: {h: score_class_bits(part, class_of) for h, part in halves_s.items()}
                for name, (_, class_of) in systems.items()
                if class_of is not None
            },
        }
    else:
        out["class_bits"] = {"skipped": f"no element sets at {sets_path}"}
    return out
