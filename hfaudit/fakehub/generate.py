"""A seeded generator of synthetic Hub registries that carry their own ground truth.

``generate(models, seed)`` plans a population of model repositories (owners, base families and their
derivatives, names, version series, commit histories, cards) and returns the registry lines (see
``docs/registry-format.md``) and one ground-truth line per model. ``evolve(old_lines, seed)`` makes the
next snapshot of a registry. Both are deterministic for a seed: ``random.Random(seed)`` only, no wall
clock, and every commit id and sha256 is a hash of the seed, the model and an index. The distributions
and what they are calibrated to are described in ``docs/generator.md``.

Ground-truth keys (one JSON object per model, in registry order):

- ``id``, ``owner``, ``owner_kind`` (``user`` | ``org``), ``owner_role`` (``family`` publishes roots,
  ``quantizer`` publishes GGUF/GPTQ/AWQ/MLX repos, ``bot`` never owns repos, else ``publisher``)
- ``kind``: ``root`` (a family's base checkpoint), ``derivative`` or ``standalone`` (no base)
- ``family``, ``model_type``, ``size`` (the size label, or null), ``params`` (parameter count)
- ``segments``: ``[[text, type], …]`` in name order; types are ``identifier``, ``base-model``, ``size``,
  ``training-mechanism``, ``variant-type``, ``version``, ``task``, ``language``, ``dataset``,
  ``creation-date``, ``description``, ``ambiguous``; ``convention``: e.g. ``{identifier}{base-model}{size}``;
  ``separator``: the character between segments in the name
- ``version_raw`` (e.g. ``v1.1``, ``2024-05-01``, or null), ``version_scheme`` (``major`` | ``minor`` |
  ``semver`` | ``date`` | null), ``version_form`` (``vN``, ``vN.M``, ``N.M``, ``N.M.P``, ``vN.M.P``,
  ``YYYY-MM-DD``, ``YYYYMMDD`` | null)
- ``series_id`` (``owner/stem``, or null), ``series_position`` (1-based rank among the series' repos that
  exist), ``series_predecessor``, ``series_successor`` (ids or null), ``version_gap`` (bool: a version
  number was skipped before this repo)
- ``base_models`` (true direct parents, list), ``relation`` (``finetune`` | ``adapter`` | ``quantized`` |
  ``merge`` | null for roots and standalone models), ``quant_method`` (``gguf`` | ``gptq`` | ``awq`` |
  ``mlx`` | ``bnb`` | null), ``base_declaration`` (``string`` | ``list`` | ``none``: how the HEAD card
  declares ``base_model``), ``declared_relation`` (bool: ``base_model_relation`` in the HEAD card)
- ``card_style``: ``yaml`` | ``plain`` (no front matter) | ``empty`` | ``template`` | ``malformed``
  (YAML error) | ``nondict`` (front matter that is not a mapping) | ``none`` (no README)
- ``new_version``: the id the card's ``new_version`` names, or null
- ``gated``, ``private``, ``disabled`` (as in the registry), ``aliases`` (old ids answering 307)
- ``formats``: weight-file extensions present at any commit, sorted
- ``commits``: number of commits
- ``weight_changes``: every change to a weight file, oldest first: ``commit``, ``path``, ``kind``
  (``initial`` | ``replaced`` | ``added`` | ``deleted`` | ``converted``), ``old_sha256``, ``new_sha256``,
  ``documented`` (bool) and ``how`` (list of ``tag``, ``name_version``, ``readme_changelog``,
  ``commit_message``, ``card_version``; empty when silent)
- ``releases``: declared versions and what they should have been: ``kind`` (``tag`` | ``card`` for
  in-repo versions, ``series`` for a repo continuing a series), ``commit``, ``version``,
  ``previous_version``, ``declared_by`` (``tag``, ``card_version``, ``readme_changelog``,
  ``name_version``), ``declared_bump`` and ``required_bump`` (``major`` | ``minor`` | ``patch``, or
  ``initial`` for a first release), ``reasons`` (what changed since the previous release:
  ``architecture``, ``tokenizer``, ``base``, ``license``, ``weights``, ``format``, ``generation``,
  ``card``), ``under_bump`` and ``over_bump`` (bool)
- ``evolution`` (evolved snapshots only): ``status`` (``unchanged`` | ``updated`` | ``added`` |
  ``renamed`` | ``squashed``), ``old_id``, ``new_commits`` (ids added in this snapshot)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hfaudit.fakehub.registry import derive_all, git_problem, hub_date, remap, write_models

SEGMENT_TYPES = (
    "identifier",
    "base-model",
    "size",
    "training-mechanism",
    "variant-type",
    "version",
    "task",
    "language",
    "dataset",
    "creation-date",
    "description",
    "ambiguous",
)
WEIGHT_EXTENSIONS = (
    ".safetensors",
    ".bin",
    ".pt",
    ".pth",
    ".ckpt",
    ".h5",
    ".msgpack",
    ".onnx",
    ".gguf",
    ".tflite",
    ".mlmodel",
)
BUMP_RANK = {"initial": 0, "none": 0, "patch": 1, "minor": 2, "major": 3}
REASON_BUMP = {
    "architecture": "major",
    "tokenizer": "major",
    "base": "major",
    "license": "major",
    "weights": "minor",
    "format": "minor",
    "generation": "minor",
    "card": "patch",
}
EPOCH = dt.datetime(2022, 3, 2, 23, 29, 4, tzinfo=dt.UTC)  # the Hub's migration timestamp
# The date a generated registry is a snapshot of (seconds after EPOCH): no commit is later.
SNAPSHOT_END = int((dt.datetime(2026, 10, 31, tzinfo=dt.UTC) - EPOCH).total_seconds())
DAY = 86_400

GITATTRIBUTES = (
    "".join(
        f"*.{ext} filter=lfs diff=lfs merge=lfs -text\n"
        for ext in (
            "7z",
            "arrow",
            "bin",
            "bz2",
            "ckpt",
            "ftz",
            "gz",
            "h5",
            "joblib",
            "mlmodel",
            "model",
            "msgpack",
            "npy",
            "npz",
            "onnx",
            "ot",
            "parquet",
            "pb",
            "pickle",
            "pkl",
            "pt",
            "pth",
            "rar",
            "safetensors",
            "tar",
            "tflite",
            "tgz",
            "wasm",
            "xz",
            "zip",
            "zst",
        )
    )
    + "*tfevents* filter=lfs diff=lfs merge=lfs -text\n"
)
CONVERT_TITLE = "Adding `safetensors` variant of this model"
TEMPLATE_BODY = (
    "# Model Card for Model ID\n\n<!-- Provide a quick summary of what the model is/does. -->\n\n\n\n"
    "## Model Details\n\n### Model Description\n\n<!-- Provide a longer summary of what this model is. -->\n\n"
    "This is the model card of a 🤗 transformers model that has been pushed on the Hub. This model card "
    "has been automatically generated.\n\n- **Developed by:** [More Information Needed]\n"
    "- **Funded by [optional]:** [More Information Needed]\n- **Model type:** [More Information Needed]\n"
    "- **License:** [More Information Needed]\n- **Finetuned from model [optional]:** [More Information Needed]\n\n"
    "## Uses\n\n### Direct Use\n\n[More Information Needed]\n"
)


# ------------------------------------------------------------------------------------------ vocabulary


@dataclass(frozen=True)
class Family:
    """A base-model family: its roots are ``owner/{name}-{size}`` checkpoints."""

    name: str
    owner: str
    model_type: str
    architecture: str
    sizes: tuple[tuple[str, float], ...]
    pipeline: str
    license: str
    tokenizer: str
    vocab: int
    weight: float
    causal: bool = True
    root_suffix: str = ""


FAMILIES = (
    Family(
        "Llama-3",
        "acme-ai",
        "llama",
        "LlamaForCausalLM",
        (("8B", 8.03e9), ("70B", 70.6e9)),
        "text-generation",
        "llama3",
        "PreTrainedTokenizerFast",
        128256,
        10.2,
    ),
    Family(
        "Llama-2",
        "acme-ai",
        "llama",
        "LlamaForCausalLM",
        (("7b", 6.74e9), ("13b", 13.0e9)),
        "text-generation",
        "llama2",
        "LlamaTokenizer",
        32000,
        6.0,
        root_suffix="hf",
    ),
    Family(
        "bert",
        "bertlab",
        "bert",
        "BertForMaskedLM",
        (("base", 110e6), ("large", 336e6)),
        "fill-mask",
        "apache-2.0",
        "BertTokenizer",
        30522,
        7.2,
        causal=False,
        root_suffix="uncased",
    ),
    Family(
        "Mistral",
        "mistral-works",
        "mistral",
        "MistralForCausalLM",
        (("7B", 7.24e9),),
        "text-generation",
        "apache-2.0",
        "LlamaTokenizer",
        32000,
        6.3,
        root_suffix="v0.1",
    ),
    Family(
        "distilbert",
        "bertlab",
        "distilbert",
        "DistilBertForMaskedLM",
        (("base", 66e6),),
        "fill-mask",
        "apache-2.0",
        "DistilBertTokenizer",
        30522,
        4.3,
        causal=False,
        root_suffix="uncased",
    ),
    Family(
        "gpt2",
        "openweights",
        "gpt2",
        "GPT2LMHeadModel",
        (("medium", 355e6), ("large", 774e6)),
        "text-generation",
        "mit",
        "GPT2Tokenizer",
        50257,
        3.7,
    ),
    Family(
        "t5",
        "textlab",
        "t5",
        "T5ForConditionalGeneration",
        (("small", 60e6), ("base", 223e6)),
        "text2text-generation",
        "apache-2.0",
        "T5Tokenizer",
        32128,
        3.3,
        causal=False,
    ),
    Family(
        "roberta",
        "fairlab",
        "roberta",
        "RobertaForMaskedLM",
        (("base", 125e6), ("large", 355e6)),
        "fill-mask",
        "mit",
        "RobertaTokenizer",
        50265,
        2.7,
        causal=False,
    ),
    Family(
        "xlm-roberta",
        "fairlab",
        "xlm-roberta",
        "XLMRobertaForMaskedLM",
        (("base", 278e6),),
        "fill-mask",
        "mit",
        "XLMRobertaTokenizer",
        250002,
        2.1,
        causal=False,
    ),
    Family(
        "gemma",
        "gemstone-ai",
        "gemma",
        "GemmaForCausalLM",
        (("2b", 2.51e9), ("7b", 8.54e9)),
        "text-generation",
        "gemma",
        "GemmaTokenizer",
        256000,
        1.2,
    ),
    Family(
        "Mixtral",
        "mistral-works",
        "mixtral",
        "MixtralForCausalLM",
        (("8x7B", 46.7e9),),
        "text-generation",
        "apache-2.0",
        "LlamaTokenizer",
        32000,
        0.9,
        root_suffix="v0.1",
    ),
    Family(
        "Qwen2",
        "qcloud",
        "qwen2",
        "Qwen2ForCausalLM",
        (("0.5B", 494e6), ("7B", 7.62e9)),
        "text-generation",
        "apache-2.0",
        "Qwen2Tokenizer",
        151936,
        1.0,
    ),
    Family(
        "pythia",
        "eleuther-like",
        "gpt_neox",
        "GPTNeoXForCausalLM",
        (("160m", 162e6), ("1b", 1.01e9)),
        "text-generation",
        "apache-2.0",
        "GPTNeoXTokenizerFast",
        50304,
        0.8,
    ),
    Family(
        "bart",
        "fairlab",
        "bart",
        "BartForConditionalGeneration",
        (("base", 140e6), ("large", 406e6)),
        "text2text-generation",
        "apache-2.0",
        "BartTokenizer",
        50265,
        0.8,
        causal=False,
    ),
)
# More restrictive → less permissive, for the "license" major reason.
RESTRICTIVE = {
    "mit": "cc-by-nc-4.0",
    "apache-2.0": "cc-by-nc-sa-4.0",
    "llama2": "other",
    "llama3": "other",
    "gemma": "other",
    "cc-by-4.0": "cc-by-nc-4.0",
    "openrail": "cc-by-nc-nd-4.0",
}

QUANTIZERS = (
    ("TheQuantBloke", "gguf"),
    ("bartowsky", "gguf"),
    ("quantfactory-ai", "gptq"),
    ("awq-works", "awq"),
    ("mlx-collective", "mlx"),
)
CONVERT_BOT = "SFconvertbot"

WORDS_A = (
    "nova",
    "zephyr",
    "orca",
    "hermes",
    "atlas",
    "lumen",
    "vega",
    "kite",
    "ember",
    "sage",
    "onyx",
    "pico",
    "delta",
    "aurora",
    "falcon",
    "tango",
    "quill",
    "rune",
    "mosaic",
    "pixel",
    "cobalt",
    "nimbus",
    "saga",
    "opal",
    "echo",
    "iris",
    "lyra",
    "maple",
    "nexus",
    "polar",
    "ripple",
    "solace",
    "terra",
    "umbra",
    "vortex",
    "willow",
    "yarrow",
    "zenith",
    "bolt",
    "cedar",
)
WORDS_B = ("lab", "ai", "nlp", "research", "works", "collective", "systems", "data", "ml", "group")
FIRST = (
    "alex",
    "maria",
    "kenji",
    "fatima",
    "li",
    "noah",
    "ivan",
    "sara",
    "omar",
    "yuki",
    "lucas",
    "emma",
    "ravi",
    "chen",
    "ana",
    "tom",
    "zoe",
    "amir",
    "nina",
    "jon",
    "mei",
    "paul",
    "olga",
    "kofi",
)
MECHANISMS = ("Instruct", "chat", "sft", "dpo", "orpo", "lora", "qlora", "rlhf", "sbert", "it")
MERGE_MECHANISMS = ("slerp", "ties", "dare", "merge", "passthrough")
ADAPTER_MECHANISMS = ("lora", "qlora", "LoRA", "peft")
VARIANTS = ("finetuned", "ft", "distilled", "deduped", "4bit", "8bit", "int8", "quantized")
TASKS = (
    ("summarizer", "summarization"),
    ("ner", "token-classification"),
    ("qa", "question-answering"),
    ("sentiment", "text-classification"),
    ("text-classification", "text-classification"),
    ("question-answering", "question-answering"),
    ("translator", "translation"),
    ("test_trainer", "text-classification"),
    ("classifier", "text-classification"),
)
LANGUAGES = (
    "en",
    "fr",
    "de",
    "ja",
    "japanese",
    "vietnamese",
    "dutch",
    "ko",
    "ar",
    "en-fr",
    "en-de",
    "es",
    "hindi",
    "multilingual",
    "pt-br",
)
DATASETS = (
    "imdb",
    "squad",
    "squad2",
    "alpaca",
    "ultrachat",
    "wnut17",
    "conll2003",
    "openhermes",
    "samsum",
    "xsum",
    "dolly",
    "mnli",
    "sst2",
    "pharmaconer",
    "gsm8k",
)
DESCRIPTIONS = (
    "my-awesome-model",
    "chatbot",
    "from-scratch",
    "test",
    "demo",
    "uncensored",
    "tiny",
    "experiment",
    "baseline",
    "best",
    "final",
    "roleplay",
)
AMBIGUOUS = ("mz-ada", "x7k", "11-15", "1-2", "ckpt-a", "zz", "run3b", "kq")

# The paper's most frequent conventions (section 4.1), weighted by their counts, plus a tail.
CONVENTIONS: tuple[tuple[tuple[str, ...], float], ...] = (
    (("identifier",), 69),
    (("identifier", "size"), 31),
    (("base-model", "identifier"), 12),
    (("description",), 11),
    (("identifier", "version"), 10),
    (("identifier", "description"), 9),
    (("task",), 8),
    (("identifier", "base-model", "size"), 8),
    (("base-model", "training-mechanism"), 7),
    (("identifier", "base-model"), 6),
    (("identifier", "task"), 6),
    (("identifier", "size", "training-mechanism"), 5),
    (("identifier", "training-mechanism"), 5),
    (("base-model", "variant-type", "dataset"), 5),
    (("base-model", "size", "training-mechanism"), 5),
    (("base-model", "dataset"), 4),
    (("base-model", "task", "language"), 4),
    (("identifier", "language"), 4),
    (("base-model", "size", "variant-type", "dataset"), 3),
    (("identifier", "creation-date"), 3),
    (("ambiguous",), 3),
    (("identifier", "ambiguous"), 3),
    (("base-model", "language", "task"), 3),
    (("identifier", "base-model", "size", "training-mechanism"), 3),
    (("description", "dataset"), 2),
    (("base-model", "size", "dataset", "creation-date"), 2),
    (("task", "dataset", "language"), 2),
    (("identifier", "base-model", "variant-type"), 2),
)
VERSION_SCHEMES = (
    ("major", "vN", 45.0),
    ("minor", "vN.M", 25.0),
    ("minor", "N.M", 6.0),
    ("semver", "N.M.P", 4.0),
    ("semver", "vN.M.P", 4.0),
    ("date", "YYYY-MM-DD", 3.0),
    ("date", "YYYYMMDD", 3.0),
)

# Share of each derivative relation among derivatives (see docs/generator.md).
RELATION_SHARES = (("finetune", 0.52), ("quantized", 0.22), ("adapter", 0.16), ("merge", 0.10))
FORMAT_FILES = {
    ".safetensors": "model.safetensors",
    ".bin": "pytorch_model.bin",
    ".pt": "model.pt",
    ".pth": "checkpoint.pth",
    ".ckpt": "last.ckpt",
    ".h5": "tf_model.h5",
    ".msgpack": "flax_model.msgpack",
    ".onnx": "model.onnx",
    ".tflite": "model.tflite",
    ".mlmodel": "Model.mlmodel",
}
FORMAT_LIBRARY = {
    ".safetensors": "transformers",
    ".bin": "transformers",
    ".pt": "pytorch",
    ".pth": "timm",
    ".ckpt": "pytorch-lightning",
    ".h5": "keras",
    ".msgpack": "transformers",
    ".onnx": "onnx",
    ".tflite": "tflite",
    ".mlmodel": "coreml",
}
HISTORY_SCENARIOS = (
    "silent_replace",
    "silent_replace_readme",
    "doc_tag",
    "doc_changelog",
    "doc_message",
    "doc_card_version",
    "conversion",
    "tokenizer_underbump",
    "arch_underbump",
    "license_underbump",
    "added_format",
    "deleted_file",
    "trainer",
)
CARD_STYLES = (
    ("yaml", 0.62),
    ("plain", 0.10),
    ("empty", 0.04),
    ("template", 0.09),
    ("malformed", 0.03),
    ("nondict", 0.01),
    ("none", 0.11),
)


def _hash(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()


def _quota(rng: random.Random, n: int, forced: Sequence[Any], draw: Callable[[], Any]) -> list[Any]:
    """``n`` values: every forced value once (when ``n`` allows), the rest drawn; shuffled."""
    values = list(forced[:n]) + [draw() for _ in range(max(0, n - len(forced)))]
    rng.shuffle(values)
    return values


def _weighted(rng: random.Random, pairs: Sequence[tuple[Any, float]]) -> Any:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


# ------------------------------------------------------------------------------------------ planning


@dataclass
class Spec:
    """The plan of one repository, before its history is written."""

    id: str
    owner: str
    owner_kind: str
    owner_role: str
    kind: str
    family: Family
    size: str | None
    params: float
    segments: list[tuple[str, str]]
    separator: str
    created: int  # seconds after EPOCH
    relation: str | None = None
    bases: list[str] = field(default_factory=list)
    quant_method: str | None = None
    base_declaration: str = "none"
    declare_relation: bool = False
    weight_format: str = ".safetensors"
    extra_formats: list[str] = field(default_factory=list)
    card_style: str = "yaml"
    n_commits: int = 3
    scenarios: list[str] = field(default_factory=list)
    version_raw: str | None = None
    version_scheme: str | None = None
    version_form: str | None = None
    series_id: str | None = None
    series_position: int | None = None
    series_predecessor: str | None = None
    series_successor: str | None = None
    version_gap: bool = False
    series_reasons: list[str] = field(default_factory=list)
    series_declared: str | None = None
    new_version: str | None = None
    pipeline: str = "text-generation"
    library: str = "transformers"
    license: str = "apache-2.0"
    dataset: str | None = None
    language: str | None = None
    gated: Any = False
    private: bool = False
    disabled: bool = False
    aliases: list[str] = field(default_factory=list)
    tokenizer_variant: int = 0

    @property
    def name(self) -> str:
        return self.id.split("/", 1)[1]


def commit_budget(rng: random.Random, n: int) -> list[int]:
    """Commits per repo (the initial commit included): most 2-5, a tail to hundreds, a few thousands."""
    heavy = max(1, n // 2500)
    low, high = (1000, 2400) if n >= 1000 else (1000, 1100)
    counts = []
    for _ in range(n):
        u = rng.random()
        if u < 0.02:
            counts.append(1)
        elif u < 0.74:
            counts.append(rng.choices((2, 3, 4, 5), weights=(30, 30, 22, 18))[0])
        elif u < 0.993:
            counts.append(min(90, 6 + int(rng.lognormvariate(1.6, 0.9))))
        else:
            counts.append(rng.randint(100, 450))
    for i in rng.sample(range(n), min(heavy, n)):
        counts[i] = rng.randint(low, high)
    return counts


class Planner:
    """Decides who publishes what, under which name, with which history features."""

    def __init__(self, models: int, seed: int, *, start: int = 0, taken: Iterable[str] = ()):
        self.n = models
        self.seed = seed
        self.rng = random.Random(seed)
        self.start = start
        self.taken = {t.lower() for t in taken}
        self.specs: list[Spec] = []
        self.by_id: dict[str, Spec] = {}
        self.owner_kinds: dict[str, str] = {}
        self.owners = self._owners()
        # base pools with cumulative weights, so picking a base stays O(log n)
        self._pool: dict[bool, tuple[list[Spec], list[float]]] = {False: ([], []), True: ([], [])}

    # -- owners
    def _owners(self) -> list[str]:
        rng = self.rng
        count = max(8, int(self.n / 3.9))  # 52,227 models / 13,491 owners in the paper
        owners: list[str] = []
        seen: set[str] = set()
        while len(owners) < count:
            if rng.random() < 0.3:
                name = f"{rng.choice(WORDS_A)}-{rng.choice(WORDS_B)}"
                kind = "org"
            else:
                name = (
                    rng.choice(FIRST)
                    + rng.choice(("", "-", "_"))
                    + rng.choice((rng.choice(WORDS_A), str(rng.randint(1, 999)), rng.choice(FIRST)))
                )
                kind = "user"
            if name.lower() in seen or name in {f.owner for f in FAMILIES}:
                continue
            seen.add(name.lower())
            owners.append(name)
            self.owner_kinds[name] = kind
        return owners

    def zipf_owner(self) -> str:
        # Zipf-like: the owner of rank r has weight 1/(r+3): a few publish hundreds, most one or two.
        if not hasattr(self, "_cum"):
            weights = [1 / (r + 3) for r in range(len(self.owners))]
            total = 0.0
            self._cum = []
            for w in weights:
                total += w
                self._cum.append(total)
        return self.rng.choices(self.owners, cum_weights=self._cum)[0]

    # -- names
    def _fill(self, kind: str, spec_family: Family, size: str | None, ctx: dict[str, str]) -> str:
        rng = self.rng
        if kind == "identifier":
            word = rng.choice(WORDS_A)
            return rng.choice(
                (
                    word.capitalize(),
                    word,
                    word.upper() if len(word) <= 4 else word.capitalize(),
                    f"{word.capitalize()}{rng.choice(WORDS_A).capitalize()}",
                )
            )
        if kind == "base-model":
            return spec_family.name if rng.random() < 0.7 else spec_family.name.lower()
        if kind == "size":
            return size or rng.choice(("small", "base", "large", "tiny"))
        if kind == "training-mechanism":
            return ctx.get("mechanism") or rng.choice(MECHANISMS)
        if kind == "variant-type":
            return ctx.get("variant") or rng.choice(VARIANTS)
        if kind == "task":
            return ctx.get("task") or rng.choice(TASKS)[0]
        if kind == "language":
            return ctx.get("language") or rng.choice(LANGUAGES)
        if kind == "dataset":
            return ctx.get("dataset") or rng.choice(DATASETS)
        if kind == "creation-date":
            day = EPOCH + dt.timedelta(seconds=int(ctx.get("created", "0")))
            return rng.choice(
                (
                    day.strftime("%Y%m%d"),
                    day.strftime("%d%m%Y"),
                    day.strftime("%Y-%m-%d"),
                    day.strftime("%Y%m%dT%H%M%S"),
                )
            )
        if kind == "description":
            return rng.choice(DESCRIPTIONS)
        if kind == "ambiguous":
            return rng.choice(AMBIGUOUS)
        if kind == "version":
            return ctx["version"]
        raise ValueError(kind)

    def _unique(
        self, owner: str, segments: list[tuple[str, str]], sep: str
    ) -> tuple[str, list[tuple[str, str]]]:
        while True:
            model_id = f"{owner}/{sep.join(t for t, _ in segments)}"
            if model_id.lower() not in self.taken and len(model_id) <= 96:
                self.taken.add(model_id.lower())
                return model_id, segments
            if len(model_id) > 96:
                segments = segments[:2]
            segments = [*segments, (self.rng.choice(AMBIGUOUS), "ambiguous")]

    # -- the plan
    def plan(self) -> list[Spec]:
        rng = self.rng
        n = self.n
        combos = [(f, i) for f in FAMILIES for i in range(len(f.sizes))]
        n_roots = max(len(FAMILIES), min(len(combos) + len(FAMILIES), round(n * 0.04)))
        n_standalone = max(3, round(n * 0.08))
        n_deriv = max(0, n - n_roots - n_standalone)
        budgets = commit_budget(rng, n)
        self._budgets = budgets
        self._budget_i = 0
        # roots: every family once, then extra sizes / instruct roots by family weight
        fam_weights = [f.weight for f in FAMILIES]
        root_plan: list[tuple[Family, int]] = [(f, 0) for f in FAMILIES]
        root_plan += [c for c in combos if c[1] > 0]
        while len(root_plan) < n_roots:  # instruct checkpoints of the biggest families
            fam = rng.choices(FAMILIES, weights=fam_weights)[0]
            root_plan.append((fam, rng.randrange(len(fam.sizes))))
        for fam, size_i in root_plan[:n_roots] if n >= n_roots else root_plan[:n]:
            self._root(fam, size_i)
        relations = _quota(
            rng,
            n_deriv,
            ["finetune"] * 6 + ["quantized"] * 6 + ["adapter"] * 4 + ["merge"] * 4,
            lambda: _weighted(rng, RELATION_SHARES),
        )
        # quantized repos come last: they copy names of what exists
        order = sorted(range(len(relations)), key=lambda i: relations[i] == "quantized")
        n_finetune = sum(1 for r in relations if r == "finetune")
        formats = _quota(
            rng,
            n_finetune,
            [e for e in FORMAT_FILES if e not in (".safetensors", ".bin")],
            lambda: _weighted(
                rng,
                (
                    (".safetensors", 70),
                    (".bin", 24),
                    (".pt", 1.2),
                    (".pth", 0.6),
                    (".h5", 1.5),
                    (".onnx", 0.8),
                    (".msgpack", 0.6),
                    (".ckpt", 0.3),
                    (".tflite", 0.3),
                    (".mlmodel", 0.2),
                ),
            ),
        )
        undeclared = {"finetune": 0, "adapter": 0, "quantized": 0, "merge": 0}
        finetunes = iter(formats)
        for i in order:
            relation = relations[i]
            force_undeclared = undeclared[relation] < 1
            undeclared[relation] += force_undeclared
            fmt = next(finetunes) if relation == "finetune" else ".safetensors"
            self._derivative(relation, fmt, force_undeclared)
        for _ in range(n_standalone):
            self._standalone()
        self._series()
        self._trim()
        self._history_features()
        self._repo_flags()
        return self.specs

    def _next_budget(self) -> int:
        value = self._budgets[self._budget_i % len(self._budgets)]
        self._budget_i += 1
        return value

    def _add(self, spec: Spec) -> Spec:
        self.specs.append(spec)
        self.by_id[spec.id] = spec
        if spec.kind in ("root", "derivative") and spec.relation in (None, "finetune", "merge"):
            # preferential attachment: roots (and popular families) get most children
            weight = (8.0 if spec.kind == "root" else 1.0) * spec.family.weight
            for causal_only in (False, True):
                if causal_only and not spec.family.causal:
                    continue
                pool, cum = self._pool[causal_only]
                pool.append(spec)
                cum.append((cum[-1] if cum else 0.0) + weight)
        return spec

    def _root(self, fam: Family, size_i: int) -> None:
        size, params = fam.sizes[size_i]
        segments = [(fam.name, "base-model"), (size, "size")]
        if fam.root_suffix:
            kind = "version" if fam.root_suffix.startswith("v") else "description"
            segments.append((fam.root_suffix, kind))
        model_id = f"{fam.owner}/{'-'.join(t for t, _ in segments)}"
        if model_id.lower() in self.taken:  # an extra root of an existing size: an instruct root
            segments.append(("Instruct", "training-mechanism"))
            model_id, segments = self._unique(fam.owner, segments, "-")
        else:
            self.taken.add(model_id.lower())
        created = self.start + self.rng.randint(0, 200) * DAY + self.rng.randint(0, DAY)
        is_instruct = any(t == "training-mechanism" for _, t in segments)
        spec = Spec(
            model_id,
            fam.owner,
            "org",
            "family",
            "derivative" if is_instruct else "root",
            fam,
            size,
            params,
            segments,
            "-",
            created,
            pipeline=fam.pipeline,
            license=fam.license,
            n_commits=max(4, self._next_budget()),
            weight_format=".safetensors",
        )
        if is_instruct:
            base = f"{fam.owner}/{'-'.join(t for t, k in segments if k != 'training-mechanism')}"
            base = next((s.id for s in self.specs if s.id.lower() == base.lower()), base)
            spec.relation, spec.bases, spec.base_declaration = "finetune", [base], "string"
        if fam.causal:
            spec.extra_formats = [".bin"] if self.rng.random() < 0.4 else []
        else:
            spec.weight_format = ".bin"
            spec.extra_formats = [".safetensors", ".h5", ".msgpack"][: self.rng.randint(1, 3)]
        self._add(spec)

    def _pick_base(self, causal_only: bool = False) -> Spec:
        pool, cum = self._pool[causal_only]
        return self.rng.choices(pool, cum_weights=cum)[0]

    def _derivative(self, relation: str, weight_format: str, undeclared: bool) -> None:
        rng = self.rng
        if relation in ("quantized", "merge", "adapter"):
            base = self._pick_base(causal_only=True)
        else:
            base = self._pick_base()
        fam = base.family
        owner = self.zipf_owner()
        owner_role = "publisher"
        quant: str | None = None
        sep = "-" if rng.random() < 0.85 else "_"
        ctx = {"created": str(base.created)}
        bases = [base.id]
        if relation == "quantized":
            if rng.random() < 0.8:
                owner, quant = rng.choice(QUANTIZERS)
                owner_role = "quantizer"
            else:
                quant = rng.choice(("gguf", "bnb", "gptq", "awq"))
            variant = {
                "gguf": "GGUF",
                "gptq": "GPTQ",
                "awq": "AWQ",
                "mlx": rng.choice(("4bit", "8bit")),
                "bnb": rng.choice(("4bit", "8bit", "bnb-4bit")),
            }[quant]
            segments = [*base.segments, (variant, "variant-type")]
            sep = "-"
            if owner_role == "quantizer" and quant == "gguf" and rng.random() < 0.3:
                # RichardErkhov style: keep the upstream owner in the name
                segments = [(base.owner + "_-_" + base.name, "identifier"), (variant, "variant-type")]
            weight_format = ".gguf" if quant == "gguf" else ".safetensors"
        elif relation == "merge":
            others = [self._pick_base(causal_only=True) for _ in range(rng.choice((1, 1, 2)))]
            others = [o for o in others if o.family.model_type == fam.model_type and o.id != base.id]
            if not others:
                others = [s for s in self.specs if s.family is fam and s.id != base.id][:1]
            bases += [o.id for o in others[:2]]
            ctx["mechanism"] = rng.choice(MERGE_MECHANISMS)
            template: tuple[str, ...] = rng.choice(
                (
                    ("identifier", "size", "training-mechanism"),
                    ("identifier", "base-model", "size"),
                    ("identifier", "training-mechanism"),
                    ("identifier", "size"),
                )
            )
            segments = [(self._fill(k, fam, base.size, ctx), k) for k in template]
            weight_format = ".safetensors"
        else:
            if relation == "adapter":
                ctx["mechanism"] = rng.choice(ADAPTER_MECHANISMS)
                template = rng.choice(
                    (
                        ("base-model", "size", "training-mechanism", "dataset"),
                        ("identifier", "training-mechanism"),
                        ("identifier", "base-model", "task"),
                        ("base-model", "training-mechanism", "language"),
                    )
                )
                weight_format = ".safetensors"
            else:
                template = _weighted(rng, CONVENTIONS)
                if "version" in template:  # versions are planned with series, below
                    template = tuple(k for k in template if k != "version") or ("identifier",)
            if "task" in template or not fam.causal:
                word, pipeline = rng.choice(TASKS)
                ctx["task"] = word
            segments = [(self._fill(k, fam, base.size, ctx), k) for k in template]
        segments = [(t, k) for t, k in segments if t]
        model_id, segments = self._unique(owner, segments, sep)
        created = base.created + int(rng.expovariate(1 / (60 * DAY))) + rng.randint(3600, 5 * DAY)
        spec = Spec(
            model_id,
            owner,
            self.owner_kinds.get(owner, "org"),
            owner_role,
            "derivative",
            fam,
            base.size,
            base.params,
            segments,
            sep,
            created,
            relation=relation,
            bases=bases,
            quant_method=quant,
            weight_format=weight_format,
            n_commits=self._next_budget(),
            pipeline=base.pipeline,
            license=base.license,
        )
        if not fam.causal and relation == "finetune":
            spec.pipeline = dict(TASKS).get(ctx.get("task", ""), "text-classification")
        if relation == "adapter":
            spec.library = "peft"
        elif quant == "gguf":
            spec.library = "gguf"
        elif quant == "mlx":
            spec.library = "mlx"
        else:
            spec.library = FORMAT_LIBRARY.get(weight_format, "transformers")
        if relation == "finetune" and weight_format == ".safetensors" and rng.random() < 0.1:
            spec.extra_formats = [rng.choice((".bin", ".onnx", ".h5"))]
        if relation == "finetune" and weight_format == ".bin" and rng.random() < 0.15:
            spec.extra_formats = [".safetensors"]
        spec.dataset = ctx.get("dataset") or (rng.choice(DATASETS) if rng.random() < 0.24 else None)
        spec.language = ctx.get("language")
        if undeclared or rng.random() < 0.15:
            spec.base_declaration = "none"
        else:
            spec.base_declaration = "list" if len(bases) > 1 or rng.random() < 0.1 else "string"
            spec.declare_relation = rng.random() < (0.5 if relation != "finetune" else 0.3)
        self._add(spec)

    def _standalone(self) -> None:
        rng = self.rng
        fam = rng.choices(FAMILIES, weights=[f.weight for f in FAMILIES])[0]
        owner = self.zipf_owner()
        template = _weighted(rng, CONVENTIONS)
        template = tuple(k for k in template if k != "version") or ("identifier",)
        size, params = rng.choice(fam.sizes)
        ctx = {"created": str(self.start + 300 * DAY)}
        segments = [(self._fill(k, fam, size, ctx), k) for k in template]
        sep = "-" if rng.random() < 0.85 else "_"
        model_id, segments = self._unique(owner, segments, sep)
        fmt = _weighted(
            rng,
            (
                (".safetensors", 40),
                (".bin", 20),
                (".pt", 12),
                (".pth", 8),
                (".ckpt", 5),
                (".h5", 6),
                (".onnx", 4),
                (".tflite", 2),
                (".mlmodel", 2),
                (".msgpack", 1),
            ),
        )
        spec = Spec(
            model_id,
            owner,
            self.owner_kinds.get(owner, "user"),
            "publisher",
            "standalone",
            fam,
            size,
            params,
            segments,
            sep,
            self.start + rng.randint(10, 900) * DAY,
            weight_format=fmt,
            n_commits=self._next_budget(),
            pipeline=fam.pipeline,
            library=FORMAT_LIBRARY[fmt],
            license=rng.choice(("mit", "apache-2.0", "cc-by-4.0", "openrail")),
        )
        self._add(spec)

    # -- version series
    def _series(self) -> None:
        """Turn some derivatives into version series (with gaps) and some into lone versioned repos."""
        rng = self.rng
        parents = {b for s in self.specs for b in s.bases}
        candidates = [
            s
            for s in self.specs
            if s.kind != "root"
            and s.relation in ("finetune", "merge", None)
            and s.owner_role == "publisher"
            and s.id not in parents
            and s.n_commits < 1000
        ]
        rng.shuffle(candidates)
        n_series = max(len(VERSION_SCHEMES) + 1, round(len(self.specs) * 0.035))
        n_lone = max(2, round(len(self.specs) * 0.03))
        schemes = _quota(
            rng,
            n_series,
            [(s, f) for s, f, _ in VERSION_SCHEMES],
            lambda: _weighted(rng, [((s, f), w) for s, f, w in VERSION_SCHEMES]),
        )
        under_done = False
        for i, spec in enumerate(candidates[:n_series]):
            scheme, form = schemes[i]
            length = 2 + min(3, int(rng.expovariate(1.0)))
            force_under = scheme == "minor" and not under_done
            under_done = under_done or force_under
            self._make_series(spec, scheme, form, length, force_gap=(i == 0), force_under=force_under)
        for spec in candidates[n_series : n_series + n_lone]:
            scheme, form = _weighted(rng, [((s, f), w) for s, f, w in VERSION_SCHEMES])
            versions = _versions(rng, scheme, form, 3, spec.created)
            self._set_version(spec, versions[rng.randint(1, 2)], scheme, form)
            spec.series_id = f"{spec.owner}/{self._stem(spec)}"
            spec.series_position = 1
            spec.version_gap = True

    def _trim(self) -> None:
        """Series add repos; drop as many plain leaf repos so the registry has exactly ``n`` models."""
        extra = len(self.specs) - self.n
        if extra <= 0:
            return
        parents = {b for s in self.specs for b in s.bases}
        drop: set[int] = set()
        for i in range(len(self.specs) - 1, -1, -1):
            spec = self.specs[i]
            if len(drop) == extra:
                break
            if (
                spec.kind != "root"
                and not spec.series_id
                and spec.id not in parents
                and spec.n_commits < 1000
            ):
                drop.add(i)
        for i in drop:
            self.by_id.pop(self.specs[i].id, None)
        self.specs = [s for i, s in enumerate(self.specs) if i not in drop]

    @staticmethod
    def _stem(spec: Spec) -> str:
        return spec.separator.join(t for t, k in spec.segments if k != "version")

    def _set_version(self, spec: Spec, version: str, scheme: str, form: str) -> None:
        """Rename ``spec`` to carry ``version`` as its last segment (it has no children yet)."""
        segments = [(t, k) for t, k in spec.segments if k != "version"] + [(version, "version")]
        self.taken.discard(spec.id.lower())
        self.by_id.pop(spec.id, None)
        spec.id, spec.segments = self._unique(spec.owner, segments, spec.separator)
        self.by_id[spec.id] = spec
        spec.version_raw, spec.version_scheme, spec.version_form = version, scheme, form

    def _make_series(
        self, first: Spec, scheme: str, form: str, length: int, force_gap: bool, force_under: bool
    ) -> None:
        rng = self.rng
        versions = _versions(rng, scheme, form, length + 2, first.created)
        picks = list(range(length))
        if force_gap or rng.random() < 0.25:
            gap_at = rng.randint(1, length - 1)
            picks = [p + (1 if p >= gap_at else 0) for p in picks]
        self._set_version(first, versions[picks[0]], scheme, form)
        series_id = f"{first.owner}/{self._stem(first)}"
        first.series_id, first.series_position = series_id, 1
        prev = first
        for pos in range(1, length):
            created = prev.created + rng.randint(5, 120) * DAY
            nxt = Spec(
                f"{prev.id}#{pos}",
                prev.owner,
                prev.owner_kind,
                prev.owner_role,
                prev.kind,
                prev.family,
                prev.size,
                prev.params,
                list(prev.segments),
                prev.separator,
                created,
                relation=prev.relation,
                bases=list(prev.bases),
                quant_method=prev.quant_method,
                base_declaration=prev.base_declaration,
                declare_relation=prev.declare_relation,
                weight_format=prev.weight_format,
                n_commits=min(self._next_budget(), 400),
                pipeline=prev.pipeline,
                library=prev.library,
                license=prev.license,
                dataset=prev.dataset,
                language=prev.language,
                tokenizer_variant=prev.tokenizer_variant,
            )
            reasons = ["weights"]
            if prev.relation in ("finetune", "merge") and (rng.random() < 0.25 or (force_under and pos == 1)):
                new_base = self._pick_base(causal_only=prev.family.causal)
                if new_base.id not in prev.bases:
                    nxt.bases = [new_base.id] + (prev.bases[1:] if prev.relation == "merge" else [])
                    nxt.family, nxt.size, nxt.params = new_base.family, new_base.size, new_base.params
                    reasons.append("base")
            if rng.random() < 0.1:
                nxt.tokenizer_variant = prev.tokenizer_variant + 1
                reasons.append("tokenizer")
            self.specs.append(nxt)
            self._set_version(nxt, versions[picks[pos]], scheme, form)
            nxt.series_id, nxt.series_position = series_id, pos + 1
            nxt.series_predecessor, prev.series_successor = prev.id, nxt.id
            nxt.version_gap = picks[pos] - picks[pos - 1] > 1
            nxt.series_reasons = reasons
            nxt.series_declared = _declared_bump(scheme, versions[picks[pos - 1]], versions[picks[pos]])
            if rng.random() < 0.5 or pos == 1:
                prev.new_version = nxt.id
            prev = nxt

    # -- history features and flags
    def _history_features(self) -> None:
        rng = self.rng
        eligible = [
            s for s in self.specs if s.n_commits >= 2 and s.relation != "quantized" and s.n_commits < 1000
        ]
        rng.shuffle(eligible)
        convertible = [s for s in eligible if s.relation in (None, "finetune")]
        for i, scenario in enumerate(HISTORY_SCENARIOS):
            pool = convertible[:2] if scenario == "conversion" else eligible[i :: len(HISTORY_SCENARIOS)][:2]
            for spec in pool:
                spec.scenarios.append(scenario)
                spec.n_commits = max(spec.n_commits, 6)
                if scenario == "conversion":
                    spec.weight_format, spec.extra_formats = ".bin", []
                    spec.library = "transformers"
        for spec in self.specs:
            if spec.n_commits >= 1000:
                spec.scenarios.append("trainer")
        free = [s for s in self.specs if s.kind != "root" and not s.series_id and not s.scenarios]
        styles = _quota(
            rng,
            len(free),
            ["malformed", "malformed", "nondict", "empty", "template", "plain", "none"],
            lambda: _weighted(rng, CARD_STYLES),
        )
        for spec, style in zip(free, styles, strict=True):
            spec.card_style = style
            if style != "yaml":
                spec.base_declaration, spec.declare_relation = "none", False

    def _repo_flags(self) -> None:
        rng = self.rng
        specs = self.specs
        roots = [s for s in specs if s.kind == "root"]
        for spec in rng.sample(roots, min(len(roots), max(1, len(roots) // 5))):
            spec.gated = rng.choice(("auto", "manual"))
        plain = [
            s
            for s in specs
            if s.kind != "root"
            and not s.series_id
            and not s.scenarios
            and s.owner_role == "publisher"
            and not s.gated
        ]
        rng.shuffle(plain)
        k = max(1, len(specs) // 150)
        for spec in plain[:k]:
            spec.gated = "auto"
        for spec in plain[k : 2 * k]:
            spec.private = True
        for spec in plain[2 * k : 2 * k + max(1, k // 2)]:
            spec.disabled = True
        for spec in plain[3 * k : 4 * k]:
            old_name = spec.separator.join([rng.choice(AMBIGUOUS), *(t for t, _ in spec.segments)])
            alias = f"{spec.owner}/{old_name}"
            if alias.lower() not in self.taken:
                self.taken.add(alias.lower())
                spec.aliases.append(alias)


def _versions(rng: random.Random, scheme: str, form: str, count: int, created: int) -> list[str]:
    out: list[str] = []
    if scheme == "date":
        day = EPOCH + dt.timedelta(seconds=created)
        for _ in range(count):
            out.append(day.strftime("%Y-%m-%d" if form == "YYYY-MM-DD" else "%Y%m%d"))
            day += dt.timedelta(days=rng.randint(14, 90))
        return out
    major, minor, patch = (rng.choice((0, 1)), 0, 0) if scheme != "major" else (1, 0, 0)
    if scheme == "minor" and major == 0:
        minor = 1
    for _ in range(count):
        if form == "vN":
            out.append(f"v{major}")
            major += 1
        elif form in ("vN.M", "N.M"):
            out.append(f"{'v' if form == 'vN.M' else ''}{major}.{minor}")
            if rng.random() < 0.2:
                major, minor = major + 1, 0
            else:
                minor += 1
        else:
            out.append(f"{'v' if form == 'vN.M.P' else ''}{max(major, 1)}.{minor}.{patch}")
            if rng.random() < 0.5:
                patch += 1
            else:
                minor, patch = minor + 1, 0
    return out


def _parse_version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.lstrip("vV").split(".") if p.isdigit())


def _declared_bump(scheme: str, old: str, new: str) -> str:
    if scheme == "date":
        return "none"
    a, b = _parse_version(old), _parse_version(new)
    if not a or not b:
        return "none"
    if b[0] != a[0]:
        return "major"
    if len(b) > 1 and len(a) > 1 and b[1] != a[1]:
        return "minor"
    return "patch"


# ------------------------------------------------------------------------------------------ histories


def _yaml_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    if (
        text
        and all(c.isalnum() or c in "-_./ " for c in text)
        and not text[0].isdigit()
        and text.lower() not in ("yes", "no", "true", "false", "null", "on", "off")
    ):
        return text
    return json.dumps(text)


def render_yaml(meta: dict[str, Any]) -> str:
    """A small YAML emitter for flat card metadata (strings, numbers and lists of strings)."""
    lines = []
    for key, value in meta.items():
        if isinstance(value, list):
            lines.append(f"{key}:")
            lines.extend(f"- {_yaml_scalar(v)}" for v in value)
        else:
            lines.append(f"{key}: {_yaml_scalar(value)}")
    return "\n".join(lines) + "\n"


@dataclass
class Card:
    """README state of one repo: metadata, body, changelog; rendered in the repo's card style."""

    style: str
    meta: dict[str, Any]
    title: str
    body: str
    changelog: list[str] = field(default_factory=list)
    edits: int = 0

    def render(self) -> str | None:
        if self.style == "none":
            return None
        if self.style == "empty":
            return ""
        if self.style == "template":
            return (
                "---\nlibrary_name: transformers\ntags: []\n---\n\n" + TEMPLATE_BODY + "\n" * (self.edits % 3)
            )
        text = f"# {self.title}\n\n{self.body}\n"
        if self.edits:
            text += f"\n## Citation\n\nPlease cite this work ({self.edits}).\n"
        if self.changelog:
            text += "\n## Changelog\n\n" + "".join(f"- {line}\n" for line in reversed(self.changelog))
        if self.style == "plain":
            return text
        front = render_yaml(self.meta)
        if self.style == "malformed":
            front += 'tags: [chat, "unterminated\nlicense: mit: apache\n'
        elif self.style == "nondict":
            front = "- " + "\n- ".join(f"{k}" for k in self.meta) + "\n"
        return f"---\n{front}---\n\n{text}"


