"""A follower keeps one read model current with the application's notification log.

It reads the log in pages from its tracking position, decodes only the topics its model
handles, and writes the model's rows and the page's end position in one transaction: a crash at
any instant either keeps the whole page or none of it. A failing event is retried with back-off
and then parked as a dead letter, after which the model's policy says whether to stop or skip.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import psycopg
from eventsourcing.application import Application
from eventsourcing.persistence import Notification

from projections import tracking
from projections.columns import iso
from projections.database import Database
from projections.log_pages import page_reader
from projections.read_model import PoisonPolicy, ReadModel, is_secondary_index
from projections.supervision import PoisonEvent, RetryPolicy
from projections.wakeup import PollingWakeup, Wakeup

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Follower:
    def __init__(
        self,
        model: ReadModel,
        app: Application[Any],
        db: Database,
        *,
        wakeup: Wakeup | None = None,
        retry: RetryPolicy | None = None,
        page_size: int = 500,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self.model = model
        self.db = db
        self.recorder = app.recorder
        self.mapper = app.mapper
        self.pages = page_reader(app.recorder)
        self.wakeup: Wakeup = wakeup or PollingWakeup()
        self.retry = retry or RetryPolicy()
        self.page_size = page_size
        self.now = now
        self.topics = list(model.topics)
        self.position = 0
        self.halted: str | None = None
        self.last_error: str | None = None
        self._prepared = False
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def name(self) -> str:
        return self.model.name

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def prepare(self, *, indexes: bool = True) -> None:
        """Create the model's tables (and, unless a rebuild defers them, their secondary
        indexes) if need be, and load the position to resume from."""
        with self.db.transaction() as conn:
            tracking.create(conn)
            for statement in self.model.schema():
                if indexes or not is_secondary_index(statement):
                    conn.execute(statement)
            self.position = tracking.position(conn, self.name)
        self._prepared = True

    # ---- processing ------------------------------------------------------------------------

    def step(self) -> int:
        """Process one page; return how many log positions it moved (0: already at the head)."""
        if not self._prepared:
            self.prepare()
        head = self.recorder.max_notification_id() or 0
        if head <= self.position:
            return 0
        start = self.position
        page = self.pages(start, self.page_size, head, self.topics)
        # A short page covered everything up to `head`, including events of other topics.
        end = head if len(page) < self.page_size else page[-1].id
        try:
            self._apply(page, end)
        except tracking.PositionMoved:
            log.info("%s: another follower moved the position; resuming from it", self.name)
            self.prepare()
            return 1
        return self.position - start

    def catch_up(self, on_page: Callable[[Follower], None] | None = None) -> int:
        """Process pages until the head (as it stands when each page is read) is reached."""
        moved = 0
        while self.halted is None:
            advanced = self.step()
            if not advanced:
                break
            moved += advanced
            if on_page is not None:
                on_page(self)
        return moved

    def _apply(self, page: Sequence[Notification], end: int) -> None:
        try:
            self._commit(page, end)
        except PoisonEvent as failure:
            failed = page[failure.index]
            if failure.index:
                self._apply(page[: failure.index], failed.id - 1)
            self._retry(failed, failure.cause)

    def _commit(self, page: Sequence[Notification], end: int) -> None:
        if self.db.dialect == "postgres" and len(page) > 1:
            try:
                self._write(page, end, pipeline=True)
                return
            except (PoisonEvent, tracking.PositionMoved):
                raise
            except Exception:
                # Pipelined, a failing statement surfaces later than its event; replay the page
                # one statement at a time so the failure is pinned on the event that caused it.
                log.info("%s: pipelined page failed; replaying it statement by statement", self.name)
        self._write(page, end, pipeline=False)

    def _write(self, page: Sequence[Notification], end: int, *, pipeline: bool) -> None:
        events = []
        for index, notification in enumerate(page):
            try:
                events.append(self.mapper.to_domain_event(notification))
            except Exception as e:
                raise PoisonEvent(index, e) from e
        self.model.page_started()
        postgres = self.db.dialect == "postgres"
        with self.db.transaction(pipeline=pipeline) as conn:
            # Before any row: a follower whose position another one moved (a second worker, a
            # rebuild alongside) would otherwise write rows that are there already, and take the
            # duplicates for a poison event instead of resuming from where the other got to.
            tracking.check_positions(conn, {self.name: self.position}, lock=postgres)
            # The rows the page touches, in one query per table, rather than one per gig.
            self.model.page_events(conn, events)
            for index, (notification, event) in enumerate(zip(page, events, strict=True)):
                try:
                    self.model.event_position = notification.id
                    self.model.handle(conn, event)
                    self.model.flush(conn)
                except Exception as e:
                    if pipeline and isinstance(e, psycopg.Error):
                        # Pipelined, a statement's error surfaces at a later fetch, perhaps another
                        # event's: the page is replayed statement by statement to pin it.
                        raise
                    raise PoisonEvent(index, e) from e
            self.model.page_finished(conn)
            tracking.move_positions(conn, {self.name: (self.position, end)}, self.now())
        self.position = end

    # ---- supervision -----------------------------------------------------------------------

    def _retry(self, notification: Notification, error: Exception) -> None:
        for failures in range(1, self.retry.attempts):
            log.warning("%s: event %s failed (%d): %r", self.name, notification.id, failures, error)
            if self._stopping.wait(self.retry.delay(failures)):
                return
            try:
                self._commit([notification], notification.id)
                return
            except PoisonEvent as again:
                error = again.cause
        self._park(notification, error)

    def _park(self, notification: Notification, error: Exception) -> None:
        letter = tracking.DeadLetter(
            name=self.name,
            position=notification.id,
            topic=notification.topic,
            originator_id=str(notification.originator_id),
            error=f"{type(error).__name__}: {error}",
            attempts=self.retry.attempts,
            failed_at=iso(self.now()),
        )
        log.error("%s: parked event %s as a dead letter: %s", self.name, notification.id, letter.error)
        lock = self.db.dialect == "postgres"
        with self.db.transaction() as conn:
            tracking.park(conn, letter)
            if self.model.on_poison is PoisonPolicy.SKIP:
                tracking.advance(conn, self.name, self.position, notification.id, self.now(), lock=lock)
        if self.model.on_poison is PoisonPolicy.SKIP:
            self.position = notification.id
        else:
            self.halted = f"stopped at dead letter {notification.id}: {letter.error}"

    # ---- running ---------------------------------------------------------------------------

    def run_forever(self, stop: threading.Event | None = None) -> None:
        """Follow the log until `stop` is set or the model halts on a dead letter."""
        if stop is not None:
            self._stopping = stop
        failures = 0
        while not self._stopping.is_set() and self.halted is None:
            ticket = self.wakeup.ticket()
            try:
                advanced = self.step()
            except Exception as e:
                # Not an event's fault (the database went away, say): back off and try again.
                failures += 1
                self.last_error = f"{type(e).__name__}: {e}"
                log.exception("%s: cannot follow the log", self.name)
                self._stopping.wait(self.retry.delay(failures))
                continue
            failures = 0
            self.last_error = None
            if not advanced:
                self.wakeup.wait(ticket)

    def start(self) -> None:
        if self.running:
            return
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self.run_forever, name=f"projection-{self.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self.wakeup.nudge()
        if self._thread is not None:
            self._thread.join(timeout)
