"""The study's own weight-file and transparency measures, computed as the study computed them.

Ajibode et al. (``docs/paper.md`` §4.3, §5.3, §6.3) classified every changed file by the regex
``(\\.\\w+)$`` on its path into five categories with explicit extension lists, counted *file-change
events* (one per file and commit touching it), and took "weight files changed at least twice" from
files with two or more such commits. These functions reproduce that from any counts: the study's
own CSVs, or a crawl (``study_measures`` in :mod:`hfaudit.analyse.releases.measures`). hfaudit's own
measures (``files.is_weight``, in-place replacements by LFS sha256) are computed beside these,
never instead of them.
"""

from __future__ import annotations

import csv
import functools
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from hfaudit.errors import HfauditError

# §4.3, verbatim from the study's notebook.
PAPER_CATEGORIES: dict[str, tuple[str, ...]] = {
    "Code": (".py", ".ipynb", ".sh", ".codes", ".cpp", ".cu", ".so", ".bsh"),
    "Data & Configuration": (
        ".json", ".gitattributes", ".yml", ".gitignore", ".spm", ".weight", ".pkl", ".gguf", ".jsonl",
        ".wandb", ".yaml", ".npy", ".onnx_data", ".pickle", ".arrow", ".tsv", ".parquet", ".xml", ".db",
        ".fasta", ".npz", ".joblib", ".css", ".dat", ".toml", ".conf", ".config", ".ini", ".cfg",
    ),
    "Documentation": (".md", ".txt", ".csv", ".pdf", ".text", ".vocab", ".MD", ".xlsx", ".pbtxt", ".docx"),
    "Model Files": (
        ".safetensors", ".bin", ".pt", ".model", ".pth", ".onnx", ".torch", ".meta", ".tflite", ".mlmodel",
        ".ckpt", ".mdl", ".pb", ".safetensor", ".safetensorsx", ".safe_tensors", ".safetensorss",
    ),
}
PAPER_CATEGORY_ORDER = ("Model Files", "Data & Configuration", "Other", "Documentation", "Code")
_BY_EXTENSION = {ext: cat for cat, exts in PAPER_CATEGORIES.items() for ext in exts}
# §4.3: the study's normalisation of weight extensions before its 11-extension table.
WEIGHT_EXTENSION_ALIASES = {
    ".safe_tensors": ".safetensors",
    ".safetensor": ".safetensors",
    ".safetensorss": ".safetensors",
    ".safetensorsx": ".safetensors",
    ".torch": ".pt",
    ".pth": ".pt",
}
# The extensions of dataset_folder/model_weight_file_changed.csv (weight files changed ≥ 2 times).
PAPER_REPEAT_EXTENSIONS = (".safetensors", ".bin", ".pt", ".pth", ".h5", ".safetensorsx", ".safetensor")
_EXTENSION = re.compile(r"(\.\w+)$")

# The study's published figures, printed beside every recomputation.
STUDY = {
    "file_changes": 1_282_874,
    "weight_file_changes": 524_419,
    "weight_share_pct": 40.88,
    "weight_share_reported_pct": 40.87,
    "repeat_weight_files": 30_784,
    "repeat_weight_models": 16_271,
    "card_present_pct": 67.0,
    "datasets_declared_pct": 24.0,
    "datasets_declared_notebook_pct": 15.7,
}


@functools.lru_cache(maxsize=65536)  # pure; paths repeat across models
def extension(path: str) -> str | None:
    """The study's extension: ``(\\.\\w+)$`` on the path (``.0`` for shard suffixes; None if none)."""
    match = _EXTENSION.search(path)
    return match.group(1) if match else None


@functools.lru_cache(maxsize=65536)  # pure; paths repeat across models
def paper_category(path_or_extension: str) -> str:
    """The study's category of a path (or of an extension that starts with a dot)."""
    ext = path_or_extension if _EXTENSION.fullmatch(path_or_extension) else extension(path_or_extension)
    return _BY_EXTENSION.get(ext or "", "Other")


