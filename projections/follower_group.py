"""Several followers of one application served by one reader.

Followed separately, each model reads and decodes the same pages and commits a transaction of
its own for every page. A group reads each page once (the union of the models' topics), decodes
each event once, and applies the page to every model in one transaction that also moves each
model's tracking row: a crash keeps the whole page for every model or for none, so nothing is
lost or applied twice. Each model still starts from its own position (events it has already
processed are skipped for it), so a model that was rebuilt or added later catches up alongside.

Catching up on PostgreSQL, a page is handled while the one before it is being written (see
`projections.write_behind`), so the follower's Python and the server's work overlap.

Anything unusual (a handler raising, a tracking row moved by another process, a model halted on
a dead letter) makes the group hand the page to each follower on its own, where retries, dead
letters and the stop/skip policy pin the failure on the one event and model that caused it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from itertools import compress
from typing import Any

from eventsourcing.persistence import Notification

from projections import tracking
from projections.database import COPY_FROM_ROWS, Connection
from projections.follower import Follower
from projections.log_pages import ReadAhead
from projections.read_model import PageGigs, load_rows
from projections.rebuild import Progress, build_indexes, reset
from projections.write_behind import DeferredWrites, PageWriter, replay

log = logging.getLogger(__name__)

PAGE_SIZE = 2_000
WRITE_BEHIND_PAGE_SIZE = 5_000
"""Pages written behind are longer: each of a page's ~40 round trips to the server costs the
writing thread a wait for the interpreter lock, which the handling thread holds (2,000 → 5,000
events a page: 16,000 → 18,000 events/s catching up)."""


class _FallBack(Exception):
    """The page cannot be applied by the group as it stands; each follower takes it alone."""


@dataclass(frozen=True, slots=True)
class _InFlight:
    """A handled page being written: its followers move to `end` once `done` succeeds."""

    followers: list[Follower]
    end: int
    done: Future[None]


@dataclass(frozen=True, slots=True)
class _Decoded:
    """A page's events decoded once for every model, with their positions and topics."""

    ids: list[int]
    topics: list[str]
    events: list[Any]
    first: int
    topic_set: frozenset[str]

    @classmethod
    def of(cls, page: Sequence[Notification], decode: Callable[[Notification], Any]) -> _Decoded:
        topics = [n.topic for n in page]
        first = page[0].id if page else 0
        return cls([n.id for n in page], topics, [decode(n) for n in page], first, frozenset(topics))

    def after(self, position: int, topics: frozenset[str]) -> tuple[list[int], list[Any]]:
        """The positions and events a model at `position` handling `topics` takes: usually the
        whole page, which is then not copied."""
        if position < self.first:
            if self.topic_set <= topics:
                return self.ids, self.events
            mask = list(map(topics.__contains__, self.topics))
            return list(compress(self.ids, mask)), list(compress(self.events, mask))
        rows = zip(self.ids, self.topics, self.events, strict=True)
        kept = [(i, e) for i, topic, e in rows if i > position and topic in topics]
        return [i for i, _ in kept], [e for _, e in kept]


