"""Small test-data factories: briefs, the people around a gig, and gigs driven into each state
through their real commands (never by assigning attributes), with the history they produced."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import reduce
from typing import Any
from uuid import uuid4

from domain.actors import CLOCK, Actor
from domain.brief import Brief, Supervisor
from domain.gig import Gig
from domain.marketplace import PAYMENTS
from domain.money import Money
from domain.policy import LifecyclePolicy

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
STEP = timedelta(hours=1)
PAY = Money(10_000, "usd")
POLICY = LifecyclePolicy()
DEADLINE_AFTER = timedelta(days=30)

ACTOR_KINDS = ("employer", "other_employer", "claimant", "other_student", "admin", "clock", "payments")


def make_brief(**overrides: Any) -> Brief:
    brief = Brief(
        title="Clean up a survey dataset",
        summary="Deduplicate and document 2,000 survey responses.",
        deliverables=("cleaned CSV", "data dictionary"),
        acceptance_criteria=("no duplicate respondent ids",),
        skills=("python", "pandas"),
        estimated_hours=20,
        pay=PAY,
        deadline=START + DEADLINE_AFTER,
        revision_rounds=2,
        supervisor=Supervisor("Ada Byron", "ada@example.org"),
        check_in_cadence="twice a week",
        communication_channels=("email",),
    )
    return replace(brief, **overrides)


def charge_for(pay: Money, policy: LifecyclePolicy = POLICY) -> Money:
    """What the employer funds: the full pay plus the platform fee on top."""
    return pay + pay.basis_points(policy.platform_fee_bps)


def new_ref(prefix: str) -> str:
    return f"{prefix}_{uuid4().hex[:12]}"


@dataclass(frozen=True)
class Cast:
    """Everyone who might act on one gig."""

    employer: Actor
    other_employer: Actor
    claimant: Actor
    other_student: Actor
    admin: Actor
    clock: Actor = CLOCK
    payments: Actor = PAYMENTS

    @classmethod
    def new(cls) -> Cast:
        return cls(
            employer=Actor.user(uuid4(), "employer"),
            other_employer=Actor.user(uuid4(), "employer"),
            claimant=Actor.user(uuid4(), "student"),
            other_student=Actor.user(uuid4(), "student"),
            admin=Actor.user(uuid4(), "admin"),
        )

    def actor(self, kind: str) -> Actor:
        actor: Actor = getattr(self, kind)
        return actor


@dataclass
class GigStory:
    """A gig, who is around it, the time it has reached, and every event it has recorded."""

    gig: Gig
    cast: Cast
    now: datetime
    history: list[Any] = field(default_factory=list)

    @classmethod
    def start(cls, brief: Brief | None = None, cast: Cast | None = None) -> GigStory:
        cast = cast or Cast.new()
        gig = Gig.create(uuid4(), cast.employer, brief or make_brief(), START)
        story = cls(gig, cast, START)
        story.history.extend(gig.collect_events())
        return story

    def act(self, command: Callable[[Gig, datetime], None], at: datetime | None = None) -> GigStory:
        self.now = at if at is not None else self.now + STEP
        command(self.gig, self.now)
        self.history.extend(self.gig.collect_events())
        return self

    def replayed(self) -> Gig:
        gig: Gig = reduce(lambda agg, event: event.mutate(agg), self.history, None)
        return gig

    # ---- the lifecycle's happy and unhappy steps --------------------------------------------

    def publish(self) -> GigStory:
        return self.act(lambda g, now: g.publish(self.cast.employer, now, POLICY))

    def fund(self) -> GigStory:
        return self.act(lambda g, now: g.record_funding(PAYMENTS, new_ref("pi"), g.charge_amount, now))

    def claim(self, student: Actor | None = None) -> GigStory:
        return self.act(lambda g, now: g.claim(student or self.cast.claimant, now, POLICY))

    def submit(self) -> GigStory:
        return self.act(
            lambda g, now: g.submit(self.cast.claimant, "https://example.org/work", "done", now, POLICY)
        )

    def request_changes(self) -> GigStory:
        return self.act(lambda g, now: g.request_changes(self.cast.employer, "tidy the headers", now, POLICY))

    def approve(self) -> GigStory:
        return self.act(lambda g, now: g.approve(self.cast.employer, "thanks", now))

    def reject(self) -> GigStory:
        return self.act(lambda g, now: g.reject(self.cast.employer, "not what was asked", now, POLICY))

    def dispute(self) -> GigStory:
        return self.act(lambda g, now: g.dispute(self.cast.claimant, "it meets the criteria", now))

    def resolve(self, student_percent: int) -> GigStory:
        return self.act(lambda g, now: g.resolve_dispute(self.cast.admin, student_percent, now))

    def cancel(self) -> GigStory:
        return self.act(lambda g, now: g.cancel(self.cast.employer, "plans changed", now, POLICY))

    def pay_student(self) -> GigStory:
        return self.act(
            lambda g, now: g.record_payout(PAYMENTS, new_ref("tr"), g.student_outstanding, now, POLICY)
        )

    def refund_employer(self) -> GigStory:
        return self.act(lambda g, now: g.record_refund(PAYMENTS, new_ref("re"), g.employer_outstanding, now))

    def rate(self, actor: Actor, stars: int = 4) -> GigStory:
        return self.act(lambda g, now: g.rate(actor, stars, "fine", now))

    def fire(self, timer: str) -> GigStory:
        """Run a clock command exactly when it falls due."""
        due = self.gig.due_timers()[timer]
        return self.act(lambda g, now: getattr(g, timer)(CLOCK, now), at=due)


_PATHS: dict[str, Callable[[GigStory], object]] = {
    "draft": lambda s: s,
    "awaiting_funding": lambda s: s.publish(),
    "posted": lambda s: s.publish().fund(),
    "claimed": lambda s: s.publish().fund().claim(),
    "submitted": lambda s: s.publish().fund().claim().submit(),
    "approved": lambda s: s.publish().fund().claim().submit().approve(),
    "paid": lambda s: s.publish().fund().claim().submit().approve().pay_student(),
    "rejected": lambda s: s.publish().fund().claim().submit().reject(),
    "disputed": lambda s: s.publish().fund().claim().submit().reject().dispute(),
    "closed": lambda s: s.publish().fund().claim().submit().reject().fire("close_undisputed"),
    "cancelled_before_claim": lambda s: s.publish().fund().cancel(),
    "cancelled_after_claim": lambda s: s.publish().fund().claim().cancel(),
    "expired": lambda s: s.publish().fund().fire("expire_deadline"),
}
SCENARIOS = tuple(_PATHS)
"""Each of the twelve statuses, with `cancelled` reached both before and after a claim."""


def gig_in(scenario: str, brief: Brief | None = None) -> GigStory:
    story = GigStory.start(brief)
    _PATHS[scenario](story)
    return story


def _owed(gig: Gig, side: str) -> Any:
    return getattr(gig.settlement, side) if gig.settlement is not None else PAY


Command = Callable[[Gig, Actor, datetime], None]
COMMANDS: dict[str, Command] = {
    # Every gig command with ordinary arguments; money movements ask for what the settlement assigns.
    "edit_draft": lambda g, a, now: g.edit_draft(a, make_brief(title="A sharper title"), now),
    "publish": lambda g, a, now: g.publish(a, now, POLICY),
    "record_funding": lambda g, a, now: g.record_funding(
        a, new_ref("pi"), charge_for(g.brief.pay or PAY), now
    ),
    "expire_funding": lambda g, a, now: g.expire_funding(a, now),
    "claim": lambda g, a, now: g.claim(a, now, POLICY),
    "decline_claim": lambda g, a, now: g.decline_claim(a, "we hired internally", now),
    "withdraw": lambda g, a, now: g.withdraw(a, "exams", now),
    "expire_claim": lambda g, a, now: g.expire_claim(a, now),
    "check_in": lambda g, a, now: g.check_in(a, "half the rows are clean", now, POLICY),
    "submit": lambda g, a, now: g.submit(a, "https://example.org/work", "done", now, POLICY),
    "request_changes": lambda g, a, now: g.request_changes(a, "document the columns", now, POLICY),
    "approve": lambda g, a, now: g.approve(a, "great", now),
    "auto_approve": lambda g, a, now: g.auto_approve(a, now),
    "reject": lambda g, a, now: g.reject(a, "not what was asked", now, POLICY),
    "dispute": lambda g, a, now: g.dispute(a, "it meets the criteria", now),
    "close_undisputed": lambda g, a, now: g.close_undisputed(a, now),
    "resolve_dispute": lambda g, a, now: g.resolve_dispute(a, 50, now),
    "cancel": lambda g, a, now: g.cancel(a, "plans changed", now, POLICY),
    "expire_deadline": lambda g, a, now: g.expire_deadline(a, now),
    "record_payout": lambda g, a, now: g.record_payout(a, new_ref("tr"), _owed(g, "student"), now, POLICY),
    "record_refund": lambda g, a, now: g.record_refund(a, new_ref("re"), _owed(g, "employer"), now),
    "rate": lambda g, a, now: g.rate(a, 4, "fine", now),
    "reveal_ratings": lambda g, a, now: g.reveal_ratings(a, now),
}
