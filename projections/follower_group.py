"""Several followers of one application served by one reader.

Followed separately, each model reads and decodes the same pages and commits a transaction of
its own for every page. A group reads each page once (the union of the models' topics), decodes
each event once, and applies the page to every model in one transaction that also moves each
model's tracking row: a crash keeps the whole page for every model or for none, so nothing is
lost or applied twice. Each model still starts from its own position (events it has already
processed are skipped for it), so a model that was rebuilt or added later catches up alongside.

Anything unusual (a handler raising, a tracking row moved by another process, a model halted on
a dead letter) makes the group hand the page to each follower on its own, where retries, dead
letters and the stop/skip policy pin the failure on the one event and model that caused it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

from eventsourcing.persistence import Notification

from projections import tracking
from projections.database import COPY_FROM_ROWS
from projections.follower import Follower
from projections.read_model import text_id
from projections.rebuild import Progress, reset

log = logging.getLogger(__name__)

PAGE_SIZE = 2_000


class _FallBack(Exception):
    """The page cannot be applied by the group as it stands; each follower takes it alone."""


class FollowerGroup:
    def __init__(self, followers: Sequence[Follower], *, page_size: int = PAGE_SIZE) -> None:
        if not followers:
            raise ValueError("a group needs at least one follower")
        self.followers = list(followers)
        first = self.followers[0]
        self.recorder = first.recorder
        self.mapper = first.mapper
        self.db = first.db
        self.wakeup = first.wakeup
        self.page_size = page_size
        self._topics = {f.name: frozenset(f.topics) for f in self.followers}
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def prepare(self) -> None:
        for follower in self.followers:
            follower.prepare()

    def _active(self) -> list[Follower]:
        return [f for f in self.followers if f.halted is None]

    # ---- processing ------------------------------------------------------------------------

    def step(self) -> int:
        """Process one page for every model that is behind; return how many log positions the
        slowest of them moved (0: all at the head)."""
        for follower in self.followers:
            if not follower._prepared:
                follower.prepare()
        active = self._active()
        if not active:
            return 0
        head = self.recorder.max_notification_id() or 0
        start = min(f.position for f in active)
        if head <= start:
            return 0
        behind = [f for f in active if f.position < head]
        topics = sorted(set().union(*(self._topics[f.name] for f in behind)))
        page = self.recorder.select_notifications(
            start=start, limit=self.page_size, stop=head, topics=topics, inclusive_of_start=False
        )
        # A short page covered everything up to `head`, including events of other topics.
        end = head if len(page) < self.page_size else page[-1].id
        before = sum(f.position for f in behind)
        try:
            self._apply(behind, page, end)
        except _FallBack as reason:
            log.info("page after %s handed to each follower alone: %r", start, reason.__cause__)
            for follower in behind:
                follower.step()
        moved = sum(f.position for f in behind) - before
        halted = any(f.halted is not None for f in behind)
        return max(moved, 1) if halted else moved

    def _apply(self, followers: Sequence[Follower], page: Sequence[Notification], end: int) -> None:
        try:
            events = [(n.id, n.topic, self.mapper.to_domain_event(n)) for n in page]
        except Exception as e:
            raise _FallBack from e
        gig_ids = {text_id(event.originator_id) for _, _, event in events}
        postgres = self.db.dialect == "postgres"
        moves = {f.name: (f.position, end) for f in followers}
        now = followers[0].now()
        try:
            # A long page (catching up) sends its rows in COPYs, which a pipeline forbids; a short
            # one (following live) is pipelined: a round trip per page, not per statement.
            pipelined = postgres and len(page) < COPY_FROM_ROWS
            with self.db.transaction(pipeline=pipelined) as conn:
                # Lock and check every tracking row first: one round trip for the whole group.
                expected = {name: position for name, (position, _) in moves.items()}
                tracking.check_positions(conn, expected, lock=postgres)
                for follower in followers:
                    handled = self._topics[follower.name]
                    model, position = follower.model, follower.position
                    model.page_started()
                    mine = [(i, e) for i, topic, e in events if i > position and topic in handled]
                    model.page_events(conn, [e for _, e in mine], gig_ids)
                    for position_of_event, event in mine:
                        model.event_position = position_of_event
                        model.handle(conn, event)
                    model.flush(conn)
                    model.page_finished(conn)
                tracking.move_positions(conn, moves, now)
        except Exception as e:
            raise _FallBack from e
        for follower in followers:
            follower.position = end

    def catch_up(self, on_page: Callable[[FollowerGroup], None] | None = None) -> int:
        moved = 0
        while True:
            advanced = self.step()
            if not advanced:
                return moved
            moved += advanced
            if on_page is not None:
                on_page(self)

    # ---- running ---------------------------------------------------------------------------

    def run_forever(self, stop: threading.Event | None = None) -> None:
        """Follow the log until `stop` is set or every model has halted on a dead letter."""
        if stop is not None:
            self._stopping = stop
        for follower in self.followers:
            # A follower retrying a failed event alone stops waiting when the group stops.
            follower._stopping = self._stopping
        failures = 0
        retry = self.followers[0].retry
        while not self._stopping.is_set() and self._active():
            ticket = self.wakeup.ticket()
            try:
                advanced = self.step()
            except Exception as e:
                # Not an event's fault (the database went away, say): back off and try again.
                failures += 1
                self._set_error(f"{type(e).__name__}: {e}")
                log.exception("projections: cannot follow the log")
                self._stopping.wait(retry.delay(failures))
                continue
            failures = 0
            self._set_error(None)
            if not advanced:
                self.wakeup.wait(ticket)

    def _set_error(self, error: str | None) -> None:
        self.last_error = error
        for follower in self.followers:
            follower.last_error = error

    def start(self) -> None:
        if self.running:
            return
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self.run_forever, name="projections", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self.wakeup.nudge()
        if self._thread is not None:
            self._thread.join(timeout)


def rebuild_group(group: FollowerGroup, progress: Callable[[Progress], None] | None = None) -> list[Progress]:
    """Replay every model of the group from zero, reading and decoding the log once for all.

    Each model's tables, position and dead letters are reset in one transaction, as a single
    rebuild does, so a rebuild that dies half-way resumes like any follower."""
    for follower in group.followers:
        reset(follower)
    total = group.recorder.max_notification_id() or 0
    started = time.monotonic()

    def report(g: FollowerGroup) -> None:
        if progress is not None:
            elapsed = time.monotonic() - started
            for f in g.followers:
                progress(Progress(f.name, min(f.position, total), total, elapsed))

    group.catch_up(on_page=report)
    elapsed = time.monotonic() - started
    done = [Progress(f.name, f.position, total, elapsed) for f in group.followers]
    if progress is not None:
        for p in done:
            progress(p)
    return done
