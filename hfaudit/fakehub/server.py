"""The fake Hub over real HTTP/1.1 on loopback, with socket-level faults.

``start_server(registry)`` runs it in a background thread (tests, the demo, the crawler's own tests)::

    with start_server("registry.jsonl", fault_schedule="3:500") as hub:
        api = HfApi(endpoint=hub.url)
        ...
        hub.stats()          # the same dict as GET /_fakehub/stats

``serve_forever(...)`` is what ``hfaudit fakehub serve`` runs: it prints ``http://127.0.0.1:PORT`` as the
first line on stdout and stops on SIGTERM or SIGINT.

Faults the handler cannot express as a status are done here: ``reset`` closes the socket with
SO_LINGER 0 (the peer sees a connection reset), ``timeout`` stalls without answering for
``timeout_stall_s`` seconds and then closes, ``truncate`` announces the full Content-Length, sends
half of the body and closes.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl

from hfaudit.errors import HfauditError
from hfaudit.fakehub.app import FakeHub
from hfaudit.fakehub.limits import HubOptions, parse_fault_rates, parse_fault_schedule, parse_quota
from hfaudit.fakehub.registry import Registry


def build_options(
    *,
    latency_ms: float = 0.0,
    quotas: Iterable[str] | dict[str, tuple[int, float]] = (),
    faults: str | dict[str, float] = "",
    fault_seed: int = 0,
    fault_schedule: str | dict[int, str] = "",
    anonymous_404_as_401: bool = False,
    token_access: Iterable[str] = (),
    timeout_stall_s: float = 12.0,
    git_allow_filter: bool = True,
) -> HubOptions:
    """Options from CLI-style strings or ready values (raises ``OptionError`` on bad strings)."""
    if isinstance(quotas, dict):
        quota_map = dict(quotas)
    else:
        quota_map = {}
        for text in quotas:
            bucket, calls, seconds = parse_quota(text)
            quota_map[bucket] = (calls, seconds)
    rates = parse_fault_rates(faults) if isinstance(faults, str) else dict(faults)
    schedule = (
        parse_fault_schedule(fault_schedule) if isinstance(fault_schedule, str) else dict(fault_schedule)
    )
    defaults = HubOptions()
    return HubOptions(
        latency_ms=float(latency_ms),
        quotas={**defaults.quotas, **quota_map},
        fault_rates=rates,
        fault_seed=int(fault_seed),
        fault_schedule=schedule,
        anonymous_404_as_401=anonymous_404_as_401,
        token_access=tuple(token_access),
        timeout_stall_s=float(timeout_stall_s),
        git_allow_filter=git_allow_filter,
    )


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm and the
    # client's delayed ACK add ~40 ms to every keep-alive response.
    disable_nagle_algorithm = True
    server_version = "fakehub"
    sys_version = ""
    hub: FakeHub  # set on the subclass made per server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        return

    def _run(self) -> None:
        raw_path, _, raw_query = self.path.partition("?")
        if raw_path.startswith(("http://", "https://")):
            raw_path = "/" + raw_path.split("/", 3)[3] if raw_path.count("/") >= 3 else "/"
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            body = self._read_chunked()  # git sends large upload-pack requests chunked
        else:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length > 0 else b""
        response = self.hub.handle(
            self.command,
            raw_path,
            parse_qsl(raw_query, keep_blank_values=True),
            list(self.headers.items()),
            body,
        )
        if response.fault == "reset":
            self._reset()
            return
        if response.fault == "timeout":
            time.sleep(self.hub.options.timeout_stall_s)
            self._reset()
            return
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.end_headers()
        chunks = [response.body] if isinstance(response.body, bytes | bytearray) else response.body
        try:
            if response.fault == "truncate":
                data = (
                    b"".join(chunks)
                    if isinstance(response.body, bytes | bytearray)
                    else next(iter(chunks), b"")
                )
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self._reset()
                return
            for chunk in chunks:
                if chunk:
                    self.wfile.write(chunk)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _read_chunked(self) -> bytes:
        parts: list[bytes] = []
        while True:
            size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(parts)
            parts.append(self.rfile.read(size))
            self.rfile.readline()

    def _reset(self) -> None:
        """Drop the connection with a TCP RST. The socket's file objects are closed first: while
        they hold it, ``socket.close()`` would leave the descriptor (and the client) hanging."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        for stream in (self.wfile, self.rfile):
            try:
                stream.close()
            except OSError:
                pass
        self.connection.close()

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = _run


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False


