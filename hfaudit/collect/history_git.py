"""The git history backend: a model's whole history from one clone, read locally.

``GitBackend.open(model_id, head)`` gets every object of the model in one of two ways
(``--git-client``):

- ``dulwich`` (what ``auto`` picks without ``--git-filter`` or ``--git-cache``): an in-process
  smart-HTTP client, protocol v0: ``GET info/refs?service=git-upload-pack`` and one ``POST
  git-upload-pack`` wanting every branch and tag, sent through huggingface_hub's session with the
  API's retry layer (``with_retry``) and the per-bucket limiter that reads ``RateLimit`` headers
  (bucket ``git``), the pack parsed in memory with dulwich's pack reader (checksum verified, deltas
  resolved, every object id recomputed). No process is started per model.
- ``cli``: a bare (partial) clone, or with ``--git-cache`` a fetch into a kept bare repository, with
  the ``git`` CLI, then one more git process, ``cat-file --batch-all-objects --batch``. Filters,
  lazy fetches of missing blobs, the cache and protocol v2 need it.

Either way the objects are parsed here: the commits reachable from ``head``, the tree at every
commit, blob sizes, LFS pointers (``oid sha256:`` and ``size``) and README/config texts; branches
and tags come from the advertised refs (dulwich) or the ref files (cli). The ``GitHistory`` it
returns answers the crawler's questions (commits, tree at a revision, text of a file, refs) exactly
as the API backend would, so both fill the same tables.

In-process, the token is an ``Authorization`` header of the two requests. For the CLI it is sent as ``http.extraHeader`` through ``GIT_CONFIG_COUNT``/``GIT_CONFIG_KEY_0``/
``GIT_CONFIG_VALUE_0`` in the child's environment: never in argv, a URL, a log line, the store or an
error message (git's messages are scrubbed of it all the same).

Network commands are paced by a client-side limiter for the ``git`` bucket (``--git-quota``; the Hub
documents no git bucket and git's CLI shows no response headers) and retried on 5xx, 429, resets,
timeouts and truncated packs, like the API calls.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
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

import huggingface_hub
from huggingface_hub import GitCommitInfo
from huggingface_hub.errors import HfHubHTTPError
from huggingface_hub.utils import hf_raise_for_status, httpx

from hfaudit.cards import LFS_POINTER
from hfaudit.collect.hub import with_retry
from hfaudit.files import TRACKED_CONTENT, TRACKED_CONTENT_MAX_BYTES
from hfaudit.gitcommit import parse_commit

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
FILTERS = ("none", "blob:none")  # or blob:limit=N
CLIENTS = ("auto", "cli", "dulwich")
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


def check_client(client: str, filter: str, cache_dir: Path | str | None) -> str:
    """``--git-client``, checked against what the in-process client can do."""
    if client not in CLIENTS:
        raise ValueError(f"bad --git-client {client!r}: expected auto, cli or dulwich")
    if client == "dulwich" and (filter != "none" or cache_dir is not None):
        raise ValueError("--git-client dulwich fetches whole packs into memory: it takes neither --git-filter "
                         "nor --git-cache (use --git-client cli or auto)")  # fmt: skip
    return client


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
    client: str = "auto"

    def in_process(self) -> bool:
        """Whether the in-process (dulwich) client fetches: ``auto`` picks it when nothing needs the CLI."""
        if self.client != "auto":
            return self.client == "dulwich"
        return self.filter == "none" and self.cache_dir is None and self.protocol == "0"


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
        if self.options.in_process():
            objects, found = self._fetch_in_process(model_id)
            return self._history(objects, head, found)
        scratch = Path(tempfile.mkdtemp(prefix="hfaudit-git-"))
        try:
            repo, fresh = self._repo_dir(model_id, scratch)
            self._fetch(model_id, repo, fresh)
            objects = self._all_objects(repo)
            return self._history(objects, head, self._ref_files(repo))
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

    def _history(self, objects: dict[str, tuple[str, bytes]], head: str, found: dict[str, str]) -> GitHistory:
        """A model's history from all its objects (oid → (kind, raw content)) and its refs (name → oid):
        commits, trees and blobs are parsed here, whichever client fetched them."""
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
        return GitHistory(commits, trees, texts, _ref_rows(found, objects))

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

    def _ref_files(self, repo: Path) -> dict[str, str]:
        """Branches and tags from the repository's ref files (loose and packed)."""
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
        return found

    # ------------------------------------------------------------------------------- in-process

    def _fetch_in_process(self, model_id: str) -> tuple[dict[str, tuple[str, bytes]], dict[str, str]]:
        """Every object of every branch and tag, over smart HTTP protocol v0 in two requests, and the
        advertised branches and tags; no git process. Both requests go through huggingface_hub's
        session (its hooks count them in the ``git`` bucket and pace them on ``RateLimit`` headers),
        each under ``with_retry`` (5xx, 429, resets, timeouts; a truncated or corrupt pack is retried
        as a reset). The upload-pack request wants the refs with ``ofs-delta``, ``side-band-64k`` and
        ``no-progress`` when offered, no ``thin-pack`` and no haves: the server sends a complete pack."""
        from dulwich.client import read_pkt_refs_v1
        from dulwich.errors import GitProtocolError
        from dulwich.protocol import Protocol, pkt_line

        session = huggingface_hub.get_session()
        auth = {"Authorization": f"Bearer {self._token}"} if self._token else {}
        with GIT_STATS.lock:
            GIT_STATS.fetches += 1

        def advertise() -> tuple[str, dict[bytes, bytes], set[bytes]]:
            self.limiter.take(1)
            response = session.get(f"{self._url(model_id)}/info/refs", params={"service": "git-upload-pack"}, headers=auth)
            hf_raise_for_status(response)
            try:
                proto = Protocol(io.BytesIO(response.content).read, _read_only)
                if proto.read_pkt_line() != b"# service=git-upload-pack\n" or proto.read_pkt_line() is not None:
                    raise GitProtocolError("not a git-upload-pack advertisement")
                refs, caps = read_pkt_refs_v1(proto.read_pkt_seq())
            except (GitProtocolError, ValueError) as exc:
                raise httpx.RemoteProtocolError(f"bad ref advertisement: {exc}") from None
            # After a rename's 307 the upload-pack request goes where the advertisement came from.
            return str(response.url).split("/info/refs", 1)[0], {bytes(k): bytes(v) for k, v in refs.items()}, caps

        base, advertised, caps = self._call(advertise)
        found = {name.decode("utf-8", "surrogateescape"): oid.decode() for name, oid in advertised.items()
                 if name.startswith((b"refs/heads/", b"refs/tags/")) and not name.endswith(b"^{}")}  # fmt: skip
        wants = sorted(set(found.values()))
        if not wants:
            return {}, found
        use = b" ".join(c for c in (b"ofs-delta", b"side-band-64k", b"no-progress") if c in caps)
        body = b"".join([pkt_line(b"want %s %s\n" % (wants[0].encode(), use)),
                         *(pkt_line(b"want %s\n" % w.encode()) for w in wants[1:]), b"0000", pkt_line(b"done\n")])  # fmt: skip
        headers = {**auth, "Content-Type": "application/x-git-upload-pack-request",
                   "Accept": "application/x-git-upload-pack-result"}  # fmt: skip
        sideband = b"side-band-64k" in caps

        def upload() -> dict[str, tuple[str, bytes]]:
            self.limiter.take(1)
            response = session.post(f"{base}/git-upload-pack", content=body, headers=headers)
            hf_raise_for_status(response)
            try:
                return unpack(response.content, sideband)
            except BadPack as exc:  # truncated or corrupt: retried by with_retry as a reset would be
                raise httpx.RemoteProtocolError(f"bad pack: {exc}") from None

        return self._call(upload), found

    def _call(self, call: Any) -> Any:
        """``with_retry(call)``, its final failure as a ``GitFailure`` (the token scrubbed)."""
        try:
            return with_retry(call, attempts=self.options.attempts)
        except HfHubHTTPError as exc:
            status = exc.response.status_code if exc.response is not None else None
            message = self._scrub(str(exc).strip().splitlines()[0] if str(exc).strip() else f"HTTP {status}")[:500]
            if status == 404:
                raise GitFailure("no_git_view", message, 404) from None
            if status in (401, 403):
                raise GitFailure("git_denied", message, status) from None
            raise GitFailure("git_unavailable", message, status) from None
        except httpx.HTTPError as exc:
            raise GitFailure("git_unavailable", self._scrub(f"{type(exc).__name__}: {exc}")[:500]) from None


