"""(b) HTTP: the board read and the claim → submit → approve flow over 50 connections, against a
bare litestar endpoint reading the same rows from the same database, both served by granian with
the same worker count, each in a child process. As in production, the API runs with
`FAIRGIG_EMBEDDED_WORKERS=0` and the read models, escrow and timers run in a worker process of
their own (`fairgig worker all`), so the API process serves requests only.

The board is loaded with wrk (installed by `make bench`). The flow needs a bearer token per user
and three dependent requests per gig: wrk drives it with `bench/flow.lua` and one thread per
connection (a closed loop), and a small asyncio + httpx client paces it (an open loop, which wrk
cannot do). The load generators share the machine's cores with the server and PostgreSQL. The
bare endpoint and the API serve side by side and take the board's load in alternating rounds, so
whatever else the machine is doing meanwhile weighs on both alike.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, deque
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import httpx
from litestar.security.jwt import Token

from bench.commands_bench import posted_gigs
from bench.harness import Context, Figure, Target, percentile
from bench.processes import BENCH_SECRET, child, fairgig_env, free_port, granian, tree_peaks
from bench.stores import postgres_schema
from domain.actors import Actor
from domain.marketplace import Marketplace
from projections.registry import Projections
from projections.wakeup import PollingWakeup
from tests.conftest import FakeClock, database_for, postgres_env

SECRET = BENCH_SECRET
WORKERS = 2
BOARD_LIMIT = 20
BOARD_ROUNDS = 3
"""Rounds of board load per endpoint, alternating bare, ours, bare, ours, ..."""
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}
FLOW_STEPS = ("claim", "submission", "review")
OPEN_LOOP_SHARE = 0.3
"""The open loop's arrival rate as a share of the throughput the closed loop reached: well inside
it, as its client (httpx, ~3 ms of CPU per request) takes a share of the server's two cores that
grows with the rate, where wrk's closed loop takes ~0.2 ms."""
FLOW_SCRIPT = Path(__file__).with_name("flow.lua")
CLOSED_LOOP_CEILING = 1_500
"""Flow requests/s the closed loop is given gigs for: above what it reaches, so it never runs dry."""


def token(account: UUID, role: str) -> str:
    exp = datetime.now(UTC) + timedelta(hours=2)
    return Token(sub=str(account), exp=exp, extras={"roles": [role]}).encode(SECRET, "HS256")


@dataclass(frozen=True)
class WrkRun:
    rate: float
    """Requests/s over the run."""
    p50: float
    p99: float
    output: str


def wrk(
    url: str,
    seconds: float,
    connections: int,
    *,
    bearer: str | None = None,
    script: tuple[Path, Path] | None = None,
) -> WrkRun:
    """Load `url` with wrk for `seconds`: the same request over and over with `bearer`, or
    what a Lua `script` makes of its plan file (`script` is (script, plan)) with one thread per
    connection, so each connection's requests follow one another as one client's would."""
    args = ["wrk", f"-c{connections}", f"-d{int(seconds)}s", "--latency"]
    if bearer is not None:
        args += ["-t2", "-H", f"Authorization: Bearer {bearer}", url]
    if script is not None:
        lua, plan = script
        args += [f"-t{connections}", "-s", str(lua), url, "--", str(plan)]
    out = subprocess.run(args, capture_output=True, text=True, check=True, timeout=seconds + 30).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def latency(label: str) -> float:
        m = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)\b", out)
        assert m is not None, out
        return float(m.group(1)) * _UNITS[m.group(2)]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"wrk saw {errors.group(1)} error responses from {url}:\n{out}")
    return WrkRun(rate, latency("50"), latency("99"), out)


def board_rounds(
    bare_url: str, ours_url: str, seconds: float, connections: int, bearer: str
) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
    """(requests/s, p50 ms, p99 ms) of the bare endpoint and of ours, each loaded in
    `BOARD_ROUNDS` rounds taking turns: the mean rate and the median percentiles of its rounds."""
    each = max(1, round(seconds / BOARD_ROUNDS))
    runs: dict[str, list[tuple[float, float, float]]] = {bare_url: [], ours_url: []}
    for _ in range(BOARD_ROUNDS):
        for url in (bare_url, ours_url):
            run = wrk(url, each, connections, bearer=bearer)
            runs[url].append((run.rate, run.p50, run.p99))

    def summary(rounds: list[tuple[float, float, float]]) -> tuple[float, float, float]:
        rates, p50s, p99s = zip(*rounds, strict=True)
        return sum(rates) / len(rates), percentile(p50s, 50), percentile(p99s, 50)

    return summary(runs[bare_url]), summary(runs[ours_url])


