"""`make bench`: the benchmarks, each printed as ratios against a baseline measured in the same run.

- naming: names parsed per second against the study's regex (``hfaudit.lab.naming_bench``);
- crawl: hfaudit against the naive crawler a user would write with ``HfApi`` (list the models, then
  per model ``model_info``, ``list_repo_commits`` and ``list_repo_tree`` at every commit), on one
  generated registry served by the fake Hub with 50 ms of latency per request; then an incremental
  re-crawl of the unchanged registry, one after ``fakehub generate --evolve``, and a crawl under a
  quota that binds.

Request counts come from the fake Hub's ``/_fakehub/stats``; wall time and peak RSS from the crawl
subprocesses (``os.wait4``). The naive crawler is sequential, as such scripts are, so it runs on a
seeded sample of the registry and its per-model figures are scaled to the whole; the exact number of
calls it would make on the whole registry is also computed from the registry and printed beside the
scaled figure, as a check on the sample. Beside them, the lower bound of ``hfaudit.lab.callbound`` on
the calls any crawler needs for the same changes (``call_lower_bound``). Results go to
``reports/bench/crawl.json`` and ``crawl.md``.
- history: ``hfaudit crawl --history git`` (with ``--git-cache``) against ``--history api`` and the
  naive crawler on one registry in the same run: requests by bucket (api, resolvers, git), bytes
  answered (the fake Hub's ``bytes``), wall time, peak RSS, disk (store and cache); the
  partial-clone filters on registries of at most 1,000 models; a re-crawl after ``--evolve``
  (``history.json``).
- check: the issue's check, a new 300-model registry at 20 ms with default options against the
  naive crawler on all of it (``check.json``).
- analyse: each analyser's wall time and peak RSS on synthesised stores of 10k and 100k models, the
  scaling exponent, and the code before the set-work rewrite on the 100k store
  (``hfaudit.lab.analyse_bench``; alone: ``python -m hfaudit.lab.bench --only analyse``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

import psutil

from hfaudit.fakehub.generate import write_evolved, write_registry
from hfaudit.fakehub.registry import Registry
from hfaudit.fakehub.server import served
from hfaudit.lab.callbound import api_call_lower_bound, naive_calls


def _stats(url: str, reset: bool = False) -> dict[str, Any]:
    if reset:
        urlopen(Request(f"{url}/_fakehub/stats/reset", method="POST"), timeout=30).read()
        return {}
    with urlopen(f"{url}/_fakehub/stats", timeout=30) as response:
        stats: dict[str, Any] = json.loads(response.read())
        return stats


def _popen_measured(cmd: list[str]) -> dict[str, Any]:
    """Run a command; its wall time and peak RSS, sampled every 0.1 s with psutil.

    (``wait4``'s ``ru_maxrss`` is useless here: on Linux a child starts with its parent's
    high-water mark, and this process holds the whole registry.)"""
    env = {**os.environ, "HF_HUB_DISABLE_XET": "1", "HF_HUB_DISABLE_TELEMETRY": "1"}
    server = _server_cpu()
    started = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    watched = psutil.Process(proc.pid)
    peak = 0
    cpu = None
    while proc.poll() is None:
        try:
            peak = max(peak, watched.memory_info().rss)
            cpu = watched.cpu_times()
        except psutil.Error:
            break
        time.sleep(0.1)
    out_b, err_b = proc.communicate()
    seconds = time.monotonic() - started
    # CPU seconds (user + system): the command itself (last sample, 0.1 s before it ended), its
    # children (git processes, waited for by it), and the fake Hub serving it (with its http-backends).
    own = round(cpu.user + cpu.system, 1) if cpu else None
    children = round(cpu.children_user + cpu.children_system, 1) if cpu else None
    served_cpu = _server_cpu()
    fakehub = {k: round(served_cpu[k] - server[k], 1) for k in server} if server and served_cpu else None
    out, err = out_b.decode(), err_b.decode()
    if proc.returncode not in (0, 3):  # 3: partial, the gated and disabled models a crawl cannot store
        raise SystemExit(f"bench: {' '.join(cmd[2:5])} failed: {(err or out).strip().splitlines()[-1:]}")
    return {"seconds": round(seconds, 2), "peak_rss_mb": round(peak / 2**20, 1), "last_line": out.strip().splitlines()[-1:],
            "cpu_s": {"self": own, "children": children, "fakehub": fakehub, "load_1m": round(os.getloadavg()[0], 1)}}


def _server_cpu() -> dict[str, float] | None:
    """CPU seconds of the fake Hub this bench serves (``served``: a child running ``fakehub serve``):
    its own Python and its finished children (``git http-backend`` and what that starts)."""
    for child in psutil.Process().children():
        try:
            if "fakehub" in child.cmdline() and "serve" in child.cmdline():
                t = child.cpu_times()
                return {"self": t.user + t.system, "children": t.children_user + t.children_system}
        except psutil.Error:
            continue
    return None


def change_counts(changes: dict[str, Any]) -> dict[str, Any]:
    """``fakehub generate --evolve``'s change record, summarised: how many repos each kind of change
    touched (lists and maps of ids become their length), the squashed repo by id, other values as they are."""
    out: dict[str, Any] = {}
    for key, value in changes.items():
        if key == "squashed" and isinstance(value, dict):
            out[key] = value.get("id")
        elif isinstance(value, list | dict):
            out[key] = len(value)
        else:
            out[key] = value
    return out


def crawl_bench(out: Path, models: int, seed: int, latency_ms: int, sample: int, concurrency: int) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    registry_path = out / "bench-registry.jsonl"
    evolved_path = out / "bench-registry-evolved.jsonl"
    db = out / "bench.duckdb"
    for stale in (db, db.with_name(db.name + ".wal")):
        stale.unlink(missing_ok=True)
    write_registry(registry_path, models=models, seed=seed)
    write_evolved(registry_path, evolved_path, seed + 1)
    registry = Registry.load(registry_path)
    public = sorted(m.id for m in registry if not m.raw.get("private"))
    rng = random.Random(seed)
    sample_ids = sorted(rng.sample(public, min(sample, len(public))))
    sample_file = out / "bench-sample.txt"
    sample_file.write_text("\n".join(sample_ids) + "\n")
    py = sys.executable
    result: dict[str, Any] = {"models": models, "public_models": len(public), "seed": seed, "latency_ms": latency_ms,
                              "concurrency": concurrency, "naive_sample": len(sample_ids)}
    # The fewest calls any crawler could make for the same changes (hfaudit.lab.callbound), from the registry.
    result["call_lower_bound"] = api_call_lower_bound(m.raw for m in registry)
    crawl_cmd = [py, "-m", "hfaudit", "crawl", "--db", str(db), "--quiet", "--no-analyse", "--concurrency", str(concurrency)]
    with served(registry_path, "--latency-ms", str(latency_ms)) as url:
        print(f"bench: serving {models} models at {url} with {latency_ms} ms latency", flush=True)
        # hfaudit, first crawl of the whole registry.
        _stats(url, reset=True)
        run = _popen_measured([*crawl_cmd, "--endpoint", url])
        stats = _stats(url)
        result["hfaudit"] = {**run, "requests": stats["total"], "api": stats["buckets"]["api"],
                             "resolvers": stats["buckets"]["resolvers"], "status_429": stats["status"].get("429", 0),
                             "routes": stats["routes"]}
        print(f"bench: hfaudit crawled in {run['seconds']} s with {stats['total']} requests", flush=True)
        # Incremental re-crawl of the unchanged registry.
        _stats(url, reset=True)
        run = _popen_measured([*crawl_cmd, "--endpoint", url])
        stats = _stats(url)
        result["incremental_unchanged"] = {**run, "requests": stats["total"], "routes": stats["routes"],
                                           "budget": math.ceil(len(public) / 1000) + 5}
        print(f"bench: unchanged re-crawl: {stats['total']} requests", flush=True)
        # The naive baseline, sequential, on a sample.
        _stats(url, reset=True)
        run = _popen_measured([py, "-m", "hfaudit.lab.naive", "--endpoint", url, "--models-file", str(sample_file)])
        stats = _stats(url)
        per_model_calls = stats["total"] / len(sample_ids)
        per_model_seconds = run["seconds"] / len(sample_ids)
        predicted_sample = naive_calls(registry, sample_ids) + math.ceil(len(public) / 1000)
        result["naive"] = {
            **run, "requests_sample": stats["total"], "predicted_requests_sample": predicted_sample,
            "requests_scaled": round(per_model_calls * len(public)), "requests_exact": naive_calls(registry),
            "seconds_scaled": round(per_model_seconds * len(public), 1), "status_429": stats["status"].get("429", 0),
            "routes": stats["routes"],
        }
        print(f"bench: naive on {len(sample_ids)} models: {stats['total']} requests in {run['seconds']} s", flush=True)
    with served(evolved_path, "--latency-ms", str(latency_ms)) as url:
        _stats(url, reset=True)
        run = _popen_measured([*crawl_cmd, "--endpoint", url])
        stats = _stats(url)
        changes = json.loads((out / "bench-registry-evolved.changes.json").read_text()) if (out / "bench-registry-evolved.changes.json").exists() else {}
        result["incremental_evolved"] = {**run, "requests": stats["total"], "routes": stats["routes"],
                                         "registry_changes": change_counts(changes)}
        print(f"bench: evolved re-crawl: {stats['total']} requests in {run['seconds']} s", flush=True)
    result["quota"] = quota_bench(out, seed)
    result["change_modes"] = modes_bench(out, seed)
    h, n = result["hfaudit"], result["naive"]
    result["ratios"] = {
        "api_calls_hfaudit_over_naive": round(h["api"] / n["requests_exact"], 3),
        "all_calls_hfaudit_over_naive": round(h["requests"] / n["requests_exact"], 3),
        "speedup_naive_over_hfaudit": round(n["seconds_scaled"] / h["seconds"], 2),
        "peak_rss_hfaudit_over_naive": round(h["peak_rss_mb"] / n["peak_rss_mb"], 2),
    }
    return result


def quota_bench(out: Path, seed: int, models: int = 300, quota: int = 300, window: int = 10) -> dict[str, Any]:
    """A crawl under an api quota that binds: calls per second against the quota's rate."""
    path = out / "bench-quota-registry.jsonl"
    db = out / "bench-quota.duckdb"
    for stale in (db, db.with_name(db.name + ".wal")):
        stale.unlink(missing_ok=True)
    write_registry(path, models=models, seed=seed + 7)
    py = sys.executable
    with served(path, "--quota", f"api={quota}/{window}") as url:
        _stats(url, reset=True)
        run = _popen_measured([py, "-m", "hfaudit", "crawl", "--db", str(db), "--quiet", "--no-analyse", "--endpoint", url])
        stats = _stats(url)
    rate = stats["buckets"]["api"] / run["seconds"]
    allowed = quota / window
    windows = math.ceil(run["seconds"] / window)
    return {**run, "quota": f"api={quota}/{window}", "api_calls": stats["buckets"]["api"], "status_429": stats["status"].get("429", 0),
            "windows": windows, "calls_per_second": round(rate, 2), "quota_per_second": allowed,
            "utilisation": round(rate / allowed, 3)}


