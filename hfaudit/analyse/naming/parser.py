"""Deterministic parser of Hugging Face model names.

``parse_name("TheBloke/Mistral-7B-Instruct-v0.2-GPTQ")`` splits the name part of an id into
segments, gives each one of the study's 12 segment types (identifier, base-model, size,
training-mechanism, description, variant-type, version, task, language, dataset, ambiguous,
creation-date), and reads the version (raw token, scheme, sortable key), the size in parameters,
the quantization format, the variant keywords and the base family.

How it works, in four passes over one name (no model, no network, no randomness):

1. **Tokens.** A single regex cuts the name at ``-``, ``_``, spaces and dots that are not between
   digits, keeping whole the forms that contain separators: dates and timestamps
   (``2023-12-30T15-35-19``), GGUF quant types (``Q4_K_M``, ``IQ2_XS``) and hyperparameters with a
   value (``lr-1e-05``).
2. **Phrases.** Runs of tokens that spell a vocabulary phrase (``xlm-roberta``, ``question-answering``,
   a crawl-learned base model id) become one token.
3. **Types.** Each token is looked up in the vocabularies (``hfaudit/analyse/naming/data/*.txt``); misses are
   classified by shape (version, size, date, number, hyperparameter) and otherwise are identifiers.
4. **Segments.** Tokens that qualify their neighbour are absorbed (``bert-base-uncased`` is one
   base-model, ``llama-2`` one base-model, ``V1-0`` one version) and adjacent tokens of the same type
   merge, which is how the study's labeller wrote conventions.

The vocabularies are data. :class:`Vocabulary` loads them and :meth:`Vocabulary.extend` adds what a
crawl learns (``config.model_type`` values, declared base model ids, dataset ids).

Speed: passes 1-3 run per *chunk* (the text between ``-``, ``_`` and whitespace) and each chunk's
typed tokens are cached on the vocabulary, as are token readings and family aliases; ``add`` clears
these caches, so change a vocabulary through ``add``/``extend``, not by editing its dicts. Names
with a whole-name form take the general passes (``_typed_general``), which follow the description
above literally; names with a possible phrase join it over their chunks' cached tokens
(``_typed_phrases``). ``ParsedName.segments`` is built on first read (``as_row`` does without it).
Each cached token also carries which facts it may hold (``_fact_code``: version, size, quantization,
variant, base model, family), so the facts loop passes over the rest, and which absorption rules it
may trigger (``_proto_flags``).
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

__all__ = [
    "SEGMENT_TYPES",
    "JIANG_CLASSES",
    "VERSION_SCHEMES",
    "ParsedName",
    "Segment",
    "Vocabulary",
    "default_vocabulary",
    "jiang_class",
    "parse_name",
    "parse_names",
    "split_version",
]

SEGMENT_TYPES: tuple[str, ...] = (
    "identifier",
    "base-model",
    "size",
    "training-mechanism",
    "description",
    "variant-type",
    "version",
    "task",
    "language",
    "dataset",
    "ambiguous",
    "creation-date",
)
VERSION_SCHEMES: tuple[str, ...] = ("major", "minor", "semver", "numeric", "date", "none")
JIANG_CLASSES: tuple[str, ...] = ("I", "T", "IT", "A", "IA", "O")
"""Jiang et al.'s naming classes: implementation only, task, implementation and task, application,
implementation and application, none of these."""

DATA_DIR = Path(__file__).with_name("data")

FILLER = "filler"
"""Internal type of words that join a neighbouring segment instead of forming one (``hf``, ``base``)."""

# Vocabulary file -> segment type. Later files win on conflicts, so the order is the priority.
_FILES: tuple[tuple[str, str], ...] = (
    ("descriptions.txt", "description"),
    ("datasets.txt", "dataset"),
    ("languages.txt", "language"),
    ("tasks.txt", "task"),
    ("sizes.txt", "size"),
    ("variant_types.txt", "variant-type"),
    ("training_mechanisms.txt", "training-mechanism"),
    ("families.txt", "identifier"),
    ("base_models.txt", "base-model"),
    ("fillers.txt", FILLER),
)

_MAX_PHRASE = 6


@dataclass(frozen=True)
class Segment:
    """One segment of a name: its text as written and its type."""

    text: str
    type: str


@dataclass(frozen=True)
class ParsedName:
    """Everything the parser reads from one model id."""

    model_id: str
    owner: str
    name: str
    segments: tuple[Segment, ...]
    convention: str
    version_raw: str | None
    version_scheme: str
    version_key: str | None
    size_params: int | None
    quant_format: str | None
    variants: tuple[str, ...]
    family: str | None
    stem: str = field(default="")
    """The name without its version segment, lowercased and normalised: the key of a version series."""
    experts: int | None = None
    """The number of experts of a mixture of experts written ``NxM`` (``Mixtral-8x7B``: 8); then
    ``size_params`` is the size of one expert as written (7B), not N×M: experts share their attention
    and embedding layers, so the total (46.7B for Mixtral-8x7B) is not in the name."""
    jiang_class: str = "O"
    """Jiang et al.'s naming class of the name: I, T, IT, A, IA or O (:func:`jiang_class`)."""

    def segment_pairs(self) -> list[list[str]]:
        """``[[text, type], …]`` of the segments, without making ``Segment`` objects."""
        pairs = self.__dict__.get("_seg_pairs")
        if pairs is None:
            return [[s.text, s.type] for s in self.segments]
        return [list(p) for p in zip(*pairs, strict=True)]

    def as_row(self) -> dict[str, object]:
        """The CLI and store columns; ``segments`` as a list of ``[text, type]`` pairs."""
        return {
            "model_id": self.model_id,
            "convention": self.convention,
            "segments": self.segment_pairs(),
            "version_raw": self.version_raw,
            "version_scheme": self.version_scheme,
            "version_key": self.version_key,
            "size_params": self.size_params,
            "experts": self.experts,
            "jiang_class": self.jiang_class,
            "quant_format": self.quant_format,
            "variants": list(self.variants),
            "family": self.family,
            "stem": self.stem,
        }


class _LazySegments:
    """``ParsedName.segments`` when ``parse_name`` left it unbuilt: made on first read from the texts
    and types it kept (``_seg_pairs``), then stored on the instance, whose value wins from then on (a
    non-data descriptor). A ``ParsedName(...)`` built with its segments never reaches this."""

    def __get__(self, obj: ParsedName | None, owner: type | None = None) -> object:
        if obj is None:
            return self
        d = obj.__dict__
        texts, types = d["_seg_pairs"]
        segments = d["segments"] = tuple(map(_segment, texts, types))
        d.pop("_seg_pairs", None)  # set before dropped: a concurrent reader finds one or the other
        return segments


setattr(ParsedName, "segments", _LazySegments())  # after ``@dataclass``, so not a field default  # noqa: B010


def _read_list(path: Path) -> list[str]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].rstrip()
        if line.strip():
            out.append(line)
    return out


_SPLIT_RE = re.compile(r"[-_\s]+|(?<!\d)\.|\.(?!\d)")


def _phrase_tokens(text: str) -> tuple[str, ...]:
    return tuple(t for t in _SPLIT_RE.split(text.lower()) if t)


class Vocabulary:
    """The word lists the parser classifies tokens with, loaded from data files and extensible.

    ``words`` maps a lowercased token to its segment type; ``phrases`` maps a first token to the
    multi-token phrases that start with it (longest first); ``families`` maps a base-model alias to
    its family.
    """

    def __init__(self, data_dir: Path = DATA_DIR) -> None:
        self.words: dict[str, str] = {}
        self.phrases: dict[str, list[tuple[tuple[str, ...], str, str]]] = {}
        self.families: dict[str, str] = {}
        self.learned: dict[str, set[str]] = {"model_types": set(), "base_models": set(), "datasets": set()}
        self.brands: set[str] = set()
        """Keys of the brands and derived projects (``families.txt``: identifier words that name a family):
        an identifier wherever they stand in a name (``_resolve_free``)."""
        # Caches of the parser, cleared by ``add`` (except the phrase pairs, a superset).
        self._family_re: re.Pattern[str] | None = None
        self._family_aliases: frozenset[str] = frozenset()  # the aliases of ``_family_re``, set with it
        self._token_cache: dict[str, tuple] = {}  # lowercased token -> ``_token_entry``
        self._chunk_cache: dict[str, tuple] = {}  # chunk of a name -> ``_chunk_entry``
        self._alias_cache: dict[str, str | None] = {}  # chunk of a name -> ``_chunk_alias``
        self._phrase_pairs: set[tuple[str, str]] = set()  # the first two tokens of every phrase
        self._phrase_seconds: set[str] = set()  # the second token of every phrase
        codes = data_dir / "language_codes.txt"
        self.pair_codes: dict[str, bool] = {}
        """Language codes that are a language only in a language pair (``_language_pairs``) → whether
        the code is also an English word or abbreviation (``data/language_codes.txt``)."""
        for line in _read_list(codes) if codes.exists() else ():
            code, _, mark = line.partition("\t")
            self.pair_codes[code.strip().lower()] = mark.strip() == "word"
        for filename, seg_type in _FILES:
            path = data_dir / filename
            if not path.exists():
                continue
            for line in _read_list(path):
                alias, _, family = line.partition("\t")
                if filename == "families.txt" and not family.strip():
                    family = alias  # a brand names its own family
                self.add(alias.strip(), seg_type, family.strip() or None)

    def add(self, term: str, seg_type: str, family: str | None = None) -> None:
        """Add one word or phrase of ``seg_type`` (a base model may name its ``family``)."""
        if seg_type not in SEGMENT_TYPES and seg_type != FILLER:
            raise ValueError(f"unknown segment type {seg_type!r}")
        toks = _phrase_tokens(term)
        if not toks:
            return
        key = "-".join(toks)
        if len(toks) == 1:
            self.words[toks[0]] = seg_type
        elif len(toks) <= _MAX_PHRASE:
            entries = [e for e in self.phrases.get(toks[0], []) if e[0] != toks]
            entries.append((toks, key, seg_type))
            self._phrase_pairs.add((toks[0], toks[1]))
            self._phrase_seconds.add(toks[1])
            entries.sort(key=lambda e: -len(e[0]))
            self.phrases[toks[0]] = entries
        if seg_type == "base-model" or family:
            self.families[key] = (family or key).lower()
        if seg_type == "identifier" and family:
            self.brands.add(key)
        else:
            self.brands.discard(key)
        self._family_re = None
        self._token_cache.clear()
        self._chunk_cache.clear()
        self._alias_cache.clear()

    def extend(
        self,
        model_types: Iterable[str] = (),
        base_models: Iterable[str] = (),
        datasets: Iterable[str] = (),
    ) -> int:
        """Add crawl-learned terms; returns how many were new.

        ``model_types`` are ``config.model_type`` values (``llama``, ``xlm-roberta``); ``base_models``
        are declared base model ids (``meta-llama/Llama-2-7b-hf``), whose name part becomes a
        base-model phrase; ``datasets`` are dataset ids from card metadata.
        """
        new = 0
        for mt in model_types:
            if not mt:
                continue
            mt = str(mt).strip().lower().replace("_", "-")
            if mt and mt not in self.families and mt not in self.words:
                self.add(mt, "base-model", mt)
                self.learned["model_types"].add(mt)
                new += 1
        for bm in base_models:
            if not bm:
                continue
            toks = _phrase_tokens(str(bm).split("/")[-1])
            # A base's own version stays out of the phrase, so ``foo-v1`` and ``foo-v2`` keep one stem.
            while toks and split_version(toks[-1]) is not None:
                toks = toks[:-1]
            key = "-".join(toks)
            if key in self.families or key in self.words or not toks or len(toks) > _MAX_PHRASE:
                continue
            if len(toks) == 1 and (len(key) < 4 or not key.isalpha()):
                continue
            # The family of a learned base is the family of its first known token.
            fam = self.families.get(toks[0]) or self.families.get("-".join(toks[:2]))
            self.add(key, "base-model", fam or toks[0])
            self.learned["base_models"].add(str(bm))
            new += 1
        for ds in datasets:
            if not ds:
                continue
            name = str(ds).split("/")[-1]
            toks = _phrase_tokens(name)
            key = "-".join(toks)
            if toks and len(toks) <= _MAX_PHRASE and key not in self.words and key not in self.families:
                if len(toks) == 1 and (len(key) < 3 or key.isdigit()):
                    continue
                self.add(name, "dataset")
                self.learned["datasets"].add(str(ds))
                new += 1
        return new

    def family_regex(self) -> re.Pattern[str]:
        """One alternation of every single-word family alias, longest first, for a name-wide search."""
        if self._family_re is not None:
            return self._family_re
        aliases = sorted(
            (a for a in self.families if len(a) >= 3 and "-" not in a), key=lambda a: (-len(a), a)
        )
        self._family_aliases = frozenset(aliases)
        # As a trie: the same match as the alternation longest first (``_trie_pattern``), found faster.
        alt = _trie_pattern(aliases)
        # Letters may not continue an alias (``gpt`` is not in ``gptq``); digits may (``llama2``).
        pat = re.compile(f"(?<![a-z])(?:{alt})(?![a-z])") if aliases else re.compile(r"(?!x)x")
        self._family_re = pat
        return pat


