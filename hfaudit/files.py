"""What a repository path is: weights, card, config, tokenizer, adapter, code, docs or other.

The crawler tags every file change with a category so analysers and SQL audits need not re-derive
it, and the crawler knows which small text files to download (their contents feed lineage and
semver checks).
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

WEIGHT_SUFFIXES = (
    ".safetensors",
    ".bin",
    ".pt",
    ".pth",
    ".ckpt",
    ".h5",
    ".msgpack",
    ".onnx",
    ".onnx_data",
    ".gguf",
    ".ggml",
    ".tflite",
    ".mlmodel",
    ".pb",
    ".keras",
    ".npz",
    ".nemo",
    ".joblib",
    ".pkl",
    ".model",
)
# .bin files that are not weights
_NOT_WEIGHTS = re.compile(r"(^|/)(training_args|optimizer|scheduler|rng_state[^/]*)\.(bin|pt|pth)$")
_MLMODEL_DIR = re.compile(r"\.mlpackage/")
TOKENIZER_FILES = {
    "tokenizer.json",
    "tokenizer_config.json",
    "vocab.json",
    "vocab.txt",
    "merges.txt",
    "special_tokens_map.json",
    "added_tokens.json",
    "tokenizer.model",
    "spiece.model",
    "sentencepiece.bpe.model",
}
CONFIG_FILES = {"config.json", "generation_config.json", "preprocessor_config.json", "model_index.json"}
ADAPTER_FILES = {"adapter_config.json"}
MERGE_FILES = {"mergekit_config.yml", "merge_config.yml", "mergekit_config.yaml"}
CODE_SUFFIXES = (".py", ".ipynb", ".sh", ".js", ".cpp", ".c", ".h")
DOC_SUFFIXES = (".md", ".txt", ".rst", ".pdf", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp")

# Small text files whose contents the crawler keeps at every commit that changed them.
TRACKED_CONTENT = {"README.md", "config.json", "adapter_config.json", "tokenizer_config.json", "generation_config.json"}
TRACKED_CONTENT_MAX_BYTES = 1_000_000


def category(path: str) -> str:
    """One of: readme, weights, adapter, config, tokenizer, merge_config, code, docs, git, other."""
    name = PurePosixPath(path).name
    lower = name.lower()
    if path == "README.md":
        return "readme"
    if lower in ADAPTER_FILES:
        return "adapter"
    if lower in TOKENIZER_FILES:
        return "tokenizer"
    if lower in CONFIG_FILES:
        return "config"
    if lower in MERGE_FILES:
        return "merge_config"
    if lower.startswith(".git"):
        return "git"
    if is_weight(path):
        return "weights"
    if lower.endswith(CODE_SUFFIXES):
        return "code"
    if lower.endswith(DOC_SUFFIXES):
        return "docs"
    return "other"


def is_weight(path: str) -> bool:
    lower = path.lower()
    if _NOT_WEIGHTS.search(lower):
        return False
    if _MLMODEL_DIR.search(lower):
        return True
    name = PurePosixPath(lower).name
    if name in TOKENIZER_FILES:
        return False
    return name.endswith(WEIGHT_SUFFIXES)


def content_tracked(path: str, size: int | None) -> bool:
    """Whether the crawler stores this file's text: the card at any size (cut and recorded past
    ``cards.CARD_MAX_BYTES``), the small configs up to ``TRACKED_CONTENT_MAX_BYTES``."""
    if path == "README.md":
        return True
    return path in TRACKED_CONTENT and (size is None or size <= TRACKED_CONTENT_MAX_BYTES)


# The categories whose changes make a release (weights, card, configs, tokenizer, adapters).
MATTERING = frozenset({"weights", "readme", "config", "tokenizer", "adapter", "merge_config"})
