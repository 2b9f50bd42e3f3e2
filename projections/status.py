"""Where the read models stand against the log: for `/ready`, and for read-your-writes.

Both read the tracking table, so they answer the same whether the followers run in this
process or in a worker process elsewhere.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from eventsourcing.application import Application

from projections import tracking
from projections.database import Database


@dataclass(frozen=True, slots=True)
class RunState:
    """What only the process running a follower knows."""

    running: bool
    halted: str | None = None
    last_error: str | None = None


def _age_of_next(app: Application[Any], position: int, now: datetime) -> float | None:
    """Seconds since the oldest event the projection has not processed was recorded."""
    page = app.recorder.select_notifications(start=position, limit=1, inclusive_of_start=False)
    if not page:
        return 0.0
    try:
        recorded: datetime = app.mapper.to_domain_event(page[0]).timestamp  # type: ignore[attr-defined]
    except Exception:
        return None
    return max((now - recorded).total_seconds(), 0.0)


def projection_status(
    app: Application[Any],
    db: Database,
    names: Collection[str],
    *,
    run_states: Mapping[str, RunState] | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> dict[str, Any]:
    """`{head, ready, projections: [{name, position, lag_events, lag_seconds, dead_letters, running,
    halted, last_error}]}`; `ready` is false while any projection is halted on a dead letter."""
    head = app.recorder.max_notification_id() or 0
    with db.read() as conn:
        positions = tracking.positions(conn)
        dead = tracking.dead_letter_counts(conn)
    states = run_states or {}
    moment = now()
    rows = []
    for name in names:
        position = positions.get(name, 0)
        state = states.get(name)
        rows.append(
            {
                "name": name,
                "position": position,
                "lag_events": max(head - position, 0),
                "lag_seconds": 0.0 if position >= head else _age_of_next(app, position, moment),
                "dead_letters": dead.get(name, 0),
                "running": None if state is None else state.running,
                "halted": None if state is None else state.halted,
                "last_error": None if state is None else state.last_error,
            }
        )
    return {"head": head, "ready": all(row["halted"] is None for row in rows), "projections": rows}


def wait_for(
    db: Database, position: int, names: Collection[str], *, timeout: float = 5.0, poll: float = 0.005
) -> bool:
    """Block until every named projection has processed log `position`; False on timeout.

    The poll starts at a few milliseconds (a caught-up follower usually needs one page) and backs
    off to 100 ms so that many waiting requests do not hammer the database."""
    deadline = time.monotonic() + timeout
    while True:
        with db.read() as conn:
            positions = tracking.positions(conn)
        if all(positions.get(name, 0) >= position for name in names):
            return True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        time.sleep(min(poll, remaining))
        poll = min(poll * 2, 0.1)