_DEFAULT: Vocabulary | None = None


def default_vocabulary() -> Vocabulary:
    """The vocabulary loaded from ``hfaudit/analyse/naming/data`` (shared; ``extend`` it to teach every parse)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Vocabulary()
    return _DEFAULT


# --- token shapes -------------------------------------------------------------------------------

# Whole-name pass: forms that contain separators come out as one token.
_TOKEN_RE = re.compile(
    r"""
    (?P<date>(?:19|20)\d\d[-_.](?:0[1-9]|1[0-2])[-_.](?:0[1-9]|[12]\d|3[01])
        (?:[T_-]\d\d[-_:]?\d\d(?:[-_:]?\d\d)?)?(?![\d]))
    |(?P<gguf>(?<![A-Za-z0-9])(?:IQ[1-4]|Q[2-8])(?:_(?:K|0|1|XXS|XS|S|M|L|NL|XL))*(?:_(?:[SMLK]|XL|XS|XXS|NL))?(?=[-_.\s]|$))
    |(?P<hyper>(?:lr|wd)[-_]?\d(?:\.\d+)?e[-_]?\d+|\d(?:\.\d+)?e[-_]\d+)
    |(?P<usize>(?<![A-Za-z0-9])(?<!\d[_.])\d_\d[bm](?![A-Za-z0-9]))  # ``1_6B`` (two tokens: ``_tokens``)
    |(?P<tok>[^-_.\s]+(?:\.(?=\d)[^-_.\s]+)*)
    """,
    re.X | re.I,
)

# Per-token shapes, tried in order on the lowercased token.
_SHAPE_RE = re.compile(
    r"""
    (?P<semver>v?\d+\.\d+\.\d+(?:\.\d+)*)
    |(?P<vminor>v\.?\d+\.\d+)
    |(?P<vmajor>v\.?\d{1,3})  # ``v.2``: a dot may follow the ``v``
    |(?P<release>r\d{1,2})
    |(?P<datecompact>(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?:t\d{4,6})?
        |(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])(?:19|20)\d\d)
    |(?P<datemonth>(?:[1-9]|0[1-9]|[12]\d|3[01])(?:jan|feb|mar|apr|may|jun|jul|aug|sept?|oct|nov|dec)(?:\d\d|(?:19|20)\d\d)?
        |(?:jan|feb|mar|apr|may|jun|jul|aug|sept?|oct|nov|dec)(?:(?:19|20)\d\d|0[1-9]|[12]\d|3[01]))
    |(?P<moe>\d+x\d+(?:\.\d+)?[bm])
    |(?P<size>\d+(?:\.\d+)?[bmt]|\d{1,3}[bm]\d)
    |(?P<kcount>\d+(?:\.\d+)?k)
    |(?P<decimal>\d+\.\d+)
    |(?P<number>\d+)
    |(?P<bits>\d+bits?|\d+(?:\.\d+)?bpw)
    |(?P<hyperword>(?:epoch|epochs|ep|e|step|steps|seed|bs|lr|iter|ckpt|ckp|checkpoint|batch|rank|sp)\d[\d.]*
        |(?:epoch|epochs|ep|lr|seed|bs|wd|dp|step|steps|iter)
        |(?:retrain|pretrain|train|finetune)\d+
        |\d+(?:epoch|epochs|ep|e|steps?|shots?|perp|samples?|k?steps?))
    |(?P<generation>gen\d+)
    """,
    re.X,
)

_WORDLIKE_CODES = frozenset(
    "it no is am as be to so me my he we do an or hi id ms ml mr pa ta te ha el ca et eu tl sl ig yo de lt".split()
)
"""ISO 639-1 codes that are also English words or common abbreviations (``ml``, ``ms``, ``id``, ``te``):
at the start of a name they are read as the identifier, not a language."""
_HYPER_WORDS = frozenset(
    {"epoch", "epochs", "ep", "lr", "seed", "step", "steps", "bs", "batch", "iter", "wd", "dp", "warmup"}
)
_SCALE = {"k": 1_000, "m": 1_000_000, "b": 1_000_000_000, "t": 1_000_000_000_000}

# Size words that belong to the base checkpoint's own name (``bert-base``) when they follow it.
_BASE_QUALIFIERS = frozenset({"base", "uncased", "cased", "hf", "v1", "v2", "v3", "v1.1", "mlm", "wwm", "ext"})
_QUANT_CONTAINERS = {
    "gguf": "GGUF",
    "ggml": "GGML",
    "gptq": "GPTQ",
    "awq": "AWQ",
    "exl2": "EXL2",
    "mlx": "MLX",
    "bnb": "bnb",
    "onnx": "ONNX",
    "hqq": "HQQ",
    "aqlm": "AQLM",
    "fp8": "FP8",
}
_FLOAT_FORMATS = frozenset({"fp16", "bf16", "fp32", "f16", "f32", "float16", "float32", "bfloat16", "fp8"})
_BIT_WORDS = frozenset({"4bit", "8bit", "4bits", "8bits", "4-bit", "8-bit", "int4", "int8", "nf4", "2bit", "3bit"})
_VARIANT_OF = {
    "finetuned": "finetuned",
    "fine-tuned": "finetuned",
    "finetune": "finetuned",
    "fine-tune": "finetuned",
    "finetuning": "finetuned",
    "fine-tuning": "finetuned",
    "ft": "finetuned",
    "distilled": "distilled",
    "distil": "distilled",
    "distill": "distilled",
    "distillation": "distilled",
    "deduped": "deduplicated",
    "dedup": "deduplicated",
    "deduplicated": "deduplicated",
    "quantized": "quantized",
    "quantised": "quantized",
    "quant": "quantized",
    "merged": "merged",
    "merge": "merged",
    "slerp": "merged",
    "dare": "merged",
    "ties": "merged",
    "moe": "merged",
    "abliterated": "abliterated",
    "uncensored": "uncensored",
    "lora": "adapter",
    "qlora": "adapter",
    "adapter": "adapter",
    "adapters": "adapter",
    "peft": "adapter",
    "pruned": "pruned",
    "prune": "pruned",
    "sparse": "pruned",
    "instruct": "instruct",
    "it": "instruct",
    "chat": "chat",
    "sft": "sft",
    "dpo": "preference",
    "orpo": "preference",
    "kto": "preference",
    "ppo": "preference",
    "rlhf": "preference",
}


def split_version(raw: str) -> tuple[str, str] | None:
    """Classify a version token: ``(scheme, sortable key)``, or ``None`` when it is not a version.

    ``v2``/``V2`` major, ``v1.5`` minor, ``1.0.0``/``v1.0.0`` semver, ``0.1`` numeric, ``r1`` major,
    ``2024-05-01``/``20240501``/``21022024`` date. ``i1`` (imatrix) is not a version. The key pads each
    number to six digits so keys sort as versions; a date key is ``YYYY.MM.DD``.
    """
    t = raw.lower().replace("_", ".").replace("-", ".")
    m = _TOKEN_RE.fullmatch(raw)
    if m and m.lastgroup == "date":
        digits = re.findall(r"\d+", raw)
        return "date", _key(digits[:3])
    sm = _SHAPE_RE.fullmatch(t)
    if sm is None:
        return None
    kind = sm.lastgroup
    nums = re.findall(r"\d+", t)
    if kind == "semver":
        return "semver", _key(nums)
    if kind == "vminor":
        return "minor", _key(nums)
    if kind == "vmajor" or kind == "release":
        return "major", _key(nums)
    if kind == "decimal":
        return "numeric", _key(nums)
    if kind == "datemonth":
        return "date", _month_date_key(t)
    if kind == "datecompact":
        d = nums[0]
        if d.startswith(("19", "20")) and len(d) >= 8 and 1 <= int(d[4:6]) <= 12:
            return "date", _key([d[:4], d[4:6], d[6:8]])
        return "date", _key([d[4:8], d[2:4], d[:2]])
    return None


_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}
_MONTH_DATE_RE = re.compile(r"(\d{1,2})?([a-z]{3})[a-z]?(\d*)")


_PLAUSIBLE_YEARS = (20, 26)
"""Two digits after a month's name that read as its year (2020, when fine-tunes began to be shared on
the Hub in numbers, to 2026): ``feb24`` is February 2024; ``feb29``, ``mar05`` stay days."""


def _month_date_key(low: str) -> str:
    """The key of a date written with a month's name: ``18nov23`` (2023-11-18), ``nov2023``, ``feb24``
    (February 2024: two digits that are a plausible year), ``feb29`` (day 29, no year: 0), ``10aug``."""
    m = _MONTH_DATE_RE.fullmatch(low)
    assert m is not None  # ``datemonth`` of ``_SHAPE_RE`` matched
    day, month, rest = m.group(1), _MONTHS[m.group(2)], m.group(3)
    year = 0
    if day is None:
        if len(rest) == 4:
            year, day = int(rest), "0"  # ``nov2023``
        elif _PLAUSIBLE_YEARS[0] <= int(rest) <= _PLAUSIBLE_YEARS[1]:
            year, day = 2000 + int(rest), "0"  # ``feb24``: February 2024, as ``nov2023``
        else:
            day = rest  # ``feb29``
    elif rest:
        year = int(rest) + (2000 if len(rest) == 2 else 0)  # ``18nov23``, ``02jan2024``
    return _key([str(year), str(month), day])


def _key(nums: list[str]) -> str:
    parts = [int(n) for n in nums] + [0] * (3 - len(nums))
    return ".".join(f"{min(p, 999999):06d}" for p in parts)


def _size_of(tok: str, kind: str) -> int | None:
    try:
        if kind == "moe":
            rest = tok.split("x", 1)[1]  # one expert's size: ``8x7b`` is 7B (``ParsedName.experts``)
            return int(float(rest[:-1]) * _SCALE[rest[-1]])
        if tok[-1].isdigit():  # ``1b1``, ``3b7``: the unit stands for the decimal point (1.1B)
            i = len(tok) - 2
            return int(float(tok[:i] + "." + tok[i + 1 :]) * _SCALE[tok[i]])
        return int(float(tok[:-1]) * _SCALE[tok[-1]])
    except (ValueError, KeyError):
        return None


# --- the parser ---------------------------------------------------------------------------------


_version_of = lru_cache(maxsize=8192)(split_version)
_size_cached = lru_cache(maxsize=8192)(_size_of)


def _clear_caches() -> None:
    """Empty the module-wide caches (a fresh ``Vocabulary`` has empty caches of its own); for benchmarks."""
    _version_of.cache_clear()
    _size_cached.cache_clear()


def _token_entry(low: str, vocab: Vocabulary) -> tuple:
    """The context-free reading of a lowercased token, cached per vocabulary.

    ``(0, type, kind, fact, flags)`` when position and neighbours cannot change it; ``(1, cut, head,
    size, flags)`` when ``_COMPOUND_RE`` cuts it into a base model and a size; ``(2,)`` when ``_classify``
    must see the context (a two-letter language word, ``it``, ``r1``). ``fact`` is ``_fact_code``,
    ``flags`` its ``_proto_flags``.
    """
    words = vocab.words
    if low not in words and len(low) > 2 and low[-1] in "bm" and low[-2].isdecimal():
        m = _COMPOUND_RE.fullmatch(low)
        if m is not None and words.get(m.group(1)) == "base-model":
            head, size = m.group(1), m.group(2)
            flags = _proto_flags(head, "base-model", None) | _proto_flags(size, "size", "size")
            entry: tuple = (1, len(head), head, size, flags)
            vocab._token_cache[low] = entry
            return entry
    t = words.get(low)
    if t is not None:
        contextual = t == "language" and len(low) == 2
    elif low == "it":
        contextual = True
    else:
        kind = _shape(low)
        contextual = kind == "release"
        if not contextual:
            # What ``_classify`` returns for a token outside the word lists, without a second regex.
            seg_type, kind = _SHAPE_TYPES.get(kind, ("identifier", None))  # type: ignore[arg-type]
            if kind is None and low[-1].isdecimal():
                m = _VERSIONED_BASE_RE.fullmatch(low)
                if m is not None and words.get(m.group(1)) == "base-model":
                    seg_type = "base-model"  # ``llama3.1``, ``falcon3``, ``mamba2``: a base model and its version
                else:
                    m = _VERSIONED_MECHANISM_RE.fullmatch(low)
                    if m is not None and words.get(m.group(1)) == "training-mechanism":
                        # ``lora1``, ``sft1.0``, ``dpov3``, ``instructv2``: a training mechanism and its
                        # round or version, as a base model takes its version glued on.
                        seg_type = "training-mechanism"
            elif kind is None and low.endswith(_CLASS_ENDS):
                m = _MODEL_CLASS_RE.fullmatch(low)
                if m is not None and (words.get(m.group(1)) == "base-model" or m.group(1) in _ARCHITECTURES):
                    seg_type = "base-model"  # ``LlamaForCausalLM``, ``BertModel``: a transformers model class
            fact = _fact_code(low, seg_type, kind, vocab.families)
            flags = _proto_flags(low, seg_type, kind)
            if kind is None and low in vocab.pair_codes:
                flags |= _PAIR_CODE
            entry = (0, seg_type, kind, fact, flags)
            vocab._token_cache[low] = entry
            return entry
    if contextual:
        entry = (2,)
    else:
        seg_type, kind = _classify(low, vocab, 0, 0, None)
        fact = _fact_code(low, seg_type, kind, vocab.families)
        entry = (0, seg_type, kind, fact, _proto_flags(low, seg_type, kind))
    vocab._token_cache[low] = entry
    return entry


def _tokens(name: str) -> list[tuple[str, str | None]]:
    """(text, pre-kind) pairs; pre-kind is set for the whole-name forms (date, gguf, hyper)."""
    out: list[tuple[str, str | None]] = []
    for m in _TOKEN_RE.finditer(name):
        kind = m.lastgroup
        if kind == "usize":
            # Two tokens, so that a phrase may still hold them (a learned ``llama-3-8b``); pass 2
            # joins them into one size when no phrase does and no base model precedes.
            whole, frac = m.group().split("_")
            out.append((whole, "usize"))
            out.append((frac, "usize-tail"))
            continue
        out.append((m.group(), None if kind == "tok" else kind))
    return out


_SHAPE_WORDS = frozenset({"epoch", "epochs", "ep", "lr", "seed", "bs", "wd", "dp", "step", "steps", "iter"})
"""The only tokens without a digit that ``_SHAPE_RE`` matches (bare hyperparameter words)."""


_SHAPE_TYPES: dict[str, tuple[str, str | None]] = {
    "semver": ("version", "semver"),
    "vminor": ("version", "vminor"),
    "vmajor": ("version", "vmajor"),
    "datecompact": ("creation-date", "datecompact"),
    "datemonth": ("creation-date", "datemonth"),
    "moe": ("size", "moe"),
    "size": ("size", "size"),
    "decimal": ("version", "decimal"),
    "bits": ("variant-type", "bits"),
    "hyperword": ("training-mechanism", "hyperword"),
    "kcount": ("description", "kcount"),
    "number": ("ambiguous", "number"),
    "generation": ("ambiguous", "generation"),
}
"""``_classify``'s answer for each shape other than ``release`` (whose type depends on the context)."""


