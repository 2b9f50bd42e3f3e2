"""Rebuilding a read model: drop its rows and position, then replay the log from zero."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from projections import tracking
from projections.database import Connection, lock_schema_changes
from projections.follower import Follower
from projections.read_model import is_secondary_index


@dataclass(frozen=True, slots=True)
class Progress:
    name: str
    processed: int
    """Log positions replayed so far (events of other topics included: they are read past)."""
    total: int
    """The log's head when the rebuild started."""
    seconds: float
    indexing: bool = False
    """The replay is done and the secondary indexes are being built."""

    @property
    def events_per_second(self) -> float:
        return self.processed / self.seconds if self.seconds > 0 else 0.0


def reset(follower: Follower, *, defer_indexes: bool = False) -> None:
    """Drop the model's rows, position and dead letters, and recreate its tables, in one
    transaction; the follower then starts from zero. `defer_indexes`: leave the secondary
    indexes out until `build_indexes` (a replay of the whole log loads the tables faster without
    them, and one sorted build afterwards beats a million inserts into each index); a process
    that dies before then gets them back when its follower next prepares."""
    model = follower.model
    with follower.db.transaction() as conn:
        lock_schema_changes(follower.db, conn)
        tracking.create(conn)
        for statement in model.drop():
            conn.execute(statement)
        tracking.reset(conn, model.name)
        for statement in model.schema():
            if not (defer_indexes and is_secondary_index(statement)):
                conn.execute(statement)
    follower.prepare(indexes=not defer_indexes)
    follower.halted = None


def build_indexes(follower: Follower) -> None:
    """Create the secondary indexes `reset(..., defer_indexes=True)` left out (those present
    are kept), then, on PostgreSQL, ANALYZE the refilled tables: their statistics still describe
    the rows the reset dropped, and until autovacuum gets to them (never, where it is off) the
    planner guesses, and a statement prepared meanwhile keeps its guess."""
    with follower.db.transaction() as conn:
        lock_schema_changes(follower.db, conn)
        for statement in follower.model.schema():
            if is_secondary_index(statement):
                conn.execute(statement)
        if follower.db.dialect == "postgres":
            for table in _existing_tables(conn, follower.model.tables):
                conn.execute(f"ANALYZE {table}")


def _existing_tables(conn: Connection, names: Sequence[str]) -> list[str]:
    """Those of `names` that are tables here: a model may name tables of one dialect only."""
    rows = conn.fetchall(
        "SELECT relname FROM pg_class WHERE relname = ANY(:names) AND relkind = 'r'"
        " AND relnamespace = current_schema()::regnamespace",
        {"names": list(names)},
    )
    return [row["relname"] for row in rows]


def rebuild(follower: Follower, progress: Callable[[Progress], None] | None = None) -> Progress:
    """Replay `follower`'s model from zero; `progress` is called after every page.

    Tables, position and dead letters go in one transaction, so a rebuild that dies half-way
    leaves a model that resumes from where the replay got to, never a mix of old and new rows."""
    model = follower.model
    reset(follower, defer_indexes=True)
    total = follower.recorder.max_notification_id() or 0
    started = time.monotonic()

    def report(f: Follower) -> None:
        if progress is not None:
            progress(Progress(model.name, min(f.position, total), total, time.monotonic() - started))

    follower.catch_up(on_page=report)
    if progress is not None:
        progress(Progress(model.name, follower.position, total, time.monotonic() - started, indexing=True))
    build_indexes(follower)
    done = Progress(model.name, follower.position, total, time.monotonic() - started)
    if progress is not None:
        progress(done)
    return done
