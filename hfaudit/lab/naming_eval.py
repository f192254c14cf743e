"""Scoring the parser against hand-labelled conventions.

A label is a convention string such as ``{identifier}{base-model}{size}``. Two measures: the share
of names whose predicted convention equals the label exactly, and the micro-averaged F1 of the
multiset of segment types per name (order ignored). The split into a tuning part and a held-out
part is a fixed hash of the model id, so it never depends on what the parser gets right.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from hfaudit.analyse.naming import Vocabulary, parse_name

_LABEL_RE = re.compile(r"\{([^}]+)\}")


def label_types(convention: str) -> list[str]:
    """``'{identifier}{size}'`` → ``['identifier', 'size']`` (``nationality`` is read as ``language``)."""
    return ["language" if t == "nationality" else t for t in _LABEL_RE.findall(convention)]


def held_out(model_id: str) -> bool:
    """The fixed held-out third: sha1 of the id modulo 3 is 0. Rules were never tuned on these names."""
    return int(hashlib.sha1(model_id.encode()).hexdigest(), 16) % 3 == 0


@dataclass(frozen=True)
class Score:
    names: int
    exact: float
    f1: float
    precision: float
    recall: float

    def as_dict(self) -> dict[str, float | int]:
        return {
            "names": self.names,
            "convention_exact": round(self.exact, 4),
            "type_f1": round(self.f1, 4),
            "type_precision": round(self.precision, 4),
            "type_recall": round(self.recall, 4),
        }


def score(pairs: Iterable[tuple[str, str]], vocab: Vocabulary | None = None) -> Score:
    """Score the parser on ``(model_id, labelled convention)`` pairs."""
    return score_with(pairs, lambda model_id: [s.type for s in parse_name(model_id, vocab).segments])


def score_with(pairs: Iterable[tuple[str, str]], types_of: Callable[[str], list[str]]) -> Score:
    """Exact-convention share and micro type F1 of ``types_of`` (any system's segment types of a
    name) on ``(model_id, labelled convention)`` pairs."""
    n = exact = tp = n_pred = n_gold = 0
    for model_id, convention in pairs:
        gold = label_types(convention)
        pred = types_of(model_id)
        n += 1
        exact += pred == gold
        tp += sum((Counter(pred) & Counter(gold)).values())
        n_pred += len(pred)
        n_gold += len(gold)
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return Score(n, exact / n if n else 0.0, f1, p, r)


def disagreements(pairs: Iterable[tuple[str, str]], vocab: Vocabulary | None = None) -> list[tuple[str, str, str]]:
    """``(model_id, label, predicted)`` for every name whose convention differs."""
    out = []
    for model_id, convention in pairs:
        pred = parse_name(model_id, vocab)
        gold = "".join("{" + t + "}" for t in label_types(convention))
        if pred.convention != gold:
            segs = " ".join(f"{s.text}:{s.type}" for s in pred.segments)
            out.append((model_id, gold, segs))
    return out
