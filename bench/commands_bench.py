"""(a) Commands per second through the Marketplace on PostgreSQL, against the ceilings measured
in the same run: raw one-row commits, one-row commits under an exclusive table lock (how the
library serialises inserts), and a stock eventsourcing application with a trivial aggregate and
the default JSON transcoder. Each is measured with one client (one command at a time) and with
`THREADS` concurrent clients, where the Marketplace's group commit lets concurrent commands share
one transaction; the ceilings are the best of either. Each walk's claim loads its gig from the
store and the submit and approve that follow decide on the gig cache, as one API worker would; a
variant sends the three to two instances in turn, so that cached gigs are stale and the conflict
path (save fails, reload, decide again) is measured too."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID, uuid4

import psycopg
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from api.settings import DatabaseSettings
from bench.harness import Context, Figure, Target, rate_for
from bench.stores import postgres_schema
from domain.actors import Actor
from domain.gig import Gig
from domain.marketplace import PAYMENTS, Marketplace
from tests.conftest import FakeClock, postgres_env
from tests.integration.projections.factories import brief

THREADS = 16
STATE = b'{"feedback":"great work, clear notes and on time","timestamp":"2026-03-02T09:00:00+00:00"}' * 2


class Counter(Aggregate):
    """The trivial aggregate of the stock application: one event, one integer."""

    def __init__(self) -> None:
        self.count = 0

    @event("Incremented")
    def increment(self) -> None:
        self.count += 1


class StockApp(Application[UUID]):
    name = "Stock"


def threaded_rate(seconds: float, threads: int, work: Callable[[], int]) -> float:
    """Units of `work` per second with `threads` clients calling it until `seconds` have passed
    (or until `work` raises StopIteration: nothing left to do)."""
    done = [0] * threads
    errors: list[BaseException] = []
    deadline = time.perf_counter() + seconds

    def client(i: int) -> None:
        try:
            while time.perf_counter() < deadline:
                done[i] += work()
        except StopIteration:
            return
        except BaseException as e:
            errors.append(e)

    started = time.perf_counter()
    workers = [threading.Thread(target=client, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if errors:
        raise errors[0]
    return sum(done) / (time.perf_counter() - started)


def _shared(items: list[UUID]) -> Callable[[], UUID]:
    """A thread-safe `next()` over `items`."""
    lock = threading.Lock()
    cursor: Iterator[UUID] = iter(items)

    def take() -> UUID:
        with lock:
            return next(cursor)

    return take


def stock_rate(schema: str, seconds: float, aggregates: int, threads: int = 1) -> float:
    env = {k: v for k, v in postgres_env(schema).items() if not k.endswith("_TOPIC")}
    app = StockApp(env)
    try:
        ids: list[UUID] = []
        for start in range(0, aggregates, 200):
            batch = [Counter() for _ in range(min(200, aggregates - start))]
            app.save(*batch)
            ids.extend(c.id for c in batch)
        take = _shared(ids * 1_000)

        def command() -> int:
            counter: Counter = app.repository.get(take())
            counter.increment()
            app.save(counter)
            return 1

        return threaded_rate(seconds, threads, command) if threads > 1 else rate_for(seconds, command)
    finally:
        app.close()


def commit_rate(dsn: str, schema: str, seconds: float, *, lock: bool, threads: int = 1) -> float:
    """One row per transaction into a table shaped like the library's stored events, from
    `threads` connections at once."""
    table = f"{schema}.ceiling_{'locked' if lock else 'raw'}_{threads}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            f"CREATE TABLE {table} (notification_id BIGSERIAL PRIMARY KEY, originator_id UUID NOT NULL,"
            " originator_version INTEGER NOT NULL, topic TEXT NOT NULL, state BYTEA,"
            " UNIQUE (originator_id, originator_version))"
        )
    insert = f"INSERT INTO {table} (originator_id, originator_version, topic, state) VALUES (%s, 1, %s, %s)"
    lock_sql = f"LOCK TABLE {table} IN EXCLUSIVE MODE"
    conns = [psycopg.connect(dsn) for _ in range(threads)]
    local = threading.local()
    pool = iter(conns)
    pool_lock = threading.Lock()

    def one() -> int:
        conn = getattr(local, "conn", None)
        if conn is None:
            with pool_lock:
                conn = local.conn = next(pool)
        with conn.transaction():
            if lock:
                conn.execute(lock_sql, prepare=True)
            conn.execute(insert, (uuid4(), "domain.gig:Gig.Approved", STATE), prepare=True)
        return 1

    try:
        return threaded_rate(seconds, threads, one) if threads > 1 else rate_for(seconds, one)
    finally:
        for conn in conns:
            conn.close()


def posted_gigs(app: Marketplace, count: int, employer: Actor, clock: FakeClock | None = None) -> list[UUID]:
    """Gigs on the board, made in memory and saved in batches (setup, not measured); `clock`
    should agree with the clock of whoever will act on them."""
    ids: list[UUID] = []
    clock = clock or FakeClock(app.clock())
    for start in range(0, count, 200):
        batch = []
        for _ in range(min(200, count - start)):
            gig = Gig.create(uuid4(), employer, brief(clock), clock())
            gig.publish(employer, clock(), app.policy)
            gig.record_funding(PAYMENTS, "pi_" + gig.id.hex[:8], gig.charge_amount, clock())
            batch.append(gig)
        app.save(*batch)
        ids.extend(g.id for g in batch)
    return ids


def marketplace_rate(
    env: dict[str, str], gigs: int, seconds: float, threads: int = 1, instances: int = 1
) -> float:
    """claim, submit, approve on gigs that exist, each a command that loads, decides and saves;
    `threads` clients each walk their own gigs through the three commands. With several
    `instances` (as several API workers on one store), the three commands of a walk go to the
    instances in turn, so each instance's cached gig is stale whenever it is its turn again."""
    apps = [Marketplace(env, clock=FakeClock()) for _ in range(instances)]
    try:
        employer = Actor.user(uuid4(), "employer")
        student = Actor.user(uuid4(), "student")
        take = _shared(posted_gigs(apps[0], gigs, employer))
        turns = [apps[n % instances] for n in range(3)]

        def walk() -> int:
            gig_id = take()
            turns[0].claim_gig(student, gig_id)
            turns[1].submit_work(student, gig_id, "https://example.org/work", "done")
            turns[2].approve_submission(employer, gig_id, "great work")
            return 3

        return threaded_rate(seconds, threads, walk)
    finally:
        for app in apps:
            app.close()


