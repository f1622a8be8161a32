"""End to end: `cxhub serve --demo` on a fresh data directory prints a login and a token that
work against the real server. Runs the installed console script in a subprocess on SQLite,
whatever database the rest of the suite uses."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.nodb  # its own SQLite data directory, whatever engine the suite runs

STARTUP_TIMEOUT = 180.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _cxhub_command() -> list[str]:
    script = Path(sys.executable).with_name("cxhub")
    if script.exists():
        return [str(script)]
    found = shutil.which("cxhub")
    if found:
        return [found]
    return [sys.executable, "-c", "from cxhub.cli import main; main()"]


def _get(url: str, token: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url)  # noqa: S310 - a loopback URL built by the test
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    data_dir = tmp_path_factory.mktemp("serve-demo")
    port = _free_port()
    log = data_dir / "stdout.txt"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CXHUB_")}
    env.update({"PYTHONUNBUFFERED": "1", "CXHUB_ENVIRONMENT": "development"})
    command = [
        *_cxhub_command(),
        "serve",
        "--demo",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
    ]
    with log.open("w") as out:
        process = subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
            command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=data_dir
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"cxhub serve exited with {process.returncode}:\n{log.read_text()}")
            try:
                if _get(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"/healthz not ready after {STARTUP_TIMEOUT}s:\n{log.read_text()}")
            time.sleep(0.2)
        yield base, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_serve_demo_prints_a_login_and_a_working_token(server: tuple[str, Path]) -> None:
    base, log = server
    output = log.read_text()
    assert "Demo workspace: lumora-demo" in output
    assert re.search(r"as admin@lumora\.example / \S{10,}", output), output
    token_line = re.search(r"^API token: (cxh_\S+)$", output, re.MULTILINE)
    assert token_line, output
    status, body = _get(f"{base}/api/v1/contacts?limit=5", token_line.group(1))
    assert status == 200, body
    assert len(json.loads(body)["items"]) == 5
    assert _get(f"{base}/api/v1/contacts", "cxh_not-a-token")[0] == 401
