"""The Marketplace application: one command method per lifecycle verb (load, decide, save).

Persistence comes from the environment only (SQLite by default, PostgreSQL when configured);
time comes from the injected clock. Each command returns a `Receipt` with the gig's new version
and the log position of its last event, so callers can wait for read models to include it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.persistence import IntegrityError, Recording
from eventsourcing.utils import EnvType

from domain.actors import Actor
from domain.brief import Brief
from domain.clock import Clock
from domain.errors import Conflict
from domain.gig import Gig
from domain.gig_cache import GigCache, working_copy
from domain.gig_errors import GigError
from domain.money import Money
from domain.policy import LifecyclePolicy

PAYMENTS = Actor(None, frozenset({"payments"}))
_RETRIES_ON_CONFLICT = 3
GROUP_COMMIT_ENV = "FAIRGIG_GROUP_COMMIT"
_GROUP_LIMIT = 64
GIG_CACHE_ENV = "FAIRGIG_GIG_CACHE_SIZE"
"""How many gigs each Marketplace keeps for commands to decide on without a query; 0 turns the
cache off. A gig's working set is the gigs with commands in flight, so this can stay small."""
_GIG_CACHE_DEFAULT = 1024


class _Pending:
    """One command's decided gig, waiting for the writer that saves it. `wake` is held until
    the gig is saved (or refused), or until its thread is to lead the next group."""

    __slots__ = ("error", "gig", "leads", "receipt", "wake")

    def __init__(self, gig: Gig) -> None:
        self.gig = gig
        self.receipt: Receipt | None = None
        self.error: BaseException | None = None
        self.leads = False
        self.wake = threading.Lock()
        self.wake.acquire()


class GroupCommit:
    """Saves the gigs that concurrent commands decided in one transaction.

    The first command thread to arrive while nobody is writing becomes the writer: it takes
    every gig waiting (up to `_GROUP_LIMIT`) and saves them in one transaction, which the
    recorder inserts atomically under its table lock, so the log stays gap-free and in commit
    order. Threads arriving meanwhile queue and are saved by the next writer, so under load many
    commands share one commit. When a group is written, the writer wakes exactly the threads
    whose gigs it saved and hands the writing on to the oldest waiting thread, if any; nobody
    else is woken, since a woken thread that finds nothing to do still costs a turn of the
    interpreter lock.

    If the group's insert hits a uniqueness violation (some gig was written concurrently), the
    stale gig fails with `IntegrityError` and its command decides again on the fresh gig, as it
    would alone; the rest are saved again. The error names the conflicting gig on PostgreSQL, so
    that one is dropped and the rest saved again together; when it names none, each gig is saved
    alone to find which."""

    def __init__(self, save: Callable[[list[Gig]], list[Receipt]]) -> None:
        self._save = save
        self._lock = threading.Lock()
        self._queue: list[_Pending] = []
        self._writing = False

    def save(self, gig: Gig) -> Receipt:
        slot = _Pending(gig)
        with self._lock:
            self._queue.append(slot)
            leads = not self._writing
            self._writing = True
        if not leads:
            slot.wake.acquire()
            leads = slot.leads
        if leads:
            self._lead()
        if slot.error is not None:
            raise slot.error
        assert slot.receipt is not None
        return slot.receipt

    def _lead(self) -> None:
        """Write the group at the head of the queue (which holds this thread's own gig)."""
        with self._lock:
            batch, self._queue = self._queue[:_GROUP_LIMIT], self._queue[_GROUP_LIMIT:]
        try:
            self._write(batch)
        finally:
            with self._lock:
                successor = self._queue[0] if self._queue else None
                self._writing = successor is not None
            if successor is not None:  # first, so that the next group's transaction starts at once
                successor.leads = True
                successor.wake.release()
            for pending in batch[1:]:
                pending.wake.release()

    def _write(self, batch: list[_Pending]) -> None:
        # Two commands on one gig cannot both be saved in one transaction (at most one is fresh),
        # and a conflict naming their gig would fail both: the later ones go alone, afterwards.
        group: list[_Pending] = []
        later: list[_Pending] = []
        ids: set[UUID] = set()
        for pending in batch:
            (later if pending.gig.id in ids else group).append(pending)
            ids.add(pending.gig.id)
        self._write_group(group)
        for pending in later:
            self._write_group([pending])

    def _write_group(self, group: list[_Pending]) -> None:
        while group:
            try:
                receipts = self._save([p.gig for p in group])
            except IntegrityError as e:
                stale = [p for p in group if _names(e, p.gig.id)] if len(group) > 1 else group
                if not stale:
                    break
                for pending in stale:
                    pending.error = e
                group = [p for p in group if p.error is None]
                continue
            except BaseException as e:
                for pending in group:
                    pending.error = e
                return
            for pending, receipt in zip(group, receipts, strict=True):
                pending.receipt = receipt
            return
        for pending in group:  # the conflict named no gig: find which, one gig per transaction
            self._write_group([pending])


