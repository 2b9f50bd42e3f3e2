"""A gig driven through its lifecycle in memory, for tests of what its events mean for money."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from domain.actors import CLOCK, Actor
from domain.brief import Brief, Supervisor
from domain.gig import Gig
from domain.marketplace import PAYMENTS
from domain.money import Money
from domain.policy import LifecyclePolicy

POLICY = LifecyclePolicy()
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DEFAULT_PAY = Money(40_000, "usd")


def brief(pay: Money, now: datetime = START) -> Brief:
    return Brief(
        title="Landing page copy review",
        summary="Review and rewrite the copy of our landing page",
        deliverables=("annotated copy",),
        acceptance_criteria=("every section reviewed",),
        estimated_hours=8,
        pay=pay,
        deadline=now + timedelta(days=30),
        supervisor=Supervisor("Dana Whitfield", "dana.whitfield@example.com"),
    )


class GigStory:
    """Commands on one Gig aggregate; `events` is everything it has said so far."""

    def __init__(self, pay: Money = DEFAULT_PAY) -> None:
        self.now = START
        self.employer = Actor.user(uuid4(), "employer")
        self.student = Actor.user(uuid4(), "student")
        self.gig = Gig.create(uuid4(), self.employer, brief(pay), self.now)
        self.events: list[Any] = list(self.gig.collect_events())

    @property
    def gig_id(self) -> UUID:
        return self.gig.id

    def _said(self) -> GigStory:
        self.events += self.gig.collect_events()
        return self

    def later(self, **delta: float) -> GigStory:
        self.now += timedelta(**delta)
        return self

    def published(self) -> GigStory:
        self.gig.publish(self.employer, self.now, POLICY)
        return self._said()

    def funded(self) -> GigStory:
        self.published()
        self.gig.record_funding(PAYMENTS, f"pi_{self.gig_id.hex[:8]}", self.gig.charge_amount, self.now)
        return self._said()

    def claimed(self, student: Actor | None = None) -> GigStory:
        self.student = student or self.student
        self.gig.claim(self.student, self.now, POLICY)
        return self._said()

    def withdrawn(self) -> GigStory:
        self.gig.withdraw(self.student, "found another gig", self.now)
        return self._said()

    def submitted(self) -> GigStory:
        self.gig.submit(self.student, "https://example.com/work", "done", self.now, POLICY)
        return self._said()

    def approved(self) -> GigStory:
        self.gig.approve(self.employer, "great", self.now)
        return self._said()

    def rejected(self) -> GigStory:
        self.gig.reject(self.employer, "not what we asked", self.now, POLICY)
        return self._said()

    def disputed_and_resolved(self, student_percent: int) -> GigStory:
        self.gig.dispute(self.student, "it was what you asked", self.now)
        self.gig.resolve_dispute(Actor(None, frozenset({"admin"})), student_percent, self.now)
        return self._said()

    def rejection_final(self) -> GigStory:
        self.later(days=8)
        self.gig.close_undisputed(CLOCK, self.now)
        return self._said()

    def cancelled(self) -> GigStory:
        self.gig.cancel(self.employer, "plans changed", self.now, POLICY)
        return self._said()

    def deadline_expired(self) -> GigStory:
        self.later(days=31)
        self.gig.expire_deadline(CLOCK, self.now)
        return self._said()

    def payout_failed(self, code: str = "account_closed") -> GigStory:
        self.gig.record_payout_failure(PAYMENTS, "the transfer was refused", code, self.now)
        return self._said()

    def paid_out(self) -> GigStory:
        owed = self.gig.student_outstanding
        self.gig.record_payout(PAYMENTS, f"tr_{self.gig_id.hex[:8]}", owed, self.now, POLICY)
        return self._said()

    def refunded(self) -> GigStory:
        owed = self.gig.employer_outstanding
        self.gig.record_refund(PAYMENTS, f"re_{self.gig_id.hex[:8]}", owed, self.now)
        return self._said()
