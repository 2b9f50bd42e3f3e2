"""Composition: every read model with its follower, for one application and one database.

The API process starts them in background threads (`Projections.start`); a worker process runs
them in the foreground (`run_projections_forever`); the CLI rebuilds them (`rebuild`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.postgres import PostgresApplicationRecorder

from domain.marketplace import Marketplace
from projections.board import Board
from projections.database import Database
from projections.due_timers import DueTimers
from projections.employer_dashboard import EmployerDashboard
from projections.fairness import FairnessModel
from projections.follower import Follower
from projections.follower_group import FollowerGroup, rebuild_group
from projections.gig_detail import GigDetail
from projections.read_model import ReadModel
from projections.rebuild import Progress
from projections.status import RunState, projection_status, wait_for
from projections.student_portfolio import StudentPortfolio
from projections.supervision import RetryPolicy
from projections.timer_worker import TimerWorker
from projections.wakeup import PollingWakeup, SubscriptionWakeup, Wakeup

MODELS: dict[str, type[ReadModel]] = {
    model.name: model
    for model in (Board, GigDetail, EmployerDashboard, StudentPortfolio, DueTimers, FairnessModel)
}


class UnknownProjection(KeyError):
    pass


def wakeup_for(recorder: ApplicationRecorder, poll_interval: float = 0.05) -> Wakeup:
    """LISTEN/NOTIFY on PostgreSQL, polling elsewhere (SQLite)."""
    if isinstance(recorder, PostgresApplicationRecorder):
        return SubscriptionWakeup(recorder)
    return PollingWakeup(poll_interval)


class Projections:
    def __init__(
        self,
        app: Application[Any],
        db: Database,
        *,
        names: Iterable[str] | None = None,
        retry: RetryPolicy | None = None,
        page_size: int = 500,
        wakeup: Wakeup | None = None,
        models: Mapping[str, ReadModel] | None = None,
    ) -> None:
        """`models` replaces the default instance of a read model, for one configured otherwise
        (the fairness model with a deployment's own policy)."""
        chosen = list(MODELS) if names is None else list(names)
        configured = dict(models or {})
        for name in chosen:
            if name not in MODELS:
                raise UnknownProjection(name)
        self.app = app
        self.db = db
        self.wakeup = wakeup or wakeup_for(app.recorder)
        self.followers = {
            name: Follower(
                configured.get(name) or MODELS[name](db.dialect),
                app,
                db,
                wakeup=self.wakeup,
                retry=retry,
                page_size=page_size,
            )
            for name in chosen
        }
        # One reader for every model: each page is read and decoded once and applied to all
        # models in one transaction (see follower_group.py).
        self.group = FollowerGroup(list(self.followers.values()))
        # Saves made in this process wake the followers at once, not at the next poll.
        self._stop_listening = app.on_recorded(self.wakeup.nudge) if isinstance(app, Marketplace) else None

    def prepare(self) -> None:
        # One after the other: concurrent CREATE TABLE IF NOT EXISTS can still collide on PostgreSQL.
        for follower in self.followers.values():
            follower.prepare()

    def catch_up(self) -> int:
        return self.group.catch_up()

    def start(self, names: Sequence[str] | None = None, *, also: Sequence[Follower] = ()) -> None:
        """Follow the log in a background thread: every model, or only `names` (the rest are
        followed elsewhere, by another process), and the followers `also` in the same group
        (prepared by their owner)."""
        self.prepare()
        chosen = list(self.followers) if names is None else list(names)
        if chosen != list(self.followers) or also:
            self.group = FollowerGroup([*(self.followers[name] for name in chosen), *also])
        self.group.start()

    def stop(self) -> None:
        self.group.stop()

    def close(self) -> None:
        if self._stop_listening is not None:
            self._stop_listening()
            self._stop_listening = None
        self.stop()
        self.wakeup.close()

    def nudge(self) -> None:
        """Tell idle followers the log has grown (a command in this process just saved)."""
        self.wakeup.nudge()

    def status(self, now: Callable[[], datetime] | None = None) -> dict[str, Any]:
        running = self.group.running
        states = {
            name: RunState(running and f.halted is None, f.halted, f.last_error)
            for name, f in self.followers.items()
        }
        kwargs = {} if now is None else {"now": now}
        return projection_status(self.app, self.db, list(self.followers), run_states=states, **kwargs)

    def wait_for(self, position: int | None, timeout: float = 5.0, name: str | None = None) -> bool:
        """Read-your-writes: block until the named (default: every) projection has processed
        `position`. False on timeout."""
        if position is None:
            return True
        names = list(self.followers) if name is None else [name]
        return wait_for(self.db, position, names, timeout=timeout)

    def rebuild(
        self, name: str | None = None, progress: Callable[[Progress], None] | None = None
    ) -> list[Progress]:
        if name is not None and name not in self.followers:
            raise UnknownProjection(name)
        if name is None:
            return rebuild_group(self.group, progress)
        # A group of one: the same long pages, written behind on PostgreSQL, as every rebuild.
        return rebuild_group(FollowerGroup([self.followers[name]]), progress)


def build_projections(app: Application[Any], db: Database, **options: Any) -> Projections:
    return Projections(app, db, **options)


def run_projections_forever(app: Application[Any], db: Database, stop_event: threading.Event) -> None:
    """`fairgig worker projections`: follow the log until `stop_event` is set."""
    projections = Projections(app, db)
    projections.start()
    try:
        stop_event.wait()
    finally:
        projections.close()


def run_timers_forever(
    app: Marketplace,
    db: Database,
    clock: Callable[[], datetime],
    stop_event: threading.Event,
    interval: float = 1.0,
) -> None:
    """`fairgig worker timers`: fire due timers until `stop_event` is set."""
    TimerWorker(app, db, clock).run_forever(stop_event, interval)


def rebuild(
    app: Application[Any],
    db: Database,
    name: str | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> list[Progress]:
    """`fairgig projections rebuild [NAME]`: replay from zero, reporting progress per page."""
    projections = Projections(app, db, names=None if name is None else [name], wakeup=PollingWakeup())
    try:
        return projections.rebuild(name, progress)
    finally:
        projections.close()
