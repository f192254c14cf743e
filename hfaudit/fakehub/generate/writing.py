"""The entry points: ``generate`` in memory, ``write_registry`` and ``write_evolved`` to files, with the
truth and change-record paths beside a registry file."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hfaudit.fakehub.generate.evolve import evolve_with_changes
from hfaudit.fakehub.generate.histories import _build
from hfaudit.fakehub.generate.planning import Planner
from hfaudit.fakehub.registry import derive_all, remap, write_models


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
