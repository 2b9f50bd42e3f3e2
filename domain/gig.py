"""The Gig aggregate: one micro-internship from draft to paid, and every way it can end.

Public methods are the commands: they check who acts and from which state, compute what must be
computed once (amounts, due times) and trigger an event. Each event's `apply` only assigns.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.actors import Actor
from domain.brief import Brief
from domain.errors import ValidationFailed
from domain.gig_errors import (
    AlreadyClaimed,
    AlreadyRated,
    InvalidTransition,
    NotDue,
    NotYourGig,
    PublishBlocked,
    RevisionLimitReached,
    SettlementMismatch,
)
from domain.money import Money
from domain.policy import LifecyclePolicy
from domain.settlement import Settlement


class Status(StrEnum):
    DRAFT = "draft"
    AWAITING_FUNDING = "awaiting_funding"
    POSTED = "posted"
    CLAIMED = "claimed"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    PAID = "paid"
    REJECTED = "rejected"
    DISPUTED = "disputed"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


TERMINAL = frozenset({Status.PAID, Status.CLOSED, Status.CANCELLED, Status.EXPIRED})
BEFORE_CLAIM = frozenset({Status.DRAFT, Status.AWAITING_FUNDING, Status.POSTED})
SIDES = ("employer", "student")


class Gig(Aggregate):
    def __init__(self, employer_id: UUID, brief: Brief) -> None:
        self.employer_id = employer_id
        self.brief = brief
        self.status = Status.DRAFT
        self.claimant_id: UUID | None = None
        self.claimed_at: datetime | None = None
        self.claim_expires_at: datetime | None = None
        self.funding_expires_at: datetime | None = None
        self.review_due_at: datetime | None = None
        self.dispute_due_at: datetime | None = None
        self.ratings_due_at: datetime | None = None
        self.fee: Money | None = None
        self.charged: Money | None = None
        self.payment_ref: str | None = None
        self.settlement: Settlement | None = None
        self.settled_version: int | None = None
        self.published_version: int | None = None
        self.paid_to_student: Money | None = None
        self.refunded: Money | None = None
        self.revisions_used = 0
        self.work_submitted = False
        self.check_ins: list[dict[str, Any]] = []
        self.submissions: list[dict[str, Any]] = []
        self.reviews: list[dict[str, Any]] = []
        self.ratings: dict[str, dict[str, Any]] = {}
        self.ratings_revealed = False
        self.payout_refs: list[str] = []
        self.refund_refs: list[str] = []
        self.payout_failures: list[dict[str, Any]] = []
        self.stray_payments: dict[str, Money] = {}
        self.stray_refunds: dict[str, str] = {}
        self.funding_declines: list[dict[str, Any]] = []

    # ---- creation and drafting -------------------------------------------------------------

    @classmethod
    def create(cls, gig_id: UUID, actor: Actor, brief: Brief, now: datetime) -> Gig:
        if "employer" not in actor.roles or actor.user_id is None:
            raise NotYourGig("only an employer can create a gig", gig_id=str(gig_id))
        brief.validate(now)
        return cls._create(cls.DraftCreated, id=gig_id, timestamp=now, employer_id=actor.user_id, brief=brief)

    class DraftCreated(Aggregate.Created):
        employer_id: UUID
        brief: Brief

    def edit_draft(self, actor: Actor, brief: Brief, now: datetime) -> None:
        self._require_employer(actor)
        self._require(Status.DRAFT, command="edit")
        brief.validate(now)
        self.trigger_event(self.DraftEdited, timestamp=now, brief=brief)

    class DraftEdited(Aggregate.Event):
        brief: Brief

        def apply(self, gig: Any) -> None:
            gig.brief = self.brief

    # ---- publishing and funding ------------------------------------------------------------

    def publish(
        self, actor: Actor, now: datetime, policy: LifecyclePolicy, blocking: Iterable[str] = ()
    ) -> None:
        self._require_employer(actor)
        self._require(Status.DRAFT, command="publish")
        blocking = list(blocking)
        if blocking:
            raise PublishBlocked(
                "the brief has blocking fairness flags: " + ", ".join(blocking),
                gig_id=str(self.id),
                rules=blocking,
            )
        pay = self.brief.pay
        if pay is None or not pay.is_positive:
            raise PublishBlocked("a gig needs positive pay to be funded", gig_id=str(self.id))
        if self.brief.deadline is not None and self.brief.deadline <= now:
            raise ValidationFailed("the deadline has passed; edit it first", field="deadline")
        self.trigger_event(
            self.Published,
            timestamp=now,
            pay=pay,
            fee=pay.basis_points(policy.platform_fee_bps),
            funding_expires_at=now + policy.funding_window,
        )

    class Published(Aggregate.Event):
        pay: Money
        fee: Money
        funding_expires_at: datetime

        def apply(self, gig: Any) -> None:
            gig.status = Status.AWAITING_FUNDING
            gig.published_version = self.originator_version
            gig.fee = self.fee
            gig.funding_expires_at = self.funding_expires_at

    def record_funding(self, actor: Actor, payment_ref: str, amount: Money, now: datetime) -> None:
        self._require_system(actor, "payments")
        self._require(Status.AWAITING_FUNDING, command="record_funding")
        if amount != self.charge_amount:
            raise SettlementMismatch(
                f"funded {amount} but the gig charges {self.charge_amount}", gig_id=str(self.id)
            )
        self.trigger_event(self.FundingRecorded, timestamp=now, payment_ref=payment_ref, amount=amount)

    class FundingRecorded(Aggregate.Event):
        payment_ref: str
        amount: Money

        def apply(self, gig: Any) -> None:
            gig.status = Status.POSTED
            gig.charged = self.amount
            gig.payment_ref = self.payment_ref
            gig.funding_expires_at = None

    def record_funding_decline(
        self, actor: Actor, payment_ref: str, notice_ref: str, code: str, reason: str, now: datetime
    ) -> None:
        """The employer's payment was declined (a card refused, say). The gig still awaits its
        charge, which the employer may try again; the decline is recorded so that they are told.
        `notice_ref` names the gateway's notice: the same notice twice is recorded once. A decline
        of a gig no longer awaiting its charge (paid by another attempt, cancelled) tells nobody
        anything and is not recorded."""
        self._require_system(actor, "payments")
        if self.status is not Status.AWAITING_FUNDING:
            return
        if any(d["notice"] == notice_ref for d in self.funding_declines):
            return
        self.trigger_event(
            self.FundingDeclined,
            timestamp=now,
            payment_ref=payment_ref,
            notice_ref=notice_ref,
            failure_code=code,
            reason=reason,
        )

    class FundingDeclined(Aggregate.Event):
        payment_ref: str
        notice_ref: str
        failure_code: str
        reason: str

        def apply(self, gig: Any) -> None:
            decline = {"at": self.timestamp, "notice": self.notice_ref, "code": self.failure_code}
            gig.funding_declines.append({**decline, "reason": self.reason})

    def expire_funding(self, actor: Actor, now: datetime) -> None:
        self._require_clock(actor)
        self._require(Status.AWAITING_FUNDING, command="expire_funding")
        self._require_due(self.funding_expires_at, now)
        self.trigger_event(self.FundingExpired, timestamp=now)

    class FundingExpired(Aggregate.Event):
        def apply(self, gig: Any) -> None:
            gig.status = Status.DRAFT
            gig.funding_expires_at = None

    # ---- claiming --------------------------------------------------------------------------

    def claim(self, actor: Actor, now: datetime, policy: LifecyclePolicy) -> None:
        if "student" not in actor.roles or actor.user_id is None:
            raise NotYourGig("only a student can claim a gig", gig_id=str(self.id))
        if self.claimant_id is not None:
            raise AlreadyClaimed("this gig has already been claimed", gig_id=str(self.id))
        self._require(Status.POSTED, command="claim")
        if self.brief.deadline is not None and now >= self.brief.deadline:
            raise InvalidTransition("the gig's deadline has passed", gig_id=str(self.id))
        self.trigger_event(
            self.Claimed,
            timestamp=now,
            student_id=actor.user_id,
            claim_expires_at=now + policy.claim_window,
        )

    class Claimed(Aggregate.Event):
        student_id: UUID
        claim_expires_at: datetime

        def apply(self, gig: Any) -> None:
            gig.status = Status.CLAIMED
            gig.claimant_id = self.student_id
            gig.claimed_at = self.timestamp
            gig.claim_expires_at = self.claim_expires_at

    def decline_claim(self, actor: Actor, reason: str, now: datetime) -> None:
        self._require_employer(actor)
        self._require(Status.CLAIMED, command="decline_claim")
        if self.work_submitted:
            # Declining after delivery would send delivered work back to the board unpaid.
            raise InvalidTransition(
                "work has been submitted on this claim: review it, or cancel with the kill fee",
                gig_id=str(self.id),
            )
        self.trigger_event(self.ClaimDeclined, timestamp=now, student_id=self.claimant_id, reason=reason)

    def withdraw(self, actor: Actor, reason: str, now: datetime) -> None:
        self._require_claimant(actor)
        self._require(Status.CLAIMED, command="withdraw")
        self.trigger_event(self.Withdrawn, timestamp=now, student_id=self.claimant_id, reason=reason)

    def expire_claim(self, actor: Actor, now: datetime) -> None:
        self._require_clock(actor)
        self._require(Status.CLAIMED, command="expire_claim")
        self._require_due(self.claim_expires_at, now)
        self.trigger_event(self.ClaimExpired, timestamp=now, student_id=self.claimant_id)

    class ClaimReleased(Aggregate.Event):
        """Base of the three ways a claim ends with the gig back on the board."""

        student_id: UUID

        def apply(self, gig: Any) -> None:
            gig.status = Status.POSTED
            gig.claimant_id = None
            gig.claimed_at = None
            gig.claim_expires_at = None
            gig.revisions_used = 0
            gig.work_submitted = False

    class ClaimDeclined(ClaimReleased):
        reason: str

    class Withdrawn(ClaimReleased):
        reason: str

    class ClaimExpired(ClaimReleased):
        pass

    # ---- doing the work --------------------------------------------------------------------

    def check_in(self, actor: Actor, note: str, now: datetime, policy: LifecyclePolicy) -> None:
        self._require_claimant(actor)
        self._require(Status.CLAIMED, command="check_in")
        if not note.strip():
            raise ValidationFailed("a check-in needs a note", field="note")
        self.trigger_event(
            self.CheckedIn, timestamp=now, note=note, claim_expires_at=now + policy.claim_window
        )

    class CheckedIn(Aggregate.Event):
        note: str
        claim_expires_at: datetime

        def apply(self, gig: Any) -> None:
            gig.check_ins.append({"at": self.timestamp, "note": self.note})
            gig.claim_expires_at = self.claim_expires_at

    def submit(self, actor: Actor, url: str, notes: str, now: datetime, policy: LifecyclePolicy) -> None:
        self._require_claimant(actor)
        self._require(Status.CLAIMED, command="submit")
        if not url.startswith(("https://", "http://")):
            raise ValidationFailed("the submission url must be http(s)", field="url")
        self.trigger_event(
            self.Submitted,
            timestamp=now,
            url=url,
            notes=notes,
            review_due_at=now + policy.review_window,
        )

    class Submitted(Aggregate.Event):
        url: str
        notes: str
        review_due_at: datetime

        def apply(self, gig: Any) -> None:
            gig.status = Status.SUBMITTED
            gig.work_submitted = True
            gig.claim_expires_at = None
            gig.review_due_at = self.review_due_at
            gig.submissions.append({"at": self.timestamp, "url": self.url, "notes": self.notes})

    # ---- review ----------------------------------------------------------------------------

    def request_changes(self, actor: Actor, feedback: str, now: datetime, policy: LifecyclePolicy) -> None:
        self._require_employer(actor)
        self._require(Status.SUBMITTED, command="request_changes")
        if self.revisions_used >= self.brief.revision_rounds:
            raise RevisionLimitReached(
                f"all {self.brief.revision_rounds} agreed revision rounds are used; approve or reject",
                gig_id=str(self.id),
                revision_rounds=self.brief.revision_rounds,
            )
        self.trigger_event(
            self.ChangesRequested,
            timestamp=now,
            feedback=feedback,
            round=self.revisions_used + 1,
            claim_expires_at=now + policy.claim_window,
        )

    class ChangesRequested(Aggregate.Event):
        feedback: str
        round: int
        claim_expires_at: datetime

        def apply(self, gig: Any) -> None:
            gig.status = Status.CLAIMED
            gig.revisions_used = self.round
            gig.review_due_at = None
            gig.claim_expires_at = self.claim_expires_at
            gig.reviews.append(
                {"at": self.timestamp, "decision": "request_changes", "feedback": self.feedback}
            )

    def approve(self, actor: Actor, feedback: str, now: datetime) -> None:
        self._require_employer(actor)
        self._require(Status.SUBMITTED, command="approve")
        self.trigger_event(
            self.Approved, timestamp=now, feedback=feedback, settlement=self._work_paid_in_full()
        )

    def auto_approve(self, actor: Actor, now: datetime) -> None:
        self._require_clock(actor)
        self._require(Status.SUBMITTED, command="auto_approve")
        self._require_due(self.review_due_at, now)
        self.trigger_event(self.AutoApproved, timestamp=now, settlement=self._work_paid_in_full())

    class Settled(Aggregate.Event):
        """Base of every event that decides who gets the escrow."""

        settlement: Settlement

        def apply(self, gig: Any) -> None:
            gig.settlement = self.settlement
            gig.settled_version = self.originator_version
            gig.review_due_at = None
            gig.dispute_due_at = None
            gig.funding_expires_at = None
            gig.claim_expires_at = None
            self.apply_status(gig)

        def apply_status(self, gig: Any) -> None:
            raise NotImplementedError

    class Approved(Settled):
        feedback: str

        def apply_status(self, gig: Any) -> None:
            gig.status = Status.APPROVED
            gig.reviews.append({"at": self.timestamp, "decision": "approve", "feedback": self.feedback})

    class AutoApproved(Settled):
        def apply_status(self, gig: Any) -> None:
            gig.status = Status.APPROVED
            gig.reviews.append({"at": self.timestamp, "decision": "auto_approve", "feedback": ""})

    def reject(self, actor: Actor, feedback: str, now: datetime, policy: LifecyclePolicy) -> None:
        self._require_employer(actor)
        self._require(Status.SUBMITTED, command="reject")
        if not feedback.strip():
            raise ValidationFailed("a rejection must say why", field="feedback")
        self.trigger_event(
            self.Rejected, timestamp=now, feedback=feedback, dispute_due_at=now + policy.dispute_window
        )

    class Rejected(Aggregate.Event):
        feedback: str
        dispute_due_at: datetime

        def apply(self, gig: Any) -> None:
            gig.status = Status.REJECTED
            gig.review_due_at = None
            gig.dispute_due_at = self.dispute_due_at
            gig.reviews.append({"at": self.timestamp, "decision": "reject", "feedback": self.feedback})

    # ---- disputes --------------------------------------------------------------------------

    def dispute(self, actor: Actor, reason: str, now: datetime) -> None:
        self._require_claimant(actor)
        self._require(Status.REJECTED, command="dispute")
        if self.dispute_due_at is not None and now > self.dispute_due_at:
            raise InvalidTransition("the dispute window has closed", gig_id=str(self.id))
        if not reason.strip():
            raise ValidationFailed("a dispute must say why", field="reason")
        self.trigger_event(self.Disputed, timestamp=now, reason=reason)

    class Disputed(Aggregate.Event):
        reason: str

        def apply(self, gig: Any) -> None:
            gig.status = Status.DISPUTED
            gig.dispute_due_at = None

    def close_undisputed(self, actor: Actor, now: datetime) -> None:
        """The dispute window passed after a rejection: the employer gets the pay back."""
        self._require_clock(actor)
        self._require(Status.REJECTED, command="close_undisputed")
        self._require_due(self.dispute_due_at, now)
        self.trigger_event(self.RejectionFinal, timestamp=now, settlement=self._split(0))

    class RejectionFinal(Settled):
        def apply_status(self, gig: Any) -> None:
            gig.status = Status.CLOSED

    def resolve_dispute(self, actor: Actor, student_share_percent: int, now: datetime) -> None:
        if not actor.is_admin:
            raise NotYourGig("only an admin resolves disputes", gig_id=str(self.id))
        self._require(Status.DISPUTED, command="resolve_dispute")
        if not 0 <= student_share_percent <= 100:
            raise ValidationFailed("student_share_percent must be 0..100", field="student_share_percent")
        self.trigger_event(
            self.DisputeResolved,
            timestamp=now,
            student_share_percent=student_share_percent,
            settlement=self._split(student_share_percent),
        )

    class DisputeResolved(Settled):
        student_share_percent: int

        def apply_status(self, gig: Any) -> None:
            gig.status = Status.APPROVED if self.settlement.student.is_positive else Status.CLOSED

    # ---- cancelling and expiring -----------------------------------------------------------

    def cancel(self, actor: Actor, reason: str, now: datetime, policy: LifecyclePolicy) -> None:
        self._require_employer(actor)
        if self.status in BEFORE_CLAIM:
            settlement = self._refund_in_full()
        elif self.status is Status.CLAIMED:
            settlement = self._kill_fee(policy.kill_fee_percent)
        else:
            raise InvalidTransition(
                f"a gig that is {self.status.value} cannot be cancelled",
                gig_id=str(self.id),
                gig_status=self.status.value,
                command="cancel",
            )
        self.trigger_event(
            self.Cancelled, timestamp=now, reason=reason, settlement=settlement, student_id=self.claimant_id
        )

    class Cancelled(Settled):
        reason: str
        student_id: UUID | None

        def apply_status(self, gig: Any) -> None:
            gig.status = Status.CANCELLED

    def expire_deadline(self, actor: Actor, now: datetime) -> None:
        self._require_clock(actor)
        self._require(Status.POSTED, command="expire_deadline")
        self._require_due(self.brief.deadline, now)
        self.trigger_event(self.DeadlineExpired, timestamp=now, settlement=self._refund_in_full())

    class DeadlineExpired(Settled):
        def apply_status(self, gig: Any) -> None:
            gig.status = Status.EXPIRED

    # ---- money movements recorded by the payments process ----------------------------------

    def record_payout(
        self, actor: Actor, transfer_ref: str, amount: Money, now: datetime, policy: LifecyclePolicy
    ) -> None:
        self._require_system(actor, "payments")
        if transfer_ref in self.payout_refs:
            return
        if self.settlement is None or not amount.is_positive or amount != self.student_outstanding:
            raise SettlementMismatch(
                f"payout of {amount} does not match what the student is owed", gig_id=str(self.id)
            )
        self.trigger_event(
            self.PayoutRecorded,
            timestamp=now,
            transfer_ref=transfer_ref,
            amount=amount,
            student_id=self.claimant_id,
            ratings_due_at=now + policy.rating_window,
        )

    class PayoutRecorded(Aggregate.Event):
        transfer_ref: str
        amount: Money
        student_id: UUID
        ratings_due_at: datetime

        def apply(self, gig: Any) -> None:
            gig.paid_to_student = (
                self.amount if gig.paid_to_student is None else gig.paid_to_student + self.amount
            )
            gig.payout_refs.append(self.transfer_ref)
            if gig.status is Status.APPROVED:
                gig.status = Status.PAID
                gig.ratings_due_at = self.ratings_due_at

    def record_payout_failure(self, actor: Actor, reason: str, code: str, now: datetime) -> None:
        self._require_system(actor, "payments")
        self.trigger_event(self.PayoutFailed, timestamp=now, reason=reason, failure_code=code)

    class PayoutFailed(Aggregate.Event):
        reason: str
        failure_code: str

        def apply(self, gig: Any) -> None:
            gig.payout_failures.append(
                {"at": self.timestamp, "reason": self.reason, "code": self.failure_code}
            )

    def record_refund(self, actor: Actor, refund_ref: str, amount: Money, now: datetime) -> None:
        self._require_system(actor, "payments")
        if refund_ref in self.refund_refs:
            return
        if self.settlement is None or not amount.is_positive or amount != self.employer_outstanding:
            raise SettlementMismatch(
                f"refund of {amount} does not match what the employer is owed", gig_id=str(self.id)
            )
        self.trigger_event(self.RefundRecorded, timestamp=now, refund_ref=refund_ref, amount=amount)

    class RefundRecorded(Aggregate.Event):
        refund_ref: str
        amount: Money

        def apply(self, gig: Any) -> None:
            gig.refunded = self.amount if gig.refunded is None else gig.refunded + self.amount
            gig.refund_refs.append(self.refund_ref)

    # ---- payments that arrive when the gig no longer awaits them -----------------------------

    def record_stray_funding(self, actor: Actor, payment_ref: str, amount: Money, now: datetime) -> None:
        """A charge that succeeded after the gig stopped waiting for it (cancelled, or its funding
        window closed): it is recorded so that it is refunded in full, never kept."""
        self._require_system(actor, "payments")
        if (
            payment_ref == self.payment_ref
            or payment_ref in self.stray_payments
            or payment_ref in self.stray_refunds
        ):
            return
        self.trigger_event(self.StrayFundingRecorded, timestamp=now, payment_ref=payment_ref, amount=amount)

    class StrayFundingRecorded(Aggregate.Event):
        payment_ref: str
        amount: Money

        def apply(self, gig: Any) -> None:
            gig.stray_payments[self.payment_ref] = self.amount

    def record_stray_refund(
        self, actor: Actor, payment_ref: str, refund_ref: str, amount: Money, now: datetime
    ) -> None:
        self._require_system(actor, "payments")
        owed = self.stray_payments.get(payment_ref)
        if owed is None or amount != owed:
            raise SettlementMismatch(
                f"no stray payment {payment_ref} of {amount} to refund", gig_id=str(self.id)
            )
        self.trigger_event(
            self.StrayFundingRefunded,
            timestamp=now,
            payment_ref=payment_ref,
            refund_ref=refund_ref,
            amount=amount,
        )

    class StrayFundingRefunded(Aggregate.Event):
        payment_ref: str
        refund_ref: str
        amount: Money

        def apply(self, gig: Any) -> None:
            gig.stray_payments.pop(self.payment_ref, None)
            gig.stray_refunds[self.payment_ref] = self.refund_ref

    # ---- double-blind ratings --------------------------------------------------------------

    def rate(self, actor: Actor, stars: int, comment: str, now: datetime) -> None:
        side = self._side_of(actor)
        self._require(Status.PAID, command="rate")
        if side in self.ratings:
            raise AlreadyRated(f"the {side} has already rated this gig", gig_id=str(self.id))
        if not 1 <= stars <= 5:
            raise ValidationFailed("stars must be 1..5", field="stars")
        if self.ratings_revealed or (self.ratings_due_at is not None and now > self.ratings_due_at):
            raise InvalidTransition("the rating window has closed", gig_id=str(self.id))
        self.trigger_event(self.Rated, timestamp=now, side=side, stars=stars, comment=comment)
        if len(self.ratings) == len(SIDES):
            self.trigger_event(self.RatingsRevealed, timestamp=now)

    class Rated(Aggregate.Event):
        side: str
        stars: int
        comment: str

        def apply(self, gig: Any) -> None:
            gig.ratings[self.side] = {"stars": self.stars, "comment": self.comment, "at": self.timestamp}

    def reveal_ratings(self, actor: Actor, now: datetime) -> None:
        self._require_clock(actor)
        if self.ratings_revealed or self.status is not Status.PAID:
            raise NotDue("ratings are already revealed or not yet open", gig_id=str(self.id))
        self._require_due(self.ratings_due_at, now)
        self.trigger_event(self.RatingsRevealed, timestamp=now)

    class RatingsRevealed(Aggregate.Event):
        def apply(self, gig: Any) -> None:
            gig.ratings_revealed = True
            gig.ratings_due_at = None

    # ---- derived views -------------------------------------------------------------------

    @property
    def charge_amount(self) -> Money:
        """What the employer pays into escrow: the full pay, plus the platform fee on top."""
        if self.brief.pay is None or self.fee is None:
            raise InvalidTransition("the gig has not been published", gig_id=str(self.id))
        return self.brief.pay + self.fee

    @property
    def student_outstanding(self) -> Money:
        return self._outstanding("student", self.paid_to_student)

    @property
    def employer_outstanding(self) -> Money:
        return self._outstanding("employer", self.refunded)

    @property
    def held(self) -> Money | None:
        """Money still in escrow: charged minus what left it (student, employer, platform)."""
        if self.charged is None:
            return None
        held = self.charged
        for moved in (self.paid_to_student, self.refunded):
            if moved is not None:
                held -= moved
        if self.settlement is not None:
            held -= self.settlement.platform
        return held

    @property
    def visible_ratings(self) -> dict[str, dict[str, Any]]:
        return dict(self.ratings) if self.ratings_revealed else {}

    def due_timers(self) -> dict[str, datetime]:
        """What the clock may do to this gig next, and when."""
        timers = {
            "expire_funding": self.funding_expires_at if self.status is Status.AWAITING_FUNDING else None,
            "expire_claim": self.claim_expires_at if self.status is Status.CLAIMED else None,
            "auto_approve": self.review_due_at if self.status is Status.SUBMITTED else None,
            "close_undisputed": self.dispute_due_at if self.status is Status.REJECTED else None,
            "expire_deadline": self.brief.deadline if self.status is Status.POSTED else None,
            "reveal_ratings": None if self.ratings_revealed else self.ratings_due_at,
        }
        return {name: due for name, due in timers.items() if due is not None}

    # ---- helpers ---------------------------------------------------------------------------

    def _outstanding(self, side: str, moved: Money | None) -> Money:
        if self.settlement is None:
            raise InvalidTransition("nothing is owed before the gig is settled", gig_id=str(self.id))
        owed: Money = getattr(self.settlement, side)
        return owed if moved is None else owed - moved

    def _funded(self) -> tuple[Money, Money]:
        """(pay, fee) actually in escrow; zero when the employer never funded it."""
        pay = self.brief.pay
        currency = pay.currency if pay is not None else "usd"
        if self.charged is None or self.fee is None or pay is None:
            zero = Money.zero(currency)
            return zero, zero
        return pay, self.fee

    def _refund_in_full(self) -> Settlement:
        pay, fee = self._funded()
        return Settlement(student=pay - pay, employer=pay + fee, platform=fee - fee)

    def _work_paid_in_full(self) -> Settlement:
        pay, fee = self._funded()
        return Settlement(student=pay, employer=pay - pay, platform=fee)

    def _kill_fee(self, percent: int) -> Settlement:
        pay, fee = self._funded()
        kill = pay.percent(percent)
        return Settlement(student=kill, employer=pay - kill, platform=fee)

    def _split(self, student_percent: int) -> Settlement:
        pay, fee = self._funded()
        student = pay.percent(student_percent)
        return Settlement(student=student, employer=pay - student, platform=fee)

    def _require(self, *allowed: Status, command: str) -> None:
        if self.status not in allowed:
            raise InvalidTransition(
                f"cannot {command.replace('_', ' ')} a gig that is {self.status.value}",
                gig_id=str(self.id),
                gig_status=self.status.value,
                command=command,
            )

    def _require_due(self, due: datetime | None, now: datetime) -> None:
        if due is None or now < due:
            raise NotDue("this timer is not due", gig_id=str(self.id), due=str(due))

    def _require_employer(self, actor: Actor) -> None:
        if actor.user_id is None or actor.user_id != self.employer_id:
            raise NotYourGig("only the gig's employer can do this", gig_id=str(self.id))

    def _require_claimant(self, actor: Actor) -> None:
        if actor.user_id is None or actor.user_id != self.claimant_id:
            raise NotYourGig("only the gig's claimant can do this", gig_id=str(self.id))

    def _require_clock(self, actor: Actor) -> None:
        if not actor.is_clock:
            raise NotYourGig("only the clock fires timers", gig_id=str(self.id))

    def _require_system(self, actor: Actor, role: str) -> None:
        if role not in actor.roles:
            raise NotYourGig(f"only the {role} process records this", gig_id=str(self.id))

    def _side_of(self, actor: Actor) -> str:
        if actor.user_id is not None and actor.user_id == self.employer_id:
            return "employer"
        if actor.user_id is not None and actor.user_id == self.claimant_id:
            return "student"
        raise NotYourGig("only the gig's employer or student can rate it", gig_id=str(self.id))