def modes_bench(out: Path, seed: int, models: int = 300) -> dict[str, Any]:
    """Tree calls of ``--changes all`` against ``--changes matter`` on a generated registry and, when
    the reference data is present, on the real git histories (docs/crawler.md)."""
    from hfaudit.fakehub.import_git import write_import

    registries = {"generated": out / "bench-modes-registry.jsonl"}
    write_registry(registries["generated"], models=models, seed=seed + 3)
    real = Path(__file__).resolve().parent.parent.parent / "shared" / "reference" / "real-data" / "hf-repo-git-histories"
    if real.is_dir():
        registries["real_git_histories"] = out / "bench-modes-git.jsonl"
        write_import(real, registries["real_git_histories"])
    py = sys.executable
    result: dict[str, Any] = {}
    for name, path in registries.items():
        result[name] = {}
        for mode in ("all", "matter"):
            db = out / f"bench-modes-{name}-{mode}.duckdb"
            for stale in (db, db.with_name(db.name + ".wal")):
                stale.unlink(missing_ok=True)
            with served(path) as url:
                _popen_measured([py, "-m", "hfaudit", "crawl", "--db", str(db), "--quiet", "--no-analyse",
                                 "--changes", mode, "--endpoint", url])
                stats = _stats(url)
            result[name][mode] = {"tree_calls": stats["routes"].get("tree", 0), "commit_calls": stats["routes"].get("commits", 0)}
    return result


