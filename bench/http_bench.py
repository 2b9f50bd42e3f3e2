"""(b) HTTP: the board read and the claim → submit → approve flow over 50 connections, against a
bare litestar endpoint reading the same rows from the same database, both served by granian with
the same worker count, each in a child process. As in production, the API runs with
`FAIRGIG_EMBEDDED_WORKERS=0` and the read models, escrow and timers run in a worker process of
their own (`fairgig worker all`), so the API process serves requests only.

The board is loaded with wrk (installed by `make bench`). The flow needs a bearer token per user
and three dependent requests per gig: wrk drives it with `bench/flow.lua` and one thread per
connection, first as a closed loop (every connection walking gigs with no pause: its throughput),
then paced at a fixed offered rate (an open loop: the latency a user sees at that load, with a
late start counted against the server). The load generators share the machine's cores with the
server and PostgreSQL. The bare endpoint and the API serve side by side and take the board's load
in alternating rounds, so whatever else the machine is doing meanwhile weighs on both alike.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import time
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
PACED_RATE = 200
"""Flow requests/s offered by the open loop: the command rate of the lag target."""
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
    args: tuple[str, ...] = (),
) -> WrkRun:
    """Load `url` with wrk for `seconds`: the same request over and over with `bearer`, or
    what a Lua `script` makes of its plan file (`script` is (script, plan)) with one thread per
    connection, so each connection's requests follow one another as one client's would; `args`
    go to the script after the plan."""
    command = ["wrk", f"-c{connections}", f"-d{int(seconds)}s", "--latency"]
    if bearer is not None:
        command += ["-t2", "-H", f"Authorization: Bearer {bearer}", url]
    if script is not None:
        lua, plan = script
        command += [f"-t{connections}", "-s", str(lua), url, "--", str(plan), *args]
    out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 30).stdout
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


def write_plan(plan: Path, employer: UUID, gigs: list[UUID], connections: int) -> None:
    """bench/flow.lua's plan: the employer's bearer, a student's per connection, the gigs."""
    lines = [f"E {token(employer, 'employer')}"]
    lines += [f"S {token(uuid4(), 'student')}" for _ in range(connections)]
    lines += [f"G {gig}" for gig in gigs]
    plan.write_text("\n".join(lines) + "\n")


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
    write_plan(plan, employer, gigs, connections)
    run = wrk(base, seconds, connections, script=(FLOW_SCRIPT, plan))
    m = re.search(r"flow walks (\d+) failures claim (\d+) submission (\d+) review (\d+)", run.output)
    assert m is not None, run.output
    walks, *failed = (int(n) for n in m.groups())
    if len(gigs) < walks + connections:
        raise RuntimeError(f"the closed loop ran out of gigs ({len(gigs):,}); raise CLOSED_LOOP_CEILING")
    return ClosedFlow(run, walks, sum(failed))


@dataclass(frozen=True)
class Latencies:
    """How many requests, and their p50 and p99 in ms."""

    count: int
    p50: float
    p99: float


@dataclass(frozen=True)
class PacedFlow:
    """The flow as wrk paced it: a gig's walk due every 1/`walks` s whatever the server did."""

    walks: float
    """Walks started per second (three requests each)."""
    every: Latencies
    steps: dict[str, Latencies]
    failures: int

    def summary(self) -> str:
        steps = ", ".join(f"{step} p50 {v.p50:.0f} / p99 {v.p99:.0f} ms" for step, v in self.steps.items())
        return f"{self.every.count:,} requests, {self.failures} failed; {steps}"


def paced_flow(
    base: str, gigs: list[UUID], employer: UUID, seconds: float, connections: int, rate: float, plan: Path
) -> PacedFlow:
    """Walk `gigs` through the flow at `rate` requests/s offered (a walk due every 3/`rate` s),
    over `connections` connections for `seconds`, driven by wrk and bench/flow.lua: an open
    loop. A claim's latency counts from when it was due, so a server falling behind shows in
    the figures instead of slowing the arrivals (see the script)."""
    walks = rate / len(FLOW_STEPS)
    if len(gigs) < walks * seconds + connections:
        raise RuntimeError(f"{len(gigs):,} gigs are too few for {walks:.0f} walks/s over {seconds:.0f} s")
    write_plan(plan, employer, gigs, connections)
    # Every connection's clock starts from the same moment, once wrk's threads are up.
    start_ms = (time.monotonic() + 1.0) * 1000
    run = wrk(
        base, seconds + 1, connections, script=(FLOW_SCRIPT, plan), args=(f"{start_ms:.3f}", f"{walks}")
    )
    m = re.search(r"failures claim (\d+) submission (\d+) review (\d+)", run.output)
    paced = re.search(r"paced all (.+) claim (.+) submission (.+) review (.+)", run.output)
    assert m is not None and paced is not None, run.output

    def latencies(text: str) -> Latencies:
        count, p50, p99 = text.split()
        return Latencies(int(count), float(p50), float(p99))

    every, *steps = (latencies(paced.group(i)) for i in range(1, 5))
    failures = sum(int(n) for n in m.groups())
    return PacedFlow(walks, every, dict(zip(FLOW_STEPS, steps, strict=True)), failures)


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
            left = gigs[for_closed:]
            paced = paced_flow(base, left, employer, sizes.http_seconds, c, PACED_RATE, plan)
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
            f"requests; open loop at {paced.walks:.0f} gigs/s: "
            f"{paced.summary()}; API process tree peak RSS (MiB): "
            f"{', '.join(f'{v:.0f}' for v in peaks.values())}"
        )
    return figures


def flow_figures(closed: ClosedFlow, paced: PacedFlow, label: str) -> list[Figure]:
    """The closed loop's throughput and latencies, then the latencies of each step and of all at
    a paced arrival rate inside that throughput; the p99 target is held to both."""
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
        Figure("http", "postgres", f"open loop: p99 of POST /gigs/{{id}}/{step}", v.p99, "ms")
        for step, v in paced.steps.items()
    ]
    rate = f"open loop (wrk), {paced.walks * len(FLOW_STEPS):.0f} req/s offered"
    figures += [
        Figure("http", "postgres", f"flow p50 per request, {rate}", paced.every.p50, "ms"),
        Figure(
            "http",
            "postgres",
            f"flow p99 per request, {rate}",
            paced.every.p99,
            "ms",
            # The target read at a stated load: latency a user meets, not the closed loop's queue.
            targets=(Target("p99 < 50 ms", maximum=50),),
        ),
    ]
    return figures
