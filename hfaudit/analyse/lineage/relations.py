"""How a derived model relates to its parent: declared, observed, and the two compared.

A relation is one of ``finetune``, ``adapter``, ``quantized``, ``merge``. The *declared* relation is
what the card's ``base_model_relation``, the Hub's ``base_model:<relation>:`` tags or the
``baseModels`` answer state. The *observed* relation is read from evidence, strongest first:

1. files: GGUF/GGML/EXL2 weights, GPTQ/AWQ files, a ``quantization_config`` (or MLX ``quantization``)
   in ``config.json`` → quantized;
2. the library, as the Hub's own inference reads it: a PEFT repository (``library_name: peft``, or
   the ``peft`` tag when no library is given) → adapter. Adapter files (``adapter_config.json``, or
   adapter weights with no full weights) under any other library, or none, are what the Hub lists as
   a fine-tune (``library``): the relation follows the Hub, and ``files`` keeps ``adapter`` so the
   disagreement is reported;
3. files: a mergekit config → merge, unless the card declares exactly one base: the Hub lists a
   model as a merge only when it declares several, so that one is a fine-tune (``files`` keeps
   ``merge`` and the disagreement is recorded). Parents found only in prose, config or the name do
   not count as declared (the Hub would list no relation at all);
4. several parents with a merge tag (``merge``, ``mergekit``) or a merge word in the name → merge (the
   Hub itself lists many two-base cards without either as fine-tunes);
5. with no weight file at all (a repository known only by its card), quantization, adapter or merge
   words in the name: adapter only when no library other than peft is given, quantized only when no
   full-weights library is given (``transformers`` with no ``gguf`` tag: the Hub goes by files there);
6. otherwise ``finetune``: with full weights that is a reading of the files (``weights``); with
   nothing to read it is only a default (``default``), as the study's every unmarked model was.

Where a relation is declared it is kept, and a conflict is recorded when files say otherwise (as it
is when the library overrules the files).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

RELATIONS: tuple[str, ...] = ("finetune", "adapter", "quantized", "merge")

# How sure the observed relation is, by what it rests on.
BASIS_CONFIDENCE: dict[str, float] = {
    "declared": 0.95,
    "files": 0.9,
    "parents": 0.85,
    "library": 0.8,
    "name": 0.7,
    "weights": 0.6,
    "default": 0.3,
}

_QUANT_SUFFIXES = (".gguf", ".ggml", ".exl2", ".awq", ".gptq")
_QUANT_FILES = {"quantize_config.json", "quant_config.json", "quantization_config.json", "measurement.json"}
_MERGE_FILES = {"mergekit_config.yml", "mergekit_config.yaml", "merge_config.yml", "merge_config.yaml"}
_ADAPTER_WEIGHT = re.compile(r"(^|/)(adapter_model|pytorch_lora_weights|[^/]*lora[^/]*)\.(safetensors|bin|pt)$")
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".ckpt", ".h5", ".msgpack", ".onnx", ".gguf", ".ggml", ".npz")
_NOT_WEIGHTS = re.compile(r"(^|/)(training_args|optimizer|scheduler|rng_state[^/]*)\.(bin|pt|pth)$")

# Name tokens that sign a quantization (matched on whole tokens of the lower-cased name).
QUANT_TOKEN = re.compile(
    r"""^(
        gguf|ggml|gptq|awq|exl2|exl3|bnb|nf4|fp4|fp8|fp6|int2|int3|int4|int8|w[2348]a(4|8|16)(g\d+)?|
        aqlm|hqq|eetq|quanto|marlin|imatrix|i1|mlx|mlc|vptq|ov|openvino|onnx|quantized|quant|quants|
        fp16|f16|bf16|fp32|f32|float16|float32|q\d+f\d+(_\d+)?|
        \d{1,2}-?bits?|q\d(_[a-z0-9]+)*|iq\d(_[a-z0-9]+)*|\d+(\.\d+)?bpw
    )$""",
    re.VERBOSE,
)
# Tokens that sign a quantization anywhere inside a token (``Q4_K_M``, ``4bit``, ``gptq``, ``w4a16``).
_QUANT_INSIDE = re.compile(r"gguf|ggml|gptq|awq|exl2|\d-?bits?\b|(?<![a-z])q\d_k|(?<![a-z])iq\d_|w4a16|nf4|fp8|int4|int8")
# Owners that publish only quantizations or format conversions (a name-level sign, like a suffix).
QUANT_OWNERS = frozenset({
    "thebloke", "bartowski", "mradermacher", "mlx-community", "quantfactory", "richarderkhov", "lonestriker",
    "second-state", "devquasar", "vptq-community", "mlc-ai", "tensorblock", "lmstudio-community",
})  # fmt: skip
_ADAPTER_TOKEN = re.compile(r"^(lora|qlora|adapter|adapters|peft|dora|loha|lokr|ia3)$")
_ADAPTER_INSIDE = re.compile(r"lora|adapter|peft")
_MERGE_TOKEN = re.compile(r"^(merge|merged|mergekit|slerp|ties|dare|moe|frankenmerge|passthrough|task-arithmetic)$")
_TOKEN_SPLIT = re.compile(r"[-_.\s]+")


@dataclass(frozen=True)
class Evidence:
    """What the store tells about one model's files and configuration."""

    paths: tuple[str, ...] = ()
    config: Mapping[str, Any] | None = None
    tags: tuple[str, ...] = ()
    library: str | None = None  # the Hub's library_name (the card's, or the Hub's own inference)