def _disk(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0


def _fresh(*paths: Path) -> None:
    for path in paths:
        for stale in (path, path.with_name(path.name + ".wal")):
            if stale.is_dir():
                import shutil

                shutil.rmtree(stale)
            else:
                stale.unlink(missing_ok=True)


def _measured_crawl(url: str, cmd: list[str], db: Path, cache: Path | None = None) -> dict[str, Any]:
    _stats(url, reset=True)
    run = _popen_measured([*cmd, "--db", str(db), "--endpoint", url])
    stats = _stats(url)
    return {**run, "requests": stats["total"], **{b: stats["buckets"].get(b, 0) for b in ("api", "resolvers", "git")},
            "bytes": sum(stats.get("bytes", {}).values()), "bytes_by_bucket": stats.get("bytes", {}),
            "status_429": stats["status"].get("429", 0), "disk_db": _disk(db), "disk_cache": _disk(cache) if cache else 0}


def history_bench(out: Path, models: int, seed: int, latency_ms: int, sample: int, concurrency: int,
                  filters: tuple[str, ...] = ("blob:none", "blob:limit=64k"), api_sample: int | None = None) -> dict[str, Any]:  # fmt: skip
    """hfaudit --history git against --history api and the naive crawler, same registry, same run.

    ``--history git`` runs with default options (the in-process client). Also, on registries of at
    most 1,000 models: the git CLI with ``--git-cache`` (whose disk per model is reported), the
    partial-clone filters measured against none. Then an incremental re-crawl after ``--evolve``
    (with the cache when it was built). ``api_sample``: crawl ``--history api`` on that many sampled
    models only (``--models-file``, one ``model_info`` each instead of the listing) and scale."""
    out.mkdir(parents=True, exist_ok=True)
    registry_path = out / f"history-registry-{models}.jsonl"
    evolved_path = out / f"history-registry-{models}-evolved.jsonl"
    write_registry(registry_path, models=models, seed=seed)
    write_evolved(registry_path, evolved_path, seed + 1)
    registry = Registry.load(registry_path)
    public = sorted(m.id for m in registry if not m.raw.get("private"))
    sample_ids = sorted(random.Random(seed).sample(public, min(sample, len(public))))
    sample_file = out / "history-sample.txt"
    sample_file.write_text("\n".join(sample_ids) + "\n")
    py = sys.executable
    base = [py, "-m", "hfaudit", "crawl", "--quiet", "--no-analyse", "--concurrency", str(concurrency)]
    cache = out / "history-git-cache"
    dbs = {name: out / f"history-{name}.duckdb" for name in ("git", "api", "evolved")}
    _fresh(cache, *dbs.values())
    result: dict[str, Any] = {"models": models, "public_models": len(public), "seed": seed, "latency_ms": latency_ms,
                              "concurrency": concurrency, "naive_sample": len(sample_ids),
                              "commits": sum(len(m.commits) for m in registry)}  # fmt: skip
    with served(registry_path, "--latency-ms", str(latency_ms)) as url:
        print(f"bench history: serving {models} models at {url} with {latency_ms} ms latency", flush=True)
        result["git"] = _measured_crawl(url, [*base, "--history", "git"], dbs["git"])
        print(f"bench history: git {result['git']['seconds']} s, {result['git']['requests']} requests", flush=True)
        small = models <= 1000
        if small:
            _fresh(dbs["evolved"])
            result["git_cli_cache"] = _measured_crawl(url, [*base, "--history", "git", "--git-cache", str(cache)],
                                                      dbs["evolved"], cache)  # fmt: skip
        if api_sample:
            api_ids = sorted(random.Random(seed + 1).sample(public, min(api_sample, len(public))))
            api_file = out / "history-api-sample.txt"
            api_file.write_text("\n".join(api_ids) + "\n")
            run = _measured_crawl(url, [*base, "--history", "api", "--models-file", str(api_file)], dbs["api"])
            # Scaled by commits, not models: the API backend's requests grow with commits (one tree
            # each), and commits per model are heavy-tailed, so a small sample's model share misleads.
            commits_of = {m.id: len(m.commits) for m in registry}
            factor = sum(commits_of[i] for i in public) / max(1, sum(commits_of[i] for i in api_ids))
            result["api"] = {**run, "sample": len(api_ids), "scaled": True, "scale_factor": round(factor, 2),
                             **{k: round(run[k] * factor) for k in ("requests", "api", "resolvers", "git", "bytes", "disk_db")},
                             "seconds_scaled": round(run["seconds"] * factor, 1), "seconds_sample": run["seconds"]}  # fmt: skip
        else:
            result["api"] = _measured_crawl(url, [*base, "--history", "api"], dbs["api"])
        print(f"bench history: api {result['api']['seconds']} s, {result['api']['requests']} requests", flush=True)
        _stats(url, reset=True)
        run = _popen_measured([py, "-m", "hfaudit.lab.naive", "--endpoint", url, "--models-file", str(sample_file)])
        stats = _stats(url)
        scale = len(public) / len(sample_ids)
        result["naive"] = {**run, "requests_sample": stats["total"], "requests_exact": naive_calls(registry),
                           "api": naive_calls(registry), "resolvers": 0, "git": 0,
                           "bytes_scaled": round(sum(stats.get("bytes", {}).values()) * scale),
                           "seconds_scaled": round(run["seconds"] * scale, 1), "disk_db": 0, "disk_cache": 0}  # fmt: skip
        print(f"bench history: naive {run['seconds']} s on {len(sample_ids)} models", flush=True)
        result["filters"] = {}
        # The filter comparison is a separate crawl each: measured on small registries only (it
        # would add two full git crawls to the 10,000-model bench; docs/crawler.md has the figures).
        for name in filters if small else ():
            db = out / "history-filter.duckdb"
            _fresh(db)
            result["filters"][name] = _measured_crawl(url, [*base, "--history", "git", "--git-filter", name], db)
    with served(evolved_path, "--latency-ms", str(latency_ms)) as url:
        import shutil

        if small:  # the cached store and cache: a moved head costs a fetch
            result["git_evolved"] = _measured_crawl(url, [*base, "--history", "git", "--git-cache", str(cache)],
                                                    dbs["evolved"], cache)  # fmt: skip
        else:  # in-process: a moved head costs a fresh clone (2 requests)
            shutil.copy(dbs["git"], dbs["evolved"])
            result["git_evolved"] = _measured_crawl(url, [*base, "--history", "git"], dbs["evolved"])
    if small:
        result["cache_bytes_per_model"] = round(result["git_cli_cache"]["disk_cache"] / max(1, len(public)))
    return result


def check_bench(out: Path, models: int = 300, seed: int = 12, latency_ms: int = 20) -> dict[str, Any]:
    """The issue's check: a new registry, default crawl options, against the naive crawler on all of it."""
    path = out / f"check-registry-{models}.jsonl"
    write_registry(path, models=models, seed=seed)
    db = out / "check.duckdb"
    _fresh(db)
    py = sys.executable
    with served(path, "--latency-ms", str(latency_ms)) as url:
        hf = _measured_crawl(url, [py, "-m", "hfaudit", "crawl", "--quiet", "--no-analyse"], db)
        _stats(url, reset=True)
        run = _popen_measured([py, "-m", "hfaudit.lab.naive", "--endpoint", url])
        stats = _stats(url)
    naive = {**run, "requests": stats["total"], "api": stats["buckets"]["api"]}
    return {"models": models, "seed": seed, "latency_ms": latency_ms, "hfaudit": hf, "naive": naive,
            "all_ratio": round(hf["requests"] / naive["requests"], 3), "api_ratio": round(hf["api"] / naive["api"], 3),
            "speedup": round(naive["seconds"] / hf["seconds"], 2)}  # fmt: skip


def render_history(h: dict[str, Any]) -> list[str]:
    api_name = f"hfaudit --history api (scaled from {h['api']['sample']} models by commits, x{h['api'].get('scale_factor')})" if h["api"].get("scaled") else "hfaudit --history api"
    rows = [("hfaudit --history git (in-process)", h["git"]), *([("git CLI, --git-cache", h["git_cli_cache"])] if "git_cli_cache" in h else []),
            (api_name, h["api"]), ("naive (scaled)", h["naive"])]  # fmt: skip
    lines = ["", f"## History: {h['models']} models, {h['commits']} commits, {h['latency_ms']} ms latency, "
             f"{h['concurrency']} workers (naive: sequential, {h['naive_sample']} sampled models, scaled)", "",
             "| crawler | requests | api | resolvers | git | bytes received | wall (s) | CPU s (crawler+children / fake Hub) | peak RSS (MB) | disk (MB) |",
             "|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for name, r in rows:
        requests = r.get("requests", r.get("requests_exact"))
        seconds = r.get("seconds_scaled", r["seconds"])
        data = r.get("bytes_scaled", r.get("bytes", 0))
        disk = (r.get("disk_db", 0) + r.get("disk_cache", 0)) / 2**20
        lines.append(f"| {name} | {requests} | {r['api']} | {r['resolvers']} | {r['git']} | {data / 2**20:.1f} MB | "
                     f"{seconds} | {_cpu_text(r)} | {r['peak_rss_mb']} | {disk:.1f} |")  # fmt: skip
    for name, r in h.get("filters", {}).items():
        lines.append(f"| git, `--git-filter {name}` | {r['requests']} | {r['api']} | {r['resolvers']} | {r['git']} | "
                     f"{r['bytes'] / 2**20:.1f} MB | {r['seconds']} | {_cpu_text(r)} | {r['peak_rss_mb']} | {r['disk_db'] / 2**20:.1f} |")  # fmt: skip
    e = h["git_evolved"]
    how = "with `--git-cache` (CLI)" if "cache_bytes_per_model" in h else "in-process, no cache (a moved head is a fresh clone)"
    lines += ["", f"Re-crawl after `--evolve` {how}: {e['requests']} requests ({e['git']} git, {e['api']} api), "
              f"{e['seconds']} s." + (f" Cache: {h['cache_bytes_per_model']} bytes per model." if "cache_bytes_per_model" in h else "")]  # fmt: skip
    return lines


def _cpu_text(r: dict[str, Any]) -> str:
    cpu = r.get("cpu_s") or {}
    if cpu.get("self") is None:
        return ""
    hub = cpu.get("fakehub") or {}
    return f"{cpu['self']}+{cpu['children']} / {hub.get('self', '?')}+{hub.get('children', '?')}"


def render(result: dict[str, Any]) -> str:
    if "crawl" not in result:
        lines = ["# hfaudit benchmarks"]
        if "history" in result:
            lines += render_history(result["history"])
        if "check" in result:
            c = result["check"]
            lines += ["", f"Check ({c['models']} new models, {c['latency_ms']} ms, default options): hfaudit "
                      f"{c['hfaudit']['requests']} requests ({c['hfaudit']['api']} api, {c['hfaudit']['git']} git) in "
                      f"{c['hfaudit']['seconds']} s (CPU s {_cpu_text(c['hfaudit'])}); naive {c['naive']['requests']} in "
                      f"{c['naive']['seconds']} s (CPU s {_cpu_text(c['naive'])}): "
                      f"all {c['all_ratio']}, api {c['api_ratio']}, {c['speedup']}x faster."]  # fmt: skip
        return "\n".join(lines) + "\n"
    c = result["crawl"]
    h, n, r = c["hfaudit"], c["naive"], c["ratios"]
    inc, evo, q = c["incremental_unchanged"], c["incremental_evolved"], c["quota"]
    lines = [
        "# hfaudit benchmarks",
        "",
        f"Registry: {c['models']} generated models (seed {c['seed']}), {c['latency_ms']} ms latency per request, "
        f"hfaudit with {c['concurrency']} workers; the naive crawler ran on {c['naive_sample']} sampled models and is scaled.",
        "",
        "| measure | hfaudit | naive | hfaudit / naive |",
        "|---|---|---|---|",
        f"| requests (all buckets) | {h['requests']} | {n['requests_exact']} (exact; scaled sample {n['requests_scaled']}) | {r['all_calls_hfaudit_over_naive']} |",
        f"| API-bucket requests | {h['api']} | {n['requests_exact']} | {r['api_calls_hfaudit_over_naive']} |",
        f"| requests per model | {h['requests'] / c['public_models']:.2f} | {n['requests_exact'] / c['public_models']:.2f} | |",
        f"| wall time (s) | {h['seconds']} | {n['seconds_scaled']} (scaled) | {1 / r['speedup_naive_over_hfaudit']:.3f} |",
        f"| peak RSS (MB) | {h['peak_rss_mb']} | {n['peak_rss_mb']} | {r['peak_rss_hfaudit_over_naive']} |",
        f"| 429 answers | {h['status_429']} | {n['status_429']} | |",
        "",
        f"Incremental re-crawl of the unchanged registry: {inc['requests']} requests (budget {inc['budget']}), {inc['seconds']} s.",
        f"Re-crawl after `--evolve`: {evo['requests']} requests, {evo['seconds']} s (registry changes: {evo['registry_changes']}).",
        f"Binding quota ({q['quota']}): {q['api_calls']} API calls in {q['seconds']} s = {q['calls_per_second']}/s against "
        f"{q['quota_per_second']}/s allowed: utilisation {q['utilisation']:.1%}, {q['status_429']} answers 429 over {q['windows']} windows.",
    ]
    for name, modes in c.get("change_modes", {}).items():
        lines.append(
            f"Tree calls on {name.replace('_', ' ')}: `--changes all` {modes['all']['tree_calls']}, "
            f"`--changes matter` {modes['matter']['tree_calls']}."
        )
    lines += render_lower_bound(c.get("call_lower_bound"))
    if "history" in result:
        lines += render_history(result["history"])
    if "naming" in result:
        lines += ["", "Naming: see `naming.md`."]
    return "\n".join(lines) + "\n"


def render_lower_bound(b: dict[str, Any] | None) -> list[str]:
    """The lines of crawl.md on the lower bound of ``hfaudit.lab.callbound`` (none for results without it)."""
    if not b:
        return []
    return [
        "",
        f"Lower bound on the requests any crawler needs for the same per-commit changes to paths that matter "
        f"(`python -m hfaudit.lab.callbound`, bound 2): {b['lower_bound_trees_with_parents']} with single-revision calls, "
        f"{b['lower_bound_compare_with_parents']} allowing `compare`, = {b['ratio_trees_with_parents_over_naive']:.3f} and "
        f"{b['ratio_compare_with_parents_over_naive']:.3f} of the naive crawler's {b['naive_calls']} (target "
        f"{b['target_ratio']:.3f}); it must look at {b['stabbing_revisions_with_parents']} revisions of {b['commits']} commits "
        f"({b['commits_touching_matter']} commits touch paths that matter).",
        f"Bound 1 (each change seen once, as if the history were known): {b['lower_bound_trees']} and "
        f"{b['lower_bound_compare']} = {b['ratio_trees_over_naive']:.3f} and {b['ratio_compare_over_naive']:.3f} of naive "
        f"({b['stabbing_revisions']} revisions).",
    ]


# The parts of the bench, in the order they run; --skip and --only name them.
PARTS = ("analyse", "naming", "crawl", "history", "check")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m hfaudit.lab.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("reports/bench"))
    parser.add_argument("--models", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--naive-sample", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--skip", action="append", default=[], choices=list(PARTS))
    parser.add_argument("--only", choices=list(PARTS), help="Run this part alone.")
    parser.add_argument("--history-models", type=int, default=None, help="Models of the history part (default --models).")
    parser.add_argument("--history-api-sample", type=int, default=None,
                        help="history part: crawl --history api on this many sampled models and scale (default: all).")
    parser.add_argument("--analyse-sizes", default="10000,100000", help="Store sizes of the analyse part.")
    parser.add_argument("--analyse-before", default="745561d", help="Commit of the code before (empty: skip).")
    parser.add_argument("--analyse-before-size", type=int, default=100_000)
    parser.add_argument("--analyse-steps", default="", help="analyse part: only these steps, comma-separated (default: all).")
    parser.add_argument("--memory", default="auto",
                        help="analyse part: --memory of hfaudit analyse (auto: its default up to 100k models, 3GB beyond).")
    parser.add_argument("--jobs", type=int, default=None, help="analyse part: --jobs of hfaudit analyse.")
    args = parser.parse_args(argv)
    if args.only:
        args.skip = [p for p in PARTS if p != args.only]
    if args.analyse_steps:
        from hfaudit.lab.analyse_bench import STEPS

        unknown = [s for s in args.analyse_steps.split(",") if s and s not in STEPS]
        if unknown:
            parser.error(f"--analyse-steps: unknown step {unknown[0]!r} (one of {', '.join(STEPS)})")
    args.out.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {}
    if "analyse" not in args.skip:
        from hfaudit.lab.analyse_bench import analyse_bench

        result["analyse"] = analyse_bench(
            args.out, [int(n) for n in args.analyse_sizes.split(",") if n], memory=args.memory, jobs=args.jobs,
            before=args.analyse_before or None, before_size=args.analyse_before_size,
            only=[s for s in args.analyse_steps.split(",") if s] or None,
        )
    if "naming" not in args.skip:
        from hfaudit.lab.naming_bench import run_bench

        result["naming"] = run_bench(args.out)
    if "crawl" not in args.skip:
        result["crawl"] = crawl_bench(args.out, args.models, args.seed, args.latency_ms, args.naive_sample, args.concurrency)
        (args.out / "crawl.json").write_text(json.dumps(result["crawl"], indent=2, sort_keys=True))
    if "history" not in args.skip:
        result["history"] = history_bench(args.out, args.history_models or args.models, args.seed, args.latency_ms,
                                          args.naive_sample, args.concurrency, api_sample=args.history_api_sample)  # fmt: skip
        (args.out / "history.json").write_text(json.dumps(result["history"], indent=2, sort_keys=True))
    if "check" not in args.skip:
        result["check"] = check_bench(args.out)
        (args.out / "check.json").write_text(json.dumps(result["check"], indent=2, sort_keys=True))
    if {"crawl", "history", "check"} - set(args.skip):
        (args.out / "crawl.md").write_text(render(result))
        print(render(result))


if __name__ == "__main__":
    main()
