"""Benchmark of the name parser: names parsed per second, against the study's regex in the same run.

Runs over the study's 52,227 ids when ``../shared/reference`` is present, else over generated
names (seeded). Writes ``<out_dir>/naming.json``. Run: ``python -m hfaudit.naming.bench --out reports/bench``.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import random
import time
from pathlib import Path

from hfaudit.naming import default_vocabulary, parse_name
from hfaudit.naming.paper import paper_variant, paper_version

REFERENCE = Path("../shared/reference/paper-replication/RQ2_result/all_NLP_with_quantization.csv")


def generated_names(n: int = 50_000, seed: int = 7) -> list[str]:
    """Plausible ids built from a few parts, for when the reference list is absent."""
    rng = random.Random(seed)
    owners = ["TheBloke", "alice", "org-ai", "mradermacher", "bob42", "nlp-lab"]
    bases = ["Llama-2", "Mistral", "bert-base-uncased", "gpt2", "Qwen1.5", "phi-2", "t5-small", "MyModel"]
    tails = ["7B", "13b", "Instruct", "chat", "finetuned-ner", "v2", "v0.1", "GPTQ", "Q4_K_M-GGUF", "sft", "dpo", "en"]
    out = []
    for _ in range(n):
        parts = [rng.choice(bases)] + rng.sample(tails, rng.randint(0, 4))
        out.append(f"{rng.choice(owners)}/{'-'.join(parts)}")
    return out


def load_ids(reference: Path = REFERENCE) -> tuple[list[str], str]:
    if reference.is_file():
        with reference.open(encoding="utf-8") as f:
            return [row["model_name"] for row in csv.DictReader(f)], str(reference)
    return generated_names(), "generated"


def _rate(fn, ids: list[str], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for m in ids:
            fn(m)
        best = min(best, time.perf_counter() - t0)
    return len(ids) / best if best > 0 else float("inf")


def run_bench(out_dir: Path) -> dict[str, object]:
    """Measure names/second of ``parse_name`` and of the paper's regex and keywords; write naming.json."""
    ids, source = load_ids()
    vocab = default_vocabulary()
    parse_name(ids[0], vocab)  # load the vocabulary outside the timing
    parser = _rate(lambda m: parse_name(m, vocab), ids)
    regex = _rate(paper_version, ids)
    paper = _rate(lambda m: (paper_version(m), paper_variant(m)), ids)
    result: dict[str, object] = {
        "source": source,
        "names": len(ids),
        "parse_name_per_second": round(parser),
        "paper_regex_per_second": round(regex),
        "paper_regex_and_keywords_per_second": round(paper),
        "regex_over_parser": round(regex / parser, 2),
        "target_per_second": 50_000,
        "meets_target": parser >= 50_000,
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "naming.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(
        f"naming: parse_name {parser:,.0f} names/s; paper regex {regex:,.0f} names/s "
        f"({regex / parser:.1f}x faster); regex+keywords {paper:,.0f} names/s; {len(ids):,} names from {source}"
    )
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=Path("reports/bench"))
    run_bench(ap.parse_args().out)


if __name__ == "__main__":
    main()
