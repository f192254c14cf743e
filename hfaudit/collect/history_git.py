"""The git history backend: a model's whole history from one bare partial clone, read locally.

``GitBackend.open(model_id, head)`` clones (or, with ``--git-cache``, fetches into) a bare repository
of the model with the ``git`` CLI, then reads everything the crawler stores from local objects with
one more git process, ``cat-file --batch-all-objects --batch``, whose commits, trees and blobs are
parsed here: the commits reachable from ``head``, the tree at every commit, blob sizes, LFS pointers
(``oid sha256:`` and ``size``) and README/config texts; branches and tags come from the ref files.
The ``GitHistory`` it returns answers the crawler's questions (commits, tree at a revision, text of
a file, refs) exactly as the API backend would, so both fill the same tables.

The token is sent as ``http.extraHeader`` through ``GIT_CONFIG_COUNT``/``GIT_CONFIG_KEY_0``/
``GIT_CONFIG_VALUE_0`` in the child's environment: never in argv, a URL, a log line, the store or an
error message (git's messages are scrubbed of it all the same).

Network commands are paced by a client-side limiter for the ``git`` bucket (``--git-quota``; the Hub
documents no git bucket and git's CLI shows no response headers) and retried on 5xx, 429, resets,
timeouts and truncated packs, like the API calls.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import random
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from huggingface_hub import GitCommitInfo

from hfaudit.cards import LFS_POINTER
from hfaudit.files import TRACKED_CONTENT, TRACKED_CONTENT_MAX_BYTES
from hfaudit.gitcommit import parse_commit

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
FILTERS = ("none", "blob:none")  # or blob:limit=N
# Blobs at most this big are read to see whether they are LFS pointers (the spec caps pointers at 1024).
POINTER_MAX = 1024
_POINTER = re.compile(
    re.escape(LFS_POINTER.split("{sha256}")[0]) + r"([0-9a-f]{64})\nsize (\d+)\n\Z"
)
# git stderr → retryable; matched case-insensitively.
_RETRY = re.compile(
    r"error: 5\d\d|returned error: 5\d\d|returned error: 429|RPC failed|early EOF|connection reset|"
    r"reset by peer|empty reply|timed out|operation too slow|unexpected disconnect|the remote end hung up|"
    r"index-pack failed|invalid index-pack|transfer closed|recv failure|failed to connect|couldn't connect|"
    r"unexpected end of file|protocol error|bad pack header|premature end",
    re.IGNORECASE,
)


class GitFailure(Exception):
    """git could not give a model's history; ``reason`` is what ``crawl_errors`` records."""

    def __init__(self, reason: str, message: str, status: int | None = None):
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.status = status


@dataclass
class GitStats:
    """Client-side counts of git work: commands and HTTP requests (2 per fetch over protocol v0)."""

    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    fetches: int = 0
    requests: int = 0
    retries: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        with self.lock:
            return {"fetches": self.fetches, "requests": self.requests, "retries": self.retries,
                    "fallbacks": dict(self.reasons)}  # fmt: skip


GIT_STATS = GitStats()


class GitLimiter:
    """A fixed-window limit on git requests (``--git-quota N/S``): waits when the window is used up."""

    def __init__(self, quota: tuple[int, float] | None):
        self.quota = quota
        self.lock = threading.Lock()
        self.start = 0.0
        self.used = 0

    def take(self, calls: int) -> None:
        if self.quota is None:
            return
        limit, window = self.quota
        while True:
            with self.lock:
                now = time.monotonic()
                if now >= self.start + window:
                    self.start, self.used = now, 0
                if self.used + calls <= limit or self.used == 0:
                    self.used += calls
                    return
                wait = self.start + window - now
            time.sleep(max(wait, 0.01))


def parse_git_quota(text: str | None) -> tuple[int, float] | None:
    if not text:
        return None
    try:
        calls, seconds = text.split("/", 1)
        quota = (int(calls), float(seconds))
    except ValueError:
        raise ValueError(f"bad --git-quota {text!r}: expected CALLS/SECONDS, e.g. 1000/300") from None
    if quota[0] < 1 or quota[1] <= 0:
        raise ValueError(f"bad --git-quota {text!r}: CALLS must be >= 1 and SECONDS > 0")
    return quota


def check_filter(text: str) -> str:
    if text in FILTERS or re.fullmatch(r"blob:limit=\d+[kmg]?", text):
        return text
    raise ValueError(f"bad --git-filter {text!r}: expected none, blob:none or blob:limit=N")


