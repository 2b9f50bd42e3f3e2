"""(c) Projection catch-up from an empty read side, and a full rebuild, over a log of real gig
lifecycles; against the ceiling of reading (and decoding) the log alone, and the stock
eventsourcing ProjectionRunner doing nothing but tracking."""

from __future__ import annotations

import contextlib
import gc
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.projection import Projection, ProjectionRunner

from api import runtime_tuning
from bench.harness import Context, Figure, Target
from bench.processes import ROOT, child, fairgig_env, process_env
from bench.stores import backend, fill, marketplace
from domain.gig import Gig
from domain.marketplace import Marketplace
from projections.audit_log import AuditIndex, EventsTable
from projections.database import Connection
from projections.follower import Follower
from projections.follower_group import PAGE_SIZE
from projections.ledger import Ledger
from projections.read_model import ReadModel, handles
from projections.rebuild import build_indexes, reset
from projections.registry import MODELS, Projections
from projections.status import wait_for
from projections.wakeup import PollingWakeup
from tests.conftest import FakeClock, database_for

GIG_EVENTS = [v for v in vars(Gig).values() if isinstance(v, type) and issubclass(v, Aggregate.Event)]
STOCK_SECONDS = 30.0


class TrackingOnly(ReadModel):
    """Does nothing but track: the follower's own overhead, comparable with the stock runner."""

    name = "tracking_only"
    tables = ()

    def schema(self) -> list[str]:
        return []

    @handles(*GIG_EVENTS)
    def on_any(self, conn: Connection, event: Any) -> None:
        pass


class BenchMarketplace(Marketplace):
    name = "Marketplace"

    def __init__(self, env: Any = None) -> None:
        super().__init__(env, clock=FakeClock())


class StockTrackingOnly(Projection[TrackingRecorder]):
    name = "stock_tracking_only"

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)


def stock_runner_rate(env: dict[str, str], head: int, seconds: float, run: int = 1) -> float:
    """Events/s of the stock runner from the start of the log, over as much of it as it gets
    through in `seconds`; each `run` tracks in a table of its own (named after the projection)."""
    projection = type(f"StockTrackingOnly{run}", (StockTrackingOnly,), {"name": f"stock_tracking_only_{run}"})
    started = time.perf_counter()
    with ProjectionRunner(
        application_class=BenchMarketplace,
        projection_class=projection,
        view_class=PostgresTrackingRecorder,
        env=env,
    ) as runner:
        with contextlib.suppress(TimeoutError):
            runner.wait(head, timeout=seconds)
        reached = runner.projection.view.max_tracking_id(BenchMarketplace.name) or 0
    return reached / (time.perf_counter() - started)


def read_rate(app: Marketplace) -> float:
    """The ceiling: the notification log read in pages of 1,000 and every event decoded."""
    started = time.perf_counter()
    position, count = 0, 0
    while True:
        page = app.recorder.select_notifications(position, 1_000, inclusive_of_start=False)
        if not page:
            break
        for notification in page:
            app.mapper.to_domain_event(notification)
        count += len(page)
        position = page[-1].id
    return count / (time.perf_counter() - started)


def position_of(follower: Follower) -> Callable[[], int]:
    return lambda: follower.position


def bounded(
    step: Callable[[], int],
    position: Callable[[], int],
    seconds: float,
    land: Callable[[], int] | None = None,
) -> tuple[int, float]:
    """(log positions processed, seconds taken), stepping until caught up or out of time; `land`
    waits for a page still being written (a group writing behind) before the count."""
    started = time.perf_counter()
    first = position()
    while time.perf_counter() - started < seconds and step():
        pass
    if land is not None:
        land()
    return position() - first, time.perf_counter() - started