def production_env(ctx: Context, schema: str, **overrides: Any) -> dict[str, str]:
    env = DatabaseSettings(url=ctx.postgres_dsn, schema=schema).event_store_env("Marketplace")
    env.update({k: str(v) for k, v in overrides.items()})
    return env


VARIANTS: dict[str, tuple[int, int, dict[str, str]]] = {
    f"{THREADS} clients, group commit off (one transaction per command)": (
        THREADS,
        1,
        {"FAIRGIG_GROUP_COMMIT": "0"},
    ),
    f"{THREADS} clients, gig cache off (a query per command)": (
        THREADS,
        1,
        {"FAIRGIG_GIG_CACHE_SIZE": "0"},
    ),
    f"{THREADS} clients, the library's aggregate cache (fast-forwarding) instead of the gig cache": (
        THREADS,
        1,
        {"AGGREGATE_CACHE_MAXSIZE": "10000", "FAIRGIG_GIG_CACHE_SIZE": "0"},
    ),
    f"{THREADS} clients, two instances taking turns on each gig (stale cached gigs)": (
        THREADS,
        2,
        {},
    ),
}


def run(ctx: Context) -> list[Figure]:
    sizes = ctx.sizes
    dsn, secs = ctx.postgres_dsn, sizes.ceiling_seconds
    with postgres_schema(dsn) as schema:
        raw = commit_rate(dsn, schema, secs, lock=False)
        locked_one = commit_rate(dsn, schema, secs, lock=True)
        locked_many = commit_rate(dsn, schema, secs, lock=True, threads=THREADS)
        stock_one = stock_rate(schema, secs, 500)
        stock_many = stock_rate(schema, secs, 500, threads=THREADS)
    locked, stock = max(locked_one, locked_many), max(stock_one, stock_many)
    many_gigs = sizes.command_gigs * 4
    with postgres_schema(dsn) as schema:
        ours_one = marketplace_rate(production_env(ctx, schema), sizes.command_gigs, sizes.command_seconds)
    with postgres_schema(dsn) as schema:
        ours = marketplace_rate(production_env(ctx, schema), many_gigs, sizes.command_seconds, THREADS)
    variants: dict[str, float] = {}
    for label, (threads, instances, env) in VARIANTS.items():
        with postgres_schema(dsn) as schema:
            variants[label] = marketplace_rate(
                production_env(ctx, schema, **env), many_gigs, sizes.command_seconds / 2, threads, instances
            )
    what = "claim/submit/approve through the Marketplace"
    ceiling = f"locked one-row commits, best of 1 and {THREADS} connections"
    figures = [
        Figure("commands", "postgres", "ceiling: one-row commits, one connection", raw, "rows/s"),
        Figure(
            "commands",
            "postgres",
            "ceiling: one-row commits under EXCLUSIVE table lock, one connection",
            locked_one,
            "rows/s",
        ),
        Figure(
            "commands",
            "postgres",
            f"ceiling: one-row commits under EXCLUSIVE table lock, {THREADS} connections",
            locked_many,
            "rows/s",
        ),
        Figure(
            "commands",
            "postgres",
            "stock eventsourcing app, trivial aggregate (load + save), one client",
            stock_one,
            "cmd/s",
            ceiling,
            locked,
        ),
        Figure(
            "commands",
            "postgres",
            f"stock eventsourcing app, trivial aggregate (load + save), {THREADS} clients",
            stock_many,
            "cmd/s",
            ceiling,
            locked,
        ),
        Figure("commands", "postgres", f"{what}, one client", ours_one, "cmd/s", ceiling, locked),
        Figure(
            "commands",
            "postgres",
            f"{what}, {THREADS} clients (group commit)",
            ours,
            "cmd/s",
            ceiling,
            locked,
            (Target("≥ 0.8 of the locked-insert ceiling", minimum=0.8, on_ratio=True),),
        ),
        Figure(
            "commands",
            "postgres",
            f"{what}, {THREADS} clients (group commit)",
            ours,
            "cmd/s",
            f"stock eventsourcing app, best of 1 and {THREADS} clients",
            stock,
            (Target("≥ 2 times stock eventsourcing", minimum=2.0, on_ratio=True),),
        ),
    ]
    figures += [
        Figure("commands", "postgres", f"{what}, {label}", rate, "cmd/s", ceiling, locked)
        for label, rate in variants.items()
    ]
    return figures