@dataclass
class WeightFile:
    path: str
    sha256: str
    size: int


class RepoBuilder:
    """Writes one repository's commits from its spec, and records the truth of every weight change."""

    def __init__(self, spec: Spec, seed: int, rng: random.Random, specs: dict[str, Spec]):
        self.spec = spec
        self.seed = seed
        self.rng = rng
        self.specs = specs
        self.commits: list[dict[str, Any]] = []
        self.tree: dict[str, Any] = {}
        self.weights: dict[str, WeightFile] = {}
        self.t = spec.created
        self.tags: dict[str, str] = {}
        self.weight_changes: list[dict[str, Any]] = []
        self.releases: list[dict[str, Any]] = []
        self.pending: set[str] = set()
        self.version: tuple[int, int, int] | None = None
        self.version_style = rng.choice(("vN.M", "vN.M.P", "N.M.P"))
        self.formats: set[str] = set()
        self.counter = 0
        self.user = spec.owner if spec.owner_kind == "user" else self._member()
        self.config: dict[str, Any] = {}
        self.card = self._initial_card()

    # -- helpers
    def _member(self) -> str:
        return self.rng.choice(FIRST) + self.rng.choice(("", "-", "_")) + str(self.rng.randint(1, 99))

    def _sha(self, path: str) -> str:
        self.counter += 1
        return _hash(self.seed, self.spec.id, path, self.counter, "sha256")

    def _advance(self, heavy: bool = False) -> None:
        if heavy:
            step = self.rng.randint(300, 4 * 3600)
        else:
            step = int(self.rng.lognormvariate(math.log(2 * DAY), 1.6)) + 60
        # Never past the snapshot date: each gap is capped at a twentieth of the time left, so long
        # histories crowd towards the end of the window instead of running into the future.
        room = max(60, (SNAPSHOT_END - self.t) // 20)
        self.t += min(step, room)

    def commit(
        self,
        title: str,
        changes: list[dict[str, Any]],
        message: str = "",
        authors: list[str] | None = None,
        heavy: bool = False,
    ) -> str:
        if self.commits:
            self._advance(heavy)
        index = len(self.commits)
        cid = _hash(self.seed, self.spec.id, index, "commit")[:40]
        for change in changes:
            path = change["path"]
            if change["op"] == "delete":
                self.tree.pop(path, None)
            else:
                change["op"] = "modify" if path in self.tree else "add"
                self.tree[path] = change
        self.commits.append(
            {
                "id": cid,
                "date": hub_date(EPOCH + dt.timedelta(seconds=self.t)),
                "title": title,
                "message": message,
                "authors": authors or [self.user],
                "changes": changes,
            }
        )
        return cid

    def text(self, path: str, content: str) -> dict[str, Any]:
        return {"path": path, "op": "add", "content": content}

    def weight(
        self, path: str, size: int, kind: str, pending: list[dict[str, Any]], how: list[str] | None = None
    ) -> dict[str, Any]:
        old = self.weights.get(path)
        sha = self._sha(path)
        size = max(1024, int(size * (1 + self.rng.uniform(-0.002, 0.002))))
        self.weights[path] = WeightFile(path, sha, size)
        ext = "." + path.rsplit(".", 1)[-1]
        self.formats.add(ext)
        if old is not None and kind in ("added", "converted"):
            kind = "replaced"
        pending.append(
            {
                "path": path,
                "kind": kind,
                "old_sha256": old.sha256 if old else None,
                "new_sha256": sha,
                "how": list(how or []),
            }
        )
        return {"path": path, "op": "add", "size": size, "lfs": {"sha256": sha, "size": size}}

    def delete_weight(self, path: str, pending: list[dict[str, Any]]) -> dict[str, Any]:
        old = self.weights.pop(path)
        pending.append(
            {"path": path, "kind": "deleted", "old_sha256": old.sha256, "new_sha256": None, "how": []}
        )
        return {"path": path, "op": "delete"}

    def record(self, cid: str, pending: list[dict[str, Any]], extra_how: Iterable[str] = ()) -> None:
        extra = list(extra_how)
        for change in pending:
            how = sorted(set(change.pop("how")) | set(extra))
            self.weight_changes.append({"commit": cid, **change, "documented": bool(how), "how": how})

    def readme_change(self) -> dict[str, Any] | None:
        content = self.card.render()
        if content is None:
            return None
        return self.text("README.md", content)

    # -- content
    def _initial_card(self) -> Card:
        spec = self.spec
        meta: dict[str, Any] = {"license": spec.license}
        if spec.language:
            meta["language"] = [spec.language]
        if spec.library:
            meta["library_name"] = spec.library
        meta["pipeline_tag"] = spec.pipeline
        tags = [spec.family.model_type]
        if spec.relation == "merge":
            tags += ["mergekit", "merge"]
        if spec.quant_method:
            tags.append(spec.quant_method)
        meta["tags"] = tags
        if spec.dataset:
            meta["datasets"] = [spec.dataset]
        if spec.base_declaration == "string":
            meta["base_model"] = spec.bases[0]
        elif spec.base_declaration == "list":
            meta["base_model"] = list(spec.bases)
        if spec.declare_relation and spec.relation:
            meta["base_model_relation"] = spec.relation
        body = f"This model is {self._describe()}."
        if spec.base_declaration == "none" and spec.bases and self.rng.random() < 0.5:
            body += f" It was trained starting from {spec.bases[0]}."
        return Card(spec.card_style, meta, spec.name, body)

    def _describe(self) -> str:
        spec = self.spec
        what = {
            "finetune": "a fine-tuned version",
            "adapter": "a LoRA adapter",
            "quantized": f"a {spec.quant_method or 'quantized'} quantization",
            "merge": "a merge",
        }.get(spec.relation or "", "")
        if spec.kind == "root":
            return f"the {spec.size} base model of the {spec.family.name} family"
        if not what:
            return f"a {spec.family.model_type} model trained from scratch"
        return f"{what} of the {spec.family.name} {spec.size or ''} family".replace("  ", " ")

    def _config(self) -> dict[str, Any]:
        spec = self.spec
        fam = spec.family
        params = max(spec.params, 1e6)
        hidden = int(2 ** round(math.log2(max(256, (params / 1e6) ** 0.5 * 48))))
        config: dict[str, Any] = {
            "_name_or_path": spec.bases[0] if spec.bases else spec.id,
            "architectures": [fam.architecture],
            "model_type": fam.model_type,
            "hidden_size": hidden,
            "num_hidden_layers": max(2, int(params / (12 * hidden * hidden)) or 2),
            "vocab_size": fam.vocab,
            "torch_dtype": "bfloat16" if fam.causal else "float32",
            "transformers_version": self.rng.choice(("4.36.2", "4.38.1", "4.40.0", "4.44.2")),
        }
        if spec.quant_method in ("gptq", "awq", "bnb"):
            config["quantization_config"] = {
                "quant_method": "bitsandbytes" if spec.quant_method == "bnb" else spec.quant_method,
                "bits": 4,
                "group_size": 128,
            }
        if spec.quant_method == "mlx":
            config["quantization"] = {"group_size": 64, "bits": 4}
            config["quantization_config"] = {"group_size": 64, "bits": 4}
        return config

    def _tokenizer_config(self) -> str:
        fam = self.spec.family
        extra = self.spec.tokenizer_variant
        data = {
            "tokenizer_class": fam.tokenizer,
            "model_max_length": 2048 * (1 + extra % 2),
            "added_tokens": extra,
            "clean_up_tokenization_spaces": False,
        }
        return json.dumps(data, indent=2) + "\n"

    def _weight_plan(self) -> list[tuple[str, int]]:
        """Paths and sizes of the repo's main weights."""
        spec = self.spec
        params = max(spec.params, 2e6)
        fmt = spec.weight_format
        if spec.relation == "adapter":
            return [("adapter_model.safetensors", int(params * 0.004) + 4096)]
        if fmt == ".gguf":
            base = spec.name.removesuffix("-GGUF")
            quants = ("Q4_K_M", "Q5_K_M", "Q8_0", "Q2_K", "Q6_K", "IQ4_XS")
            k = self.rng.randint(1, 4)
            return [
                (f"{base}.{q}.gguf", int(params * b))
                for q, b in zip(quants[:k], (0.6, 0.71, 1.06, 0.4, 0.82, 0.55)[:k], strict=True)
            ]
        if spec.quant_method in ("gptq", "awq", "mlx", "bnb"):
            return [("model.safetensors", int(params * 0.55))]
        nbytes = params * (2 if spec.family.causal else 4)
        if fmt == ".safetensors" and nbytes > 5e9:
            shards = min(8, math.ceil(nbytes / 5e9))
            return [
                (f"model-{i:05d}-of-{shards:05d}.safetensors", int(nbytes / shards))
                for i in range(1, shards + 1)
            ]
        if fmt == ".bin" and nbytes > 10e9:
            shards = min(8, math.ceil(nbytes / 10e9))
            return [
                (f"pytorch_model-{i:05d}-of-{shards:05d}.bin", int(nbytes / shards))
                for i in range(1, shards + 1)
            ]
        return [(FORMAT_FILES[fmt], int(nbytes))]

    # -- the history
    def build(self) -> None:
        spec = self.spec
        self.commit("initial commit", [self.text(".gitattributes", GITATTRIBUTES)], authors=["system"])
        if spec.n_commits <= 1:
            return
        self._upload()
        budget = spec.n_commits - len(self.commits)
        scenarios = list(spec.scenarios)
        if "trainer" in scenarios:
            scenarios.remove("trainer")
            trainer_pushes = max(0, budget - len(scenarios) * 3 - 2)
            self._trainer(trainer_pushes)
        for scenario in scenarios:
            getattr(self, f"_s_{scenario}")()
        bin_only = (
            any(w.path.endswith(".bin") for w in self.weights.values()) and ".safetensors" not in self.formats
        )
        if bin_only and len(self.commits) < spec.n_commits and self.rng.random() < 0.3:
            self._s_conversion()
        while len(self.commits) < spec.n_commits - (1 if spec.new_version else 0):
            self._random_event()
        if spec.new_version:
            self.card.meta["new_version"] = spec.new_version
            successor = self.specs.get(spec.new_version)
            if successor is not None:
                self.t = max(self.t, successor.created + DAY)
            change = self.readme_change()
            if change is not None:
                self.commit("Update README.md", [change])

    def _upload(self) -> None:
        spec = self.spec
        rng = self.rng
        files: list[dict[str, Any]] = []
        pending: list[dict[str, Any]] = []
        weights = self._weight_plan()
        readme = self.readme_change()
        if readme is not None:
            files.append(readme)
        if spec.relation == "adapter":
            files.append(
                self.text(
                    "adapter_config.json",
                    json.dumps(
                        {
                            "base_model_name_or_path": spec.bases[0],
                            "peft_type": rng.choice(("LORA", "LORA", "ADALORA")),
                            "r": rng.choice((8, 16, 32, 64)),
                            "lora_alpha": rng.choice((16, 32)),
                            "lora_dropout": 0.05,
                            "target_modules": ["q_proj", "v_proj"],
                            "task_type": "CAUSAL_LM",
                        },
                        indent=2,
                    )
                    + "\n",
                )
            )
        elif _ships_tokenizer(spec):
            self.config = self._config()
            files.append(self.text("config.json", json.dumps(self.config, indent=2) + "\n"))
            files.append(self.text("tokenizer_config.json", self._tokenizer_config()))
            files.append(
                {
                    "path": "tokenizer.json",
                    "op": "add",
                    "size": 1_800_000 + spec.tokenizer_variant * 997,
                    "oid": _hash(self.seed, spec.id, "tokenizer", spec.tokenizer_variant)[:40],
                }
            )
            if spec.family.causal:
                files.append(
                    self.text(
                        "generation_config.json",
                        json.dumps(
                            {
                                "bos_token_id": 1,
                                "eos_token_id": 2,
                                "transformers_version": self.config["transformers_version"],
                            },
                            indent=2,
                        )
                        + "\n",
                    )
                )
        if spec.relation == "merge":
            files.append(
                self.text(
                    "mergekit_config.yml",
                    "models:\n"
                    + "".join(
                        f"  - model: {b}\n    parameters:\n      weight: {round(1 / len(spec.bases), 2)}\n"
                        for b in spec.bases
                    )
                    + f"merge_method: {rng.choice(('slerp', 'ties', 'dare_ties', 'linear'))}\n"
                    f"base_model: {spec.bases[0]}\ndtype: bfloat16\n",
                )
            )
        if spec.weight_format == ".gguf":
            files.append(
                self.text(".gitattributes", GITATTRIBUTES + "*.gguf filter=lfs diff=lfs merge=lfs -text\n")
            )
        for path, size in weights:
            files.append(self.weight(path, size, "initial", pending))
        for ext in spec.extra_formats:
            if ext != spec.weight_format:
                nbytes = max(spec.params, 2e6) * 4
                files.append(self.weight(FORMAT_FILES[ext], int(nbytes), "initial", pending))
        if len(weights) > 1 and weights[0][0].endswith(".safetensors"):
            total = sum(s for _, s in weights)
            files.append(
                self.text(
                    "model.safetensors.index.json",
                    json.dumps(
                        {
                            "metadata": {"total_size": total},
                            "weight_map": {
                                "lm_head.weight": weights[-1][0],
                                "model.embed_tokens.weight": weights[0][0],
                            },
                        },
                        indent=2,
                    )
                    + "\n",
                )
            )
        if "trainer" in spec.scenarios:
            files.append(
                {
                    "path": "training_args.bin",
                    "op": "add",
                    "size": 5176,
                    "lfs": {"sha256": _hash(self.seed, spec.id, "training_args"), "size": 5176},
                }
            )
        # Sometimes the upload is split across commits, as the web UI does it.
        how: list[str] = []
        if spec.version_raw:
            how.append("name_version")
        if spec.n_commits >= 4 and rng.random() < 0.3:
            split = [f for f in files if "lfs" not in f]
            heavy = [f for f in files if "lfs" in f]
            if split:
                self.commit(
                    rng.choice(
                        (
                            "Upload config",
                            "Upload tokenizer",
                            "Create README.md",
                            "Upload folder using huggingface_hub",
                        )
                    ),
                    split,
                )
            files = heavy
        title = self._upload_title(weights)
        if title.startswith("Add ") or title.startswith("Release"):
            how.append("commit_message")
        cid = self.commit(title, files)
        self.record(cid, pending, how)
        if spec.version_raw and spec.series_position and spec.series_position > 1:
            predecessor = self.specs.get(spec.series_predecessor or "")
            reasons = list(spec.series_reasons)
            # A new tokenizer is a change only when both repositories ship one (an ONNX or GGUF
            # repository, or an adapter, has no tokenizer files to differ).
            if "tokenizer" in reasons and not (
                _ships_tokenizer(spec) and predecessor is not None and _ships_tokenizer(predecessor)
            ):
                reasons.remove("tokenizer")
            self.releases.append(
                {
                    "kind": "series",
                    "commit": cid,
                    "version": spec.version_raw,
                    "previous_version": predecessor.version_raw if predecessor is not None else None,
                    "declared_by": ["name_version"],
                    "declared_bump": spec.series_declared or "none",
                    "required_bump": _max_bump(reasons),
                    "reasons": sorted(reasons),
                }
            )
        tagged = (
            any(
                s in spec.scenarios
                for s in ("doc_tag", "tokenizer_underbump", "arch_underbump", "license_underbump")
            )
            or rng.random() < 0.06
        )
        if tagged and self.weights:
            self.version = (1, 0, 0)
            self._declare(cid, ["tag"], "initial", [])

    def _upload_title(self, weights: list[tuple[str, int]]) -> str:
        rng = self.rng
        spec = self.spec
        return str(_weighted(
            rng,
            (
                ("Upload folder using huggingface_hub", 40),
                (f"Upload {weights[0][0]} with huggingface_hub", 12),
                (f"Upload {weights[0][0]}", 10),
                (f"Upload {spec.family.architecture}", 12),
                ("Upload model", 6),
                ("initial upload", 4),
                (
                    f"Add {spec.relation or 'model'} weights"
                    + (f" trained on {spec.dataset}" if spec.dataset else ""),
                    10,
                ),
                ("Release " + (spec.version_raw or "v1"), 3 if spec.version_raw else 0.1),
            ),
        ))

    def _version_text(self) -> str:
        assert self.version is not None
        major, minor, patch = self.version
        if self.version_style == "vN.M":
            return f"v{major}.{minor}" if not patch else f"v{major}.{minor}.{patch}"
        prefix = "v" if self.version_style.startswith("v") else ""
        return f"{prefix}{major}.{minor}.{patch}"

    def _declare(self, cid: str, by: list[str], declared: str, reasons: list[str]) -> None:
        """Record a release at ``cid``: bump the repo version, tag it, and compare with what changed."""
        previous = self._version_text() if self.version and declared != "initial" else None
        if declared != "initial":
            assert self.version is not None
            major, minor, patch = self.version
            self.version = {
                "major": (major + 1, 0, 0),
                "minor": (major, minor + 1, 0),
                "patch": (major, minor, patch + 1),
            }[declared]
        version = self._version_text()
        if "tag" in by:
            self.tags[version] = cid
        required = "initial" if declared == "initial" else _max_bump(sorted(self.pending | set(reasons)))
        self.releases.append(
            {
                "kind": "tag" if "tag" in by else "card",
                "commit": cid,
                "version": version,
                "previous_version": previous,
                "declared_by": sorted(by),
                "declared_bump": declared,
                "required_bump": required,
                "reasons": sorted(self.pending | set(reasons)),
            }
        )
        self.pending.clear()

    # -- events
    def _replace_weights(
        self,
        how: list[str],
        title: str | None = None,
        readme: str | None = None,
        declared: str = "minor",
        extra_reasons: Sequence[str] = (),
        extra_changes: Sequence[dict[str, Any]] = (),
        heavy: bool = False,
    ) -> str:
        """Replace the main weights in place; ``how`` says which signals document it."""
        rng = self.rng
        style = self.card.style
        # a signal only counts when the card can show it
        how = [
            h
            for h in how
            if not (h == "card_version" and style != "yaml")
            and not (h == "readme_changelog" and style not in ("yaml", "plain", "malformed", "nondict"))
        ]
        pending: list[dict[str, Any]] = []
        changes: list[dict[str, Any]] = list(extra_changes)
        targets = [w for w in self.weights.values() if not w.path.endswith(".gguf")] or list(
            self.weights.values()
        )
        if not targets:
            targets = []
            for path, size in self._weight_plan():
                changes.append(self.weight(path, size, "added", pending))
        else:
            main = [
                w for w in targets if w.path.startswith(("model", "pytorch_model", "adapter_model"))
            ] or targets[:1]
            for w in main:
                changes.append(self.weight(w.path, w.size, "replaced", pending))
        self.pending.add("weights")
        self.pending.update(extra_reasons)
        version_how = [h for h in how if h in ("tag", "card_version", "readme_changelog")]
        if version_how and self.version is None:
            self.version = (1, 0, 0)
        next_version = None
        if version_how:
            major, minor, patch = self.version or (1, 0, 0)
            bumped = {
                "major": (major + 1, 0, 0),
                "minor": (major, minor + 1, 0),
                "patch": (major, minor, patch + 1),
            }
            saved = self.version
            self.version = bumped[declared]
            next_version = self._version_text()
            self.version = saved
        if "readme_changelog" in how:
            self.card.changelog.append(f"**{next_version}**: {rng.choice(CHANGELOG)}")
        if "card_version" in how:
            self.card.meta["version"] = (next_version or "1.1").lstrip("v")
        readme_later = "readme_changelog" in how and rng.random() < 0.4
        if readme == "unrelated":
            self.card.edits += 1
        if ("readme_changelog" in how and not readme_later) or "card_version" in how or readme == "unrelated":
            change = self.readme_change()
            if change is not None:
                changes.append(change)
        if title is None:
            if "commit_message" in how:
                title = rng.choice(DESCRIPTIVE).format(
                    v=next_version or "v1.1", d=self.spec.dataset or "more data"
                )
            else:
                title = rng.choice(DEFAULT_TITLES).format(
                    f=changes[0]["path"] if changes else "model.safetensors", a=self.spec.family.architecture
                )
        cid = self.commit(title, changes, heavy=heavy)
        self.record(cid, pending, how)
        release_cid = cid
        if readme_later:
            change = self.readme_change()
            if change is not None:
                release_cid = self.commit("Update README.md", [change])
        if version_how:
            self._declare(release_cid, version_how, declared, list(extra_reasons))
        return cid

    def _trainer(self, pushes: int) -> None:
        step = 500
        for i in range(pushes):
            title = (
                f"Training in progress, step {step}" if i % 7 else f"Training in progress, epoch {i // 7 + 1}"
            )
            self._replace_weights([], title=title, heavy=True)
            step += 500

    def _s_silent_replace(self) -> None:
        self._replace_weights([])

    def _s_silent_replace_readme(self) -> None:
        self._replace_weights([], readme="unrelated")

    def _s_doc_tag(self) -> None:
        self._replace_weights(["tag"])

    def _s_doc_changelog(self) -> None:
        self._replace_weights(["readme_changelog"])

    def _s_doc_message(self) -> None:
        self._replace_weights(["commit_message"])

    def _s_doc_card_version(self) -> None:
        self._replace_weights(["card_version"])

    def _s_conversion(self) -> None:
        source = next((w for w in self.weights.values() if w.path.endswith(".bin")), None)
        if source is None or any(w.path.endswith(".safetensors") for w in self.weights.values()):
            return self._s_added_format()
        pending: list[dict[str, Any]] = []
        path = source.path.replace("pytorch_model", "model").replace(".bin", ".safetensors")
        change = self.weight(path, source.size, "converted", pending)
        pending[0]["from_path"] = source.path
        number = self.rng.randint(1, 12)
        parent = _hash(self.seed, self.spec.id, "pr", number)[:40]
        style = self.rng.random()
        if style < 0.5:  # merged PR, as the Hub writes it
            title = f"{CONVERT_TITLE} (#{number})"
            message = (
                f"\n\n- {CONVERT_TITLE} ({parent})\n\n\nCo-authored-by: Safetensors convertbot "
                f"<{CONVERT_BOT}@users.noreply.huggingface.co>"
            )
            authors = [self.user, CONVERT_BOT]
        else:
            title, message, authors = CONVERT_TITLE, "", [CONVERT_BOT]
        changes = [change]
        if self.rng.random() < 0.5:
            changes.append(self.text(".gitattributes", GITATTRIBUTES + "model.safetensors filter=lfs\n"))
        cid = self.commit(title, changes, message, authors)
        self.pending.add("format")
        self.record(cid, pending, ["commit_message"])

    def _s_added_format(self) -> None:
        pending: list[dict[str, Any]] = []
        choices = [
            e for e in (".onnx", ".safetensors", ".h5", ".msgpack", ".tflite") if e not in self.formats
        ]
        ext = self.rng.choice(choices or [".onnx"])
        path = FORMAT_FILES[ext] if ext != ".onnx" else "onnx/model.onnx"
        change = self.weight(path, int(max(self.spec.params, 2e6) * 4), "added", pending)
        title = self.rng.choice(
            (
                f"Upload {path}",
                f"Add {ext.lstrip('.').upper()} weights",
                "add TF model",
                "Upload folder using huggingface_hub",
            )
        )
        cid = self.commit(title, [change])
        self.pending.add("format")
        self.record(
            cid, pending, ["commit_message"] if title.startswith("Add") or title.startswith("add") else []
        )

    def _s_deleted_file(self) -> None:
        if len(self.weights) < 2:
            self._s_added_format()
        victim = sorted(self.weights)[-1]
        pending: list[dict[str, Any]] = []
        change = self.delete_weight(victim, pending)
        cid = self.commit(f"Delete {victim}", [change])
        self.pending.add("format")
        self.record(cid, pending, [])

    def _underbump(self, reason: str) -> None:
        spec = self.spec
        changes: list[dict[str, Any]] = []
        if reason == "tokenizer":
            spec.tokenizer_variant += 1
            changes.append(self.text("tokenizer_config.json", self._tokenizer_config()))
            changes.append(
                {
                    "path": "tokenizer.json",
                    "op": "add",
                    "size": 1_800_000 + spec.tokenizer_variant * 997,
                    "oid": _hash(self.seed, spec.id, "tokenizer", spec.tokenizer_variant)[:40],
                }
            )
        elif reason == "architecture":
            self.config = dict(self.config or self._config())
            self.config["architectures"] = [
                self.config["architectures"][0]
                .replace("ForCausalLM", "ForSequenceClassification")
                .replace("ForMaskedLM", "ForTokenClassification")
            ]
            self.config["model_type"] = self.config["model_type"] + "_v2"
            changes.append(self.text("config.json", json.dumps(self.config, indent=2) + "\n"))
        elif reason == "license":
            self.card.meta["license"] = RESTRICTIVE.get(str(self.card.meta.get("license")), "cc-by-nc-4.0")
            if self.card.style != "yaml":
                self.card.style = "yaml"
            # The new license ships in the release commit: the card that declares it is part of it.
            readme = self.readme_change()
            assert readme is not None
            changes.append(readme)
        # The breaking change ships with new weights, declared only as a minor version (a tag v1.1).
        self._replace_weights(
            ["tag"],
            declared="minor",
            extra_reasons=[reason],
            extra_changes=changes,
            title=self.rng.choice(
                ("Update model", "Release {v}", "Upload folder using huggingface_hub")
            ).format(v="new version"),
        )

    def _s_tokenizer_underbump(self) -> None:
        self._underbump("tokenizer")

    def _s_arch_underbump(self) -> None:
        self._underbump("architecture")

    def _s_license_underbump(self) -> None:
        self._underbump("license")

    def _random_event(self) -> None:
        rng = self.rng
        spec = self.spec
        u = rng.random()
        if u < 0.42 or not self.weights:
            self.card.edits += 1
            if self.card.style in ("none", "empty"):
                self.card.style = "plain"
            change = self.readme_change()
            assert change is not None
            self.commit(
                rng.choice(
                    (
                        "Update README.md",
                        "Update README.md",
                        "Update README.md",
                        "Fix typo",
                        "Create README.md",
                        "Add citation",
                        "Update model card",
                    )
                ),
                [change],
            )
            self.pending.add("card")
        elif u < 0.70:
            r = rng.random()
            if r < 0.55:
                how: list[str] = []
            else:
                how = [
                    h
                    for h, p in (
                        ("commit_message", 0.45),
                        ("readme_changelog", 0.35),
                        ("tag", 0.2),
                        ("card_version", 0.1),
                    )
                    if rng.random() < p
                ] or ["commit_message"]
            readme = "unrelated" if not how and rng.random() < 0.25 else None
            declared = "minor" if rng.random() < 0.8 else rng.choice(("patch", "major"))
            self._replace_weights(how, readme=readme, declared=declared)
        elif u < 0.78 and "config.json" in self.tree:
            self.config = dict(self.config or self._config())
            self.config["use_cache"] = not self.config.get("use_cache", True)
            self.commit(
                rng.choice(("Update config.json", "fix config")),
                [self.text("config.json", json.dumps(self.config, indent=2) + "\n")],
            )
        elif u < 0.84 and "generation_config.json" in self.tree:
            gen = {
                "bos_token_id": 1,
                "eos_token_id": 2,
                "temperature": round(rng.uniform(0.2, 1.0), 2),
                "top_p": 0.9,
                "do_sample": True,
            }
            self.commit(
                "Update generation_config.json",
                [self.text("generation_config.json", json.dumps(gen, indent=2) + "\n")],
            )
            self.pending.add("generation")
        elif u < 0.88 and "tokenizer_config.json" in self.tree:
            spec.tokenizer_variant += 1
            self.commit(
                "Update tokenizer_config.json", [self.text("tokenizer_config.json", self._tokenizer_config())]
            )
            self.pending.add("tokenizer")
        elif u < 0.92:
            self._s_added_format()
        elif u < 0.94 and len(self.weights) > 1:
            self._s_deleted_file()
        elif u < 0.96 and any(w.path.endswith(".bin") for w in self.weights.values()):
            self._s_conversion()
        else:
            self.commit(
                rng.choice(("Upload folder using huggingface_hub", "Add .gitignore", "Upload train.py")),
                [
                    self.text(
                        rng.choice((".gitignore", "train.py", "special_tokens_map.json")),
                        f"# {rng.randint(0, 10**6)}\n",
                    )
                ],
            )

    def line(self) -> dict[str, Any]:
        spec = self.spec
        formats = sorted({"." + w.path.rsplit(".", 1)[-1] for w in self.weights.values()})
        tags = [
            spec.library,
            *[f.lstrip(".") for f in formats if f in (".safetensors", ".gguf", ".onnx")],
            spec.family.model_type,
            "region:us",
        ]
        raw: dict[str, Any] = {
            "id": spec.id,
            "author": spec.owner,
            "createdAt": self.commits[0]["date"],
            "private": spec.private,
            "gated": spec.gated,
            "disabled": spec.disabled,
            "downloads": int(self.rng.paretovariate(1.1) * (500 if spec.kind == "root" else 5)) - 1,
            "likes": int(self.rng.paretovariate(1.3) * (50 if spec.kind == "root" else 1)) - 1,
            "tags": list(dict.fromkeys(t for t in tags if t)),
            "pipeline_tag": spec.pipeline,
            "library_name": spec.library,
            "refs": {"branches": {"main": self.commits[-1]["id"]}, "tags": dict(self.tags)},
            "commits": self.commits,
        }
        if ".safetensors" in formats and spec.relation != "adapter":
            raw["safetensors"] = {"parameters": {"BF16": int(spec.params)}, "total": int(spec.params)}
        if ".gguf" in formats:
            raw["gguf"] = {
                "total": int(spec.params),
                "architecture": spec.family.model_type,
                "context_length": 8192,
            }
        if spec.aliases:
            raw["aliases"] = list(spec.aliases)
        return raw

    def truth(self) -> dict[str, Any]:
        spec = self.spec
        card = self.card
        style = card.style if "README.md" in self.tree else "none"
        has_meta = style == "yaml"
        base_decl = spec.base_declaration if has_meta and "base_model" in card.meta else "none"
        return {
            "id": spec.id,
            "owner": spec.owner,
            "owner_kind": spec.owner_kind,
            "owner_role": spec.owner_role,
            "kind": spec.kind,
            "family": spec.family.name,
            "model_type": spec.family.model_type,
            "size": spec.size,
            "params": int(spec.params),
            "segments": [[t, k] for t, k in spec.segments],
            "convention": "".join(f"{{{k}}}" for _, k in spec.segments),
            "separator": spec.separator,
            "version_raw": spec.version_raw,
            "version_scheme": spec.version_scheme,
            "version_form": spec.version_form,
            "series_id": spec.series_id,
            "series_position": spec.series_position,
            "series_predecessor": spec.series_predecessor,
            "series_successor": spec.series_successor,
            "version_gap": spec.version_gap,
            "base_models": list(spec.bases),
            "relation": spec.relation,
            "quant_method": spec.quant_method,
            "base_declaration": base_decl,
            "declared_relation": bool(has_meta and "base_model_relation" in card.meta),
            "card_style": style,
            "new_version": card.meta.get("new_version") if has_meta else None,
            "gated": spec.gated,
            "private": spec.private,
            "disabled": spec.disabled,
            "aliases": list(spec.aliases),
            "formats": sorted(self.formats),
            "commits": len(self.commits),
            "weight_changes": self.weight_changes,
            "releases": [
                {
                    **r,
                    "under_bump": BUMP_RANK[r["declared_bump"]] < BUMP_RANK[r["required_bump"]]
                    and r["required_bump"] != "initial"
                    and r["declared_bump"] not in ("none",),
                    "over_bump": BUMP_RANK[r["declared_bump"]] > BUMP_RANK[r["required_bump"]]
                    and r["declared_bump"] != "initial",
                }
                for r in self.releases
            ],
        }


def _ships_tokenizer(spec: Spec) -> bool:
    """Whether the repository's upload holds ``config.json`` and tokenizer files."""
    return (
        spec.relation != "adapter"
        and spec.weight_format != ".gguf"
        and spec.library in ("transformers", "mlx", "peft")
    )


def _max_bump(reasons: Iterable[str]) -> str:
    best = "patch"
    for reason in reasons:
        bump = REASON_BUMP.get(reason, "patch")
        if BUMP_RANK[bump] > BUMP_RANK[best]:
            best = bump
    return best


CHANGELOG = (
    "retrained for 2 more epochs",
    "fixed the tokenizer padding and retrained",
    "trained on a cleaned dataset",
    "improved accuracy on the eval set",
    "merged a new checkpoint",
    "longer context training",
    "new weights after a bug fix in the data pipeline",
)
DESCRIPTIVE = (
    "Update weights to {v}: retrained on {d}",
    "Retrain with cleaned data ({v})",
    "Fix tokenizer bug and retrain",
    "Improve accuracy: new checkpoint ({v})",
    "New weights: 3 more epochs on {d}",
    "Replace weights with the fixed checkpoint",
)
DEFAULT_TITLES = (
    "Upload folder using huggingface_hub",
    "Upload {f}",
    "Upload {f} with huggingface_hub",
    "Upload {a}",
    "Update {f}",
    "Upload model",
)


# ------------------------------------------------------------------------------------------ public API


def _build(
    specs: list[Spec], seed: int, rng: random.Random
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    by_id = {s.id: s for s in specs}
    lines, truths = [], []
    for spec in specs:
        builder = RepoBuilder(spec, seed, rng, by_id)
        builder.build()
        lines.append(builder.line())
        truths.append(builder.truth())
    return lines, truths


def generate(models: int, seed: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The registry lines and ground-truth lines of ``models`` synthetic models, fixed by ``seed``."""
    if models < 1:
        raise ValueError("models must be at least 1")
    planner = Planner(models, seed)
    specs = planner.plan()
    lines, truths = _build(specs, seed, planner.rng)
    # Registry format 2: the ids written are the git ids of the facts (the truth follows them).
    lines, mapping = derive_all(lines)
    return lines, remap(truths, mapping)


def truth_path(out: str | Path) -> Path:
    """``foo.jsonl`` → ``foo.truth.jsonl`` (anything else gets ``.truth.jsonl`` appended)."""
    out = Path(out)
    if out.name.endswith(".jsonl"):
        return out.with_name(out.name[: -len(".jsonl")] + ".truth.jsonl")
    return out.with_name(out.name + ".truth.jsonl")


def changes_path(out: str | Path) -> Path:
    out = Path(out)
    stem = out.name[: -len(".jsonl")] if out.name.endswith(".jsonl") else out.name
    return out.with_name(stem + ".changes.json")


@dataclass(frozen=True)
class Summary:
    """What a generate or evolve run wrote."""

    models: int
    commits: int
    weight_changes: int

    def __str__(self) -> str:
        return f"{self.models} models, {self.commits} commits, {self.weight_changes} weight changes"


def summarize(lines: list[dict[str, Any]], truths: list[dict[str, Any]]) -> Summary:
    return Summary(
        len(lines),
        sum(len(line["commits"]) for line in lines),
        sum(len(t.get("weight_changes") or []) for t in truths),
    )


def write_registry(out: str | Path, models: int, seed: int) -> Summary:
    """Generate and write the registry to ``out`` and its ground truth beside it."""
    lines, truths = generate(models, seed)
    write_models(out, lines)
    write_models(truth_path(out), truths)
    return summarize(lines, truths)


# ------------------------------------------------------------------------------------------ evolve


def evolve(
    old_lines: list[dict[str, Any]], seed: int, old_truth: list[dict[str, Any]] | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The next snapshot of a registry: new commits, new repos, deletions, renames and one squash."""
    lines, truths, _ = evolve_with_changes(old_lines, seed, old_truth)
    return lines, truths


def evolve_with_changes(
    old_lines: list[dict[str, Any]],
    seed: int,
    old_truth: list[dict[str, Any]] | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    """Like ``evolve``, plus a summary of what changed (written as ``.changes.json``)."""
    from hfaudit.fakehub.registry import Model

    rng = random.Random(seed)
    old_lines = [json.loads(json.dumps(line)) for line in old_lines]  # never touch the caller's data
    truth_by_id = {t["id"]: json.loads(json.dumps(t)) for t in (old_truth or [])}
    snapshot_end = max(
        (_seconds(c["date"]) for line in old_lines for c in line.get("commits") or []), default=0
    )
    # Lines already in format 2 stay git-consistent; older ones keep their given ids (API only).
    given_ids = {i for i, line in enumerate(old_lines) if git_problem(line) is not None}
    ids = [line["id"] for line in old_lines]
    taken = {i.lower() for i in ids} | {a.lower() for line in old_lines for a in line.get("aliases") or []}
    n = len(old_lines)
    order = list(range(n))
    rng.shuffle(order)
    squashable = [
        i
        for i in order
        if 3 <= len(old_lines[i].get("commits") or []) <= 200 and not old_lines[i].get("private")
    ]
    squash_i = squashable[0] if squashable else None
    rest = [i for i in order if i != squash_i]
    k = max(1, n // 100)
    deleted = set(rest[:k])
    renamed = set(rest[k : 2 * k])
    updated = set(rest[2 * k : 2 * k + max(1, n // 10)])
    changes: dict[str, Any] = {
        "seed": seed,
        "deleted": [],
        "renamed": {},
        "updated": {},
        "added": [],
        "squashed": None,
    }
    out_lines: list[dict[str, Any]] = []
    out_truths: list[dict[str, Any]] = []
    keep_given: set[int] = set()
    for i, line in enumerate(old_lines):
        old_id = line["id"]
        truth = truth_by_id.get(old_id) or {"id": old_id, "weight_changes": [], "releases": []}
        status = "unchanged"
        new_commits: list[str] = []
        if i in deleted:
            changes["deleted"].append(old_id)
            continue
        if i == squash_i:
            model = Model(line)
            tree = model.tree(model.head) if model.head else {}
            cid = _hash(seed, "squash", old_id)[:40]
            files = []
            for path in sorted(tree):
                state = tree[path]
                change: dict[str, Any] = {"path": path, "op": "add", "oid": state.oid, "size": state.size}
                if state.lfs_sha256:
                    change["lfs"] = {"sha256": state.lfs_sha256, "size": state.lfs_size}
                if state.content is not None:
                    change["content"] = state.content
                files.append(change)
            date = hub_date(EPOCH + dt.timedelta(seconds=snapshot_end + rng.randint(DAY, 5 * DAY)))
            old_head, old_count = model.head, len(model.commits)
            line["commits"] = [
                {
                    "id": cid,
                    "parents": [],
                    "date": date,
                    "title": "Squash history",
                    "message": "",
                    "authors": [line.get("author") or old_id.split("/")[0]],
                    "changes": files,
                }
            ]
            line["refs"] = {"branches": {"main": cid}, "tags": {}}
            changes["squashed"] = {
                "id": old_id,
                "old_head": old_head,
                "new_commit": cid,
                "old_commits": old_count,
            }
            status, new_commits = "squashed", [cid]
            truth["weight_changes"] = [
                {
                    "commit": cid,
                    "path": f["path"],
                    "kind": "initial",
                    "old_sha256": None,
                    "new_sha256": f["lfs"]["sha256"],
                    "documented": False,
                    "how": [],
                    "squashed": True,
                }
                for f in files
                if "lfs" in f and _is_weight(f["path"])
            ]
            truth["releases"] = []
        elif i in updated:
            new_commits = _extend(line, truth, seed, rng, snapshot_end)
            changes["updated"][old_id] = new_commits
            status = "updated"
        if i in renamed:
            owner, name = old_id.split("/", 1)
            new_id = f"{owner}/{name}-{rng.choice(('renamed', 'v2', 'hf', 'legacy', 'new'))}"
            while new_id.lower() in taken:
                new_id += "-x"
            taken.add(new_id.lower())
            line["id"] = new_id
            line["aliases"] = [*(line.get("aliases") or []), old_id]
            changes["renamed"][old_id] = new_id
            truth["id"] = new_id
            truth["aliases"] = list(line["aliases"])
            status = "renamed" if status == "unchanged" else status
        truth["evolution"] = {"status": status, "old_id": old_id, "new_commits": new_commits}
        if i in given_ids:
            keep_given.add(len(out_lines))
        out_lines.append(line)
        out_truths.append(truth)
    # new repos: a small generated batch whose names cannot collide, created after the snapshot
    n_new = max(20, n // 30)
    planner = Planner(n_new, seed * 7919 + 17, start=snapshot_end + DAY, taken=taken)
    planner.specs = []
    specs = planner.plan()
    new_lines, new_truths = _build(specs, seed * 7919 + 17, planner.rng)
    for line, truth in zip(new_lines, new_truths, strict=True):
        truth["evolution"] = {
            "status": "added",
            "old_id": None,
            "new_commits": [c["id"] for c in line["commits"]],
        }
        changes["added"].append(line["id"])
    out_lines += new_lines
    out_truths += new_truths
    out_lines, mapping = derive_all(out_lines, skip=keep_given)
    return out_lines, remap(out_truths, mapping), remap(changes, mapping)


def _seconds(date: str) -> int:
    """Seconds after ``EPOCH``."""
    from hfaudit.fakehub.registry import parse_date

    return int((parse_date(date) - EPOCH).total_seconds())


def _is_weight(path: str) -> bool:
    return path.endswith(WEIGHT_EXTENSIONS) and not path.endswith("training_args.bin")


def _extend(
    line: dict[str, Any], truth: dict[str, Any], seed: int, rng: random.Random, after: int
) -> list[str]:
    """Append 1-4 new commits to a registry line, at least one a weight replacement when it has weights."""
    from hfaudit.fakehub.registry import Model

    model = Model(line)
    head = model.head
    tree = model.tree(head) if head else {}
    commits = line.setdefault("commits", [])
    t = max(after, _seconds(commits[-1]["date"]) if commits else after) + rng.randint(3600, 10 * DAY)
    new_ids: list[str] = []
    weights = sorted(p for p, s in tree.items() if s.lfs_sha256 and _is_weight(p))
    for j in range(rng.randint(1, 4)):
        cid = _hash(seed, "evolve", line["id"], len(commits))[:40]
        date = hub_date(EPOCH + dt.timedelta(seconds=t))
        t += rng.randint(600, 3 * DAY)
        parents = [commits[-1]["id"]] if commits else []
        if weights and (j == 0 or rng.random() < 0.4):
            path = rng.choice(weights)
            old = tree[path]
            sha = _hash(seed, "evolve", line["id"], path, len(commits))
            size = int((old.lfs_size or 1024) * (1 + rng.uniform(-0.001, 0.001)))
            documented = rng.random() < 0.45
            title = (
                "Retrain with more data"
                if documented
                else rng.choice(DEFAULT_TITLES).format(f=path, a="model")
            )
            change = {"path": path, "op": "modify", "size": size, "lfs": {"sha256": sha, "size": size}}
            commits.append(
                {
                    "id": cid,
                    "parents": parents,
                    "date": date,
                    "title": title,
                    "message": "",
                    "authors": [line.get("author") or line["id"].split("/")[0]],
                    "changes": [change],
                }
            )
            truth.setdefault("weight_changes", []).append(
                {
                    "commit": cid,
                    "path": path,
                    "kind": "replaced",
                    "old_sha256": old.lfs_sha256,
                    "new_sha256": sha,
                    "documented": documented,
                    "how": ["commit_message"] if documented else [],
                }
            )
            tree = {**tree}
            from hfaudit.fakehub.registry import change_state

            tree[path] = change_state(change, cid)
        else:
            content = tree["README.md"].content if "README.md" in tree and tree["README.md"].content else ""
            change = {
                "path": "README.md",
                "op": "modify" if "README.md" in tree else "add",
                "content": content + f"\nUpdated in a later snapshot ({j}).\n",
            }
            commits.append(
                {
                    "id": cid,
                    "parents": parents,
                    "date": date,
                    "title": "Update README.md",
                    "message": "",
                    "authors": [line.get("author") or line["id"].split("/")[0]],
                    "changes": [change],
                }
            )
        new_ids.append(cid)
    line.setdefault("refs", {}).setdefault("branches", {})["main"] = commits[-1]["id"]
    truth["commits"] = len(commits)
    return new_ids


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    with Path(path).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def write_evolved(old: str | Path, out: str | Path, seed: int) -> Summary:
    """Evolve the registry ``old`` into ``out``; truth and ``.changes.json`` are written beside ``out``."""
    old_lines = read_jsonl(old)
    old_truth_path = truth_path(old)
    old_truth = read_jsonl(old_truth_path) if old_truth_path.exists() else None
    lines, truths, changes = evolve_with_changes(old_lines, seed, old_truth)
    write_models(out, lines)
    write_models(truth_path(out), truths)
    changes_path(out).write_text(json.dumps(changes, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return summarize(lines, truths)