def measure(kind: str, ctx: Context, events: int) -> list[Figure]:
    budget = 45.0 if ctx.sizes.quick else 300.0
    figures: list[Figure] = []
    with backend(kind, ctx.postgres_dsn) as env:
        app = marketplace(env)
        head = fill(app, events)
        db = database_for(env)
        try:
            ceiling = read_rate(app)
            figures.append(
                Figure("catchup", kind, "ceiling: read + decode the log, pages of 1,000", ceiling, "events/s")
            )
            # The stock runner is measured for half its time before the catch-up and half after,
            # so that a machine whose speed drifts during the run moves both sides of the ratio.
            stock_before = stock_runner_rate(env, head, STOCK_SECONDS / 2) if kind == "postgres" else 0.0
            models = Projections(app, db, wakeup=PollingWakeup())
            models.prepare()
            group = models.group

            def lowest() -> int:
                return min(f.position for f in group.followers)

            done, seconds = bounded(group.step, lowest, budget, group.land)
            rate = done / seconds
            partial = "" if done >= head else f", first {done:,} in {budget:.0f} s"
            targets: tuple[Target, ...] = ()
            if kind == "postgres":
                targets = (Target("≥ 30,000 events/s", minimum=30_000),)
            names = ", ".join(models.followers)
            ctx.notes.append(f"{kind}: read models: {names}")
            figures.append(
                Figure(
                    "catchup",
                    kind,
                    f"catch-up, all read models, {head:,} events{partial}",
                    rate,
                    "events/s",
                    "read + decode",
                    ceiling,
                    targets,
                )
            )
            if kind == "postgres":
                stock_after = stock_runner_rate(env, head, STOCK_SECONDS / 2, run=2)
                stock = (stock_before + stock_after) / 2
                figures.append(
                    Figure(
                        "catchup",
                        kind,
                        "stock ProjectionRunner, tracking only",
                        stock,
                        "events/s",
                        note=f"{stock_before:,.0f} before the catch-up, {stock_after:,.0f} after; the mean",
                    )
                )
                figures.append(
                    Figure(
                        "catchup",
                        kind,
                        "catch-up, all read models, vs the stock runner",
                        rate,
                        "events/s",
                        "stock runner",
                        stock,
                        (Target("≥ 10 times the stock runner", minimum=10, on_ratio=True),),
                    )
                )
            # The worker also runs the ledger and the audit index, each a follower of its own.
            events_table = EventsTable.of(app)
            audit: list[Follower] = []
            for model in (Ledger(events_table), AuditIndex(events_table)):
                alone = Follower(model, app, db, wakeup=PollingWakeup(), page_size=PAGE_SIZE)
                audit.append(alone)
                alone.prepare()
                done_alone, seconds_alone = bounded(alone.step, position_of(alone), budget)
                figures.append(
                    Figure(
                        "catchup",
                        kind,
                        f"catch-up, {model.name} (a follower of its own in the worker)",
                        done_alone / seconds_alone,
                        "events/s",
                        "read + decode",
                        ceiling,
                    )
                )
            bare = Follower(TrackingOnly(db.dialect), app, db, wakeup=PollingWakeup())
            bare.prepare()
            done_bare, seconds_bare = bounded(bare.step, lambda: bare.position, budget)
            figures.append(
                Figure(
                    "catchup",
                    kind,
                    "catch-up, tracking only (the follower's own cost)",
                    done_bare / seconds_bare,
                    "events/s",
                    "read + decode",
                    ceiling,
                )
            )
            # As `fairgig projections rebuild` does: secondary indexes built after the replay,
            # their time counted in the rebuild's.
            for follower in group.followers:
                reset(follower, defer_indexes=True)
            done, seconds = bounded(group.step, lowest, budget, group.land)
            indexing = time.perf_counter()
            for follower in group.followers:
                build_indexes(follower)
            seconds += time.perf_counter() - indexing
            projected = head / (done / seconds)
            rebuild_targets: tuple[Target, ...] = ()
            if kind == "postgres":
                rebuild_targets = (Target("1,000,000 events in < 60 s", maximum=60),)
            how = "" if done >= head else f" (projected from the first {done:,} in {budget:.0f} s)"
            figures.append(
                Figure(
                    "catchup",
                    kind,
                    f"full rebuild, all read models, time for 1,000,000 events{how}",
                    1_000_000 / (done / seconds),
                    "s",
                    targets=rebuild_targets,
                    note=f"{done / seconds:,.0f} events/s; {head:,} events would take {projected:,.0f} s",
                )
            )
            if kind == "postgres":
                figures.append(cli_rebuild(ctx, env, head))
                figures.append(worker_catch_up(ctx, env, head, [*group.followers, *audit]))
            models.close()
        finally:
            db.close()
            app.close()
    return figures