@dataclass(frozen=True)
class Observed:
    relation: str
    basis: str  # files | library | parents | name | weights | default
    reason: str
    files: str | None = None  # the relation the files show, when the relation rests on something else

    @property
    def evidence_relation(self) -> str:
        """What the evidence itself shows: the files' relation where the library overruled them."""
        return self.files or self.relation

    @property
    def confidence(self) -> float:
        return BASIS_CONFIDENCE[self.basis]


def name_tokens(model_id: str) -> list[str]:
    name = model_id.split("/", 1)[-1].lower()
    return [t for t in _TOKEN_SPLIT.split(name) if t]


def name_quant_sign(model_id: str) -> str | None:
    """The token of the name that signs a quantization (``gguf``, ``4bit``, ``q4_k_m``), or None."""
    token = name_quant_token(model_id.split("/", 1)[-1])
    if token is not None:
        return token
    owner = model_id.split("/", 1)[0].lower() if "/" in model_id else ""
    return f"owner {owner}" if owner in QUANT_OWNERS else None


def name_quant_token(name: str) -> str | None:
    """``name_quant_sign`` of the name alone (the part after the owner), without the owner rule."""
    name = name.lower()
    for token in re.split(r"[-.\s]+", name):
        if QUANT_TOKEN.match(token) or QUANT_TOKEN.match(token.replace("_", "")):
            return token
        hit = _QUANT_INSIDE.search(token)
        if hit:
            return hit.group(0)
    for token in _TOKEN_SPLIT.split(name):
        if token and QUANT_TOKEN.match(token):
            return token
    return None


def name_adapter_sign(model_id: str) -> str | None:
    for token in name_tokens(model_id):
        if _ADAPTER_TOKEN.match(token) or _ADAPTER_INSIDE.search(token):
            return token
    return None


def name_merge_sign(model_id: str) -> str | None:
    name = model_id.split("/", 1)[-1].lower()
    for token in name_tokens(model_id):
        if _MERGE_TOKEN.match(token):
            return token
    return "task-arithmetic" if "task-arithmetic" in name else None


def is_weight(path: str) -> bool:
    lower = path.lower()
    return lower.endswith(_WEIGHT_SUFFIXES) and not _NOT_WEIGHTS.search(lower)


def file_signs(evidence: Evidence) -> dict[str, str]:
    """relation → the file or setting that shows it, for each relation the files show."""
    signs: dict[str, str] = {}
    names = [(p, PurePosixPath(p).name.lower()) for p in evidence.paths]
    for path, name in names:
        if name.endswith(_QUANT_SUFFIXES) or name in _QUANT_FILES or (
            is_weight(path) and re.search(r"gptq|awq", name)
        ):
            signs.setdefault("quantized", path)
    config = evidence.config or {}
    if "quantized" not in signs:
        if isinstance(config.get("quantization_config"), dict):
            method = config["quantization_config"].get("quant_method")
            signs["quantized"] = f"config.json quantization_config ({method or 'unknown'})"
        elif isinstance(config.get("quantization"), dict):
            signs["quantized"] = "config.json quantization (mlx)"
    if any(name == "adapter_config.json" for _, name in names):
        signs["adapter"] = "adapter_config.json"
    else:
        weights = [p for p, _ in names if is_weight(p)]
        adapter_weights = [p for p in weights if _ADAPTER_WEIGHT.search(p.lower())]
        if adapter_weights and len(adapter_weights) == len(weights):
            signs["adapter"] = adapter_weights[0]
    for path, name in names:
        if name in _MERGE_FILES:
            signs["merge"] = path
    return signs