def _shape(low: str) -> str | None:
    """The ``_SHAPE_RE`` group a whole token matches (``""`` for an unnamed match), or ``None``."""
    if low.isalpha() and low not in _SHAPE_WORDS:
        return None  # every other shape holds a digit
    sm = _SHAPE_RE.fullmatch(low)
    return None if sm is None else sm.lastgroup or ""


def _classify(
    low: str, vocab: Vocabulary, position: int, count: int, prev_type: str | None
) -> tuple[str, str | None]:
    """The segment type of one lowercased token and its shape kind (for sizes and versions)."""
    if low == "it" and prev_type in _IT_AFTER:
        # ``gemma-2-9b-it``: instruction-tuned after a model, size or version (checked before the
        # language list, where ``it`` is Italian: ``opus-mt-en-it``).
        return "training-mechanism", None
    t = vocab.words.get(low)
    if t is not None:
        if t == "language" and len(low) == 2 and position == 0 and count > 1 and low in _WORDLIKE_CODES:
            # ``it-…``, ``no-…``: a leading two-letter code that is also a word or an abbreviation
            # is rarely a language; ``ko-sbert``, ``zh-…`` are.
            return "identifier", None
        if t == "training-mechanism" and low in _HYPER_WORDS:
            return t, "hyperword"
        if t == "training-mechanism" and low in _QUANT_METHODS:
            return t, _QMETHOD
        return t, None
    if low == "it":
        return "language", None  # Italian anywhere else
    kind = _shape(low)
    if kind is None:
        return "identifier", None
    if kind in ("semver", "vminor", "vmajor"):
        return "version", kind
    if kind == "release":
        return ("version", kind) if position == count - 1 or prev_type != "training-mechanism" else (
            "training-mechanism",
            None,
        )
    if kind == "datecompact" or kind == "datemonth":
        return "creation-date", kind
    if kind in ("moe", "size"):
        return "size", kind
    if kind == "decimal":
        return "version", kind
    if kind in ("bits",):
        return "variant-type", kind
    if kind in ("hyperword",):
        return "training-mechanism", kind
    if kind == "kcount":
        return "description", kind
    if kind == "number":
        return "ambiguous", kind
    if kind == "generation":
        return "ambiguous", kind
    return "identifier", None


# --- fast tokenizer ------------------------------------------------------------------------------

# The token regex on one chunk (a run between ``-``, ``_`` and whitespace) when no whole-name form
# can start in it.
_PLAIN_TOK_RE = re.compile(r"[^-_.\s]+(?:\.(?=\d)[^-_.\s]+)*")
# Where a whole-name form of ``_TOKEN_RE`` (date, GGUF type, hyperparameter) could start: at the
# chunk's start or after a dot, ``19xx``/``20xx``, ``IQn``/``Qn``, ``lr``/``wd``, or a digit when the
# chunk ends in ``e`` (``1e-05``). A superset: a chunk that matches is tokenized by ``_TOKEN_RE``.
_FORM_RE = re.compile(
    r"(?<![^-_.\s])(?:" + _TOKEN_RE.pattern.rsplit("|(?P<tok>", 1)[0] + ")", _TOKEN_RE.flags & (re.X | re.I)
)
"""``_TOKEN_RE``'s whole-name forms wherever a token may start (at the start or after a separator or dot):
a superset of the forms ``_tokens`` finds, so a name it does not match is cut exactly like its chunks."""
_RISKY_RE = re.compile(r"(?:^|\.)(?:(?:19|20)\d\d|iq[1-4]|q[2-8]|lr|wd)", re.I)
_RISKY_E_RE = re.compile(r"(?:^|\.)\d")
_RISKY_FIRST = frozenset("12iIqQlLwW\u0130\u0131")
"""First characters ``_RISKY_RE`` can match at a chunk's start (with ``re.I``, ``i`` also matches ``İ``/``ı``)."""
_CACHE_LIMIT = 200_000