def _project(gig: Gig | None, events: Iterable[Any]) -> Gig | None:
    """The library's `project_aggregate` without its per-event assertion that the event satisfies
    a runtime protocol, a check that cost a tenth of loading a gig; a gig's events all mutate."""
    for event in events:
        gig = event.mutate(gig)
    return gig


def _names(error: BaseException, gig_id: UUID) -> bool:
    """Whether an error (or what caused it) names `gig_id` in its message or its detail."""
    needle = str(gig_id)
    cause: BaseException | None = error
    while cause is not None:
        detail = getattr(getattr(cause, "diag", None), "message_detail", None) or ""
        if needle in str(cause) or needle in detail:
            return True
        cause = cause.__cause__
    return False


class GigNotFound(GigError):
    code = "gig.not_found"


class ConcurrentUpdate(GigError, Conflict):
    code = "gig.concurrent_update"


class VersionMismatch(GigError, Conflict):
    """The client's If-Match no longer matches the gig's version."""

    code = "gig.version_mismatch"


@dataclass(frozen=True, slots=True)
class Receipt:
    gig_id: UUID
    version: int
    position: int | None
    status: str = ""


class Marketplace(Application[UUID]):
    name = "Marketplace"

    def __init__(
        self, env: EnvType | None = None, *, clock: Clock, policy: LifecyclePolicy | None = None
    ) -> None:
        super().__init__(env)
        self.clock = clock
        self.policy = policy or LifecyclePolicy()
        grouped = self.env.get(GROUP_COMMIT_ENV, "1")  # the library's env already includes os.environ
        self._group = GroupCommit(self._save_together) if grouped not in ("0", "false", "no") else None
        cache_size = int(self.env.get(GIG_CACHE_ENV, str(_GIG_CACHE_DEFAULT)) or 0)
        self.gig_cache: GigCache | None = GigCache(cache_size) if cache_size > 0 else None
        """Gigs for commands to decide on without a query (see `_command`); None when off."""
        self._on_recorded: list[Callable[[], None]] = []

    def on_recorded(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener` after every save of this application, whoever asked for it; returns
        the way to stop. Followers in this process wake at once instead of at their next poll."""
        self._on_recorded.append(listener)

        def stop() -> None:
            if listener in self._on_recorded:
                self._on_recorded.remove(listener)

        return stop

    def _notify(self, recordings: list[Recording[UUID]]) -> None:
        super()._notify(recordings)
        for listener in list(self._on_recorded):
            listener()

    # ---- queries used to decide commands ---------------------------------------------------

    def get_gig(self, gig_id: UUID, version: int | None = None) -> Gig:
        """The gig as stored, always read from the store (never from the command cache, which
        may lag behind other processes' writes); a read of the latest version refreshes the
        cache with a copy, so that the command that often follows a read needs no query."""
        try:
            gig: Gig = self.repository.get(gig_id, version=version, projector_func=_project)
        except AggregateNotFoundError:
            raise GigNotFound(f"no gig {gig_id}", gig_id=str(gig_id)) from None
        if version is None and self.gig_cache is not None:
            self.gig_cache.put(working_copy(gig))
        return gig

    # ---- drafting --------------------------------------------------------------------------

    def create_gig(self, actor: Actor, brief: Brief, gig_id: UUID | None = None) -> Receipt:
        gig = Gig.create(gig_id or uuid4(), actor, brief, self.clock())
        receipt = self._save(gig)
        if self.gig_cache is not None:
            self.gig_cache.put(gig)
        return receipt

    def edit_gig(
        self, actor: Actor, gig_id: UUID, brief: Brief, expected_version: int | None = None
    ) -> Receipt:
        return self._command(gig_id, expected_version, lambda g, now: g.edit_draft(actor, brief, now))

    def publish_gig(
        self, actor: Actor, gig_id: UUID, blocking: Iterable[str] = (), expected_version: int | None = None
    ) -> Receipt:
        rules = list(blocking)
        return self._command(
            gig_id, expected_version, lambda g, now: g.publish(actor, now, self.policy, rules)
        )

    def cancel_gig(
        self, actor: Actor, gig_id: UUID, reason: str, expected_version: int | None = None
    ) -> Receipt:
        return self._command(
            gig_id, expected_version, lambda g, now: g.cancel(actor, reason, now, self.policy)
        )

    # ---- claiming and working --------------------------------------------------------------

    def claim_gig(self, actor: Actor, gig_id: UUID, expected_version: int | None = None) -> Receipt:
        return self._command(gig_id, expected_version, lambda g, now: g.claim(actor, now, self.policy))

    def decline_claim(
        self, actor: Actor, gig_id: UUID, reason: str, expected_version: int | None = None
    ) -> Receipt:
        return self._command(gig_id, expected_version, lambda g, now: g.decline_claim(actor, reason, now))

    def withdraw_claim(
        self, actor: Actor, gig_id: UUID, reason: str, expected_version: int | None = None
    ) -> Receipt:
        return self._command(gig_id, expected_version, lambda g, now: g.withdraw(actor, reason, now))

    def check_in(self, actor: Actor, gig_id: UUID, note: str, expected_version: int | None = None) -> Receipt:
        return self._command(
            gig_id, expected_version, lambda g, now: g.check_in(actor, note, now, self.policy)
        )

    def submit_work(
        self, actor: Actor, gig_id: UUID, url: str, notes: str, expected_version: int | None = None
    ) -> Receipt:
        return self._command(
            gig_id, expected_version, lambda g, now: g.submit(actor, url, notes, now, self.policy)
        )

    # ---- review and disputes ---------------------------------------------------------------

    def approve_submission(
        self, actor: Actor, gig_id: UUID, feedback: str, expected_version: int | None = None
    ) -> Receipt:
        return self._command(gig_id, expected_version, lambda g, now: g.approve(actor, feedback, now))

    def request_changes(
        self, actor: Actor, gig_id: UUID, feedback: str, expected_version: int | None = None
    ) -> Receipt:
        return self._command(
            gig_id, expected_version, lambda g, now: g.request_changes(actor, feedback, now, self.policy)
        )

    def reject_submission(
        self, actor: Actor, gig_id: UUID, feedback: str, expected_version: int | None = None
    ) -> Receipt:
        return self._command(
            gig_id, expected_version, lambda g, now: g.reject(actor, feedback, now, self.policy)
        )

    def dispute_rejection(
        self, actor: Actor, gig_id: UUID, reason: str, expected_version: int | None = None
    ) -> Receipt:
        return self._command(gig_id, expected_version, lambda g, now: g.dispute(actor, reason, now))

    def resolve_dispute(
        self, actor: Actor, gig_id: UUID, student_share_percent: int, expected_version: int | None = None
    ) -> Receipt:
        return self._command(
            gig_id, expected_version, lambda g, now: g.resolve_dispute(actor, student_share_percent, now)
        )

    def rate(
        self, actor: Actor, gig_id: UUID, stars: int, comment: str, expected_version: int | None = None
    ) -> Receipt:
        return self._command(gig_id, expected_version, lambda g, now: g.rate(actor, stars, comment, now))

    # ---- the clock's commands --------------------------------------------------------------

    def fire_timer(self, actor: Actor, gig_id: UUID, timer: str) -> Receipt:
        """Run the named clock command (see `Gig.due_timers`)."""
        commands: dict[str, Callable[[Gig, datetime], None]] = {
            "expire_funding": lambda g, now: g.expire_funding(actor, now),
            "expire_claim": lambda g, now: g.expire_claim(actor, now),
            "auto_approve": lambda g, now: g.auto_approve(actor, now),
            "close_undisputed": lambda g, now: g.close_undisputed(actor, now),
            "expire_deadline": lambda g, now: g.expire_deadline(actor, now),
            "reveal_ratings": lambda g, now: g.reveal_ratings(actor, now),
        }
        return self._command(gig_id, None, commands[timer])

    # ---- money movements recorded by the payments process ----------------------------------

    def record_funding(self, gig_id: UUID, payment_ref: str, amount: Money) -> Receipt:
        return self._command(
            gig_id, None, lambda g, now: g.record_funding(PAYMENTS, payment_ref, amount, now)
        )

    def record_funding_decline(
        self, gig_id: UUID, payment_ref: str, notice_ref: str, code: str, reason: str
    ) -> Receipt:
        return self._command(
            gig_id,
            None,
            lambda g, now: g.record_funding_decline(PAYMENTS, payment_ref, notice_ref, code, reason, now),
        )

    def record_payout(self, gig_id: UUID, transfer_ref: str, amount: Money) -> Receipt:
        return self._command(
            gig_id, None, lambda g, now: g.record_payout(PAYMENTS, transfer_ref, amount, now, self.policy)
        )

    def record_payout_failure(self, gig_id: UUID, reason: str, code: str) -> Receipt:
        return self._command(
            gig_id, None, lambda g, now: g.record_payout_failure(PAYMENTS, reason, code, now)
        )

    def record_refund(self, gig_id: UUID, refund_ref: str, amount: Money) -> Receipt:
        return self._command(gig_id, None, lambda g, now: g.record_refund(PAYMENTS, refund_ref, amount, now))

    def record_stray_funding(self, gig_id: UUID, payment_ref: str, amount: Money) -> Receipt:
        return self._command(
            gig_id, None, lambda g, now: g.record_stray_funding(PAYMENTS, payment_ref, amount, now)
        )

    def record_stray_refund(self, gig_id: UUID, payment_ref: str, refund_ref: str, amount: Money) -> Receipt:
        return self._command(
            gig_id, None, lambda g, now: g.record_stray_refund(PAYMENTS, payment_ref, refund_ref, amount, now)
        )

    # ---- plumbing --------------------------------------------------------------------------

    def _command(
        self, gig_id: UUID, expected_version: int | None, decide: Callable[[Gig, datetime], Any]
    ) -> Receipt:
        """Load, decide, save; on a concurrent write, decide again on the fresh gig (so the loser
        of a claim race sees `gig.already_claimed`), unless the caller pinned a version.

        The gig comes from this process's cache when it is there. A cached gig may be stale
        (another process wrote since), so nothing is concluded from it that the store has not
        confirmed: a refusal, or a version older than the caller's, sends the command to decide
        again on a fresh load, and a save of a stale gig fails on the store's uniqueness check,
        which evicts it. Only the first attempt may use the cache, so it adds at most one attempt
        to the retries."""
        cache, loads = self.gig_cache, 0
        while True:
            gig = cache.checkout(gig_id) if cache is not None else None
            cache = None
            cached = gig is not None
            if gig is None:
                if loads == _RETRIES_ON_CONFLICT:
                    raise ConcurrentUpdate(
                        "the gig kept changing concurrently; try again", gig_id=str(gig_id)
                    )
                loads += 1
                gig = self._load(gig_id)
            if expected_version is not None and gig.version != expected_version:
                if cached and gig.version < expected_version:
                    self._evict(gig_id)
                    continue
                raise VersionMismatch(
                    f"the gig is at version {gig.version}, not {expected_version}",
                    gig_id=str(gig_id),
                    version=gig.version,
                )
            try:
                decide(gig, self.clock())
            except Exception:
                if not cached:
                    raise
                self._evict(gig_id)
                continue
            try:
                receipt = self._save(gig)
            except IntegrityError:
                self._evict(gig_id)
                if expected_version is not None:
                    raise VersionMismatch("the gig changed meanwhile", gig_id=str(gig_id)) from None
                continue
            if self.gig_cache is not None:
                self.gig_cache.put(gig)
            return receipt

    def _load(self, gig_id: UUID) -> Gig:
        try:
            gig: Gig = self.repository.get(gig_id, projector_func=_project)
        except AggregateNotFoundError:
            raise GigNotFound(f"no gig {gig_id}", gig_id=str(gig_id)) from None
        return gig

    def _evict(self, gig_id: UUID) -> None:
        if self.gig_cache is not None:
            self.gig_cache.evict(gig_id)

    def _save(self, gig: Gig) -> Receipt:
        if self._group is not None:
            return self._group.save(gig)
        (receipt,) = self._save_together([gig])
        return receipt

    def _save_together(self, gigs: list[Gig]) -> list[Receipt]:
        """Save `gigs` in one transaction; a receipt per gig with the position of its last event.

        Does what `Application.save` does (record, snapshots, the `_notify` and `notify` hooks),
        but gathers the events itself: `save` asks of every object whether it is a domain event
        or collects events, and each such check of a runtime protocol cost more than encoding an
        event. The gigs keep their events until the recording succeeds."""
        processing_event: ProcessingEvent[UUID] = ProcessingEvent()
        for gig in gigs:
            processing_event.events.extend(gig._pending_events)
            processing_event.aggregates[gig.id] = gig
        drained = [g._pending_events for g in gigs]
        for gig in gigs:
            gig._pending_events = []
        try:
            recordings = self._record(processing_event)
        except BaseException:
            for gig, events in zip(gigs, drained, strict=True):
                gig._pending_events = events + gig._pending_events
            raise
        self._take_snapshots(processing_event)
        self._notify(recordings)
        self.notify(processing_event.events)
        last: dict[UUID, int] = {}
        for recording in recordings:
            last[recording.domain_event.originator_id] = recording.notification.id
        return [Receipt(g.id, g.version, last.get(g.id), g.status.value) for g in gigs]
