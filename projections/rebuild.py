"""Rebuilding a read model: drop its rows and position, then replay the log from zero."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from projections import tracking
from projections.follower import Follower


@dataclass(frozen=True, slots=True)
class Progress:
    name: str
    processed: int
    """Log positions replayed so far (events of other topics included: they are read past)."""
    total: int
    """The log's head when the rebuild started."""
    seconds: float

    @property
    def events_per_second(self) -> float:
        return self.processed / self.seconds if self.seconds > 0 else 0.0


def reset(follower: Follower) -> None:
    """Drop the model's rows, position and dead letters, and recreate its tables, in one
    transaction; the follower then starts from zero."""
    model = follower.model
    with follower.db.transaction() as conn:
        tracking.create(conn)
        for statement in model.drop():
            conn.execute(statement)
        tracking.reset(conn, model.name)
        for statement in model.schema():
            conn.execute(statement)
    follower.prepare()
    follower.halted = None


def rebuild(follower: Follower, progress: Callable[[Progress], None] | None = None) -> Progress:
    """Replay `follower`'s model from zero; `progress` is called after every page.

    Tables, position and dead letters go in one transaction, so a rebuild that dies half-way
    leaves a model that resumes from where the replay got to, never a mix of old and new rows."""
    model = follower.model
    reset(follower)
    total = follower.recorder.max_notification_id() or 0
    started = time.monotonic()

    def report(f: Follower) -> None:
        if progress is not None:
            progress(Progress(model.name, min(f.position, total), total, time.monotonic() - started))

    follower.catch_up(on_page=report)
    done = Progress(model.name, follower.position, total, time.monotonic() - started)
    if progress is not None:
        progress(done)
    return done
