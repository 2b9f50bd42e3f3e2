"""Projection benchmarks: catch-up events/s on SQLite and PostgreSQL (with the stock
eventsourcing ProjectionRunner on PostgreSQL for the ratio), and the p50/p99 lag from a
command to its read model under steady load.

    .venv/bin/python -m bench.projections_bench [EVENTS]

PostgreSQL comes from FAIRGIG_TEST_POSTGRES_DSN (as in the tests); it is skipped if unreachable.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.projection import Projection, ProjectionRunner

from domain.gig import Gig
from domain.marketplace import Marketplace
from projections.database import Connection
from projections.follower import Follower
from projections.read_model import ReadModel, handles
from projections.registry import Projections
from projections.wakeup import PollingWakeup
from tests.conftest import POSTGRES_DSN, FakeClock, database_for, postgres_env, sqlite_env
from tests.integration.projections.event_stream import stream
from tests.integration.projections.factories import Market


@contextmanager
def backend(kind: str) -> Iterator[dict[str, str]]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield sqlite_env(Path(tmp) / "bench.db")
        return
    schema = "bench_" + uuid.uuid4().hex[:8]
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield postgres_env(schema)
    finally:
        with psycopg.connect(POSTGRES_DSN, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def fill(env: dict[str, str], events: int) -> int:
    app = Marketplace(env, clock=FakeClock())
    heads = list(stream(app, events, batch=200))
    app.close()
    return heads[-1]


GIG_EVENTS = [v for v in vars(Gig).values() if isinstance(v, type) and issubclass(v, Aggregate.Event)]


class TrackingOnly(ReadModel):
    """Does nothing but track: the follower's own overhead, comparable with the stock runner."""

    name = "tracking_only"
    tables = ()

    def schema(self) -> list[str]:
        return []

    @handles(*GIG_EVENTS)
    def on_any(self, conn: Connection, event: Any) -> None:
        pass


def timed(run: Callable[[], Any]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def catch_up_rate(env: dict[str, str], head: int) -> dict[str, float]:
    app = Marketplace(env, clock=FakeClock())
    db = database_for(env)
    try:
        models = Projections(app, db, wakeup=PollingWakeup())
        models.prepare()
        all_models = timed(models.catch_up)
        bare = Follower(TrackingOnly(db.dialect), app, db, wakeup=PollingWakeup())
        tracking_only = timed(bare.catch_up)
        return {"all five read models": head / all_models, "tracking only": head / tracking_only}
    finally:
        db.close()
        app.close()


class BenchMarketplace(Marketplace):
    name = "Marketplace"

    def __init__(self, env: Any = None) -> None:
        super().__init__(env, clock=FakeClock())


class StockTrackingOnly(Projection[TrackingRecorder]):
    name = "stock_tracking_only"

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)


def stock_runner_rate(env: dict[str, str], head: int) -> float:
    started = time.perf_counter()
    with ProjectionRunner(
        application_class=BenchMarketplace,
        projection_class=StockTrackingOnly,
        view_class=PostgresTrackingRecorder,
        env=env,
    ) as runner:
        runner.wait(head, timeout=3600)
    return head / (time.perf_counter() - started)


def steady_lag(env: dict[str, str], commands: int = 300, rate: float = 50.0) -> tuple[float, float]:
    """Commands at `rate` per second while the projections run in background threads; the lag
    is from the command's return to the gig-detail position covering it."""
    app = Marketplace(env, clock=FakeClock())
    db = database_for(env)
    models = Projections(app, db)
    models.start()
    market = Market(app, app.clock)  # type: ignore[arg-type]
    sent: list[tuple[int, float]] = []
    seen: dict[int, float] = {}
    done = threading.Event()

    def watch() -> None:
        while not done.is_set() or len(seen) < len(sent):
            with db.read() as conn:
                row = conn.fetchone("SELECT position FROM projection_tracking WHERE name = 'gig_detail'")
            now = time.perf_counter()
            reached = 0 if row is None else int(row["position"])
            for position, _ in sent[len(seen) :]:
                if position > reached:
                    break
                seen[position] = now
            time.sleep(0.001)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for _ in range(commands):
            receipt = app.create_gig(market.employer, _brief(market))
            assert receipt.position is not None
            sent.append((receipt.position, time.perf_counter()))
            time.sleep(1 / rate)
        done.set()
        watcher.join(timeout=30)
    finally:
        models.close()
        db.close()
        app.close()
    lags = sorted((seen[p] - t) * 1000 for p, t in sent if p in seen)
    return statistics.median(lags), lags[int(len(lags) * 0.99) - 1]


def _brief(market: Market) -> Any:
    from tests.integration.projections.factories import brief

    return brief(market.clock)


def postgres_reachable() -> bool:
    try:
        psycopg.connect(POSTGRES_DSN, connect_timeout=3).close()
    except psycopg.Error:
        return False
    return True


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    events = int(args[0]) if args else 100_000
    kinds = ["sqlite", "postgres"] if postgres_reachable() else ["sqlite"]
    for kind in kinds:
        with backend(kind) as env:
            head = fill(env, events)
            for label, rate in catch_up_rate(env, head).items():
                print(f"{kind:8} catch-up, {label:20}: {rate:9,.0f} events/s over {head:,} events")
            if kind == "postgres":
                stock = stock_runner_rate(env, head)
                print(f"{kind:8} catch-up, stock ProjectionRunner (tracking only): {stock:9,.0f} events/s")
        with backend(kind) as env:
            p50, p99 = steady_lag(env)
            print(f"{kind:8} command -> gig detail lag at 50 commands/s: p50 {p50:.1f} ms, p99 {p99:.1f} ms")


if __name__ == "__main__":
    main()
