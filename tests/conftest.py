"""Every test runs sealed: its own empty ``HF_HOME``, no token, no route to the real Hub, fixed width.

The crawl tests talk to the fake Hub on 127.0.0.1 *through huggingface_hub*, and huggingface_hub's
``HF_HUB_OFFLINE=1`` refuses every request, loopback included. So "offline" here means: the default
endpoint (``HF_ENDPOINT``) is a closed loopback port, so anything that forgets ``--endpoint`` fails at
once instead of reaching huggingface.co, and a socket guard refuses any connection that is not to
the loopback interface (in this process; subprocesses inherit the environment, not the guard).

huggingface_hub reads its environment once, at import, into ``huggingface_hub.constants``: the
environment is set here, when pytest loads this file before any test module, and the constants that
name paths are patched again for every test.
"""

from __future__ import annotations

import atexit
import ipaddress
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Nothing listens on the discard port: a request that was not given the fake Hub's URL fails fast.
DEAD_ENDPOINT = "http://127.0.0.1:9"
WIDTH = "120"
TOKEN_VARS = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH", "HF_STORED_TOKENS_PATH")
# Variables that would move the cache, force colour or change what huggingface_hub sends.
DROPPED_VARS = (
    *TOKEN_VARS,
    "HF_HUB_CACHE",
    "HUGGINGFACE_HUB_CACHE",
    "HF_ASSETS_CACHE",
    "HF_XET_CACHE",
    "FORCE_COLOR",
    "TTY_COMPATIBLE",
    "TTY_INTERACTIVE",
    "HFAUDIT_DB",  # the --db default: a test names its store
)

_session_home = tempfile.mkdtemp(prefix="hfaudit-tests-hf-home-")
atexit.register(shutil.rmtree, _session_home, ignore_errors=True)
for _var in DROPPED_VARS:
    os.environ.pop(_var, None)
os.environ.update(
    {
        "HF_HOME": _session_home,
        "HF_ENDPOINT": DEAD_ENDPOINT,
        "HF_HUB_OFFLINE": "0",  # see above: offline mode would refuse the fake Hub too
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1",
        "HF_HUB_DISABLE_XET": "1",
        "COLUMNS": WIDTH,
    }
)


def _loopback(address: Any, family: int) -> bool:
    if family not in (socket.AF_INET, socket.AF_INET6):
        return True  # unix sockets and the like never leave the machine
    host = address[0] if isinstance(address, tuple) else address
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it would be resolved and reached outside


_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex


def _guarded_connect(self: socket.socket, address: Any) -> None:
    if not _loopback(address, self.family):
        raise ConnectionRefusedError(f"tests are sealed: no network beyond 127.0.0.1 (tried {address!r})")
    _connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    if not _loopback(address, self.family):
        raise ConnectionRefusedError(f"tests are sealed: no network beyond 127.0.0.1 (tried {address!r})")
    return _connect_ex(self, address)


@pytest.fixture(autouse=True)
def _sealed(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh ``HF_HOME`` (and huggingface_hub's paths under it), no token, the guard, fixed width."""
    home = tmp_path_factory.mktemp("hf_home")
    for var in DROPPED_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HF_HOME", str(home))
    monkeypatch.setenv("HF_ENDPOINT", DEAD_ENDPOINT)
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    monkeypatch.setenv("HF_HUB_DISABLE_IMPLICIT_TOKEN", "1")
    monkeypatch.setenv("COLUMNS", WIDTH)
    from huggingface_hub import constants

    hub = home / "hub"
    for name, value in (
        ("HF_HOME", str(home)),
        ("HF_HUB_CACHE", str(hub)),
        ("HUGGINGFACE_HUB_CACHE", str(hub)),
        ("HF_ASSETS_CACHE", str(home / "assets")),
        ("HUGGINGFACE_ASSETS_CACHE", str(home / "assets")),
        ("HF_XET_CACHE", str(home / "xet")),
        ("HF_TOKEN_PATH", str(home / "token")),
        ("HF_STORED_TOKENS_PATH", str(home / "stored_tokens")),
        ("ENDPOINT", DEAD_ENDPOINT),
        ("HF_HUB_OFFLINE", False),
        ("HF_HUB_DISABLE_TELEMETRY", True),
        ("HF_HUB_DISABLE_IMPLICIT_TOKEN", True),
        ("HF_HUB_DISABLE_XET", True),
    ):
        monkeypatch.setattr(constants, name, value, raising=False)
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)
    yield home
