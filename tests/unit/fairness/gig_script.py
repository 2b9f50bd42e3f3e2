"""Scripted gig histories: real Gig aggregates driven through their commands on a moving clock.

Each `GigRun` is one gig; a `Log` interleaves the events of many runs in timestamp order, the
order the application's notification log would hold them in."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from eventsourcing.domain import CanMutateAggregate

from domain.actors import CLOCK, Actor
from domain.brief import Brief
from domain.fairness import BehaviourAudit, FairnessPolicy
from domain.gig import Gig
from domain.marketplace import PAYMENTS
from domain.policy import LifecyclePolicy
from tests.unit.fairness.briefs import NOW, fair_brief

LIFECYCLE = LifecyclePolicy()


def employer() -> Actor:
    return Actor.user(uuid4(), "employer")


def student() -> Actor:
    return Actor.user(uuid4(), "student")


def user_id(actor: Actor) -> UUID:
    assert actor.user_id is not None
    return actor.user_id


@dataclass
class Log:
    """The clock all runs share, and every event they produced."""

    now: datetime = NOW
    events: list[CanMutateAggregate[UUID]] = field(default_factory=list)

    def advance(self, **delta: float) -> Log:
        self.now += timedelta(**delta)
        return self

    def gig(self, owner: Actor, brief: Brief | None = None) -> GigRun:
        brief = replace(brief or fair_brief(), deadline=self.now + timedelta(days=60))
        return GigRun(self, owner, Gig.create(uuid4(), owner, brief, self.now))

    def audit(self, policy: FairnessPolicy | None = None) -> BehaviourAudit:
        audit = BehaviourAudit(policy)
        in_log_order = sorted(self.events, key=_timestamp)
        audit.observe_all(in_log_order)
        return audit


@dataclass
class GigRun:
    log: Log
    owner: Actor
    gig: Gig

    @property
    def id(self) -> UUID:
        return self.gig.id

    def _claimant(self) -> UUID:
        assert self.gig.claimant_id is not None
        return self.gig.claimant_id

    def _record(self) -> GigRun:
        self.log.events.extend(self.gig.collect_events())
        return self

    def event_id(self, event_type: type, nth: int = 0) -> str:
        """The id of this gig's `nth` event of a type, as BehaviourAudit names it by default."""
        found = [e for e in self.log.events if e.originator_id == self.id and type(e) is event_type]
        return f"{found[nth].originator_id}:{found[nth].originator_version}"

    def posted(self) -> GigRun:
        self.gig.publish(self.owner, self.log.now, LIFECYCLE)
        self.gig.record_funding(PAYMENTS, f"pi_{uuid4().hex[:8]}", self.gig.charge_amount, self.log.now)
        return self._record()

    def claimed_by(self, who: Actor) -> GigRun:
        self.gig.claim(who, self.log.now, LIFECYCLE)
        return self._record()

    def submitted(self) -> GigRun:
        claimant = Actor.user(self._claimant(), "student")
        self.gig.submit(claimant, "https://example.org/work", "done", self.log.now, LIFECYCLE)
        return self._record()

    def changes_requested(self) -> GigRun:
        self.gig.request_changes(self.owner, "please revise", self.log.now, LIFECYCLE)
        return self._record()

    def approved(self) -> GigRun:
        self.gig.approve(self.owner, "thanks", self.log.now)
        return self._record()

    def auto_approved(self) -> GigRun:
        self.gig.auto_approve(CLOCK, self.log.now)
        return self._record()

    def rejected(self) -> GigRun:
        self.gig.reject(self.owner, "not what we wanted", self.log.now, LIFECYCLE)
        return self._record()

    def disputed_and_split(self, student_share_percent: int) -> GigRun:
        claimant = Actor.user(self._claimant(), "student")
        self.gig.dispute(claimant, "the work met the criteria", self.log.now)
        admin = Actor.user(uuid4(), "admin")
        self.gig.resolve_dispute(admin, student_share_percent, self.log.now)
        return self._record()

    def claim_declined(self) -> GigRun:
        self.gig.decline_claim(self.owner, "changed our mind", self.log.now)
        return self._record()

    def claim_expired(self) -> GigRun:
        self.log.advance(seconds=LIFECYCLE.claim_window.total_seconds())
        self.gig.expire_claim(CLOCK, self.log.now)
        return self._record()

    def cancelled(self) -> GigRun:
        self.gig.cancel(self.owner, "budget cut", self.log.now, LIFECYCLE)
        return self._record()

    def paid(self) -> GigRun:
        self.gig.record_payout(
            PAYMENTS, f"tr_{uuid4().hex[:8]}", self.gig.student_outstanding, self.log.now, LIFECYCLE
        )
        return self._record()


def _timestamp(event: CanMutateAggregate[UUID]) -> datetime:
    return event.timestamp


def reworded(brief: Brief) -> Brief:
    """The same brief with light edits, as a spec-work repost usually looks."""
    return replace(
        brief,
        title=brief.title.replace("Clean up", "Cleaning"),
        summary=brief.summary.replace("messy", "quite messy"),
    )
