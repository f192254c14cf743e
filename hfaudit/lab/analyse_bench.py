"""The ``analyse`` part of ``make bench``: each analyser's wall time and peak RSS at several store sizes.

    python -m hfaudit.lab.bench --only analyse --analyse-sizes 10000,100000 --out reports/bench

For each size a store is synthesised (``hfaudit.lab.synth``: the generator's 2,000-model draw copied
under new owners up to N), then every analyser runs in its own subprocess, in pipeline order, on
``--jobs`` and ``--memory``; the process tree's RSS (the step and its worker processes, summed) is
sampled every 0.1 s with psutil. Printed per analyser: wall seconds, CPU seconds (user + system of
the tree) and peak RSS; per size the total; between sizes the scaling exponent
``log(t2 / t1) / log(n2 / n1)`` (1 is linear). ``--analyse-steps naming,semver`` runs only the
steps named (in pipeline order; name the steps a step reads too: ``semver`` reads ``naming``'s
``version_series``). The code before the rewrite (``--before``, a commit,
default 745561d) runs the same steps on the ``--before-size`` store (default 100k) in the same run,
from a ``git worktree`` of that commit. Each step pays about half a second of interpreter start.
Results go to ``<out>/analyse.json`` and ``analyse.md``.
"""

from __future__ import annotations

import json
import math
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil

STEPS = ["weight_file_changes", "naming", "lineage", "releases", "semver", "audits"]
BEFORE = "745561d"

# Runs one step of the pipeline with the code on sys.path (the current tree or a worktree of the
# code before); memory and jobs only when that code has them.
_STEP = """
import sys, inspect
from hfaudit.analyse import ANALYSERS, run_steps
from hfaudit.audit.pipeline import _audits
steps = dict([*ANALYSERS, ("audits", _audits)])
name, db, memory, jobs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
kw = {"memory": memory, "jobs": jobs} if "jobs" in inspect.signature(run_steps).parameters else {}
for line in run_steps(db, [(name, steps[name])], **kw):
    print(line)
"""


def _tree(proc: psutil.Process) -> list[psutil.Process]:
    try:
        return [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return [proc]


def measured(
    cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None, cap_mb: int | None = None
) -> dict[str, Any]:
    """Run ``cmd``: wall seconds, CPU seconds and peak RSS (MB) of its process tree, last output line.
    Above ``cap_mb`` of RSS (``$HFAUDIT_BENCH_RSS_CAP_MB``) the tree is stopped and the step says so."""
    cap_mb = cap_mb or int(os.environ.get("HFAUDIT_BENCH_RSS_CAP_MB", "0") or 0) or None
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    root = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        rss = 0
        for p in _tree(root):
            try:
                rss += p.memory_info().rss
            except psutil.Error:
                continue
        peak = max(peak, rss)
        if cap_mb and rss > cap_mb * 2**20:
            for p in reversed(_tree(root)):
                try:
                    p.kill()
                except psutil.Error:
                    pass
            proc.wait()
            return {"seconds": round(time.monotonic() - started, 2), "cpu_seconds": None,
                    "peak_rss_mb": round(peak / 2**20, 1), "line": f"stopped: RSS above {cap_mb} MB"}
        time.sleep(0.1)
    out, err = proc.communicate()
    seconds = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the step and the workers it waited for
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    if proc.returncode != 0:
        raise SystemExit(f"bench: {cmd[-4] if len(cmd) > 4 else cmd} failed: {(err or out).strip().splitlines()[-1:]}")
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "peak_rss_mb": round(peak / 2**20, 1),
        "line": (out.strip().splitlines() or [""])[-1],
    }


def before_tree(commit: str, work: Path) -> Path:
    """A worktree of the code at ``commit`` (with this install's compiled name parser when that
    parser's source is the same)."""
    tree = work / f"code-{commit}"
    if not (tree / "hfaudit").exists():
        subprocess.run(["git", "worktree", "add", "--force", "--detach", str(tree), commit], check=True, capture_output=True)
    here = Path(__file__).resolve().parents[1] / "analyse" / "naming"
    there = tree / "hfaudit" / "analyse" / "naming"
    if (here / "parser.py").read_bytes() == (there / "parser.py").read_bytes():
        for so in here.glob("_cparser*.so"):
            shutil.copy2(so, there / so.name)
    return tree


def run_steps_measured(
    db: Path, code: Path | None, memory: str, jobs: int, only: list[str] | None = None
) -> dict[str, Any]:
    env = {**os.environ}
    if code is not None:
        env["PYTHONPATH"] = str(code)
    steps = {}
    for name in [s for s in STEPS if only is None or s in only]:
        steps[name] = measured([sys.executable, "-c", _STEP, name, str(db), memory, str(jobs)], env=env, cwd=code)
        if steps[name]["line"].startswith("stopped"):
            print(f"bench analyse: {db.name} {name}: {steps[name]['line']}; later steps skipped", flush=True)
            break
        print(
            f"bench analyse: {db.name} {'before' if code else 'now'} {name}: {steps[name]['seconds']} s, "
            f"cpu {steps[name]['cpu_seconds']} s, peak {steps[name]['peak_rss_mb']} MB",
            flush=True,
        )
    total = {
        "seconds": round(sum(s["seconds"] for s in steps.values()), 2),
        "cpu_seconds": round(sum(s["cpu_seconds"] or 0 for s in steps.values()), 2),
        "peak_rss_mb": max(s["peak_rss_mb"] for s in steps.values()),
    }
    return {"steps": steps, "total": total}


