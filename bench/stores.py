"""Event stores to run benchmarks on: a fresh PostgreSQL schema or a temporary SQLite file, both
dropped afterwards, and ways of filling them with realistic gig lifecycles quickly."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from uuid import UUID, uuid4

import psycopg
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder

from domain.marketplace import Marketplace
from tests.conftest import FakeClock, postgres_env, sqlite_env, temporary_schema
from tests.integration.projections.event_stream import stream

TEMPLATE_EVENTS = 4_000
INSERT_BATCH = 5_000


def postgres_reachable(dsn: str) -> bool:
    try:
        psycopg.connect(dsn, connect_timeout=3).close()
    except psycopg.Error:
        return False
    return True


def postgres_schema(dsn: str) -> AbstractContextManager[str]:
    return temporary_schema(dsn, "bench_")


@contextmanager
def backend(kind: str, dsn: str) -> Iterator[dict[str, str]]:
    """An event-store environment for the Marketplace (the msgspec codec, as in production)."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield sqlite_env(Path(tmp) / "bench.db")
        return
    with postgres_schema(dsn) as schema:
        yield postgres_env(schema)


def template(app: Marketplace, events: int = TEMPLATE_EVENTS) -> list[StoredEvent]:
    """The stored events of gigs taken down every lifecycle path (see `event_stream.gig_story`)."""
    for _head in stream(app, events, batch=200):
        pass
    stored: list[StoredEvent] = []
    start = 1
    while True:
        page = app.recorder.select_notifications(start, 1_000)
        if not page:
            return stored
        stored.extend(StoredEvent(n.originator_id, n.originator_version, n.topic, n.state) for n in page)
        start = page[-1].id + 1


def fill(app: Marketplace, events: int) -> int:
    """At least `events` events: the template's gigs recorded again and again under fresh ids.
    Copying stored bytes fills a million events in seconds rather than a million commands."""
    stored = template(app, min(events, TEMPLATE_EVENTS))
    written = len(stored)
    while written < events:
        fresh: dict[UUID, UUID] = {}
        batch: list[StoredEvent] = []
        for event in stored:
            original = UUID(str(event.originator_id))
            new_id = fresh.setdefault(original, uuid4())
            batch.append(StoredEvent(new_id, event.originator_version, event.topic, event.state))
            if len(batch) >= INSERT_BATCH:
                app.recorder.insert_events(batch)
                written += len(batch)
                batch = []
            if written + len(batch) >= events:
                break
        if batch:
            app.recorder.insert_events(batch)
            written += len(batch)
    settle(app)
    return app.recorder.max_notification_id() or 0


def settle(app: Marketplace) -> None:
    """Leave a freshly filled PostgreSQL log as a running system has it: vacuumed, analysed and
    checkpointed. Otherwise whichever measurement comes first pays for the bulk load (hint bits,
    autovacuum, a checkpoint of a gigabyte of WAL), and a million-event catch-up measured first
    ran a quarter slower than the same replay measured after it."""
    recorder = app.recorder
    if not isinstance(recorder, PostgresApplicationRecorder):
        return
    table = f"{recorder.datastore.schema}.{recorder.events_table_name}"
    with recorder.datastore.get_connection() as conn:
        autocommit = conn.autocommit
        conn.autocommit = True  # VACUUM cannot run in a transaction
        try:
            conn.execute(f"VACUUM (ANALYZE) {table}")
            with contextlib.suppress(psycopg.Error):  # CHECKPOINT needs a superuser or pg_checkpoint
                conn.execute("CHECKPOINT")
        finally:
            conn.autocommit = autocommit


def marketplace(env: dict[str, str]) -> Marketplace:
    return Marketplace(env, clock=FakeClock())