def _chunks(name: str) -> list[str]:
    """``name`` cut at ``-``, ``_`` and whitespace (empty chunks kept)."""
    parts = name.split()
    if len(parts) == 1:
        return parts[0].replace("_", "-").split("-")
    return [c for p in parts for c in p.replace("_", "-").split("-")]


_new = object.__new__
_UNSEEN = "\0unseen"
"""A cache miss (``None`` is a cached answer)."""
_setattr = object.__setattr__
_VERSION_KINDS = frozenset({"semver", "vminor", "vmajor", "decimal", "release"})


def _fact_code(low: str, seg_type: str | None, kind: str | None, families: dict[str, str]) -> int:
    """Which parts of the facts loop of ``parse_name`` may read anything from a token typed
    ``seg_type``/``kind`` (``_F_*`` bits; ``0``: none).

    A superset, fixed when the token is typed: absorption and the free-word pass only change a type
    to ``None``, ``ambiguous``, ``identifier`` or ``description`` (none of the types tested here) and
    never change a kind; ``_absorb`` sets ``_FACT_ALL`` on the tokens whose key it changes (a version
    that absorbs ``-0``, the number it absorbs). Tokens typed by their position get ``_FACT_ALL``.
    """
    code = 0
    if seg_type == "version" or kind in _VERSION_KINDS or seg_type == "creation-date":
        code = _F_VERSION
    if kind == "size" or kind == "moe":
        code |= _F_SIZE
    if low in _QUANT_WORDS or kind == "gguf" or kind == "bits":
        code |= _F_QUANT
    if low in _VARIANT_OF:
        code |= _F_VARIANT
    if seg_type == "base-model":
        code |= _F_BASE
    if low in families:
        code |= _F_FAMILY
    return code


_F_VERSION, _F_SIZE, _F_QUANT, _F_VARIANT, _F_BASE, _F_FAMILY = 1, 2, 4, 8, 16, 32
_FACT_ALL = 63
_QUANT_WORDS = frozenset(_QUANT_CONTAINERS) | _BIT_WORDS | _FLOAT_FORMATS | {"i1", "imatrix"}


def _segment(text: str, seg_type: str) -> Segment:
    # ``Segment(text, seg_type)`` without the frozen dataclass's per-field ``object.__setattr__``.
    s = _new(Segment)
    d = s.__dict__
    d["text"] = text
    d["type"] = seg_type
    return s


def _typed_general(
    name: str, v: Vocabulary, texts: list[str], lows: list[str], pres: list[str | None] | None
) -> list[list]:
    """Passes 2-3 for a name with a whole-name form or a phrase.

    ``texts``, ``lows`` and ``pres`` are the tokens, lowercased, and their whole-name kinds from
    ``_TOKEN_RE`` (``pres`` is ``None`` when every token is plain).
    """
    n = len(texts)

    # Pass 2: phrases and whole-name forms.
    phrases = v.phrases
    toks: list[tuple[str, str, str | None]]  # (text, lowercased key, forced type)
    if pres is None and phrases.keys().isdisjoint(lows):  # no generator: parser.pxd makes this cpdef
        toks = [(text, low, None) for text, low in zip(texts, lows, strict=True)]
    else:
        toks = []
        offsets: list[tuple[int, int]] | None = None
        i = 0
        while i < n:
            text = texts[i]
            low = lows[i]
            pre = pres[i] if pres is not None else None
            if pre is not None and pre[0] != "u":
                if pre == "date":
                    toks.append((text, low, "creation-date"))
                elif pre == "gguf" and ("_" in text or "gguf" in name.lower()):
                    toks.append((text, low, "variant-type*"))
                elif pre == "gguf":
                    for part in text.split("_"):
                        toks.append((part, part.lower(), None))
                else:  # hyper
                    toks.append((text, low, "training-mechanism"))
                i += 1
                continue
            cands = phrases.get(low)
            if cands is not None:
                for ptoks, key, ptype in cands:
                    k = len(ptoks)
                    if i + k <= n and tuple(lows[i : i + k]) == ptoks:
                        if offsets is None:
                            offsets = _offsets(texts, name)
                        toks.append((name[offsets[i][0] : offsets[i + k - 1][1]], key, ptype))
                        i += k
                        break
                else:
                    cands = None
                if cands is not None:
                    continue  # a phrase was joined
            if pre == "usize" and not (toks and _is_base(toks[-1], v)):
                # ``1_6B`` is 1.6B; after a base model (``Llama_2_7b``) the first number is its version
                toks.append((text + "_" + texts[i + 1], low + "." + lows[i + 1], "size*"))
                i += 2
                continue
            toks.append((text, low, None))
            i += 1

    # Pass 3: types.
    count = len(toks)
    typed: list[list] = []
    prev: str | None = None
    cache = v._token_cache
    for pos, (text, low, forced) in enumerate(toks):
        if forced is None:
            entry = cache.get(low)
            if entry is None:
                entry = _token_entry(low, v)
            mode = entry[0]
            if mode == 0:
                prev = entry[1]
                typed.append([text, low, prev, entry[2], entry[3]])
            elif mode == 1:
                cut = entry[1]
                typed.append([text[:cut], entry[2], "base-model", None, _FACT_ALL])
                typed.append([text[cut:], entry[3], "size", "size", _FACT_ALL])
                prev = "size"
            else:
                prev, kind = _classify(low, v, pos, count, prev)
                typed.append([text, low, prev, kind, _FACT_ALL])
        elif forced == "variant-type*":
            typed.append([text, low, "variant-type", "gguf", _FACT_ALL])
            prev = "variant-type"
        elif forced == "size*":
            typed.append([text, low, "size", "size", _FACT_ALL])
            prev = "size"
        else:
            typed.append([text, low, forced, None, _fact_code(low, forced, None, v.families)])
            prev = forced

    return typed


def _is_base(tok: tuple[str, str, str | None], v: Vocabulary) -> bool:
    """Whether a token of ``_typed_general``'s pass 2 (text, key, forced type) is a base model."""
    if tok[2] is not None:
        return tok[2] == "base-model"
    e = v._token_cache.get(tok[1]) or _token_entry(tok[1], v)
    return e[0] == 0 and e[1] == "base-model"


_USIZE_RE = re.compile(r"(?<![A-Za-z0-9])(?<!\d[_.])\d_\d[bBmM](?![A-Za-z0-9])")
"""A size whose decimal point is written ``_`` (``Refact-1_6B``, ``stablelm-2-1_6b``: ``_TOKEN_RE``'s
``usize``), searched only in names with ``_`` and a size token."""


def _typed_phrases(name: str, v: Vocabulary, ces: list[tuple], flags: int) -> list[list]:
    """``_typed_general`` for a name without whole-name forms, from its chunks' cached prototypes.

    Pass 2 joins the tokens that spell a phrase; pass 3 keeps every other token's prototypes and types
    the context-dependent ones (when ``flags`` has ``_HAS_CTX``) by their position among the tokens of
    pass 2.
    """
    lows = [low for ce in ces for low in ce[4]]
    groups = [g for ce in ces for g in ce[2]]
    n = len(lows)
    phrases = v.phrases
    families = v.families
    toks: list[tuple] = []  # the prototypes of each token of pass 2
    offsets: list[tuple[int, int]] | None = None
    i = 0
    while i < n:
        cands = phrases.get(lows[i])
        if cands is not None:
            for ptoks, key, ptype in cands:
                k = len(ptoks)
                if i + k <= n and tuple(lows[i : i + k]) == ptoks:
                    if offsets is None:
                        offsets = _offsets([t for ce in ces for t in ce[5]], name)
                    fact = _fact_code(key, ptype, None, families)
                    toks.append(((name[offsets[i][0] : offsets[i + k - 1][1]], key, ptype, None, fact),))
                    i += k
                    break
            else:
                toks.append(groups[i])
                i += 1
        else:
            toks.append(groups[i])
            i += 1
    if not flags & _HAS_CTX:
        return [[*p] for group in toks for p in group]
    count = len(toks)
    typed: list[list] = []
    prev: str | None = None
    for pos, group in enumerate(toks):
        for text, low, seg_type, kind, fact in group:
            if kind == _CTX:
                seg_type, kind = _classify(low, v, pos, count, prev)
            typed.append([text, low, seg_type, kind, fact])
            prev = seg_type
    return typed


_CTX = "?context"
"""Kind of a typed prototype whose type ``_classify`` decides from its position and neighbour."""
_HAS_CTX, _HAS_PHRASE, _RISKY, _ABSORB, _PHRASE_IN = 1, 2, 4, 8, 16
_AFTER_BASE, _AFTER_SIZE, _BASE, _SIZE = 32, 64, 128, 256
_PHRASE_TAIL = 512
_PAIR_CODE = 1024
_LANG, _MARKER = 2048, 4096
_ABSORBED_KINDS = frozenset({"number", "hyperword", _CTX})
_ONE = (1,)


def _chunk_entry(chunk: str, v: Vocabulary) -> tuple:
    """``(typed prototypes, flags, prototypes by token, token counts, token keys, token texts, Jiang bits)``
    of one chunk.

    Cached per vocabulary.

    The prototypes are ``(text, low, type, kind, fact)`` as pass 3 would type the chunk's tokens alone
    (``fact``: ``_fact_code``). Flags: ``_RISKY`` when a whole-name form may start in the chunk (then
    ``parse_name`` searches the name with ``_FORM_RE`` and, on a match, runs the general passes;
    otherwise the prototypes stand), ``_HAS_PHRASE`` when a token may start a phrase, ``_PHRASE_TAIL``
    when its first token is the second of a phrase (a phrase across chunks needs both), ``_HAS_CTX``
    when a prototype's type depends on its position (kind ``_CTX``), ``_ABSORB`` and others
    (``_proto_flags``) when ``_absorb`` may fold a token, ``_PHRASE_IN`` when two of its tokens begin a
    phrase. The counts say which prototypes are tokens of pass 2 (a compound
    such as ``llama7b`` is one token, two prototypes); the keys are the tokens' lowercased texts. The
    Jiang bits are ``_jiang_bits``, read by every parse (``jiang_class``): kept here, one cache lookup
    per chunk serves both.
    """
    cache = v._chunk_cache
    if len(cache) > _CACHE_LIMIT:
        cache.clear()
    entry: tuple
    if not chunk:
        entry = ((), 0, (), (), (), (), 0)
    elif (chunk[0] in _RISKY_FIRST or "." in chunk or chunk[-1] in "eE") and (
        _RISKY_RE.search(chunk) or (chunk[-1] in "eE" and _RISKY_E_RE.search(chunk))
    ):
        entry = (*_plain_chunk_entry(chunk, v, _RISKY), _jiang_bits(chunk))
    else:
        entry = (*_plain_chunk_entry(chunk, v, 0), _jiang_bits(chunk))
    cache[chunk] = entry
    return entry