class ServerHandle:
    """A running fake Hub: ``.url``, ``.hub``, ``.stats()``, ``.stop()``; usable as a context manager."""

    def __init__(self, hub: FakeHub, host: str = "127.0.0.1", port: int = 0):
        handler = type("FakeHubHandler", (_Handler,), {"hub": hub})
        self.hub = hub
        self._server = _Server((host, port), handler)
        address = self._server.server_address
        self.host, self.port = str(address[0]), int(address[1])
        self.url = f"http://{self.host}:{self.port}"
        self._thread: threading.Thread | None = None

    def start(self) -> ServerHandle:
        self.hub.git.ensure_built()  # the git view is built before the first request is accepted
        self._thread = threading.Thread(target=self._server.serve_forever, name="fakehub", daemon=True)
        self._thread.start()
        return self

    def stats(self) -> dict[str, Any]:
        return self.hub.stats.snapshot()

    def reset_stats(self) -> None:
        self.hub.stats.reset()
        self.hub.limiter.reset()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.hub.git.close()

    def __enter__(self) -> ServerHandle:
        return self

    def __exit__(
        self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]
    ) -> None:
        self.stop()


def _make_hub(registry_or_path: Registry | FakeHub | str | Path, options: HubOptions | None, kwargs: dict[str, Any]
              ) -> FakeHub:  # fmt: skip
    if isinstance(registry_or_path, FakeHub):
        return registry_or_path
    return FakeHub(registry_or_path, options=options or build_options(**kwargs))


def start_server(
    registry_or_path: Registry | FakeHub | str | Path,
    port: int = 0,
    *,
    host: str = "127.0.0.1",
    options: HubOptions | None = None,
    **kwargs: Any,
) -> ServerHandle:
    """Serve a registry (or a ready ``FakeHub``) in a background thread; keyword args as ``build_options``."""
    return ServerHandle(_make_hub(registry_or_path, options, kwargs), host, port).start()


def serve_forever(
    registry_or_path: Registry | str | Path,
    port: int = 0,
    *,
    host: str = "127.0.0.1",
    options: HubOptions | None = None,
    **kwargs: Any,
) -> None:
    """Serve until SIGTERM/SIGINT; the first line on stdout is the URL."""
    handle = ServerHandle(_make_hub(registry_or_path, options, kwargs), host, port)
    handle.hub.git.ensure_built()
    report = handle.hub.git.report
    if report is not None:
        print(f"fakehub: git view: {report.models} models, {report.commits} commits, {report.blobs} blobs "
              f"built in {report.seconds:.1f} s ({report.skipped} API-only)", file=sys.stderr, flush=True)  # fmt: skip
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    handle.start()
    print(handle.url, flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        handle.stop()
        for sig, old in previous.items():
            signal.signal(sig, old)
        print("fakehub: stopped", file=sys.stderr, flush=True)


@contextlib.contextmanager
def served(registry: Path, *extra: str) -> Iterator[str]:
    """Run ``hfaudit fakehub serve`` in a subprocess; yield its URL; stop it whatever happens."""
    cmd = [sys.executable, "-m", "hfaudit", "fakehub", "serve", "--registry", str(registry), "--port", "0", *extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if not line.startswith("http://127.0.0.1:"):
            err = proc.stderr.read().strip().splitlines() if proc.stderr else []
            raise HfauditError(f"the fake Hub did not start: {err[-1] if err else line or 'no output'}")
        yield line
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