@dataclass(frozen=True)
class ClosedFlow:
    """The flow as wrk drove it: every connection walking gigs with no pause."""

    run: WrkRun
    walks: int
    failures: int


def closed_flow(
    base: str, gigs: list[UUID], employer: UUID, seconds: float, connections: int, plan: Path
) -> ClosedFlow:
    """Walk `gigs` through claim (a student per connection), submit and approve (the employer)
    over `connections` connections for `seconds`, driven by wrk and bench/flow.lua: a closed
    loop, so the latency it reports is mostly how deep the server's queue is."""
    lines = [f"E {token(employer, 'employer')}"]
    lines += [f"S {token(uuid4(), 'student')}" for _ in range(connections)]
    lines += [f"G {gig}" for gig in gigs]
    plan.write_text("\n".join(lines) + "\n")
    run = wrk(base, seconds, connections, script=(FLOW_SCRIPT, plan))
    m = re.search(r"flow walks (\d+) failures claim (\d+) submission (\d+) review (\d+)", run.output)
    assert m is not None, run.output
    walks, *failed = (int(n) for n in m.groups())
    if len(gigs) < walks + connections:
        raise RuntimeError(f"the closed loop ran out of gigs ({len(gigs):,}); raise CLOSED_LOOP_CEILING")
    return ClosedFlow(run, walks, sum(failed))


@dataclass
class FlowRun:
    """What one paced drive of the flow saw: each step's latencies in ms, keyed by the step's
    path."""

    seconds: float
    latencies: dict[str, list[float]]
    errors: int
    rate: float
    """Flows started per second."""

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    @property
    def every(self) -> list[float]:
        return [ms for v in self.latencies.values() for ms in v]

    def summary(self) -> str:
        steps = ", ".join(
            f"{step} p50 {percentile(ms, 50):.0f} / p99 {percentile(ms, 99):.0f} ms"
            for step, ms in self.latencies.items()
        )
        walked = len(self.latencies[FLOW_STEPS[0]])
        return f"{self.requests:,} requests ({walked:,} gigs), {self.errors} errors; {steps}"


