"""`hfaudit fakehub serve` / `import-trees` as a user runs them: a subprocess, its stdout and exit code."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests import fakehub_support as fs


def hfaudit(*args: str) -> list[str]:
    return [sys.executable, "-m", "hfaudit", "fakehub", *args]


def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    return {**clean, "HF_HOME": str(tmp_path / "hf"), "HF_HUB_DISABLE_XET": "1", "COLUMNS": "120"}


def test_serve_prints_url_first_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    registry = fs.write_registry(tmp_path / "r.jsonl")
    proc = subprocess.Popen(
        hfaudit(
            "serve",
            "--registry",
            str(registry),
            "--port",
            "0",
            "--quota",
            "api=100/60",
            "--fault-schedule",
            "2:503",
        ),  # fmt: skip
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(tmp_path),
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(f"{url}/api/models/acme/base", timeout=30) as response:
            assert json.load(response)["id"] == "acme/base"
            assert response.headers["RateLimit-Policy"] == '"fixed window";"api";q=100;w=60'
        with pytest.raises(urllib.error.HTTPError) as failed:
            urllib.request.urlopen(f"{url}/api/models/acme/base", timeout=30)
        assert failed.value.code == 503
        with urllib.request.urlopen(f"{url}/_fakehub/stats", timeout=30) as response:
            assert json.load(response)["status"] == {"200": 1, "503": 1}
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    assert proc.returncode == 0


@pytest.mark.parametrize(
    "args",
    [
        ["--quota", "pages=1/1"],
        ["--faults", "418:0.5"],
        ["--fault-schedule", "x:500"],
    ],
)
def test_serve_bad_flags_exit_2_with_one_line(tmp_path: Path, args: list[str]) -> None:
    registry = fs.write_registry(tmp_path / "r.jsonl")
    done = subprocess.run(hfaudit("serve", "--registry", str(registry), *args), capture_output=True, text=True,
                          env=env(tmp_path), timeout=60)  # fmt: skip
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and done.stderr.startswith("hfaudit: error:")


def test_serve_unreadable_registry_exits_2(tmp_path: Path) -> None:
    done = subprocess.run(hfaudit("serve", "--registry", str(tmp_path / "missing.jsonl")), capture_output=True,
                          text=True, env=env(tmp_path), timeout=60)  # fmt: skip
    assert done.returncode == 2 and "cannot read registry" in done.stderr


def test_import_trees_missing_dir_exits_2(tmp_path: Path) -> None:
    done = subprocess.run(hfaudit("import-trees", str(tmp_path / "nope"), "--out", str(tmp_path / "o.jsonl")),
                          capture_output=True, text=True, env=env(tmp_path), timeout=60)  # fmt: skip
    assert done.returncode == 2 and "not a directory" in done.stderr
