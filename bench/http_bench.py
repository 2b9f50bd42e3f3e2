"""(b) HTTP: the board read and the claim → submit → approve flow over 50 connections, against a
bare litestar endpoint reading the same rows from the same database, both served by granian with
the same worker count, each in a child process. As in production, the API runs with
`FAIRGIG_EMBEDDED_WORKERS=0` and the read models, escrow and timers run in a worker process of
their own (`fairgig worker all`), so the API process serves requests only.

The board is loaded with wrk (installed by `make bench`); the flow needs a bearer token per user
and three dependent requests per gig, so it is driven by a small asyncio + httpx client. Both
load generators share the machine's cores with the server and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import httpx
from litestar.security.jwt import Token

from bench.commands_bench import posted_gigs
from bench.harness import Context, Figure, Target, percentile
from bench.processes import child, free_port, granian, tree_peaks
from bench.stores import postgres_schema
from domain.actors import Actor
from domain.marketplace import Marketplace
from projections.registry import Projections
from projections.wakeup import PollingWakeup
from tests.conftest import FakeClock, database_for, postgres_env

SECRET = "bench-secret-" + "x" * 32
WORKERS = 2
BOARD_LIMIT = 20
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def token(account: UUID, role: str) -> str:
    exp = datetime.now(UTC) + timedelta(hours=2)
    return Token(sub=str(account), exp=exp, extras={"roles": [role]}).encode(SECRET, "HS256")


def wrk(url: str, seconds: float, connections: int, bearer: str) -> tuple[float, float, float]:
    """(requests/s, p50 ms, p99 ms) from wrk's latency distribution."""
    auth = f"Authorization: Bearer {bearer}"
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{int(seconds)}s", "--latency", "-H", auth, url],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 30,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def latency(label: str) -> float:
        m = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)\b", out)
        assert m is not None, out
        return float(m.group(1)) * _UNITS[m.group(2)]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"wrk saw {errors.group(1)} error responses from {url}")
    return rate, latency("50"), latency("99")


async def flow(
    base: str, gigs: list[UUID], employer: UUID, seconds: float, connections: int
) -> tuple[int, list[float], int]:
    """(requests, latencies in ms, errors): each client takes gigs off a shared queue and walks
    each through claim (its own student), submit, approve (the employer)."""
    queue: asyncio.Queue[UUID] = asyncio.Queue()
    for g in gigs:
        queue.put_nowait(g)
    boss = {"Authorization": f"Bearer {token(employer, 'employer')}"}
    latencies: list[float] = []
    errors = 0
    kinds: Counter[str] = Counter()
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)

    async def one(
        client: httpx.AsyncClient, method: str, path: str, headers: dict[str, str], body: object
    ) -> None:
        nonlocal errors
        started = time.perf_counter()
        response = await client.request(method, path, headers=headers, json=body)
        latencies.append((time.perf_counter() - started) * 1000)
        if response.status_code >= 300:
            errors += 1
            kinds[f"{path.rsplit('/', 1)[-1]} {response.status_code} {response.text[:80]}"] += 1

    async def worker(client: httpx.AsyncClient) -> None:
        student = {"Authorization": f"Bearer {token(uuid4(), 'student')}"}
        while time.perf_counter() < deadline and not queue.empty():
            gig = queue.get_nowait()
            await one(client, "POST", f"/gigs/{gig}/claim", student, None)
            await one(client, "POST", f"/gigs/{gig}/submission", student, {"url": "https://example.org/work"})
            await one(
                client, "POST", f"/gigs/{gig}/review", boss, {"decision": "approve", "feedback": "great"}
            )

    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        await asyncio.gather(*(worker(client) for _ in range(connections)))
    for kind, count in kinds.most_common(5):
        print(f"flow error x{count}: {kind}", file=sys.stderr)
    return len(latencies), latencies, errors