def _proto_flags(low: str, seg_type: str | None, kind: str | None) -> int:
    """Which rules of ``_absorb`` could fold or retype this token (a superset; see ``_absorb``): flags
    kept in its ``_token_entry`` and OR-ed over a chunk's tokens in ``_chunk_entry``.

    ``_ABSORB``: a filler, a bare number, a hyperparameter word (what follows it may join it), a
    token whose type depends on its position, a ``finetuned`` (a task after it joins it). The others
    apply only after a base model (``_AFTER_BASE``: a qualifier or a decimal) or a size
    (``_AFTER_SIZE``: ``x8``), so ``parse_name`` also needs ``_BASE`` or ``_SIZE`` in the name.
    """
    flags = 0
    if seg_type == FILLER or kind in _ABSORBED_KINDS or low in _FINETUNED or low == "v":
        flags = _ABSORB
    elif kind == "decimal" or low in _BASE_QUALIFIERS:
        flags = _AFTER_BASE
    elif low.startswith("x") and low[1:].isdigit():
        flags = _AFTER_SIZE
    if seg_type == "base-model":
        flags |= _BASE
    elif seg_type == "size":
        flags |= _SIZE
    elif seg_type == "language":
        flags |= _LANG
    if low in _TRANSLATION_MARKERS:
        flags |= _MARKER
    return flags


def _plain_chunk_entry(chunk: str, v: Vocabulary, flags: int) -> tuple:
    """``_chunk_entry`` of a non-empty chunk, with ``flags`` set (``_RISKY`` or 0)."""
    if "." not in chunk:
        # One token (the chunk holds no ``-``, ``_``, whitespace or dot), hence no phrase inside it.
        low = chunk.lower()
        if low in v.phrases:
            flags |= _HAS_PHRASE
        if low in v._phrase_seconds:
            flags |= _PHRASE_TAIL
        e = v._token_cache.get(low) or _token_entry(low, v)
        one: tuple
        mode = e[0]
        if mode == 0:
            one = ((chunk, low, e[1], e[2], e[3]),)
            flags |= e[4]
            return (one, flags, (one,), _ONE, (low,), (chunk,))
        if mode == 1:
            cut = e[1]
            one = ((chunk[:cut], e[2], "base-model", None, _FACT_ALL), (chunk[cut:], e[3], "size", "size", _FACT_ALL))
            return (one, flags | e[4], (one,), (1, 0), (low,), (chunk,))
        one = ((chunk, low, None, _CTX, _FACT_ALL),)
        return (one, flags | _HAS_CTX | _ABSORB, (one,), _ONE, (low,), (chunk,))
    protos: list[tuple[str, str, str | None, str | None, int]] = []
    counts: list[int] = []
    lows: list[str] = []
    tcache = v._token_cache
    phrases = v.phrases
    texts = _PLAIN_TOK_RE.findall(chunk)
    for text in texts:
        low = text.lower()
        lows.append(low)
        if low in phrases:
            flags |= _HAS_PHRASE
        e = tcache.get(low) or _token_entry(low, v)
        if e[0] == 0:
            protos.append((text, low, e[1], e[2], e[3]))
            counts.append(1)
            flags |= e[4]
        elif e[0] == 1:
            cut = e[1]
            protos.append((text[:cut], e[2], "base-model", None, _FACT_ALL))
            protos.append((text[cut:], e[3], "size", "size", _FACT_ALL))
            counts += (1, 0)
            flags |= e[4]
        else:
            protos.append((text, low, None, _CTX, _FACT_ALL))
            counts.append(1)
            flags |= _HAS_CTX | _ABSORB
    if flags & _HAS_PHRASE:
        pairs = v._phrase_pairs
        if not pairs.isdisjoint(pairwise(lows)):
            flags |= _PHRASE_IN
    if lows and lows[0] in v._phrase_seconds:
        flags |= _PHRASE_TAIL
    groups: list[tuple] = []  # the prototypes of each token
    for proto, c in zip(protos, counts, strict=True):
        if c:
            groups.append((proto,))
        else:
            groups[-1] += (proto,)
    return (tuple(protos), flags, tuple(groups), tuple(counts), tuple(lows), tuple(texts))


def _chunk_alias(chunk: str, v: Vocabulary) -> str | None:
    """The first family alias in the lowercased chunk (``Vocabulary.family_regex``), cached per vocabulary."""
    cache = v._alias_cache
    if len(cache) > _CACHE_LIMIT:
        cache.clear()
    low = chunk.lower()
    rx = v.family_regex()
    if low.isalpha() and low.isascii():
        # Only ``a``-``z``: the regex's boundaries allow one match, the whole chunk.
        alias = cache[chunk] = low if low in v._family_aliases else None
        return alias
    m = rx.search(low)
    alias = cache[chunk] = m.group() if m is not None else None
    return alias


def _may_have_phrase(ces: list[tuple], v: Vocabulary) -> bool:
    """Whether two adjacent tokens of the name begin a vocabulary phrase (all phrases have two or more).

    Pairs inside one chunk are flagged ``_PHRASE_IN`` by ``_chunk_entry``; this checks the pairs across
    chunk boundaries (empty chunks hold no token and are passed over).
    """
    pairs = v._phrase_pairs
    prev = None
    for ce in ces:
        lows = ce[4]
        if lows:
            if prev is not None and (prev, lows[0]) in pairs:
                return True
            prev = lows[-1]
    return False


# --- Jiang et al.'s classes -------------------------------------------------------------------