def paper_weight_extension(ext: str) -> str:
    """The study's normalised weight extension (``.pth`` → ``.pt``, ``.safetensor`` → ``.safetensors``)."""
    return WEIGHT_EXTENSION_ALIASES.get(ext, ext)


@dataclass(frozen=True)
class CategoryShare:
    category: str
    changes: int
    share_pct: float


def category_shares(counts: Iterable[tuple[str, int]]) -> list[CategoryShare]:
    """Change events per study category from ``(extension or path, changes)`` pairs, largest first."""
    totals: Counter[str] = Counter()
    for key, n in counts:
        totals[paper_category(key)] += int(n)
    total = sum(totals.values())
    return sorted(
        (CategoryShare(cat, totals[cat], round(100 * totals[cat] / total, 2) if total else 0.0) for cat in PAPER_CATEGORY_ORDER),
        key=lambda s: (-s.changes, s.category),
    )


def weight_extension_counts(counts: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Change events per normalised weight extension (the study's 11-extension table)."""
    out: Counter[str] = Counter()
    for key, n in counts:
        ext = key if _EXTENSION.fullmatch(key) else extension(key)
        if ext and paper_category(ext) == "Model Files":
            out[paper_weight_extension(ext)] += int(n)
    return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))


@dataclass(frozen=True)
class RepeatWeightFiles:
    files: int
    models: int
    changes: int
    max_changes: int
    by_extension: dict[str, int]


def repeat_weight_files(rows: Iterable[tuple[str, str, int]]) -> RepeatWeightFiles:
    """Weight files committed at least twice, from ``(model, path, commits touching it)`` rows,
    restricted as the study's ``model_weight_file_changed.csv`` was (its five weight extensions)."""
    files, models, changes, top = 0, set(), 0, 0
    by_ext: Counter[str] = Counter()
    for model, path, n in rows:
        ext = extension(path) or ""
        if int(n) < 2 or ext not in PAPER_REPEAT_EXTENSIONS:
            continue
        files += 1
        models.add(model)
        changes += int(n)
        top = max(top, int(n))
        by_ext[ext] += 1
    return RepeatWeightFiles(files, len(models), changes, top, dict(sorted(by_ext.items(), key=lambda kv: -kv[1])))


# ---------------------------------------------------------------------------- the study's CSV files


def _read(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    if not path.is_file():
        raise HfauditError(f"file not found: {path}", code=2)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise HfauditError(f"{path} lacks column(s) {', '.join(missing)}", code=2)
        return list(reader)


def read_extension_table(path: str | Path) -> list[tuple[str, int]]:
    """``RQ1_results/file_extension_and_frequencies.csv`` as (extension, change events)."""
    rows = _read(Path(path), ("file_extension", "changed_frequency"))
    return [(r["file_extension"], int(r["changed_frequency"])) for r in rows]


def read_weight_file_table(path: str | Path) -> list[tuple[str, str, int]]:
    """``dataset_folder/model_weight_file_changed.csv`` as (owner/model, file, commits)."""
    rows = _read(Path(path), ("owner", "model_name", "file_changed", "changed_frequency"))
    return [(f"{r['owner']}/{r['model_name']}", r["file_changed"], int(r["changed_frequency"])) for r in rows]


def study_csv_measures(extensions: str | Path | None, weight_files: str | Path | None) -> dict[str, object]:
    """Paper mode applied to the study's own count tables (either may be omitted)."""
    out: dict[str, object] = {}
    if extensions is not None:
        counts = read_extension_table(extensions)
        shares = category_shares(counts)
        out["categories"] = [s.__dict__ for s in shares]
        out["file_changes"] = sum(s.changes for s in shares)
        out["weight_extensions"] = weight_extension_counts(counts)
    if weight_files is not None:
        out["repeat_weight_files"] = repeat_weight_files(read_weight_file_table(weight_files)).__dict__
    return out


def shares_by_category(shares: Iterable[CategoryShare]) -> Mapping[str, CategoryShare]:
    return {s.category: s for s in shares}