class FollowerGroup:
    def __init__(
        self,
        followers: Sequence[Follower],
        *,
        page_size: int | None = None,
        write_behind: bool = True,
    ) -> None:
        if not followers:
            raise ValueError("a group needs at least one follower")
        self.followers = list(followers)
        first = self.followers[0]
        self.recorder = first.recorder
        self.pages = first.pages
        self.mapper = first.mapper
        self.db = first.db
        self.wakeup = first.wakeup
        self._topics = {f.name: frozenset(f.topics) for f in self.followers}
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None
        self.write_behind = (
            write_behind
            and self.db.dialect == "postgres"
            and all(f.model.writes_behind for f in self.followers)
        )
        default = WRITE_BEHIND_PAGE_SIZE if self.write_behind else PAGE_SIZE
        self.page_size = default if page_size is None else page_size
        self._writer = PageWriter(self.db)
        self._ahead = ReadAhead(self.pages)
        self._in_flight: _InFlight | None = None
        self._carried: dict[str, int] = {}
        """Model name → the position its memory is good for: the end of the page it last handled
        for the writer. A model that starts a page there continues (`page_continued`) rather than
        starting afresh; one moved in the meantime (rebuilt, say) starts afresh."""
        self._serial_until = 0
        """Pages up to here go the serial way: a page written behind failed there."""
        self.pages_failed = 0
        """Pages the group could not apply as a whole (each handed to the followers alone, or
        read again the serial way): zero in a healthy run."""

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
        slowest of them moved (0: all at the head, nothing in flight). Writing behind, a page's
        positions move when its write lands, during the next step."""
        for follower in self.followers:
            if not follower._prepared:
                follower.prepare()
        active = self._active()
        head = self.recorder.max_notification_id() or 0
        reached = self._reached()
        start = min((reached(f) for f in active), default=head)
        if head <= start:
            return self.land()
        behind = [f for f in active if reached(f) < head]
        topics = sorted(set().union(*(self._topics[f.name] for f in behind)))
        latest = head
        ahead = self._ahead.take(start, self.page_size, topics)
        if ahead is None:
            page = self.pages(start, self.page_size, head, topics)
        else:
            page, head = ahead  # read up to the head of its time
        # A short page covered everything up to `head`, including events of other topics.
        end = head if len(page) < self.page_size else page[-1].id
        # A model already past the page (rebuilt models catching up behind it) sits it out: taking
        # part would move its position back to the page's end.
        behind = [f for f in behind if reached(f) < end]
        if self.write_behind and start >= self._serial_until and len(page) >= COPY_FROM_ROWS:
            if len(page) == self.page_size:
                self._ahead.request(end, self.page_size, latest, topics)
            return self._write_behind(behind, page, end)
        if self._in_flight is not None:
            # Followed live from here: land the page in flight and read again from what it left.
            return max(self.land(), 1)
        before = sum(f.position for f in behind)
        try:
            self._apply(behind, page, end)
        except _FallBack as reason:
            self.pages_failed += 1
            log.info("page after %s handed to each follower alone: %r", start, reason.__cause__)
            for follower in behind:
                follower.step()
        moved = sum(f.position for f in behind) - before
        halted = any(f.halted is not None for f in behind)
        return max(moved, 1) if halted else moved

    def _reached(self) -> Callable[[Follower], int]:
        """Where each follower is, counting the page in flight as done."""
        flight = self._in_flight
        if flight is None:
            return lambda f: f.position
        return lambda f: flight.end if f in flight.followers else f.position

    def land(self) -> int:
        """Wait for the page being written, if any; return the positions it moved. If its
        transaction failed, each of its followers takes it alone."""
        flight, self._in_flight = self._in_flight, None
        if flight is None:
            return 0
        before = sum(f.position for f in flight.followers)
        try:
            flight.done.result()
        except Exception as e:
            self.pages_failed += 1
            log.info("page written behind to %s failed, handed to each follower alone: %r", flight.end, e)
            self._forget(until=flight.end)
            for follower in flight.followers:
                follower.step()
        else:
            for follower in flight.followers:
                follower.position = flight.end
        return sum(f.position for f in flight.followers) - before

    def _forget(self, until: int) -> None:
        """The models' memory may be ahead of the database: start the next page from scratch,
        and go the serial way until `until`."""
        self._carried = {}
        self._serial_until = max(self._serial_until, until)

    def _write_behind(self, followers: list[Follower], page: Sequence[Notification], end: int) -> int:
        reached = self._reached()
        moves = {f.name: (reached(f), end) for f in followers}
        try:
            events = _Decoded.of(page, self.mapper.to_domain_event)
            gigs = self._page_gigs(events, max(position for position, _ in moves.values()))
            with self.db.read() as reader:
                conn = DeferredWrites(reader)
                for follower in followers:
                    # Continuing from the memory of the page before, when this model took it.
                    if self._carried.get(follower.name) == moves[follower.name][0]:
                        follower.model.page_continued()
                    else:
                        follower.model.page_started()
                self._load(conn, followers, gigs)
                for follower in followers:
                    self._handle(follower, conn, events, gigs, after=moves[follower.name][0])
                    self._carried[follower.name] = end
        except Exception as e:
            self.pages_failed += 1
            log.info("page to %s not handled for writing behind, going the serial way: %r", end, e)
            moved = self.land()
            self._forget(until=end)
            return max(moved, 1)
        moved = self.land()
        if not self._carried:  # the page before failed: this one was handled on top of it
            return max(moved, 1)
        expected = {name: position for name, (position, _) in moves.items()}
        now = followers[0].now()

        def transaction(conn: Connection) -> None:
            tracking.check_positions(conn, expected, lock=True)
            replay(conn, writes)
            tracking.move_positions(conn, moves, now)

        writes = conn.writes
        self._in_flight = _InFlight(followers, end, self._writer.submit(transaction))
        return max(moved, 1)

    @staticmethod
    def _page_gigs(events: _Decoded, furthest: int) -> PageGigs:
        """Once for every model: a gig created at or before the furthest model's position may
        have rows in the models that are that far on."""
        if furthest < events.first:
            return PageGigs.of(events.events)
        pairs = list(zip(events.ids, events.events, strict=True))
        seen = [e for i, e in pairs if i <= furthest]
        return PageGigs.of((e for i, e in pairs if i > furthest), seen)

    @staticmethod
    def _load(
        conn: Connection,
        followers: Sequence[Follower],
        gigs: PageGigs,
        *,
        check: tuple[Mapping[str, int], bool] | None = None,
    ) -> None:
        """Every model's rows for the page's gigs, asked for together: one round trip on a
        pipelined connection where each model asking alone took one each (following live,
        a page's time went mostly to those waits). Models read only their own tables, so
        reading them all before any model writes reads the same rows. `check`: the expected
        positions (and whether to lock their rows), checked first in the same round trip."""
        loads = [load for follower in followers for load in follower.model.row_loads(gigs)]
        if check is None:
            load_rows(conn, loads)
            return
        expected, lock = check
        positions = load_rows(conn, loads, first=tracking.positions_query(expected, lock=lock))
        tracking.verify_positions(positions, expected)

    def _handle(
        self, follower: Follower, conn: Connection, events: _Decoded, gigs: PageGigs, after: int
    ) -> None:
        """One model's share of the page, its page begun and its rows loaded: handled, flushed
        and finished on `conn`."""
        model = follower.model
        ids, mine = events.after(after, self._topics[follower.name])
        model.page_events(conn, mine, gigs)
        model.handle_all(conn, mine, ids)
        model.flush(conn)
        model.page_finished(conn)

    def _apply(self, followers: Sequence[Follower], page: Sequence[Notification], end: int) -> None:
        self._carried = {}
        try:
            events = _Decoded.of(page, self.mapper.to_domain_event)
        except Exception as e:
            raise _FallBack from e
        gigs = self._page_gigs(events, max(f.position for f in followers))
        postgres = self.db.dialect == "postgres"
        moves = {f.name: (f.position, end) for f in followers}
        now = followers[0].now()
        try:
            # A long page (catching up) sends its rows in COPYs, which a pipeline forbids; a short
            # one (following live) is pipelined: a round trip per page, not per statement.
            pipelined = postgres and len(page) < COPY_FROM_ROWS
            with self.db.transaction(pipeline=pipelined) as conn:
                expected = {name: position for name, (position, _) in moves.items()}
                for follower in followers:
                    follower.model.page_started()
                # Lock and check every tracking row first, in the round trip of the rows.
                self._load(conn, followers, gigs, check=(expected, postgres))
                for follower in followers:
                    self._handle(follower, conn, events, gigs, after=follower.position)
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
        try:
            self.land()
        except Exception:
            log.exception("projections: the last page written behind did not land")

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
        if not self.running:
            self.land()
            self._writer.close()
            self._ahead.close()


def rebuild_group(group: FollowerGroup, progress: Callable[[Progress], None] | None = None) -> list[Progress]:
    """Replay every model of the group from zero, reading and decoding the log once for all.

    Each model's tables, position and dead letters are reset in one transaction, as a single
    rebuild does, so a rebuild that dies half-way resumes like any follower. Secondary indexes
    are built once the replay is done (`reset`'s `defer_indexes`): its time is in the total."""
    for follower in group.followers:
        reset(follower, defer_indexes=True)
    total = group.recorder.max_notification_id() or 0
    started = time.monotonic()

    def report(g: FollowerGroup) -> None:
        if progress is not None:
            elapsed = time.monotonic() - started
            for f in g.followers:
                progress(Progress(f.name, min(f.position, total), total, elapsed))

    group.catch_up(on_page=report)
    for follower in group.followers:
        if progress is not None:
            elapsed = time.monotonic() - started
            progress(Progress(follower.name, follower.position, total, elapsed, indexing=True))
        build_indexes(follower)
    elapsed = time.monotonic() - started
    done = [Progress(f.name, f.position, total, elapsed) for f in group.followers]
    if progress is not None:
        for p in done:
            progress(p)
    return done