def _trie_pattern(words: Iterable[str]) -> str:
    """A regex alternation of ``words`` written as a trie: ``bert|bertweet|bart`` becomes
    ``b(?:art|ert(?:weet)?)``. It matches the same strings, and where several match at one place
    the longest is tried first (as an alternation sorted longest first does), but ``re`` follows one
    branch per character instead of trying every word at every position of a chunk (about 3x faster
    over the study's chunks, the most of the first reading of a chunk)."""
    trie: dict[str, dict] = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}  # a word ends here

    def branch(node: dict[str, dict]) -> str:
        alts = [re.escape(ch) + branch(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        if "" in node:  # a word ends here and longer ones go on: the longer first (greedy ``?``)
            return "(?:" + "|".join(alts) + ")?"
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"

    return branch(trie)


# Words of a task (what the model does, as a pipeline tag would say it), matched inside a chunk's
# lowercased text: ``classifier``, ``ObjectDetection``, ``img2txt``, ``asr``. Anywhere in the text:
_JIANG_TASK_INSIDE = (
    "classif detect segment generat caption recogni translat summar question answer encoder embedding "
    "diariz estimat similarity zeroshot zero-shot search retriev chatbot conversation dialog "
    "2text 2txt 2img 2image 2video 2vid 2speech 2tags 2words 2sql img2 image2 text2 speech2 video2 "
    "parsing tagg extraction inpaint upscal denois resolution transcri synthes completion fillmask fill-mask "
    "masked rerank regression depth panoptic tracking instance semantic alignment encod prompts "
    "for-causal for-conditional for-pretraining for-pre-training for-seq2 for-ctc for-audio for-vision "
    "for-image for-text"
).split()
# ... at a word's start (``vqa``, ``qa``), or as a whole word (``asr``, ``chat``: not ``chatglm``).
_JIANG_TASK_START = ("vqa", "qa")
_JIANG_TASK_WORD = ("asr", "tts", "stt", "ocr", "ner", "nli", "vad", "sr", "mt", "pos", "chat")
_JIANG_TASK_RE = re.compile(
    f"{_trie_pattern(_JIANG_TASK_INSIDE)}|(?<![a-z])(?:{_trie_pattern(_JIANG_TASK_START)}"
    f"|{_trie_pattern(_JIANG_TASK_WORD)}(?![a-z]))"
)
# Words of an application (a domain, a subject or a language the model is for), anywhere in the text:
_JIANG_APP_INSIDE = (
    "sentiment legal medic clinic financ music lyric covid twitter tweet pokemon food celebrit gender "
    "accent nsfw invoice document chart sketch toxic spam fake sarcas humor humour emoji recipe poem poet "
    "movie email python java absa genre animal disease cancer radiolog xray x-ray patent crypto weather "
    "traffic fashion cloth"
).split()
# ... only at a word's start: English words hold these inside (stable, preview, history, passport,
# implant, conscience, aftermath, whatever, huggingface; Debian's wamerican word list).
_JIANG_APP_START = (
    "law bio news code sql table face sport plant scien review resume hate math story game chess product "
    "anime emotion stock"
).split()
_JIANG_APP_WORD = ("art", "age", "car")  # whole words only
_JIANG_APP_RE = re.compile(
    f"{_trie_pattern(_JIANG_APP_INSIDE)}|(?<![a-z])(?:{_trie_pattern(_JIANG_APP_START)}"
    f"|{_trie_pattern(_JIANG_APP_WORD)}(?![a-z]))"
)
# Words that say neither: modalities and generic words that go with a task (``image-classification``
# is a task, ``garbage-classification`` an application).
_JIANG_NEUTRAL = frozenset(
    "image text txt video audio speech voice sound vision visual photo picture scene sentence object obj "
    "semantic speaker img doc question answer answering language multimodal multilingual generator "
    "classifier detector recognizer translator summarizer encoder decoder tagger parser segmenter "
    "improved finetuned fine tuned pipeline endpoint demo test sample model models base large small "
    "tiny random the and for with from zero shot few general simple custom new best final train "
    "training data".split()
)
_JIANG_WORD_RE = re.compile(r"[a-z]{3,}")
_AZ_RE = re.compile(r"[a-z]")
_CAMEL_RE = re.compile(r"(?<=[a-z])(?=[A-Z])")
_J_ARCH, _J_TASK, _J_APP, _J_OTHER = 1, 2, 4, 8
_J_TO, _J_TO_TASK = 16, 32  # ``to``, and what makes ``{x}-to-{y}`` a task after it (``_TO_TASKS``)
_JIANG_IMPL_TYPES = frozenset({"base-model", "training-mechanism", "variant-type", "dataset"})
"""Segment types that name the implementation unit: the training data is part of it for Jiang et al.
(``hubert-large-ls960-ft`` is I), as are the architecture, size, training and reuse method."""


def _read_architectures() -> tuple[re.Pattern[str], re.Pattern[str]]:
    path = DATA_DIR / "architectures.txt"
    words = [w.strip().lower() for w in (_read_list(path) if path.exists() else ["bert"])]
    # Short names only as whole words (``vit-base``, ``t5_small``); longer ones also inside a word
    # (``BioLinkBERT``, ``speecht5``).
    inside = _trie_pattern(w for w in words if len(w) >= 4)
    return re.compile(f"(?<![a-z])(?:{_trie_pattern(words)})(?![a-z])"), re.compile(inside)


_ARCH_WORD_RE, _ARCH_INSIDE_RE = _read_architectures()
_ARCHITECTURES = frozenset(
    w.strip().lower().replace("-", "").replace("_", "")
    for w in (_read_list(DATA_DIR / "architectures.txt") if (DATA_DIR / "architectures.txt").exists() else [])
)
"""The ``model_type`` names of ``data/architectures.txt``, without separators (``gpt_neox`` → ``gptneox``)."""


def _read_task_words() -> frozenset[str]:
    path = DATA_DIR / "tasks.txt"
    lines = _read_list(path) if path.exists() else []
    return frozenset(w for line in lines for w in _JIANG_WORD_RE.findall(line.lower()))


_TASK_WORDS = _read_task_words()
"""Every word of the task list (the Hub's pipeline tags among them): a word of a task's name says no
application (``voice-activity-detection``, ``img2txt`` are tasks, ``garbage-classification`` is not)."""


def _jiang_bits(chunk: str) -> int:
    """What one chunk of a name says for Jiang et al.'s classes (``_J_*`` bits), kept in its
    ``_chunk_entry``: an architecture, a task word, an application word, or another word (neither
    task nor neutral); and whether the chunk is ``to`` or a modality that may follow it (``_J_TO*``)."""
    low = chunk.lower()
    if _AZ_RE.search(low) is None:
        return 0  # every word below holds a letter (``7b``, ``0.1``, ``2023``: no word)
    # ``-`` between a lowercase and a capital letter (``ObjectDetection``): a chunk without capitals
    # has none to cut.
    split = low if low == chunk else _CAMEL_RE.sub("-", chunk).lower()
    bits = 0
    if _ARCH_WORD_RE.search(split) or _ARCH_INSIDE_RE.search(low):
        bits = _J_ARCH
    if _JIANG_TASK_RE.search(split):
        bits |= _J_TASK
    if _JIANG_APP_RE.search(split):
        bits |= _J_APP
    for w in _JIANG_WORD_RE.findall(split):
        if w not in _JIANG_NEUTRAL and w not in _TASK_WORDS and not _JIANG_TASK_RE.search(w):
            bits |= _J_OTHER
            break
    if low == "to":
        bits |= _J_TO
    elif low in _TO_TASKS:
        bits |= _J_TO_TASK
    return bits


def jiang_class(
    chunks: Iterable[str], seg_types: Iterable[str], family: str | None, size_params: int | None, v: Vocabulary
) -> str:
    """Jiang et al.'s class of a name from its chunks and segment types (docs/naming.md, "Jiang").

    *Implementation*: a base-model, training-mechanism, variant-type or dataset segment, a family, a
    parameter count, or an architecture word (``data/architectures.txt``). *Task*: a task segment or task word.
    *Application*: a language segment or an application word, or a task qualified by another word
    with no implementation beside it (``garbage-classification``). Application wins over task, as in
    the study's prompt: A/IA, else T/IT, else I, else O.
    """
    bits = 0
    ccache = v._chunk_cache
    prev = 0
    for c in chunks:
        b = (ccache.get(c) or _chunk_entry(c, v))[6]
        if prev & _J_TO and b & _J_TO_TASK:
            b |= _J_TASK  # ``text-to-image``, ``speech_to_text``
        bits |= b
        prev = b
    return _jiang_of(bits, seg_types, family, size_params)


def _jiang_of(bits: int, seg_types: Iterable[str], family: str | None, size_params: int | None) -> str:
    """``jiang_class`` from the name's chunks' bits, OR-ed."""
    impl = bool(bits & _J_ARCH) or family is not None or size_params is not None
    task = bool(bits & _J_TASK)
    app = bool(bits & _J_APP)
    for t in seg_types:
        if t in _JIANG_IMPL_TYPES:
            impl = True
        elif t == "task":
            task = True
        elif t == "language":
            app = True
    if not app and task and not impl and bits & _J_OTHER:
        app = True
    if app:
        return "IA" if impl else "A"
    if task:
        return "IT" if impl else "T"
    return "I" if impl else "O"


_TO_TASKS = frozenset({"image", "text", "speech", "video", "sql", "vision", "audio", "img", "txt", "3d"})


def parse_name(model_id: str, vocab: Vocabulary | None = None) -> ParsedName:
    """Parse one ``owner/name`` (or a bare name) into segments, version, size, quantization, family."""
    v = vocab if vocab is not None else default_vocabulary()
    owner, sep, name = model_id.partition("/")
    if not sep:
        owner, name = "", model_id
    # Passes 1-3 by chunks: each chunk's tokens and their types are cached per vocabulary.
    ccache = v._chunk_cache
    parts = name.split()
    chunks = parts[0].replace("_", "-").split("-") if len(parts) == 1 else _chunks(name)
    ces = []
    flags = 0
    jbits = 0  # ``jiang_class``'s bits
    prev_jbits = 0
    for c in chunks:
        ce = ccache.get(c) or _chunk_entry(c, v)
        ces.append(ce)
        flags |= ce[1]
        b = ce[6]
        if prev_jbits & _J_TO and b & _J_TO_TASK:
            b |= _J_TASK
        jbits |= b
        prev_jbits = b
    typed: list[list]  # [text, low, type, kind]
    general = True
    if flags & _RISKY and _FORM_RE.search(name) or flags & _SIZE and "_" in name and _USIZE_RE.search(name):
        raw = _tokens(name)
        typed = _typed_general(name, v, [t for t, _ in raw], [t.lower() for t, _ in raw], [p for _, p in raw])
    elif flags & _PHRASE_IN or flags & _HAS_PHRASE and flags & _PHRASE_TAIL and _may_have_phrase(ces, v):
        # No whole-name form: the chunks' own tokens are the name's tokens.
        typed = _typed_phrases(name, v, ces, flags)
    else:
        general = False
        typed = [[*p] for ce in ces for p in ce[0]]
        if flags & _HAS_CTX:
            counts = [c for ce in ces for c in ce[3]]
            count = sum(counts)
            pos = -1
            for i, tok in enumerate(typed):
                pos += counts[i]
                if tok[3] == _CTX:
                    tok[2], tok[3] = _classify(tok[1], v, pos, count, typed[i - 1][2] if i else None)

    if flags & _PAIR_CODE and flags & _MARKER and flags & (_LANG | _HAS_CTX):
        _language_pairs(typed, v)  # a code, a translation word and a language (or a 2-letter word)
    if flags & _HAS_CTX and "." in name:  # a two-letter language word is contextual (``_HAS_CTX``)
        tags = _TAG_RE.findall(name)
        if tags:
            _tags_are_no_languages(typed, tags)

    # ``it`` before a language code is Italian, whatever came before it (``occiglot-7b-it-en``: a
    # language pair, not an instruct model).
    for i in range(len(typed) - 1):
        tok = typed[i]
        if tok[1] == "it" and tok[2] == "training-mechanism" and typed[i + 1][2] == "language":
            tok[2], tok[3], tok[4] = "language", None, _FACT_ALL

    if flags & _HAS_CTX:
        _no_is_english(typed)

    # Pass 4: absorption, free words by position, then merge (segments of a type).
    if (
        general
        or flags & _ABSORB
        or flags & _AFTER_BASE and flags & _BASE
        or flags & _AFTER_SIZE and flags & _SIZE
    ):
        _resolve_free(_absorb(typed), v.brands)
    else:
        _resolve_free(typed, v.brands)  # every token is live (no type is ``None`` yet)

    # Segments (adjacent ones of a type merge) and facts, in one loop.
    seg_texts: list[str] = []
    seg_types: list[str] = []
    last_type = None
    version_raw = version_scheme = version_key = None
    size_params: int | None = None
    experts: int | None = None
    quant_container: str | None = None
    quant_detail: str | None = None
    variants: list[str] = []
    family: str | None = None
    base_family: str | None = None
    families = v.families
    for text, low, seg_type, kind, fact in typed:
        if seg_type is not None:
            if seg_type == last_type and kind != _QMETHOD:
                seg_texts[-1] = seg_texts[-1] + "-" + text
            else:
                seg_texts.append(text)
                seg_types.append(seg_type)
                # A quantization method is a segment of its own (``Instruct-AWQ``: two segments).
                last_type = seg_type if kind != _QMETHOD else _QMETHOD
        if not fact:
            continue  # nothing below applies to this token (``_fact_code``)
        if fact & _F_VERSION:
            if seg_type == "version" or kind in _VERSION_KINDS:
                sv = _version_of(low)
                if sv is not None and (version_raw is None or seg_type == "version"):
                    version_raw, (version_scheme, version_key) = text, sv
            elif seg_type == "creation-date" and version_raw is None:
                sv = _version_of(low)  # the date's own token: ``text`` may hold a word joined to it
                if sv is not None:
                    version_raw, (version_scheme, version_key) = text, sv
        if fact & _F_SIZE and (kind == "size" or kind == "moe") and size_params is None:
            size_params = _size_cached(low, kind)
            if kind == "moe":
                experts = int(low.split("x", 1)[0])
        if fact & _F_QUANT:
            if low in _QUANT_CONTAINERS and quant_container is None:
                quant_container = _QUANT_CONTAINERS[low]
            elif kind == "gguf":
                quant_detail = quant_detail or text.upper()
                quant_container = quant_container or "GGUF"
            elif low in _BIT_WORDS or low in _FLOAT_FORMATS or kind == "bits":
                quant_detail = quant_detail or low
            elif low == "i1" or low == "imatrix":
                quant_container = quant_container or "GGUF"
        if fact & _F_VARIANT:
            var = _VARIANT_OF.get(low)
            if var is not None and var not in variants and (low != "it" or seg_type == "training-mechanism"):
                variants.append(var)
        if fact & _F_BASE and seg_type == "base-model" and base_family is None:
            base_family = families.get(low) or families.get(low.split("-")[0])
        if fact & _F_FAMILY and family is None and low in families:
            family = families[low]
    if not seg_types:
        seg_texts.append(name)
        seg_types.append("identifier")
    elif len(seg_texts) < len(typed) and (
        "_" in name or " " in name or "--" in name or "." in name and _DOT_SEP_RE.search(name) is not None
    ):
        # Tokens were joined with ``-``; where the name writes ``_``, a dot or a space between them,
        # each segment's text is cut from the name as written (``image_detection``, not ``image-detection``).
        seg_texts = _as_written(seg_texts, name)
    version_tok = version_raw  # the version's token as joined (the stem below drops it)
    if version_raw is not None and "-" in version_raw and version_raw not in name:
        version_raw = _version_as_written(version_raw, name)
    if quant_detail is not None and "quantized" not in variants:
        variants.append("quantized")
    if quant_container is not None and "quantized" not in variants and quant_container != "ONNX":
        variants.append("quantized")
    quant: str | None
    if quant_container and quant_detail:
        quant = f"{quant_container}:{quant_detail}"
    else:
        quant = quant_container or quant_detail
    if base_family is not None:
        family = base_family
    if family is None:
        # The leftmost family alias in the lowercased name: aliases hold no ``-``, ``_`` or
        # whitespace, so each chunk's first alias (cached) decides.
        acache = v._alias_cache
        for c in chunks:
            alias = acache.get(c, _UNSEEN)
            if alias is _UNSEEN:
                alias = _chunk_alias(c, v)
            if alias is not None:
                family = families.get(alias)
                break
    # The stem drops the version and keeps everything else, normalised.
    if version_raw is None:
        stem = "-".join([tok[1] for tok in typed if tok[1]])
    else:
        stem = "-".join([tok[1] for tok in typed if tok[1] and tok[0] != version_tok])
    # ``ParsedName(...)`` without the frozen dataclass's per-field ``object.__setattr__``; its
    # ``Segment`` objects are made when ``segments`` is first read (``as_row`` needs none).
    parsed = _new(ParsedName)
    _setattr(
        parsed,
        "__dict__",
        {
            "model_id": model_id,
            "owner": owner,
            "name": name,
            "_seg_pairs": (seg_texts, seg_types),  # ``segments``, built on first read (``_LazySegments``)
            "convention": "{" + "}{".join(seg_types) + "}",
            "version_raw": version_raw,
            "version_scheme": version_scheme or "none",
            "version_key": version_key,
            "size_params": size_params,
            "experts": experts,
            "jiang_class": _jiang_of(jbits, seg_types, family, size_params),  # ``jiang_class``
            "quant_format": quant,
            "variants": tuple(variants),
            "family": family,
            "stem": stem,
        },
    )
    return parsed


def _no_is_english(typed: list[list]) -> None:
    """``no`` is Norwegian only next to another language code (``opus-mt-no-de``, ``bert-base-en-no-cased``)
    or as the name's last token after a typed segment (``mt5-large-no``, ``m2m_1b_finetune_no``); elsewhere
    it is the English word (``no_robots``, ``no-flash-attn``, ``yes-no``, ``ScandiBERT-no-faroese``), a
    free word typed by its position."""
    last = len(typed) - 1
    for i, t in enumerate(typed):
        if t[1] != "no" or t[2] != "language":
            continue
        prev = typed[i - 1] if i else None
        nxt = typed[i + 1] if i < last else None
        if (prev is not None and prev[2] == "language" and len(prev[1]) <= 3) or (
            nxt is not None and nxt[2] == "language" and len(nxt[1]) <= 3
        ):
            continue
        if nxt is None and prev is not None and prev[2] not in _FREE:
            continue
        t[2], t[3], t[4] = "identifier", None, _FACT_ALL


_TAG_RE = re.compile(r"(?<=[A-Za-z0-9])\.([A-Za-z]{2})_")
"""A checkpoint tag after a separator dot, as timm writes ``{model}.{tag}_{data set}`` (``resnet50.am_in1k``)."""


def _tags_are_no_languages(typed: list[list], tags: list[str]) -> None:
    """A two-letter code that starts a tag after a dot and comes right before a data set is the tag
    (the recipe or source of a checkpoint: ``coatnet_0_rw_224.sw_in1k``, ``hrnet_w18.ms_in1k``), not a
    language (Swahili, Malay); ``MedRoBERTa.nl_NegationDetection`` and ``whisper-base.en`` keep theirs."""
    lows = {t.lower() for t in tags}
    for i in range(len(typed) - 1):
        t = typed[i]
        if t[2] == "language" and t[1] in lows and typed[i + 1][2] == "dataset":
            t[2], t[3], t[4] = "description", None, _FACT_ALL


_TRANSLATION_MARKERS = frozenset(
    "mt nmt translation translations translate translator opus opus-mt tatoeba marian marianmt nllb m2m100 madlad".split()
)
"""Tokens that say a name is a translation model's (a task word of ``tasks.txt``, or a translation
system), whose language pair may be written in ISO 639-3/639-5 codes."""


def _language_pairs(typed: list[list], v: Vocabulary) -> None:
    """A code of ``language_codes.txt`` (ISO 639-3, the rest of ISO 639-1, word-like ISO 639-5 codes)
    standing next to a language is a language in a name that names a translation (``opus-mt-en-cus``,
    ``t5-base-translation-spa-guc``, ``nmt-doc-en-is``); elsewhere it stays a free word (``clf-kr-sku``,
    ``llm-jp-13b``, ``wtf_is_deepnet``)."""
    langs = 0
    marker = False
    for t in typed:
        if t[2] == "language":
            langs += 1
        elif t[1] in _TRANSLATION_MARKERS:
            marker = True
    if not langs or not marker:
        return
    codes = v.pair_codes
    # Only a language of the lists counts as the neighbour: codes do not chain.
    is_lang = [t[2] == "language" for t in typed]
    last = len(typed) - 1
    for i, t in enumerate(typed):
        low = t[1]
        if t[2] != "identifier" or t[3] is not None or low in _TRANSLATION_MARKERS:
            continue
        word = codes.get(low)
        if word is None:
            continue
        left = i > 0 and is_lang[i - 1]
        right = i < last and is_lang[i + 1]
        if not (left or right):
            continue
        if word and not (left and right):
            # An English word (``doc``, ``for``, ``is``) needs the name's edge, a language or a code
            # that is no word on its other side: ``en-is``, ``en-cat_oci_spa``, not ``nmt-doc-en``.
            j = i + 1 if left else i - 1
            if 0 <= j <= last and (
                codes.get(typed[j][1]) is not False or typed[j][2] != "identifier" or typed[j][1] in _TRANSLATION_MARKERS
            ):
                continue
        t[2], t[4] = "language", _FACT_ALL


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (restoring its state after).

    A parse allocates a few lists per token and frees them by reference counting; it makes no
    cycles. When the results are kept (as every caller keeps them), each parse leaves its
    ``ParsedName`` alive, the collector's allocation count only grows, and it walks the young
    generations every few hundred names and the whole heap now and then: about a quarter of the
    time of a bulk parse (``hfaudit.lab.naming_bench``, "kept" rows). Nothing is leaked by pausing it.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def parse_names(model_ids: Iterable[str], vocab: Vocabulary | None = None) -> list[ParsedName]:
    """``parse_name`` of each id, in order, with the garbage collector paused for the batch."""
    v = vocab if vocab is not None else default_vocabulary()
    with _collector_paused():
        return [parse_name(m, v) for m in model_ids]


_DOT_SEP_RE = re.compile(r"(?<!\d)\.|\.(?!\d)")
"""A dot that cuts tokens (not between digits, as in ``v0.1``)."""


def _version_as_written(raw: str, name: str) -> str:
    """A version joined from tokens (``v-0.1``, ``V1-0``) as the name writes it (``v_0.1``, ``V1_0``):
    the last place its tokens stand with separators between them (``raw`` when not found)."""
    pattern = r"(?<![A-Za-z0-9])" + r"[-_.\s]+".join([re.escape(p) for p in raw.split("-") if p]) + r"(?![A-Za-z0-9])"
    found = re.findall(pattern, name)
    return found[-1] if found else raw


def _as_written(texts: list[str], name: str) -> list[str]:
    """Segment texts as the name writes them: each text's ``-``-joined tokens found left to right in
    ``name`` and the span between the first and the last cut from it (a text not found is kept)."""
    out = []
    pos = 0
    for text in texts:
        parts = text.split("-")
        start = name.find(parts[0], pos)
        if start < 0:
            out.append(text)
            continue
        end = start + len(parts[0])
        for part in parts[1:]:
            j = name.find(part, end)
            if j < 0:
                break
            end = j + len(part)
        else:
            out.append(name[start:end])
            pos = end
            continue
        out.append(text)
    return out


def _offsets(texts: list[str], name: str) -> list[tuple[int, int]]:
    # Tokens are found left to right, so finding each after the previous one is exact.
    out = []
    pos = 0
    for text in texts:
        start = name.find(text, pos)
        out.append((start, start + len(text)))
        pos = start + len(text)
    return out


_MODEL_CLASS_RE = re.compile(r"([a-z][a-z0-9]*?)(?:for[a-z0-9]{3,}|lmheadmodel|pretrainedmodel|model)")
"""A transformers model class named after its architecture: ``{Arch}For{Head}`` or ``{Arch}Model``
(``LlamaForCausalLM``, ``BertForSequenceClassification``, ``XLMModel``), lowercased."""
_CLASS_ENDS = ("model", "lm", "classification", "answering", "choice", "generation", "ctc", "training",
               "segmentation", "detection", "estimation", "prediction", "tagging", "modeling", "retrieval")
_VERSIONED_BASE_RE = re.compile(r"([a-z]{2,}?)(\d{1,2}(?:\.\d{1,2})?)")
"""A base model's name with its version glued on (``llama3.1``, ``falcon3``), as ``llama-3.1`` is one
base model (a bare number joins a base model); at most two digits, so ``gpt350`` (a size) is not one."""
_VERSIONED_MECHANISM_RE = re.compile(r"([a-z]{2,}?)v?(\d{1,2}(?:\.\d{1,2})?)")
"""A training-mechanism word with a number of one or two digits glued on, optionally after ``v``
(``lora1``, ``sft1.0``, ``dpov3``); hyperparameter words with a value (``seed42``) match a shape first."""
_COMPOUND_RE = re.compile(r"([a-z]+[a-z0-9.]*?[a-z]|[a-z]+)(\d+(?:\.\d+)?[bm])")


_FREE = frozenset({"identifier", "description"})
_HYPER_TAIL = frozenset({"number", "decimal", "hyperword", "kcount"})


def _join(into: list, tok: list, before: bool = False) -> None:
    into[0] = tok[0] + "-" + into[0] if before else into[0] + "-" + tok[0]
    tok[2] = None


def _absorb(typed: list[list]) -> list[list]:
    """Fold qualifiers into the token they qualify (the absorbed token's type becomes ``None``).

    - Fillers (``hf``, ``base``, ``model``, merge recipes) join the segment before them.
    - After a base model, its checkpoint qualifiers and a bare number belong to its name
      (``bert-base-uncased``, ``llama-2``, ``w2v-bert-2.0``).
    - A bare number continues a version (``V1-0``) and a hyperparameter (``epochs-2``); ``x8``
      continues a size (``7b-x8``); a task right after ``finetuned`` is part of that phrase
      (``finetuned-ner``, the course default).
    - Two or more bare numbers in a row are one ambiguous segment (``11-15``); a single bare number
      elsewhere joins the segment before it (``model-19``).

    Returns the tokens left with a type, in order (a token's type only becomes ``None`` in its own
    step).
    """
    live: list[list] = []
    last: list | None = None
    n = len(typed)
    for i, tok in enumerate(typed):
        seg_type, kind = tok[2], tok[3]
        if kind == "number" and i + 1 < n and typed[i + 1][1] in _VALUE_FIRST and typed[i + 1][3] == "hyperword":
            _join(typed[i + 1], tok, before=True)  # ``300_epochs``, ``1000-steps``: the value, then the word
            continue
        if last is not None:
            if seg_type == FILLER:
                _join(last, tok)
                continue
            lt = last[2]
            if (kind == "number" or kind == "decimal") and last[1] == "v" and lt in _FREE:
                # ``v_0.1``, ``V.2``, ``v-1-4``: a version written with a separator after its ``v``.
                _join(last, tok)
                last[1] = "v" + tok[1]
                last[2], last[3] = "version", "vminor" if kind == "decimal" else "vmajor"
                tok[1] = ""
                last[4] = tok[4] = _FACT_ALL  # keys changed: the facts loop tests them all
                continue
            if kind != "number" and lt not in _ABSORBERS:
                last = tok  # no rule below applies
                live.append(tok)
                continue
            lk, low = last[3], tok[1]
            nxt_number = i + 1 < n and typed[i + 1][3] == "number"
            if lt == "base-model" and (
                low in _BASE_QUALIFIERS or kind in ("number", "decimal") and len(low) <= 4 and not nxt_number
            ):
                _join(last, tok)
                continue
            if lt == "version" and kind == "number" and len(low) <= 2:
                _join(last, tok)
                last[1] = last[1] + "." + low  # ``V1-0`` reads as 1.0
                tok[1] = ""
                last[4] = tok[4] = _FACT_ALL  # keys changed: the facts loop tests them all
                continue
            if lt == "size" and low.startswith("x") and low[1:].isdigit():
                _join(last, tok)
                continue
            if lt == "training-mechanism" and lk == "hyperword" and kind in _HYPER_TAIL:
                _join(last, tok)
                continue
            if lt == "training-mechanism" and lk == "hyperword" and seg_type in _FREE and len(low) <= 5:
                _join(last, tok)
                continue
            if lt == "variant-type" and seg_type == "task" and last[1] in _FINETUNED:
                _join(last, tok)
                continue
            if kind == "number":
                if lk == "number" or nxt_number:
                    tok[2] = "ambiguous"
                    if lk == "number":
                        _join(last, tok)
                        continue
                else:
                    _join(last, tok)
                    continue
        elif seg_type == FILLER:
            nxt = typed[i + 1] if i + 1 < n else None
            if nxt is not None and nxt[2] in _LEADS_INTO:
                _join(nxt, tok, before=True)  # ``base_model_Llama2``: the filler leads into the name
                continue
            tok[2] = "identifier"
        if tok[2] is not None:
            last = tok
            live.append(tok)
    return live


_MODALITIES = frozenset(
    "image img video text txt audio speech voice visual vision document doc token sequence sentence speaker "
    "face object scene table graph molecule protein".split()
)
"""What a pipeline tag names before its task (``image``-classification, ``token``-classification)."""
_FINETUNED = frozenset({"finetuned", "fine-tuned", "finetune", "fine-tune"})
_VALUE_FIRST = frozenset({"epoch", "epochs", "ep", "step", "steps", "iter"})
"""Hyperparameter words that a bare number before them counts (``20-epochs``, ``1000-steps``)."""
_LEADS_INTO = _FREE | {"base-model", FILLER}
_ABSORBERS = frozenset({"base-model", "version", "size", "training-mechanism", "variant-type"})
"""Types of a segment that absorbs qualifiers other than fillers and bare numbers."""
_TUTORIAL = ("my-awesome", "my-")


def _resolve_free(live: list[list], brands: set[str] | frozenset[str] = frozenset()) -> None:
    """Type runs of free words (unknown words, brands, descriptive words) by where they stand.

    A name's first free run is its identifier when only the upstream model, its size, language or
    version precede it; any later free run, or one after a task, variant, training mechanism or
    dataset, is a description. ``my_awesome_…_model`` (the course's default name) is one description.
    A brand or derived project (``brands``: ``zephyr``, ``MiniLM``, ``WizardLM``) names a model, not a
    quality of one: it is an identifier wherever it stands (``WeniGPT-2.3.3-Zephyr-7B``,
    ``paraphrase-multilingual-MiniLM-L12-v2``), and the free words right after it continue it.
    ``live`` holds the tokens that have a type (all of them when nothing was absorbed).
    """
    if live and live[0][1] == "my" and len(live) > 1 and live[1][1] == "awesome":
        for t in live:
            t[2] = "description"
        return
    if len(live) > 1 and live[0][2] == "size" and live[0][3] is None:
        live[0][2] = "identifier"  # ``tiny-random-…``: a leading size word names the project
    elif len(live) > 1 and live[0][2] == "dataset" and live[1][2] in _RELEASE_OF:
        # ``OpenHermes-2.5-Mistral-7B``, ``dolly-v2-12b``: a model line named after its data set
        live[0][2] = "identifier"
    for i in range(len(live) - 1):
        # ``video-segmentation``, ``image_detection``: a modality right before a task is part of it, as
        # in the Hub's pipeline tags (``image-classification``, ``audio-classification``); so is any other
        # lone free word between typed segments that qualifies the task (``vit-age-classifier``,
        # ``roberta-base_topic_classification``); a run of free words (``fake-news-classification``)
        # or the name's first word (``sentiment-classifier``) keeps its own segment.
        t = live[i]
        if t[2] in _FREE and live[i + 1][2] == "task" and (
            t[1] in _MODALITIES or i and t[3] is None and live[i - 1][2] not in _FREE and t[1] not in brands
        ):
            t[2] = "task"
    has_ident = False
    has_desc = False
    only_context = True  # every typed segment so far is a base model, size, language or version
    run_len = 0
    run_type = "identifier"
    late: list[list] = []  # brands where a description would stand
    for t in live:
        seg_type = t[2]
        if seg_type in _FREE:
            if t[1] in brands:
                # A brand starts (or continues) an identifier run wherever it stands; where a free
                # word would be a description, it is marked (``late``) for the lone-word pass below.
                if run_len == 0 and (has_ident or not only_context) or run_len and run_type == "description":
                    late.append(t)
                run_type = "identifier"
                has_ident = True
                run_len += 1
                t[2] = "identifier"
                continue
            if run_len == 0:
                if not has_ident and only_context:
                    run_type = "identifier"
                    has_ident = True
                else:
                    run_type = "description"
            elif run_type == "identifier" and (seg_type == "description" or t[3] == "kcount"):
                # ``pix2struct-docvqa-public``: a descriptive word ends the identifier.
                run_type = "description"
            run_len += 1
            t[2] = run_type
            if run_type == "description":
                has_desc = True
        else:
            run_len = 0
            if seg_type not in _IDENT_CONTEXT:
                only_context = False
    # ``{model}-finetuned-{dataset}``, the name the Trainer and the course give a fine-tune: one free
    # word right after ``finetuned`` is the data set it was tuned on (``finetuned-kinetics``).
    for i in range(1, len(live)):
        t = live[i]
        if (
            t[2] in _FREE
            and t[3] is None
            and live[i - 1][0].lower() in _FINETUNED
            and (i + 1 == len(live) or live[i + 1][2] not in _FREE)
        ):
            t[2] = "dataset"
    if not has_desc and not late:
        return
    # A lone descriptive word between typed segments (``-scratch``, ``-beta``, ``-x8``) qualifies the
    # segment before it rather than forming one: the labeller wrote descriptions as phrases. So does
    # a lone brand where a description would stand (``dolphin-2_2-yi-34b``).
    for i, t in enumerate(live):
        if (
            (t[2] == "description" or late and t[2] == "identifier" and _holds(late, t))
            and i > 0
            and live[i - 1][2] not in (None, "description")
            and (i + 1 == len(live) or live[i + 1][2] != t[2])
        ):
            _join(live[i - 1], t)


def _holds(items: list[list], item: list) -> bool:
    """Whether ``item`` itself (not an equal list) is one of ``items``."""
    for x in items:
        if x is item:
            return True
    return False


_IDENT_CONTEXT = frozenset({"base-model", "size", "language", "version"})
_RELEASE_OF = frozenset({"version", "size"})
"""What follows a model line's name (its version or size), not a data set's."""
_IT_AFTER = frozenset({"size", "base-model", "version"})
_QUANT_METHODS = frozenset({"gptq", "awq", "hqq", "aqlm"})
"""Post-training quantization methods: training-mechanism, as the study's labeller wrote them, but never
merged with a neighbouring training mechanism (``Instruct-AWQ`` is two segments). Weight formats and
runtimes (GGUF, GGML, EXL2, MLX, ONNX, bnb) are variant-type."""
_QMETHOD = "qmethod"
"""Kind of a quantization-method token (``_QUANT_METHODS``)."""
"""Types of the segment before an ``it`` that make it *instruct* (``gemma-2-9b-it``), not Italian."""
