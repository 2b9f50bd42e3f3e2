"""(a) Commands per second through the Marketplace on PostgreSQL, against the ceilings measured
in the same run: raw one-row commits, one-row commits under an exclusive table lock (how the
library serialises inserts), and a stock eventsourcing application with a trivial aggregate and
the default JSON transcoder. Everything runs on one connection, one command at a time."""

from __future__ import annotations

import time
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


def stock_rate(schema: str, seconds: float, aggregates: int) -> float:
    env = {k: v for k, v in postgres_env(schema).items() if not k.endswith("_TOPIC")}
    app = StockApp(env)
    try:
        ids: list[UUID] = []
        for start in range(0, aggregates, 200):
            batch = [Counter() for _ in range(min(200, aggregates - start))]
            app.save(*batch)
            ids.extend(c.id for c in batch)
        cursor = iter(ids * 1_000)

        def command() -> int:
            counter: Counter = app.repository.get(next(cursor))
            counter.increment()
            app.save(counter)
            return 1

        return rate_for(seconds, command)
    finally:
        app.close()


def commit_rate(dsn: str, schema: str, seconds: float, *, lock: bool) -> float:
    """One row per transaction into a table shaped like the library's stored events."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        table = f"{schema}.ceiling_{'locked' if lock else 'raw'}"
        conn.execute(
            f"CREATE TABLE {table} (notification_id BIGSERIAL PRIMARY KEY, originator_id UUID NOT NULL,"
            " originator_version INTEGER NOT NULL, topic TEXT NOT NULL, state BYTEA,"
            " UNIQUE (originator_id, originator_version))"
        )
        conn.autocommit = False
        insert = (
            f"INSERT INTO {table} (originator_id, originator_version, topic, state) VALUES (%s, 1, %s, %s)"
        )
        lock_sql = f"LOCK TABLE {table} IN EXCLUSIVE MODE"

        def one() -> int:
            with conn.transaction():
                if lock:
                    conn.execute(lock_sql, prepare=True)
                conn.execute(insert, (uuid4(), "domain.gig:Gig.Approved", STATE), prepare=True)
            return 1

        return rate_for(seconds, one)


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


def marketplace_rate(env: dict[str, str], gigs: int, seconds: float) -> float:
    """claim, submit, approve on gigs that exist, each a command that loads, decides and saves."""
    app = Marketplace(env, clock=FakeClock())
    try:
        employer = Actor.user(uuid4(), "employer")
        student = Actor.user(uuid4(), "student")
        ids = posted_gigs(app, gigs, employer)
        done = 0
        started = time.perf_counter()
        deadline = started + seconds
        for gig_id in ids:
            app.claim_gig(student, gig_id)
            app.submit_work(student, gig_id, "https://example.org/work", "done")
            app.approve_submission(employer, gig_id, "great work")
            done += 3
            if time.perf_counter() >= deadline:
                break
        return done / (time.perf_counter() - started)
    finally:
        app.close()


def production_env(ctx: Context, schema: str, **overrides: Any) -> dict[str, str]:
    env = DatabaseSettings(url=ctx.postgres_dsn, schema=schema).event_store_env("Marketplace")
    env.update({k: str(v) for k, v in overrides.items()})
    return env


VARIANTS: dict[str, dict[str, str]] = {
    "with the library's aggregate cache (fast-forwarding)": {"AGGREGATE_CACHE_MAXSIZE": "10000"},
}


def run(ctx: Context) -> list[Figure]:
    sizes = ctx.sizes
    with postgres_schema(ctx.postgres_dsn) as schema:
        raw = commit_rate(ctx.postgres_dsn, schema, sizes.ceiling_seconds, lock=False)
        locked = commit_rate(ctx.postgres_dsn, schema, sizes.ceiling_seconds, lock=True)
        stock = stock_rate(schema, sizes.ceiling_seconds, 500)
    with postgres_schema(ctx.postgres_dsn) as schema:
        ours = marketplace_rate(production_env(ctx, schema), sizes.command_gigs, sizes.command_seconds)
    variants: dict[str, float] = {}
    for label, env in VARIANTS.items():
        with postgres_schema(ctx.postgres_dsn) as schema:
            variants[label] = marketplace_rate(
                production_env(ctx, schema, **env), sizes.command_gigs, sizes.command_seconds / 2
            )
    what = "claim/submit/approve through the Marketplace"
    figures = [
        Figure("commands", "postgres", "ceiling: one-row commits, one connection", raw, "rows/s"),
        Figure(
            "commands", "postgres", "ceiling: one-row commits under EXCLUSIVE table lock", locked, "rows/s"
        ),
        Figure(
            "commands",
            "postgres",
            "stock eventsourcing app, trivial aggregate (load + save)",
            stock,
            "cmd/s",
            "locked one-row commits",
            locked,
        ),
        Figure(
            "commands",
            "postgres",
            what,
            ours,
            "cmd/s",
            "locked one-row commits",
            locked,
            (Target("≥ 0.8 of the locked-insert ceiling", minimum=0.8, on_ratio=True),),
        ),
        Figure(
            "commands",
            "postgres",
            what,
            ours,
            "cmd/s",
            "stock eventsourcing app",
            stock,
            (Target("≥ 2 times stock eventsourcing", minimum=2.0, on_ratio=True),),
        ),
    ]
    figures += [
        Figure("commands", "postgres", f"{what}, {label}", rate, "cmd/s", "locked one-row commits", locked)
        for label, rate in variants.items()
    ]
    return figures