class BadPack(Exception):
    """An upload-pack answer that cannot be read (truncated, corrupt): fetched again, as a reset is."""


def unpack(data: bytes, sideband: bool) -> dict[str, tuple[str, bytes]]:
    """``_unpack``, any failure to read the pack raised as ``BadPack`` (server errors as ``GitFailure``)."""
    try:
        return _unpack(data, sideband)
    except GitFailure:
        raise
    except Exception as exc:  # zlib, checksum, delta and framing errors alike: the bytes are bad
        raise BadPack(f"{type(exc).__name__}: {exc}"[:300]) from None


def _unpack(data: bytes, sideband: bool) -> dict[str, tuple[str, bytes]]:
    """The objects of an upload-pack response (``NAK``, then the pack, in side-band packets or raw):
    oid → (kind, raw content). dulwich reads the pack (its trailing SHA-1 checked, each entry
    inflated once by ``iter_unpacked``) and applies the deltas (``apply_delta``); every object id is
    computed here from its content, as ``index-pack`` would. A server error on the side band is a
    ``GitFailure``; a truncated or corrupt pack raises (the caller fetches it again)."""
    from dulwich.object_format import SHA1
    from dulwich.pack import OFS_DELTA, REF_DELTA, PackData, apply_delta
    from dulwich.protocol import Protocol

    stream = io.BytesIO(data)
    proto = Protocol(stream.read, _read_only)
    first = proto.read_pkt_line()
    if first is None or not first.startswith(b"NAK"):
        text = (first or b"").decode("utf-8", "replace").strip()
        raise GitFailure("git_unavailable", f"upload-pack answered {text[:200]!r}, not NAK")
    if sideband:
        parts = []
        for pkt in proto.read_pkt_seq():
            if pkt[:1] == b"\x01":
                parts.append(pkt[1:])
            elif pkt[:1] == b"\x03":
                raise GitFailure("git_unavailable", "upload-pack: " + pkt[1:].decode("utf-8", "replace").strip()[:300])
        pack = b"".join(parts)
    else:
        pack = stream.read()
    pack_data = PackData.from_file(io.BytesIO(pack), SHA1, len(pack))
    pack_data.check()  # the trailing SHA-1 over the whole pack
    at: dict[int, tuple[int, bytes]] = {}  # pack offset -> (type number, content), for delta bases
    oid_at: dict[str, int] = {}
    deltas: list[tuple[int, int | str, bytes]] = []  # (offset, base offset or base oid, delta)
    for entry in pack_data.iter_unpacked():
        assert entry.offset is not None
        body = b"".join(entry.decomp_chunks)
        if entry.pack_type_num == OFS_DELTA:
            assert isinstance(entry.delta_base, int)
            deltas.append((entry.offset, entry.offset - entry.delta_base, body))
        elif entry.pack_type_num == REF_DELTA:
            assert isinstance(entry.delta_base, bytes)
            deltas.append((entry.offset, entry.delta_base.hex(), body))
        else:
            at[entry.offset] = (entry.pack_type_num, body)
    while deltas:  # bases first; a REF_DELTA may name a base later in the pack
        left = []
        for offset, base, delta in deltas:
            found = at.get(base) if isinstance(base, int) else at.get(oid_at.get(base, -1))
            if found is None:
                if isinstance(base, str) and not oid_at:
                    oid_at.update({_object_id(t, b): o for o, (t, b) in at.items()})
                left.append((offset, base, delta))
                continue
            at[offset] = (found[0], b"".join(apply_delta(found[1], delta)))
            if isinstance(base, str):
                oid_at[_object_id(*at[offset])] = offset
        if len(left) == len(deltas):
            raise ValueError(f"{len(left)} deltas of the pack have no base in it")
        deltas = left
    return {_object_id(kind, body): (_KINDS[kind], body) for kind, body in at.values()}


_KINDS = {1: "commit", 2: "tree", 3: "blob", 4: "tag"}


def _read_only(data: bytes) -> int | None:
    """The write side of a pkt-line reader over a response body: nothing is ever written there."""
    raise AssertionError("a pkt-line reader of a response body does not write")


def _object_id(kind: int, body: bytes) -> str:
    return hashlib.sha1(b"%s %d\0%s" % (_KINDS[kind].encode(), len(body), body)).hexdigest()


def _ref_rows(found: dict[str, str], objects: dict[str, tuple[str, bytes]]) -> list[tuple[str, str, str]]:
    """(kind, name, commit) of every branch and tag, annotated tags peeled to their commit."""
    refs = []
    for name, oid in sorted(found.items()):
        while objects.get(oid, ("",))[0] == "tag":  # annotated: peel to the commit
            oid = objects[oid][1].split(b"\n", 1)[0].split()[1].decode()
        if name.startswith("refs/heads/"):
            refs.append(("branch", name[len("refs/heads/") :], oid))
        elif name.startswith("refs/tags/"):
            refs.append(("tag", name[len("refs/tags/") :], oid))
    return refs