async def paced_flow(
    base: str, gigs: list[UUID], employer: UUID, seconds: float, connections: int, rate: float
) -> FlowRun:
    """Walk gigs off a shared queue through claim (a student of their own), submit, approve (the
    employer), over at most `connections` connections, a gig's walk starting every 1/`rate` s
    whatever the server does (an open loop, which wrk cannot do). Each first request's latency
    is counted from when it was due, not from when a connection came free, so a server that
    falls behind shows in the figure instead of slowing the arrivals."""
    queue: deque[UUID] = deque(gigs)
    boss = {"Authorization": f"Bearer {token(employer, 'employer')}"}
    latencies: dict[str, list[float]] = {step: [] for step in FLOW_STEPS}
    errors = 0
    kinds: Counter[str] = Counter()

    async def one(
        client: httpx.AsyncClient, step: str, gig: UUID, headers: dict[str, str], body: object, due: float
    ) -> None:
        nonlocal errors
        response = await client.post(f"/gigs/{gig}/{step}", headers=headers, json=body)
        latencies[step].append((time.perf_counter() - due) * 1000)
        if response.status_code >= 300:
            errors += 1
            kinds[f"{step} {response.status_code} {response.text[:80]}"] += 1

    async def walk(client: httpx.AsyncClient, gig: UUID, student: dict[str, str], due: float) -> None:
        await one(client, "claim", gig, student, None, due)
        work = {"url": "https://example.org/work"}
        await one(client, "submission", gig, student, work, time.perf_counter())
        review = {"decision": "approve", "feedback": "great"}
        await one(client, "review", gig, boss, review, time.perf_counter())

    async def walk_when_free(
        free: asyncio.Queue[httpx.AsyncClient], gig: UUID, student: dict[str, str], due: float
    ) -> None:
        client = await free.get()
        try:
            await walk(client, gig, student, due)
        finally:
            free.put_nowait(client)

    async def paced(clients: list[httpx.AsyncClient], deadline: float, per_second: float) -> None:
        free: asyncio.Queue[httpx.AsyncClient] = asyncio.Queue()
        for client in clients:
            free.put_nowait(client)
        walks: list[asyncio.Task[None]] = []
        start = time.perf_counter()
        n = 0
        while queue:
            due = start + n / per_second
            if due >= deadline:
                break
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            student = {"Authorization": f"Bearer {token(uuid4(), 'student')}"}
            walks.append(asyncio.create_task(walk_when_free(free, queue.popleft(), student, due)))
            n += 1
        await asyncio.gather(*walks)

    # A client of one connection each: one pool of `connections` costs the load generator several
    # times the CPU per request (it scans the pool on every request), and that CPU is the server's.
    single = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(httpx.AsyncClient(base_url=base, limits=single, timeout=30))
            for _ in range(connections)
        ]
        started = time.perf_counter()
        deadline = started + seconds
        await paced(clients, deadline, rate)
        elapsed = time.perf_counter() - started
    for kind, count in kinds.most_common(5):
        print(f"flow error x{count}: {kind}", file=sys.stderr)
    return FlowRun(elapsed, latencies, errors, rate)


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
        # Gigs for the closed loop at its ceiling, and for the open loop at half of it.
        for_closed = int(sizes.http_seconds * CLOSED_LOOP_CEILING / len(FLOW_STEPS))
        gigs = posted_gigs(
            app, for_closed * 3 // 2, Actor.user(employer, "employer"), FakeClock(datetime.now(UTC))
        )
        db = database_for(env)
        Projections(app, db, wakeup=PollingWakeup()).catch_up()
        db.close()
        app.close()
        server_env = fairgig_env(ctx.postgres_dsn, schema, tmp)
        port, bare_port = free_port(), free_port()
        base = f"http://127.0.0.1:{port}"
        board_url = f"{base}/gigs?limit={BOARD_LIMIT}"
        bare_url = f"http://127.0.0.1:{bare_port}/gigs?limit={BOARD_LIMIT}"
        reader = token(uuid4(), "student")
        api_env = {**server_env, "FAIRGIG_EMBEDDED_WORKERS": "0"}
        worker = [sys.executable, "-m", "api.cli", "worker", "all"]
        bare_server = granian("bench.bare_app:app_from_env", bare_port, WORKERS)
        with (
            child(worker, server_env),
            child(granian("api.app:app_from_env", port, WORKERS), api_env, ready_url=f"{base}/health") as api,
            child(bare_server, server_env, ready_url=bare_url),
        ):
            settle(base)
            (bare, bare50, bare99), (ours, ours50, ours99) = board_rounds(
                bare_url, board_url, sizes.http_seconds, sizes.http_connections, reader
            )
            c = sizes.http_connections
            plan = Path(tmp) / "flow-plan.txt"
            closed = closed_flow(base, gigs[:for_closed], employer, sizes.http_seconds, c, plan)
            # The open loop starts caught up, as the closed one did, with gigs of its own.
            settle(base)
            walks = closed.run.rate / len(FLOW_STEPS) * OPEN_LOOP_SHARE
            left = gigs[for_closed:]
            paced = asyncio.run(paced_flow(base, left, employer, sizes.http_seconds, c, walks))
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
            *flow_figures(closed, paced, label),
        ]
        ctx.notes.append(
            f"flow, closed loop (wrk): {closed.walks:,} gigs walked, {closed.failures} failed "
            f"requests; open loop at {paced.rate:.0f} gigs/s: "
            f"{paced.summary()}; API process tree peak RSS (MiB): "
            f"{', '.join(f'{v:.0f}' for v in peaks.values())}"
        )
    return figures


def flow_figures(closed: ClosedFlow, paced: FlowRun, label: str) -> list[Figure]:
    """The closed loop's throughput and latencies (with the issue's target), then the latencies
    of each step and of all at a paced arrival rate well inside that throughput."""
    figures = [
        Figure("http", "postgres", f"claim → submit → approve (wrk), {label}", closed.run.rate, "req/s"),
        Figure("http", "postgres", "flow p50 per request", closed.run.p50, "ms"),
        Figure(
            "http",
            "postgres",
            "flow p99 per request",
            closed.run.p99,
            "ms",
            targets=(Target("p99 < 50 ms", maximum=50),),
        ),
    ]
    figures += [
        Figure("http", "postgres", f"open loop: p99 of POST /gigs/{{id}}/{step}", percentile(ms, 99), "ms")
        for step, ms in paced.latencies.items()
    ]
    every = paced.every
    rate = f"open loop, {paced.rate:.0f} gigs/s ({paced.rate * len(FLOW_STEPS):.0f} req/s offered)"
    figures += [
        Figure("http", "postgres", f"flow p50 per request, {rate}", percentile(every, 50), "ms"),
        Figure("http", "postgres", f"flow p99 per request, {rate}", percentile(every, 99), "ms"),
    ]
    return figures
