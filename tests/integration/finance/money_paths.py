"""Gigs driven through every money path with Marketplace commands, recording each payment the
way the escrow process does: ask the gateway (idempotently, retrying while it is unavailable),
then record the reference it returned."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar
from uuid import UUID, uuid4

from domain.actors import CLOCK, Actor
from domain.marketplace import Marketplace
from domain.money import Money
from payments.gateway import GatewayUnavailable, PaymentGateway
from tests.conftest import FakeClock
from tests.unit.finance.stories import brief

ADMIN = Actor(None, frozenset({"admin"}))
T = TypeVar("T")

PATHS = (
    "cancelled_unfunded",
    "funding_expired",
    "cancelled_posted",
    "deadline_expired",
    "kill_fee",
    "approved",
    "approved_after_failed_payout",
    "auto_approved",
    "approved_after_changes",
    "reclaimed_then_approved",
    "rejection_final",
    "dispute_split",
)


@dataclass
class Cashier:
    """The escrow side of the scenario: one gateway, and a connected account per student."""

    gateway: PaymentGateway
    pay_intent: Callable[[str], object] = lambda _ref: None
    """What the employer's browser does with a funding that is not settled at once."""
    enable_payouts: Callable[[str], object] = lambda _account: None
    """What a student's onboarding does to their new connected account."""
    before_call: Callable[[], object] = lambda: None
    accounts: dict[UUID, str] = field(default_factory=dict)
    unavailable: int = 0

    def call(self, make: Callable[[], T]) -> T:
        for _ in range(20):
            self.before_call()
            try:
                return make()
            except GatewayUnavailable:
                self.unavailable += 1
        raise AssertionError("the gateway stayed unavailable")

    def account(self, student_id: UUID) -> str:
        if student_id not in self.accounts:
            opened = self.call(
                lambda: self.gateway.open_payout_account(
                    student_id=str(student_id), email=f"{student_id.hex[:8]}@example.edu",
                    idempotency_key=f"account:{student_id}",
                )
            )
            self.accounts[student_id] = opened.reference
            self.enable_payouts(opened.reference)
        return self.accounts[student_id]


