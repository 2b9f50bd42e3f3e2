"""The README's curl walk-through, run as written against `fairgig serve` in its own process."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _walkthrough() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## A walk-through with curl", 1)[1]
    match = re.search(r"```sh\n(.*?)```", section, re.S)
    assert match, "the README lost its walk-through"
    return match.group(1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    # A crash of the server (a segfault in an extension) prints every thread's stack.
    env = {**os.environ, "FAIRGIG_DATA_DIR": str(tmp_path), "PORT": str(port), "PYTHONFAULTHANDLER": "1"}
    env.pop("FAIRGIG_DATABASE_URL", None)
    fairgig = Path(sys.executable).with_name("fairgig")
    proc = subprocess.Popen(
        [str(fairgig), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/health", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("fairgig serve did not come up")
        yield base
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=10)
        print(output.decode(errors="replace")[-40000:])


@pytest.mark.skipif(
    not (shutil.which("curl") and shutil.which("jq")), reason="the walk-through needs curl and jq"
)
def test_the_readme_walkthrough_ends_with_the_student_paid(server: str) -> None:
    script = _walkthrough().replace("BASE=http://127.0.0.1:8000", f"BASE={server}")
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert '"status": "paid"' in result.stdout
    assert '"paid_to_student": {\n      "amount": 40000' in result.stdout