@dataclass(frozen=True)
class GitOptions:
    filter: str = "none"
    cache_dir: Path | None = None
    quota: tuple[int, float] | None = None
    protocol: str = "0"
    timeout: float = 30.0
    attempts: int = 6


class GitHistory:
    """One model's history, read from a local bare repository; answers like the API backend."""

    def __init__(self, commits: list[GitCommitInfo], trees: dict[str, dict[str, dict[str, Any]]],
                 texts: dict[tuple[str, str], str], refs: list[tuple[str, str, str]]):  # fmt: skip
        self._commits = commits
        self._trees = trees
        self._texts = texts
        self._refs = refs

    def commits(self, model_id: str, head: str) -> list[GitCommitInfo]:
        return list(self._commits)

    def tree(self, model_id: str, revision: str, expand: bool = False) -> dict[str, dict[str, Any]]:
        return {path: dict(entry) for path, entry in self._trees[revision].items()}

    def text(self, model_id: str, path: str, revision: str) -> str:
        return self._texts[(revision, path)]

    def refs(self, model_id: str) -> list[tuple[str, str, str]]:
        return list(self._refs)


class GitBackend:
    """Clones or fetches one model at a time and reads its history; thread-safe across models."""

    def __init__(self, endpoint: str, token: str | None, options: GitOptions | None = None):
        self.endpoint = endpoint.rstrip("/")
        self._token = token
        self.options = options or GitOptions()
        self.limiter = GitLimiter(self.options.quota)
        self.filter_refused = False

    # ------------------------------------------------------------------------------------- running

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        env.update(GIT_TERMINAL_PROMPT="0", GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull,
                   GIT_ASKPASS="", SSH_ASKPASS="", LC_ALL="C")  # fmt: skip
        if self._token:
            env.update(GIT_CONFIG_COUNT="1", GIT_CONFIG_KEY_0="http.extraHeader",
                       GIT_CONFIG_VALUE_0=f"Authorization: Bearer {self._token}")  # fmt: skip
        return env

    def _scrub(self, text: str) -> str:
        return text.replace(self._token, "<token>") if self._token else text

    def _run(self, args: list[str], repo: Path | None, stdin: bytes | None = None) -> bytes:
        """A local git command (no network); raises GitFailure("git_unavailable") when it fails."""
        cmd = ["git", *(["-C", str(repo)] if repo else []), *args]
        try:
            done = subprocess.run(cmd, input=stdin, capture_output=True, env=self._env(), timeout=600)
        except FileNotFoundError:
            raise GitFailure("git_unavailable", "the git command is not installed") from None
        except subprocess.TimeoutExpired:
            raise GitFailure("git_unavailable", f"git {args[0]} took more than 600 s") from None
        if done.returncode != 0:
            message = self._scrub(done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:][0] if done.stderr.strip() else "")
            raise GitFailure("git_error", f"git {args[0]} failed: {message}"[:500])
        return done.stdout

    def _network(self, args: list[str], repo: Path | None, fresh: Path | None = None, stdin: bytes | None = None) -> str:
        """A git command that talks to the Hub: paced, retried, classified. Returns stderr."""
        timeout = self.options.timeout
        config = ["-c", f"protocol.version={self.options.protocol}", "-c", "http.lowSpeedLimit=1",
                  "-c", f"http.lowSpeedTime={max(1, int(timeout))}", "-c", "http.followRedirects=true",
                  "-c", "core.askPass=", "-c", "core.fsync=none", "-c", "gc.auto=0", "-c", "maintenance.auto=false"]  # fmt: skip
        cmd = ["git", *config, *(["-C", str(repo)] if repo else []), *args]
        for attempt in range(1, self.options.attempts + 1):
            self.limiter.take(2)
            try:
                done = subprocess.run(cmd, input=stdin, capture_output=True, env=self._env(), timeout=timeout * 20)
                code, err = done.returncode, done.stderr.decode("utf-8", "replace")
            except FileNotFoundError:
                raise GitFailure("git_unavailable", "the git command is not installed") from None
            except subprocess.TimeoutExpired:
                code, err = -1, "operation timed out"
            with GIT_STATS.lock:
                GIT_STATS.fetches += 1
                GIT_STATS.requests += 2
            if code == 0:
                return err
            failure = self._classify(err)
            if failure.reason != "retry" or attempt == self.options.attempts:
                if failure.reason == "retry":
                    failure = GitFailure("git_unavailable", failure.message, failure.status)
                raise failure
            with GIT_STATS.lock:
                GIT_STATS.retries += 1
            if fresh is not None:
                shutil.rmtree(fresh, ignore_errors=True)
            wait = 1.0 if "error: 429" in err else random.uniform(0, min(4.0, 0.25 * 2 ** (attempt - 1)))
            time.sleep(wait)
        raise AssertionError("unreachable")

    def _classify(self, stderr: str) -> GitFailure:
        lines = [line for line in stderr.strip().splitlines() if line.strip()]
        message = self._scrub(lines[-1] if lines else "git failed")[:500]
        match = re.search(r"returned error: (\d{3})", stderr)
        status = int(match.group(1)) if match else None
        if status == 404 or re.search(r"repository '.*' not found", stderr):
            return GitFailure("no_git_view", message, 404)
        if status in (401, 403) or "could not read Username" in stderr or "Authentication failed" in stderr:
            return GitFailure("git_denied", message, status or 401)
        if _RETRY.search(stderr):
            return GitFailure("retry", message, status)
        return GitFailure("git_unavailable", message, status)

    # ---------------------------------------------------------------------------------------- fetch

    def _url(self, model_id: str) -> str:
        return f"{self.endpoint}/{model_id}"

    def _repo_dir(self, model_id: str, scratch: Path) -> tuple[Path, bool]:
        """Where the model's bare repository lives, and whether it must be cloned afresh."""
        if self.options.cache_dir is None:
            return scratch / "repo.git", True
        key = hashlib.sha1(model_id.encode("utf-8")).hexdigest()
        path = self.options.cache_dir / key[:2] / (model_id.replace("/", "__") + ".git")
        return path, not (path / "HEAD").exists()

    def open(self, model_id: str, head: str) -> GitHistory:
        """Clone or fetch ``model_id`` and read its history up to ``head`` (the listed sha)."""
        scratch = Path(tempfile.mkdtemp(prefix="hfaudit-git-"))
        try:
            repo, fresh = self._repo_dir(model_id, scratch)
            self._fetch(model_id, repo, fresh)
            return self._read(repo, head)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def _fetch(self, model_id: str, repo: Path, fresh: bool) -> None:
        url = self._url(model_id)
        filt = self.options.filter
        filter_args = [] if filt == "none" else [f"--filter={filt}"]
        if fresh:
            repo.parent.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(repo, ignore_errors=True)
            err = self._network(["clone", "--bare", "--quiet", *filter_args, url, str(repo)], None, fresh=repo)
        else:
            self._run(["config", "remote.origin.url", url], repo)  # the endpoint may have moved
            err = self._network(
                ["fetch", "--quiet", "--prune", "--no-tags", "--force",
                 *filter_args, "origin", "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"], repo)  # fmt: skip
        if "filtering not recognized by server" in err:
            self.filter_refused = True
        if filt != "none":
            self._fetch_missing(repo)

    def _fetch_missing(self, repo: Path) -> None:
        """The blobs a filtered clone left out, in one batched fetch (their sizes are stored)."""
        listing = self._run(["rev-list", "--objects", "--missing=print", "--all"], repo).decode()
        missing = [line[1:41] for line in listing.splitlines() if line.startswith("?")]
        if not missing:
            return
        stdin = "".join(f"{oid}\n" for oid in missing).encode()
        cmd = ["-c", "fetch.negotiationAlgorithm=noop", "fetch", "--quiet", "--no-tags", "--no-write-fetch-head",
               "--stdin", "origin"]  # fmt: skip
        self._network(cmd, repo, stdin=stdin)

    # ----------------------------------------------------------------------------------------- read

    def _read(self, repo: Path, head: str) -> GitHistory:
        """Everything from one ``cat-file --batch-all-objects --batch``: commits, trees and blobs are
        parsed here, so a model costs one local git process after its clone or fetch."""
        objects = self._all_objects(repo)
        if head not in objects:
            raise GitFailure("git_error", f"the listed head {head[:12]} is not in the fetched history")
        # Commits reachable from head, in topological order (parents first), then the API's order.
        order: list[str] = []
        seen: set[str] = set()
        stack: list[tuple[str, bool]] = [(head, False)]
        fields: dict[str, dict[str, Any]] = {}
        while stack:
            cid, expanded = stack.pop()
            if expanded:
                order.append(cid)
                continue
            if cid in seen:
                continue
            seen.add(cid)
            kind, data = objects.get(cid, ("", b""))
            if kind != "commit":
                raise GitFailure("git_error", f"commit {cid[:12]} is missing from the fetched history")
            fields[cid] = parse_commit(data)
            stack.append((cid, True))
            stack.extend((p, False) for p in reversed(fields[cid]["parents"]) if p not in seen)
        position = {cid: i for i, cid in enumerate(order)}
        newest = sorted(order, key=lambda c: (fields[c]["seconds"], position[c]), reverse=True)
        commits = [
            GitCommitInfo(commit_id=cid, authors=fields[cid]["authors"],
                          created_at=dt.datetime.fromtimestamp(fields[cid]["seconds"], dt.UTC),
                          title=fields[cid]["title"], message=fields[cid]["message"],
                          formatted_title=None, formatted_message=None)  # fmt: skip
            for cid in newest
        ]
        flat: dict[str, dict[str, str]] = {}

        def files(tree: str) -> dict[str, str]:
            """path → blob oid under a tree (memoised per tree id)."""
            if tree in flat:
                return flat[tree]
            kind, data = objects.get(tree, ("", b""))
            if kind != "tree":
                raise GitFailure("git_error", f"tree {tree[:12]} is missing from the fetched history")
            out: dict[str, str] = {}
            pos = 0
            while pos < len(data):
                space = data.index(b" ", pos)
                nul = data.index(b"\0", space)
                mode, name = data[pos:space], data[space + 1 : nul].decode("utf-8", "surrogateescape")
                oid = data[nul + 1 : nul + 21].hex()
                pos = nul + 21
                if mode == b"40000":
                    out.update({f"{name}/{p}": o for p, o in files(oid).items()})
                elif mode != b"160000":  # submodules have no blob
                    out[name] = oid
            flat[tree] = out
            return out

        def entry(oid: str) -> dict[str, Any]:
            kind, data = objects.get(oid, ("", b""))
            if kind != "blob":
                raise GitFailure("git_error", f"blob {oid[:12]} is missing after the fetch")
            found = {"blob": oid, "sha256": None, "size": len(data), "last_commit": None}
            if len(data) <= POINTER_MAX:
                match = _POINTER.match(data.decode("utf-8", "replace"))
                if match:
                    found["sha256"], found["size"] = match.group(1), int(match.group(2))
            return found

        entries: dict[str, dict[str, Any]] = {}
        trees: dict[str, dict[str, dict[str, Any]]] = {}
        texts: dict[tuple[str, str], str] = {}
        previous: dict[str, str] = {}
        for cid in reversed(newest):  # oldest first, as the API backend diffs them
            current = files(fields[cid]["tree"])
            tree = {}
            for path, oid in current.items():
                if oid not in entries:
                    entries[oid] = entry(oid)
                tree[path] = entries[oid]
                if previous.get(path) != oid and path in TRACKED_CONTENT and len(objects[oid][1]) <= TRACKED_CONTENT_MAX_BYTES:
                    texts[(cid, path)] = objects[oid][1].decode("utf-8", errors="replace")
            trees[cid] = tree
            previous = current
        return GitHistory(commits, trees, texts, self._refs(repo, objects))

    def _all_objects(self, repo: Path) -> dict[str, tuple[str, bytes]]:
        data = self._run(["cat-file", "--batch-all-objects", "--unordered", "--batch"], repo)
        out: dict[str, tuple[str, bytes]] = {}
        pos = 0
        while pos < len(data):
            end = data.index(b"\n", pos)
            oid, kind, size = data[pos:end].decode().split()
            start = end + 1
            out[oid] = (kind, data[start : start + int(size)])
            pos = start + int(size) + 1
        return out

    def _refs(self, repo: Path, objects: dict[str, tuple[str, bytes]]) -> list[tuple[str, str, str]]:
        """Branches and tags from the repository's ref files (loose and packed), tags peeled."""
        found: dict[str, str] = {}
        packed = repo / "packed-refs"
        if packed.exists():
            for line in packed.read_text().splitlines():
                if line and line[0] not in "#^":
                    oid, name = line.split(" ", 1)
                    found[name] = oid
        for kind in ("heads", "tags"):
            base = repo / "refs" / kind
            if base.is_dir():
                for path in base.rglob("*"):
                    if path.is_file():
                        text = path.read_text().strip()
                        if not text.startswith("ref:"):
                            found[str(path.relative_to(repo)).replace(os.sep, "/")] = text
        refs = []
        for name, oid in sorted(found.items()):
            while objects.get(oid, ("",))[0] == "tag":  # annotated: peel to the commit
                oid = objects[oid][1].split(b"\n", 1)[0].split()[1].decode()
            if name.startswith("refs/heads/"):
                refs.append(("branch", name[len("refs/heads/") :], oid))
            elif name.startswith("refs/tags/"):
                refs.append(("tag", name[len("refs/tags/") :], oid))
        return refs