def is_peft(evidence: Evidence) -> bool:
    """A PEFT repository as the Hub tells one: library ``peft``, or the ``peft`` tag with no library.

    The ``peft`` tag beside another library (AutoTrain cards list it under ``tags``) does not make one:
    the Hub lists such repositories as fine-tunes.
    """
    library = (evidence.library or "").strip().lower()
    if library:
        return library == "peft"
    return any(str(t).lower() == "peft" for t in evidence.tags)


def observe(model_id: str, evidence: Evidence, n_parents: int, declared: bool = False) -> Observed:
    """The relation the evidence shows for a model with ``n_parents`` distinct graph parents
    (``declared``: those parents are what its card declares, not read from prose, config or name)."""
    signs = file_signs(evidence)
    if "quantized" in signs:
        return Observed("quantized", "files", signs["quantized"])
    if is_peft(evidence):
        if "adapter" in signs:
            return Observed("adapter", "files", f"{signs['adapter']}, library peft")
        return Observed("adapter", "library", f"library {evidence.library or 'tag peft'}")
    if "merge" in signs and not (declared and n_parents == 1):
        return Observed("merge", "files", signs["merge"])
    if "adapter" in signs:
        library = f"library {evidence.library}" if evidence.library else "no library"
        return Observed(
            "finetune", "library", f"{signs['adapter']} but {library}, not peft: the Hub lists it as a fine-tune", "adapter"
        )
    merge_tag = next((t for t in evidence.tags if str(t).lower() in ("merge", "mergekit")), None)
    if n_parents > 1 and (merge_tag or name_merge_sign(model_id)):
        return Observed("merge", "parents", f"{n_parents} parents, {merge_tag or name_merge_sign(model_id)!r}")
    if "merge" in signs:
        # A merge recipe whose card declares one base: the Hub calls a model a merge only when it
        # declares several bases, and lists this one as a fine-tune; ``files`` keeps ``merge``.
        return Observed(
            "finetune", "parents", f"{signs['merge']} but the card declares one base: the Hub lists it as a fine-tune", "merge"
        )
    if not any(is_weight(p) for p in evidence.paths):
        sign = name_quant_sign(model_id)
        if sign and not _library_says_weights(evidence):
            return Observed("quantized", "name", f"name token {sign!r}")
        sign = name_adapter_sign(model_id)
        if sign and not evidence.library:  # a library other than peft: the Hub says finetune
            return Observed("adapter", "name", f"name token {sign!r}")
        sign = name_merge_sign(model_id)
        if sign:
            return Observed("merge", "name", f"name token {sign!r}")
        return Observed("finetune", "default", "no files and no sign in the name")
    return Observed("finetune", "weights", "full weights, no quantization, adapter or merge sign")


_QUANT_LIBRARIES = frozenset({"gguf", "mlx", "exllamav2", "ctranslate2", "llama.cpp", "openvino", "onnx"})


def _library_says_weights(evidence: Evidence) -> bool:
    """A library that loads full-precision weights (``transformers``, ``diffusers``) with no quantization
    tag: the Hub reads such a repository's files, not its name, and with no quantized file it lists it as
    a fine-tune (``mradermacher/DeepSeek-R1-GGUF`` before its files arrived)."""
    library = (evidence.library or "").strip().lower()
    if not library or library in _QUANT_LIBRARIES:
        return False
    return not any(str(t).lower() in _QUANT_LIBRARIES or str(t).lower() == "gguf" for t in evidence.tags)


def declared_relation(values: Iterable[str | None]) -> str | None:
    """The first valid relation among declarations, strongest source first."""
    for value in values:
        if isinstance(value, str) and value.strip().lower() in RELATIONS:
            return value.strip().lower()
    return None