def exponent(n1: int, t1: float, n2: int, t2: float) -> float | None:
    if min(n1, n2, t1, t2) <= 0 or n1 == n2:
        return None
    return round(math.log(t2 / t1) / math.log(n2 / n1), 2)


def memory_for(models: int) -> str:
    """``--memory auto``: hfaudit's default up to 100k models (the issue's 100k check is the default
    command), 3GB beyond (more memory, fewer ranges of the weight-events query; the 1M target is a
    4 GB peak, and DuckDB's limit leaves room for Python)."""
    from hfaudit.analyse import DEFAULT_MEMORY

    return DEFAULT_MEMORY if models <= 100_000 else "3GB"


def analyse_bench(
    out: Path,
    sizes: list[int],
    seed: int = 7,
    memory: str = "auto",
    jobs: int | None = None,
    before: str | None = BEFORE,
    before_size: int = 100_000,
    only: list[str] | None = None,
) -> dict[str, Any]:
    from hfaudit.analyse.batches import default_jobs
    from hfaudit.lab.synth import synthesise

    jobs = jobs or default_jobs()
    out.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"seed": seed, "memory": memory, "jobs": jobs, "sizes": {}}
    for n in sizes:
        db = out / f"synth-{n}.duckdb"
        size_memory = memory_for(n) if memory == "auto" else memory
        counts = synthesise(db, n, seed, cache=out / "cache")
        print(f"bench analyse: synthesised {n} models, {counts['commits']} commits, {counts['file_changes']} file changes", flush=True)
        entry: dict[str, Any] = {"counts": {k: counts[k] for k in ("models", "commits", "file_changes")}, "memory": size_memory}
        if before and n == before_size:
            # The code before first, on a fresh copy (it replaces the same tables).
            copy = out / f"synth-{n}-before.duckdb"
            shutil.copy2(db, copy)
            entry["before"] = run_steps_measured(copy, before_tree(before, out), size_memory, jobs, only)
            copy.unlink()
        entry["now"] = run_steps_measured(db, None, size_memory, jobs, only)
        result["sizes"][str(n)] = entry
        db.unlink()
        for extra in (out / f"synth-{n}.duckdb.wal", out / f"synth-{n}.duckdb.tmp"):
            shutil.rmtree(extra, ignore_errors=True) if extra.is_dir() else extra.unlink(missing_ok=True)
    ns = sorted(int(k) for k in result["sizes"])
    result["exponents"] = {}
    for a, b in zip(ns, ns[1:], strict=False):
        ta, tb = result["sizes"][str(a)]["now"], result["sizes"][str(b)]["now"]
        per = {
            s: exponent(a, ta["steps"][s]["seconds"], b, tb["steps"][s]["seconds"])
            for s in STEPS
            if s in ta["steps"] and s in tb["steps"]
        }
        per["total"] = exponent(a, ta["total"]["seconds"], b, tb["total"]["seconds"])
        result["exponents"][f"{a}->{b}"] = per
    (out / "analyse.json").write_text(json.dumps(result, indent=2, sort_keys=True))
    text = render(result)
    (out / "analyse.md").write_text(text)
    print(text)
    return result


def render(result: dict[str, Any]) -> str:
    lines = [
        f"# analyse bench (seed {result['seed']}, --jobs {result['jobs']}, --memory {result['memory']})",
        "",
        "| store | code | " + " | ".join(STEPS) + " | total wall | total cpu | peak RSS |",
        "|---|---|" + "---|" * (len(STEPS) + 3),
    ]
    for n, entry in sorted(result["sizes"].items(), key=lambda kv: int(kv[0])):
        for code in ("before", "now"):
            if code not in entry:
                continue
            r = entry[code]
            cells = [
                f"{r['steps'][s]['seconds']} s / {r['steps'][s]['peak_rss_mb']:.0f} MB" if s in r["steps"] else "not run"
                for s in STEPS
            ]
            lines.append(
                f"| {int(n):,} models ({entry['counts']['commits']:,} commits, --memory {entry.get('memory', result['memory'])}) | {code} | "
                + " | ".join(cells)
                + f" | {r['total']['seconds']} s | {r['total']['cpu_seconds']} s | {r['total']['peak_rss_mb']:.0f} MB |"
            )
    for pair, per in result.get("exponents", {}).items():
        lines.append("")
        lines.append(f"scaling exponent {pair}: " + ", ".join(f"{k} {v}" for k, v in per.items()))
    return "\n".join(lines) + "\n"