def settle(base: str, timeout: float = 180) -> None:
    """Wait until the worker process has followed the whole log (escrow, ledger, audit index and
    read models all at the head), so the setup's backlog is not measured as load."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        report = httpx.get(f"{base}/ready", timeout=10).json()
        rows = report.get("projections", [])
        if rows and all(row["lag_events"] == 0 for row in rows):
            return
        time.sleep(0.5)
    raise TimeoutError(f"the workers did not catch up within {timeout} s")


def run(ctx: Context) -> list[Figure]:
    if shutil.which("wrk") is None:
        ctx.notes.append("wrk is not installed (`make bench` installs it); skipped")
        return []
    sizes = ctx.sizes
    figures: list[Figure] = []
    with postgres_schema(ctx.postgres_dsn) as schema, tempfile.TemporaryDirectory() as tmp:
        env = postgres_env(schema)
        app = Marketplace(env, clock=FakeClock())
        employer = uuid4()
        expected_rate = 400
        gigs = posted_gigs(
            app,
            max(1_000, int(sizes.http_seconds * expected_rate / 3)),
            Actor.user(employer, "employer"),
            FakeClock(datetime.now(UTC)),
        )
        db = database_for(env)
        Projections(app, db, wakeup=PollingWakeup()).catch_up()
        db.close()
        app.close()
        server_env = {
            "FAIRGIG_DATABASE_URL": ctx.postgres_dsn,
            "FAIRGIG_DATABASE_SCHEMA": schema,
            "FAIRGIG_DATA_DIR": str(Path(tmp) / "var"),
            "FAIRGIG_JWT_SECRET": SECRET,
        }
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        board_url = f"{base}/gigs?limit={BOARD_LIMIT}"
        reader = token(uuid4(), "student")
        with child(granian("bench.bare_app:app_from_env", port, WORKERS), server_env, ready_url=board_url):
            bare, bare50, bare99 = wrk(board_url, sizes.http_seconds, sizes.http_connections, reader)
        api_env = {**server_env, "FAIRGIG_EMBEDDED_WORKERS": "0"}
        worker = [sys.executable, "-m", "api.cli", "worker", "all"]
        with (
            child(worker, server_env),
            child(granian("api.app:app_from_env", port, WORKERS), api_env, ready_url=f"{base}/health") as api,
        ):
            settle(base)
            ours, ours50, ours99 = wrk(board_url, sizes.http_seconds, sizes.http_connections, reader)
            started = time.perf_counter()
            requests, latencies, errors = asyncio.run(
                flow(base, gigs, employer, sizes.http_seconds, sizes.http_connections)
            )
            flow_rate = requests / (time.perf_counter() - started)
            peaks = tree_peaks(api.pid)
        c = sizes.http_connections
        label = f"{c} connections, granian {WORKERS} workers"
        figures += [
            Figure(
                "http",
                "postgres",
                f"ceiling: bare litestar GET /gigs ({BOARD_LIMIT} rows), {label}",
                bare,
                "req/s",
            ),
            Figure(
                "http",
                "postgres",
                f"GET /gigs ({BOARD_LIMIT} rows), {label}",
                ours,
                "req/s",
                "bare endpoint",
                bare,
                (Target("≥ 0.7 of the bare endpoint", minimum=0.7, on_ratio=True),),
            ),
            Figure("http", "postgres", "GET /gigs p50 / bare p50", ours50, "ms", "bare p50", bare50),
            Figure("http", "postgres", "GET /gigs p99 / bare p99", ours99, "ms", "bare p99", bare99),
            Figure("http", "postgres", f"claim → submit → approve, {label}", flow_rate, "req/s"),
            Figure("http", "postgres", "flow p50 per request", percentile(latencies, 50), "ms"),
            Figure(
                "http",
                "postgres",
                "flow p99 per request",
                percentile(latencies, 99),
                "ms",
                targets=(Target("p99 < 50 ms", maximum=50),),
            ),
        ]
        ctx.notes.append(
            f"flow: {requests:,} requests ({requests // 3:,} gigs), {errors} error responses; "
            f"API process tree peak RSS (MiB): {', '.join(f'{v:.0f}' for v in peaks.values())}"
        )
    return figures
