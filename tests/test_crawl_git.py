"""The git history backend: the same store as the API backend, in a few requests per model."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from hfaudit.collect.crawl import Scope, crawl
from hfaudit.fakehub.generate import write_evolved, write_registry
from hfaudit.fakehub.server import start_server
from hfaudit.store import Store
from tests import fakehub_support as fs

TABLES = ["models", "commits", "file_changes", "model_files", "card_versions", "file_contents", "refs"]
RUN_COLUMNS = {"first_snapshot", "last_snapshot", "crawled_snapshot", "snapshot_id"}
HISTORIES = fs.REFERENCE / "real-data" / "hf-repo-git-histories"
TOKEN = "hf_secretgitcrawltoken123"


def dump(db: Path, snapshot: int | None = None) -> dict[str, list[tuple]]:
    out = {}
    with Store(db, read_only=True) as store:
        for table in TABLES:
            cols = [r[0] for r in store.con.execute(f"describe {table}").fetchall() if r[0] not in RUN_COLUMNS]
            # unreachable_since names a snapshot: keep only whether it is set
            select = ", ".join("(unreachable_since is not null)" if c == "unreachable_since" else c for c in cols)
            where = f" where snapshot_id = {snapshot}" if snapshot is not None and table == "refs" else ""
            out[table] = sorted(store.con.execute(f"select {select} from {table}{where}").fetchall(), key=repr)
    return out


def open_transient_errors(db: Path) -> int:
    permanent = ("gated", "disabled", "not_found", "card_unparseable", "unauthorized")
    with Store(db, read_only=True) as store:
        row = store.con.execute(
            f"select count(*) from crawl_errors where resolved_snapshot is null and error_type not in {permanent}"
        ).fetchone()
    return int(row[0]) if row else 0


def errors(db: Path) -> list[tuple]:
    with Store(db, read_only=True) as store:
        return store.con.execute(
            "select model_id, stage, error_type, resolved_snapshot is not null from crawl_errors order by all"
        ).fetchall()


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gitcrawl") / "registry.jsonl"
    write_registry(path, models=40, seed=77)
    return path


def test_git_and_api_give_the_same_store_on_a_generated_registry(registry: Path, tmp_path: Path) -> None:
    with start_server(registry) as server:
        git = crawl(str(tmp_path / "git.duckdb"), server.url, Scope(), history="git")  # in-process (dulwich)
        stats_git = server.stats()
        server.reset_stats()
        api = crawl(str(tmp_path / "api.duckdb"), server.url, Scope(), history="api")
        stats_api = server.stats()
        server.reset_stats()
        crawl(str(tmp_path / "cli.duckdb"), server.url, Scope(), history="git", git_client="cli")
        stats_cli = server.stats()
    a, b, c = dump(tmp_path / "git.duckdb"), dump(tmp_path / "api.duckdb"), dump(tmp_path / "cli.duckdb")
    for table in TABLES:
        assert a[table] == b[table], table
        assert c[table] == b[table], table
    assert stats_cli["buckets"]["git"] == stats_git["buckets"]["git"]  # the same 2 requests a model
    assert len(a["commits"]) > 200 and len(a["card_versions"]) > 20
    assert git.counts.commits_added == api.counts.commits_added
    # git made no tree or resolver calls: its API calls are the listing and baseModels only
    assert stats_git["buckets"]["resolvers"] == 0 and stats_git["routes"].get("tree", 0) == 0
    assert stats_git["buckets"]["git"] > 0 and stats_api["buckets"]["git"] == 0
    assert stats_git["total"] * 5 < stats_api["total"]
    # in-process, every git request went through the session: the client's count is the server's
    assert git.requests["buckets"]["git"] == stats_git["buckets"]["git"]
    assert git.requests["total"] == stats_git["total"]


@pytest.mark.skipif(not HISTORIES.is_dir(), reason="../shared/reference is not available")
def test_git_and_api_agree_on_the_real_histories(tmp_path: Path) -> None:
    from hfaudit.fakehub.import_git import write_import

    path = tmp_path / "real.jsonl"
    write_import(HISTORIES, path)
    with start_server(path) as server:
        crawl(str(tmp_path / "git.duckdb"), server.url, Scope(), history="git")
        crawl(str(tmp_path / "cli.duckdb"), server.url, Scope(), history="git", git_client="cli")
        crawl(str(tmp_path / "api.duckdb"), server.url, Scope(), history="api")
    a, b, c = dump(tmp_path / "git.duckdb"), dump(tmp_path / "api.duckdb"), dump(tmp_path / "cli.duckdb")
    for table in TABLES:
        assert a[table] == b[table], table
        assert c[table] == b[table], table
    assert len({r[0] for r in a["models"]}) == 4 and len(a["commits"]) == 96
    assert any(r[7] for r in a["file_changes"])  # LFS sha256 read from the pointers
    assert errors(tmp_path / "git.duckdb") == errors(tmp_path / "api.duckdb")


def test_evolved_registry_recrawled_with_git_records_what_the_api_does(registry: Path, tmp_path: Path) -> None:
    evolved = tmp_path / "evolved.jsonl"
    write_evolved(registry, evolved, seed=5)
    cache = tmp_path / "cache"
    for history in ("git", "api"):
        db = str(tmp_path / f"{history}.duckdb")
        with start_server(registry) as server:
            crawl(db, server.url, Scope(), history=history, git_cache=str(cache) if history == "git" else None)
        with start_server(evolved) as server:
            result = crawl(db, server.url, Scope(), history=history,
                           git_cache=str(cache) if history == "git" else None)  # fmt: skip
            if history == "git":
                git_counts = result.counts
                stats = server.stats()
    a, b = dump(tmp_path / "git.duckdb"), dump(tmp_path / "api.duckdb")
    for table in TABLES:
        assert a[table] == b[table], table
    assert git_counts.models_renamed > 0 and git_counts.models_gone > 0
    with Store(tmp_path / "git.duckdb", read_only=True) as store:
        unreachable = store.con.execute("select count(*) from commits where unreachable_since is not null").fetchone()
        renamed = store.con.execute("select count(*) from models where status = 'renamed'").fetchone()
    assert unreachable and unreachable[0] >= 3  # the squash left the old history unreachable
    assert renamed and renamed[0] == git_counts.models_renamed
    # the cache turned moved heads into fetches: fewer git requests than models crawled x 2 + clones
    assert stats["buckets"]["git"] <= 2 * (git_counts.models_crawled + git_counts.models_failed) + 4


def test_auto_falls_back_per_model_with_the_reason(tmp_path: Path) -> None:
    path = fs.write_registry(tmp_path / "old.jsonl")  # hand-made ids: no git view
    with start_server(path) as server:
        crawl(str(tmp_path / "auto.duckdb"), server.url, Scope(), history="auto")
        crawl(str(tmp_path / "api.duckdb"), server.url, Scope(), history="api")
        git_only = crawl(str(tmp_path / "git.duckdb"), server.url, Scope(), history="git")
    assert dump(tmp_path / "auto.duckdb") == dump(tmp_path / "api.duckdb")
    fallbacks = [e for e in errors(tmp_path / "auto.duckdb") if e[1] == "git"]
    assert ("acme/base", "git", "no_git_view", True) in fallbacks
    # gated and disabled are refused by git as by the API: no fallback, the API's reason
    reasons = {e[0]: e[2] for e in errors(tmp_path / "auto.duckdb")}
    assert reasons["acme/gated"] == "gated" and reasons["acme/disabled"] == "disabled"
    # git only: every model fails (none has a git view), so the run stores nothing and says why
    assert git_only.status == "failed" and git_only.counts.models_failed >= 3
    assert {"model_id": "acme/base", "stage": "git", "error_type": "no_git_view"}.items() <= next(
        e for e in git_only.errors if e["model_id"] == "acme/base").items()


@pytest.mark.parametrize("client", ["dulwich", "cli"])
def test_faults_on_git_requests_then_resume_equal_a_clean_crawl(registry: Path, tmp_path: Path, client: str) -> None:
    kinds = ("429", "500", "502", "503", "504", "reset", "timeout", "truncate")
    with start_server(registry) as server:
        crawl(str(tmp_path / "clean.duckdb"), server.url, Scope(), history="api")
    faults = ",".join(f"{kind}:0.03" for kind in kinds)  # 24% of requests fail, 3% of each kind
    db = tmp_path / "faulty.duckdb"
    with start_server(registry, faults=faults, fault_seed=3, timeout_stall_s=1.2) as server:
        # Resumed until no transient error is left open (a count of failed models would stop early:
        # the gated ones fail for good, and one more transient failure would pass for one of them).
        runs, retries = 0, 0
        while True:
            runs += 1
            result = crawl(str(db), server.url, Scope(), history="git", timeout=1.0, git_client=client)
            # retries are summed over the runs: the last run may have had nothing left to retry
            retries += result.requests["git"]["retries"] if client == "cli" else result.requests["retries"]
            if open_transient_errors(db) == 0 or runs == 8:
                break
        stats = server.stats()
    assert open_transient_errors(db) == 0, f"transient errors left after {runs} runs"
    assert set(stats["faults"]) >= {"500", "503", "reset", "truncate"}
    assert retries > 0
    assert dump(db) == dump(tmp_path / "clean.duckdb")


@pytest.mark.parametrize("client", ["dulwich", "cli"])
def test_token_is_sent_to_git_but_never_stored_or_shown(registry: Path, tmp_path: Path, client: str) -> None:
    db = tmp_path / "tok.duckdb"
    env = {**os.environ, "HF_TOKEN": TOKEN, "HF_HUB_DISABLE_XET": "1"}
    with start_server(registry, token_access=[TOKEN], latency_ms=20) as server:
        proc = subprocess.Popen(
            [sys.executable, "-m", "hfaudit", "crawl", "--db", str(db), "--endpoint", server.url, "--history", "git",
             "--git-client", client, "--quiet", "--no-analyse"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
        seen_git = False
        while proc.poll() is None:
            ps = subprocess.run(["ps", "-ww", "-eo", "args"], capture_output=True, text=True).stdout
            assert TOKEN not in ps
            # this crawl's own git processes (other jobs on the machine may run git too)
            try:
                children = [" ".join(c.cmdline()) for c in psutil.Process(proc.pid).children(recursive=True)]
            except psutil.Error:
                children = []
            seen_git = seen_git or any("clone" in line for line in children)
            time.sleep(0.05)
        out, err = proc.communicate()
    assert proc.returncode == 0, err
    assert TOKEN not in out and TOKEN not in err
    assert seen_git == (client == "cli")  # in-process, the crawl starts no git process at all
    with Store(db, read_only=True) as store:
        gated = store.con.execute("select count(*) from commits c join models m using (model_id) where m.gated <> 'false'").fetchone()
        for (table,) in store.con.execute("select table_name from information_schema.tables").fetchall():
            text = repr(store.con.execute(f"select * from {table}").fetchall())
            assert TOKEN not in text, table
    assert gated and gated[0] > 0  # the token opened the gated models over git
    assert TOKEN.encode() not in db.read_bytes()


def test_a_server_that_ignores_the_filter_is_detected(registry: Path, tmp_path: Path) -> None:
    with start_server(registry, git_allow_filter=False) as server:
        result = crawl(str(tmp_path / "f.duckdb"), server.url, Scope(), history="git", git_filter="blob:none")
    with start_server(registry) as server:
        crawl(str(tmp_path / "plain.duckdb"), server.url, Scope(), history="git")
    assert ("*", "git", "filter_refused", True) in errors(tmp_path / "f.duckdb")
    assert not [e for e in errors(tmp_path / "plain.duckdb") if e[2] == "filter_refused"]
    assert dump(tmp_path / "f.duckdb") == dump(tmp_path / "plain.duckdb")
    assert result.counts.models_crawled > 0


def test_bad_git_options_are_one_line_errors(tmp_path: Path) -> None:
    for option in (["--git-filter", "tree:0"], ["--git-quota", "ten"], ["--history", "svn"], ["--git-client", "jgit"],
                   ["--git-client", "dulwich", "--git-cache", str(tmp_path / "c")],
                   ["--git-client", "dulwich", "--git-filter", "blob:none"]):  # fmt: skip
        done = subprocess.run([sys.executable, "-m", "hfaudit", "crawl", "--db", str(tmp_path / "x.duckdb"),
                               "--endpoint", "http://127.0.0.1:9", *option], capture_output=True, text=True)  # fmt: skip
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_in_process_git_is_paced_by_the_servers_ratelimit_headers(registry: Path, tmp_path: Path) -> None:
    """The fake Hub's git bucket announces its quota in RateLimit headers; the in-process client reads
    them (the CLI cannot) and waits for the reset; the few 429s drawn when a window opens with 16
    workers in flight (before its first reading) are retried after exactly the announced reset."""
    with start_server(registry) as server:
        crawl(str(tmp_path / "clean.duckdb"), server.url, Scope(), history="api")
    with start_server(registry, quotas={"git": (30, 2.0)}) as server:
        result = crawl(str(tmp_path / "paced.duckdb"), server.url, Scope(), history="git")
        stats = server.stats()
    assert stats["buckets"]["git"] > 60  # more than two windows' worth: the quota did bind
    assert result.requests["rate_limit_waits"] > stats["status"].get("429", 0)
    assert stats["status"].get("429", 0) < stats["buckets"]["git"] / 10
    assert dump(tmp_path / "paced.duckdb") == dump(tmp_path / "clean.duckdb")