def worker_catch_up(ctx: Context, env: dict[str, str], head: int, followers: list[Follower]) -> Figure:
    """`fairgig worker projections` as docker-compose runs it (two processes), started on empty
    read models, ledger and audit index: the time until every one of them is at the head,
    process start-up included."""
    for follower in followers:
        reset(follower)
    with tempfile.TemporaryDirectory() as tmp:
        run_env = {
            **fairgig_env(ctx.postgres_dsn, env["POSTGRES_SCHEMA"], tmp),
            "FAIRGIG_PROJECTION_PROCESSES": "2",
        }
        started = time.perf_counter()
        with child([sys.executable, "-m", "api.cli", "worker", "projections"], run_env):
            caught_up = wait_for(followers[0].db, head, [f.name for f in followers], timeout=600)
            seconds = time.perf_counter() - started
    if not caught_up:
        raise TimeoutError(f"the worker did not reach the head in {seconds:.0f} s")
    return Figure(
        "catchup",
        "postgres",
        f"`fairgig worker projections` (2 processes) from empty: read models, ledger and audit index, "
        f"{head:,} events",
        head / seconds,
        "events/s",
        note=f"{seconds:.1f} s including start-up",
    )


def cli_rebuild(ctx: Context, env: dict[str, str], head: int) -> Figure:
    """`fairgig projections rebuild` as an operator runs it (the six read models in two processes,
    then the ledger and the audit index), timed by what it reports: the slowest read model's
    replay, from its process's first page (process start-up is not counted)."""
    with tempfile.TemporaryDirectory() as tmp:
        run_env = process_env(fairgig_env(ctx.postgres_dsn, env["POSTGRES_SCHEMA"], tmp))
        out = subprocess.run(
            [sys.executable, "-m", "api.cli", "projections", "rebuild", "--processes", "2"],
            env=run_env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=600,
        ).stdout
    reported = re.finditer(r"^(\w+): rebuilt \d+ events in ([\d.]+) s", out, re.M)
    seconds = {m.group(1): float(m.group(2)) for m in reported}
    slowest = max(seconds[name] for name in MODELS)
    others = ", ".join(f"{name} {seconds[name]:.1f} s" for name in seconds if name not in MODELS)
    return Figure(
        "catchup",
        "postgres",
        "`fairgig projections rebuild`: read models in two processes, time for 1,000,000 events",
        1_000_000 * slowest / head,
        "s",
        targets=(Target("1,000,000 events in < 60 s", maximum=60),),
        note=f"{head / slowest:,.0f} events/s over {head:,} events; then {others}",
    )


def run(ctx: Context) -> list[Figure]:
    defaults, interval = gc.get_threshold(), sys.getswitchinterval()
    runtime_tuning.for_event_folding()  # as the worker and the command line run
    try:
        figures = measure("postgres", ctx, ctx.sizes.catch_up_events)
        figures += measure(
            "sqlite", ctx, min(ctx.sizes.catch_up_events, 200_000 if ctx.sizes.quick else 1_000_000)
        )
    finally:
        gc.set_threshold(*defaults)
        sys.setswitchinterval(interval)
    for f in figures:
        if f.note:
            ctx.notes.append(f"{f.backend} {f.what}: {f.note}")
    return figures
