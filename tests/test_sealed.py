"""The seal that tests/conftest.py puts on every test holds: no token, own HF_HOME, loopback only."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import huggingface_hub
import pytest
from huggingface_hub import constants

from hfaudit.cli.options import resolve_endpoint, resolve_token
from hfaudit.collect.crawl import Scope, crawl
from hfaudit.errors import HfauditError


def test_no_token_reaches_a_test(_sealed: Path) -> None:
    assert "HF_TOKEN" not in os.environ and "HUGGING_FACE_HUB_TOKEN" not in os.environ
    assert huggingface_hub.get_token() is None
    assert resolve_token(None) is None


def test_hf_home_is_the_tests_own_and_empty(_sealed: Path) -> None:
    assert os.environ["HF_HOME"] == str(_sealed) == constants.HF_HOME
    assert Path(constants.HF_HUB_CACHE).is_relative_to(_sealed)
    assert Path(constants.HF_TOKEN_PATH).is_relative_to(_sealed)
    assert list(_sealed.iterdir()) == []


def test_the_default_endpoint_is_a_closed_loopback_port() -> None:
    assert resolve_endpoint(None) == "http://127.0.0.1:9" == constants.ENDPOINT
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", 9), timeout=2).close()


def test_connections_beyond_loopback_are_refused() -> None:
    # 192.0.2.1 is TEST-NET-1 (never routed); the guard refuses before any packet is sent.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s, pytest.raises(ConnectionRefusedError, match="sealed"):
        s.connect(("192.0.2.1", 443))
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s, pytest.raises(ConnectionRefusedError, match="sealed"):
        s.connect(("huggingface.co", 443))


def test_output_width_and_telemetry_are_fixed() -> None:
    assert os.environ["COLUMNS"] == "120"
    assert constants.HF_HUB_DISABLE_TELEMETRY is True
    assert constants.HF_HUB_OFFLINE is False  # the fake Hub is reached through huggingface_hub


def test_offline_mode_is_refused_in_one_line_before_the_store_is_made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Why the seal leaves HF_HUB_OFFLINE off: huggingface_hub then refuses loopback too. A user who
    # has it set gets one line (it used to be an OfflineModeIsEnabled traceback).
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    db = tmp_path / "never.duckdb"
    with pytest.raises(HfauditError, match=r"^HF_HUB_OFFLINE is set: a crawl needs the Hub") as info:
        crawl(str(db), "http://127.0.0.1:9", Scope())
    assert info.value.code == 2 and "\n" not in str(info.value)
    assert not db.exists()