class MoneyRun:
    def __init__(self, app: Marketplace, clock: FakeClock, cashier: Cashier, seed: int = 7) -> None:
        self.app, self.clock, self.cashier = app, clock, cashier
        self.rng = random.Random(seed)
        self.paths: dict[UUID, str] = {}

    def tick(self) -> None:
        self.clock.advance(minutes=self.rng.randint(1, 30))

    def gig(self, path: str) -> UUID:
        employer = Actor.user(uuid4(), "employer")
        amount = self.rng.randint(20, 900) * 100 + self.rng.randint(0, 99)
        pay = Money(amount, self.rng.choice(["usd", "eur"]))
        gig_id = self.app.create_gig(employer, brief(pay, self.clock())).gig_id
        self.paths[gig_id] = path
        self.tick()
        self.app.publish_gig(employer, gig_id)
        getattr(self, path)(employer, gig_id)
        return gig_id

    # ---- the escrow process's part ---------------------------------------------------------

    def fund(self, gig_id: UUID) -> None:
        gig = self.app.get_gig(gig_id)
        funding = self.cashier.call(
            lambda: self.cashier.gateway.create_funding(
                gig_id=str(gig_id), amount=gig.charge_amount, description=gig.brief.title,
                idempotency_key=f"fund:{gig_id}:{gig.version}",
            )
        )
        if funding.status != "succeeded":
            self.cashier.before_call()
            self.cashier.pay_intent(funding.reference)
        self.tick()
        self.app.record_funding(gig_id, funding.reference, gig.charge_amount)

    def settle(self, gig_id: UUID, *, fail_first: bool = False) -> None:
        gig = self.app.get_gig(gig_id)
        assert gig.settlement is not None and gig.payment_ref is not None
        refund, payout = gig.employer_outstanding, gig.student_outstanding
        source = gig.payment_ref
        if refund.is_positive:
            ref = self.cashier.call(
                lambda: self.cashier.gateway.refund(
                    gig_id=str(gig_id), payment=source, amount=refund, idempotency_key=f"refund:{gig_id}"
                )
            )
            self.tick()
            self.app.record_refund(gig_id, ref, refund)
        if payout.is_positive and gig.claimant_id is not None:
            if fail_first:
                self.tick()
                self.app.record_payout_failure(gig_id, "the student's account is closed", "account_closed")
            account = self.cashier.account(gig.claimant_id)
            transfer_ref = self.cashier.call(
                lambda: self.cashier.gateway.transfer(
                    gig_id=str(gig_id), account=account, amount=payout, source=source,
                    idempotency_key=f"transfer:{gig_id}",
                )
            )
            self.tick()
            self.app.record_payout(gig_id, transfer_ref, payout)

    # ---- the paths -------------------------------------------------------------------------

    def _claimed(self, gig_id: UUID) -> Actor:
        student = Actor.user(uuid4(), "student")
        self.fund(gig_id)
        self.tick()
        self.app.claim_gig(student, gig_id)
        return student

    def _submitted(self, gig_id: UUID) -> Actor:
        student = self._claimed(gig_id)
        self.tick()
        self.app.check_in(student, gig_id, "halfway there")
        self.app.submit_work(student, gig_id, "https://example.com/work", "done")
        return student

    def cancelled_unfunded(self, employer: Actor, gig_id: UUID) -> None:
        self.app.cancel_gig(employer, gig_id, "changed our mind")

    def funding_expired(self, employer: Actor, gig_id: UUID) -> None:
        self.clock.advance(hours=25)
        self.app.fire_timer(CLOCK, gig_id, "expire_funding")

    def cancelled_posted(self, employer: Actor, gig_id: UUID) -> None:
        self.fund(gig_id)
        self.app.cancel_gig(employer, gig_id, "no longer needed")
        self.settle(gig_id)

    def deadline_expired(self, employer: Actor, gig_id: UUID) -> None:
        self.fund(gig_id)
        self.clock.advance(days=31)
        self.app.fire_timer(CLOCK, gig_id, "expire_deadline")
        self.settle(gig_id)

    def kill_fee(self, employer: Actor, gig_id: UUID) -> None:
        self._claimed(gig_id)
        self.app.cancel_gig(employer, gig_id, "project cancelled")
        self.settle(gig_id)

    def approved(self, employer: Actor, gig_id: UUID) -> None:
        self._submitted(gig_id)
        self.app.approve_submission(employer, gig_id, "thanks")
        self.settle(gig_id)

    def approved_unpaid(self, employer: Actor, gig_id: UUID) -> None:
        self._submitted(gig_id)
        self.app.approve_submission(employer, gig_id, "thanks")

    def approved_after_failed_payout(self, employer: Actor, gig_id: UUID) -> None:
        self._submitted(gig_id)
        self.app.approve_submission(employer, gig_id, "thanks")
        self.settle(gig_id, fail_first=True)

    def auto_approved(self, employer: Actor, gig_id: UUID) -> None:
        self._submitted(gig_id)
        self.clock.advance(days=8)
        self.app.fire_timer(CLOCK, gig_id, "auto_approve")
        self.settle(gig_id)

    def approved_after_changes(self, employer: Actor, gig_id: UUID) -> None:
        student = self._submitted(gig_id)
        self.app.request_changes(employer, gig_id, "add a summary")
        self.tick()
        self.app.submit_work(student, gig_id, "https://example.com/work-v2", "with summary")
        self.app.approve_submission(employer, gig_id, "thanks")
        self.settle(gig_id)

    def reclaimed_then_approved(self, employer: Actor, gig_id: UUID) -> None:
        first = self._claimed(gig_id)
        self.app.withdraw_claim(first, gig_id, "too busy")
        second = Actor.user(uuid4(), "student")
        self.app.claim_gig(second, gig_id)
        self.app.submit_work(second, gig_id, "https://example.com/work", "done")
        self.app.approve_submission(employer, gig_id, "thanks")
        self.settle(gig_id)

    def rejection_final(self, employer: Actor, gig_id: UUID) -> None:
        self._submitted(gig_id)
        self.app.reject_submission(employer, gig_id, "not what we asked")
        self.clock.advance(days=8)
        self.app.fire_timer(CLOCK, gig_id, "close_undisputed")
        self.settle(gig_id)

    def dispute_split(self, employer: Actor, gig_id: UUID) -> None:
        student = self._submitted(gig_id)
        self.app.reject_submission(employer, gig_id, "not what we asked")
        self.app.dispute_rejection(student, gig_id, "it is exactly what was asked")
        self.app.resolve_dispute(ADMIN, gig_id, self.rng.choice([0, 33, 50, 100]))
        self.settle(gig_id)


def run_all(run: MoneyRun, count: int) -> list[UUID]:
    """`count` gigs, every path at least once when count allows, the rest chosen at random."""
    paths = [PATHS[i % len(PATHS)] for i in range(count)]
    run.rng.shuffle(paths)
    return [run.gig(path) for path in paths]

