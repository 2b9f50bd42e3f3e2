"""Servers and workers run as child processes for the HTTP and memory benchmarks: started on
127.0.0.1, waited for, measured through /proc, and always stopped."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses; the fields after the last ')' do not.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            found.append(int(entry.name))
    return found


def tree(pid: int) -> list[int]:
    """`pid` and every descendant."""
    pids, queue = [], [pid]
    while queue:
        current = queue.pop()
        pids.append(current)
        queue.extend(_children(current))
    return pids


def peak_rss_mib(pid: int) -> float:
    """The high-water mark of resident memory (VmHWM) of one process, in MiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def tree_peaks(pid: int) -> dict[int, float]:
    return {p: peak_rss_mib(p) for p in tree(pid)}


BENCH_SECRET = "bench-secret-" + "x" * 32


def fairgig_env(dsn: str, schema: str, data_dir: str | Path) -> dict[str, str]:
    """What a fairgig process started by a benchmark needs: the benchmark's PostgreSQL schema,
    a data directory of its own and a fixed token secret (so the benchmark can sign tokens)."""
    return {
        "FAIRGIG_DATABASE_URL": dsn,
        "FAIRGIG_DATABASE_SCHEMA": schema,
        "FAIRGIG_DATA_DIR": str(Path(data_dir) / "var"),
        "FAIRGIG_JWT_SECRET": BENCH_SECRET,
    }


def process_env(env: dict[str, str]) -> dict[str, str]:
    """This process's environment with `env` added, and this checkout importable."""
    return {**os.environ, **env, "PYTHONPATH": str(ROOT)}


@contextmanager
def child(
    args: list[str], env: dict[str, str], *, ready_url: str | None = None, timeout: float = 60
) -> Iterator[subprocess.Popen[bytes]]:
    """Run `args` (a Python module or a server) with `env` added; wait for `ready_url` to answer.
    Its stdout is a pipe for the caller; its stderr goes to a file, so a chatty server never
    blocks on a full pipe."""
    full_env = process_env(env)
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(
            args, env=full_env, cwd=ROOT, stdout=subprocess.PIPE, stderr=errors, start_new_session=True
        )
        try:
            if ready_url is not None:
                _wait_until_up(proc, ready_url, timeout, errors)
            yield proc
        except Exception as e:
            # Whatever went wrong while it ran, what the process said is the first clue.
            errors.seek(0)
            e.add_note(f"{args[-1]}'s stderr, last lines:\n{errors.read()[-4000:].decode(errors='replace')}")
            raise
        finally:
            stop(proc)


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        # The server's own process group: granian's workers go with it, nothing else does.
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _wait_until_up(proc: subprocess.Popen[bytes], url: str, timeout: float, errors: IO[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            errors.seek(0)
            err = errors.read().decode(errors="replace")
            raise RuntimeError(f"{proc.args!r} exited with {proc.returncode!r}: {err[-2000:]}")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def granian(target: str, port: int, workers: int, *, factory: bool = True) -> list[str]:
    args = [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "asgi",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
    ]
    if factory:
        args.append("--factory")
    return [*args, target]
