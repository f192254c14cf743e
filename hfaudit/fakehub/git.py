"""The fake Hub's git view: every git-consistent model of a registry, cloneable over smart HTTP.

At start (``GitView.build``) ONE ``git fast-import`` writes every model whose ids are the derived
ones (``canonical.git_problem`` is None) into one bare repository, each model under its own
namespace ``refs/namespaces/<key>/`` with its branches, tags and ``refs/pr/N``, and its own ``HEAD``.
Blobs shared between models (configs, ``.gitattributes``, pointers) are written once. A model whose
given ids are not git ids is served on the API only; the build prints one line saying so.

Requests are answered by git's own ``git http-backend`` with ``GIT_NAMESPACE`` set to the model's
key and the client's ``Git-Protocol`` header passed as ``GIT_PROTOCOL`` (protocol v2 otherwise falls
back to v0). The repository allows filters (``--filter=blob:none``, ``blob:limit=N``) and any sha1 in
a want, so a partial clone can fetch missing blobs later. Routing, gating, renames, latency, faults and
the ``git`` quota bucket are the API's (``app.py``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from hfaudit.fakehub.registry import (
    Model,
    Registry,
    blob_bytes,
    blob_oid,
    checked,
    git_seconds,
)
from hfaudit.gitcommit import commit_message, email

REPO = "hub.git"
BUILD_REF = "refs/hfaudit-build"
MAX_REPORTED = 20


def namespace_key(model_id: str) -> str:
    """The namespace of a model in the one repository (stable, ref-safe)."""
    return "m" + hashlib.sha1(model_id.encode("utf-8")).hexdigest()[:24]


def _quote(path: str) -> str:
    if path.startswith('"') or "\n" in path:
        return '"' + path.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    return path


@dataclass
class BuildReport:
    models: int = 0
    skipped: int = 0
    commits: int = 0
    blobs: int = 0
    seconds: float = 0.0


class GitView:
    """One bare repository holding a registry's git view, and the CGI call that serves it."""

    def __init__(self, registry: Registry, root: str | Path | None = None, *, quiet: bool = False,
                 allow_filter: bool = True):  # fmt: skip
        self.registry = registry
        self._own_root = root is None
        self.root = Path(root) if root else Path(tempfile.mkdtemp(prefix="fakehub-git-"))
        self.repo = self.root / REPO
        self.quiet = quiet
        self.allow_filter = allow_filter
        self.keys: dict[str, str] = {}  # model id -> namespace key, for models with a git view
        self.problems: dict[str, str] = {}
        self.report: BuildReport | None = None
        self._lock = threading.Lock()
        self._refs: list[tuple[str, str]] = []
        # (namespace, Git-Protocol header) -> the http-backend's answer to GET info/refs: the view is
        # built once, before the first request, and never changes while served, so each model's ref
        # advertisement is computed once (git-upload-pack POSTs always run http-backend).
        self._adverts: dict[tuple[str, str], tuple[int, list[tuple[str, str]], bytes]] = {}
        self.advert_hits = 0

    # ---------------------------------------------------------------------------------------- build

    def ensure_built(self) -> None:
        with self._lock:
            if self.report is None:
                self.report = self._build()

    def build(self) -> BuildReport:
        self.ensure_built()
        assert self.report is not None
        return self.report

    def has(self, model: Model) -> bool:
        self.ensure_built()
        return model.id in self.keys

    def _build(self) -> BuildReport:
        started = time.monotonic()
        report = BuildReport()
        env = _git_env()
        subprocess.run(["git", "init", "--quiet", "--bare", str(self.repo)], check=True, env=env)
        for key, value in (("uploadpack.allowFilter", "true" if self.allow_filter else "false"), ("uploadpack.allowAnySHA1InWant", "true"),
                           ("http.uploadpack", "true"), ("core.logAllRefUpdates", "false"),
                           ("gc.auto", "0")):  # fmt: skip
            subprocess.run(["git", "-C", str(self.repo), "config", key, value], check=True, env=env)
        marks = self.root / "marks"
        proc = subprocess.Popen(
            ["git", "-C", str(self.repo), "fast-import", "--quiet", "--done", f"--export-marks={marks}"],
            stdin=subprocess.PIPE, env=env,
        )  # fmt: skip
        assert proc.stdin is not None
        expected: dict[int, str] = {}
        try:
            self._stream(proc.stdin, report, expected)
            proc.stdin.write(b"done\n")
            proc.stdin.close()
        except BrokenPipeError:
            pass
        if proc.wait() != 0:
            raise RuntimeError("fakehub: git fast-import failed while building the git view")
        got = {}
        for line in marks.read_text().splitlines():
            mark, sha = line.split()
            got[int(mark[1:])] = sha
        wrong = [m for m, sha in expected.items() if got.get(m) != sha]
        if wrong:
            raise RuntimeError(f"fakehub: git view: {len(wrong)} commits did not get their derived ids")
        subprocess.run(["git", "-C", str(self.repo), "update-ref", "-d", BUILD_REF], check=True, env=env)
        # Every model's refs in one packed-refs file (loose refs would cost a folder per model);
        # only each namespace's HEAD, a symbolic ref, must be a loose file.
        lines = sorted(self._refs, key=lambda item: item[0].encode("utf-8"))
        (self.repo / "packed-refs").write_text(
            "# pack-refs with: peeled fully-peeled sorted \n" + "".join(f"{sha} {ref}\n" for ref, sha in lines)
        )
        for model_id, key in self.keys.items():
            model = self.registry.get(model_id)
            assert model is not None
            branches = model.refs["branches"]
            default = "main" if "main" in branches else next(iter(branches), "main")
            head = self.repo / "refs" / "namespaces" / key / "HEAD"
            head.parent.mkdir(parents=True, exist_ok=True)
            head.write_text(f"ref: refs/namespaces/{key}/refs/heads/{default}\n")
        report.seconds = time.monotonic() - started
        report.skipped = len(self.problems)
        self._say_problems()
        return report

    def _say_problems(self) -> None:
        if self.quiet or not self.problems:
            return
        for n, (model_id, problem) in enumerate(sorted(self.problems.items())):
            if n == MAX_REPORTED:
                print(f"fakehub: ... and {len(self.problems) - MAX_REPORTED} more models served API-only",
                      file=sys.stderr, flush=True)  # fmt: skip
                break
            print(f"fakehub: {model_id}: no git view (served on the API as given): {problem}", file=sys.stderr, flush=True)

    def _stream(self, out: IO[bytes], report: BuildReport, expected: dict[int, str]) -> None:
        blob_marks: dict[str, int] = {}
        mark = 0
        for model in self.registry:
            commits = model.commits
            problem, derived = checked(model.raw)
            if problem:
                self.problems[model.id] = problem
                continue
            key = namespace_key(model.id)
            commit_marks: dict[str, int] = {}
            for commit, (cid, parents, _tree) in zip(commits, derived, strict=True):
                for change in commit.get("changes") or []:
                    if change.get("op") == "delete":
                        continue
                    oid = blob_oid(change)
                    if oid not in blob_marks:
                        mark += 1
                        blob_marks[oid] = mark
                        data = blob_bytes(change)
                        out.write(b"blob\nmark :%d\ndata %d\n" % (mark, len(data)))
                        out.write(data)
                        out.write(b"\n")
                        report.blobs += 1
                mark += 1
                commit_marks[cid] = mark
                expected[mark] = cid
                authors = [str(a) for a in commit.get("authors") or []]
                name = authors[0] if authors else ""
                person = f"{name} <{email(name)}> {git_seconds(commit['date'])} +0000".encode()
                message = commit_message(commit.get("title") or "", commit.get("message") or "", authors).encode()
                lines = []
                if not parents:
                    lines.append(b"reset %s\n" % BUILD_REF.encode())
                lines.append(b"commit %s\nmark :%d\nauthor %s\ncommitter %s\ndata %d\n" % (
                    BUILD_REF.encode(), mark, person, person, len(message)))  # fmt: skip
                lines.append(message)
                for i, parent in enumerate(parents):
                    ref = b":%d" % commit_marks[parent] if parent in commit_marks else parent.encode()
                    lines.append(b"%s %s\n" % (b"from" if i == 0 else b"merge", ref))
                for change in commit.get("changes") or []:
                    path = _quote(change["path"]).encode("utf-8")
                    if change.get("op") == "delete":
                        lines.append(b"D %s\n" % path)
                    else:
                        lines.append(b"M 100644 :%d %s\n" % (blob_marks[blob_oid(change)], path))
                lines.append(b"\n")
                out.write(b"".join(lines))
                report.commits += 1
            refs = model.refs
            pulls = (model.raw.get("refs") or {}).get("pullRequests") or {}
            named = [(f"refs/heads/{b}", t) for b, t in refs["branches"].items()]
            named += [(f"refs/tags/{t}", c) for t, c in refs["tags"].items()]
            named += [(f"refs/pr/{n}", c) for n, c in pulls.items()]
            known = {cid for cid, _, _ in derived}
            self._refs.extend((f"refs/namespaces/{key}/{ref}", target) for ref, target in named if target in known)
            self.keys[model.id] = key
            report.models += 1

    def close(self) -> None:
        if self._own_root:
            shutil.rmtree(self.root, ignore_errors=True)

    # ---------------------------------------------------------------------------------------- serve

    def serve(self, model: Model, method: str, service_path: str, query: str, headers: dict[str, str],
              body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:  # fmt: skip
        """Run ``git http-backend`` for one request on ``model``'s namespace: (status, headers, body).

        A successful ``GET info/refs`` is kept per namespace and protocol and answered from memory the
        next time (the advertisement of an unchanging repository is the same bytes every time)."""
        key = (self.keys[model.id], headers.get("git-protocol", ""))
        advert = method == "GET" and service_path == "info/refs"
        if advert and (cached := self._adverts.get(key)) is not None:
            with self._lock:
                self.advert_hits += 1
            return cached[0], list(cached[1]), cached[2]
        env = _git_env()
        env.update(
            GIT_PROJECT_ROOT=str(self.root),
            GIT_HTTP_EXPORT_ALL="1",
            GIT_NAMESPACE=self.keys[model.id],
            PATH_INFO=f"/{REPO}/{service_path}",
            QUERY_STRING=query,
            REQUEST_METHOD=method,
            CONTENT_TYPE=headers.get("content-type", ""),
            CONTENT_LENGTH=str(len(body)),
            REMOTE_ADDR="127.0.0.1",
        )
        if headers.get("git-protocol"):
            env["GIT_PROTOCOL"] = headers["git-protocol"]
        if headers.get("content-encoding"):
            env["HTTP_CONTENT_ENCODING"] = headers["content-encoding"]
        done = subprocess.run(["git", "http-backend"], input=body, capture_output=True, env=env)
        answer = parse_cgi(done.stdout, done.returncode, done.stderr)
        if advert and answer[0] == 200:
            self._adverts[key] = answer
        return answer


def parse_cgi(output: bytes, returncode: int, stderr: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
    head, sep, body = output.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = output.partition(b"\n\n")
    if not sep:
        message = stderr.decode("utf-8", "replace").strip().splitlines()
        text = message[-1] if message else f"git http-backend exited with {returncode}"
        return 500, [("Content-Type", "text/plain; charset=utf-8")], text.encode()
    status = 200
    headers: list[tuple[str, str]] = []
    for line in head.decode("latin-1").replace("\r\n", "\n").split("\n"):
        name, _, value = line.partition(":")
        if name.lower() == "status":
            status = int(value.strip().split()[0])
        elif name:
            headers.append((name.strip(), value.strip()))
    return status, headers, body


def _git_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_NOSYSTEM="1", HOME=env.get("HOME", "/nonexistent"), GIT_TERMINAL_PROMPT="0")
    env["GIT_CONFIG_GLOBAL"] = os.devnull
    return env


def parse_service(segments: Iterable[str]) -> str | None:
    """``info/refs`` or ``git-upload-pack`` from the segments after the id, else None."""
    segs = list(segments)
    if segs == ["info", "refs"]:
        return "info/refs"
    if segs == ["git-upload-pack"]:
        return "git-upload-pack"
    return None
