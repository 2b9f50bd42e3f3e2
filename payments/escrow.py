"""The escrow process: the policy that turns gig decisions into money movements, exactly once.

It reacts to gig events (a follower of the marketplace log drives it with tracking) and is safe to
run twice on the same event: every gateway call carries an idempotency key derived from the gig
and the event that caused it, and the outcome is recorded back as an event that the gig refuses to
record twice. Network trouble (GatewayUnavailable) propagates so the follower retries with
back-off; a refusal for good (GatewayError) is recorded as a PayoutFailed event and surfaced.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from uuid import UUID

from domain.accounts_app import AccountNotFound, Accounts
from domain.gig import Gig, Status
from domain.gig_errors import InvalidTransition, SettlementMismatch
from domain.marketplace import Marketplace
from domain.money import Money
from payments.gateway import Funding, GatewayError, PaymentGateway
from payments.payout_queue import PayoutQueue

log = logging.getLogger(__name__)

WAITING_FOR_ONBOARDING = "payouts_not_enabled"


def funding_key(gig_id: UUID, published_version: int) -> str:
    return f"fund:{gig_id}:{published_version}"


class EscrowProcess:
    def __init__(
        self, marketplace: Marketplace, accounts: Accounts, gateway: PaymentGateway, queue: PayoutQueue
    ) -> None:
        self.marketplace = marketplace
        self.accounts = accounts
        self.gateway = gateway
        self.queue = queue

    def handle(self, event: Any) -> None:
        if isinstance(event, Gig.Published):
            self.request_funding(event.originator_id, event.originator_version)
        elif isinstance(event, Gig.Settled):
            if isinstance(event, Gig.Cancelled):  # the one decision a gig can reach unfunded
                self.close_unpaid_funding(event.originator_id)
            self.settle(event.originator_id)
        elif isinstance(event, Gig.FundingExpired):
            self.close_unpaid_funding(event.originator_id)
        elif isinstance(event, Gig.StrayFundingRecorded):
            self.refund_strays(event.originator_id)

    def request_funding(self, gig_id: UUID, published_version: int) -> Funding | None:
        """Create (or replay) the charge for a published gig; record it if it settled at once."""
        gig = self.marketplace.get_gig(gig_id, version=published_version)
        funding = self.gateway.create_funding(
            gig_id=str(gig_id),
            amount=gig.charge_amount,
            description=gig.brief.title,
            idempotency_key=funding_key(gig_id, published_version),
        )
        if funding.status == "succeeded":
            self.record_funding(gig_id, funding.reference)
        return funding

    def record_funding(self, gig_id: UUID, payment_ref: str, amount: Money | None = None) -> None:
        """A charge succeeded. If the gig still awaits it, it is funded; if not (cancelled, or the
        funding window closed while the employer paid), the charge is refunded in full."""
        gig = self.marketplace.get_gig(gig_id)
        if gig.payment_ref == payment_ref:
            return
        if gig.status is Status.AWAITING_FUNDING:
            try:
                self.marketplace.record_funding(gig_id, payment_ref, gig.charge_amount)
                return
            except InvalidTransition:
                gig = self.marketplace.get_gig(gig_id)  # it moved on meanwhile: treat it as stray
        log.warning("funding %s arrived for gig %s that is %s: refunding it", payment_ref, gig_id, gig.status)
        charged = amount if amount is not None else gig.charge_amount
        self.marketplace.record_stray_funding(gig_id, payment_ref, charged)
        self.refund_strays(gig_id)

    def close_unpaid_funding(self, gig_id: UUID) -> None:
        """The gig stopped awaiting its charge unpaid (cancelled, or the window closed): close the
        open charge so a late payment cannot go through. A payment that beat us to it arrives as
        funding for a gig that no longer awaits it, and is refunded in full."""
        gig = self.marketplace.get_gig(gig_id)
        version = gig.published_version
        if gig.charged is not None or version is None:
            return
        published = self.marketplace.get_gig(gig_id, version=version)
        key = funding_key(gig_id, version)
        funding = self.gateway.create_funding(  # the same key replays the charge made at publishing
            gig_id=str(gig_id),
            amount=published.charge_amount,
            description=published.brief.title,
            idempotency_key=key,
        )
        if funding.status != "succeeded":
            self.gateway.cancel_funding(reference=funding.reference, idempotency_key=f"cancel-{key}")

    def refund_strays(self, gig_id: UUID) -> None:
        gig = self.marketplace.get_gig(gig_id)
        for payment_ref, amount in list(gig.stray_payments.items()):
            try:
                ref = self.gateway.refund(
                    gig_id=str(gig_id),
                    payment=payment_ref,
                    amount=amount,
                    idempotency_key=f"stray-refund:{gig_id}:{payment_ref}",
                )
            except GatewayError as e:
                self.marketplace.record_payout_failure(gig_id, f"refund failed: {e}", e.code)
                continue
            self._record(self.marketplace.record_stray_refund, gig_id, payment_ref, ref, amount)

    def settle(self, gig_id: UUID) -> None:
        """Move whatever the gig's settlement still owes: the student's share, the employer's refund."""
        gig = self.marketplace.get_gig(gig_id)
        if gig.settlement is None or gig.payment_ref is None:
            return
        self._refund(gig)
        self._pay_student(gig)

    def resume_student(self, student_id: UUID) -> None:
        """The student can receive payouts now: pay what waited for them."""
        for gig_id in self.queue.waiting_for(student_id):
            self.settle(gig_id)

    def _refund(self, gig: Gig) -> None:
        owed = gig.employer_outstanding
        if not owed.is_positive or gig.payment_ref is None:
            return
        try:
            ref = self.gateway.refund(
                gig_id=str(gig.id),
                payment=gig.payment_ref,
                amount=owed,
                idempotency_key=f"refund:{gig.id}:{gig.settled_version}",
            )
        except GatewayError as e:
            self.marketplace.record_payout_failure(gig.id, f"refund failed: {e}", e.code)
            return
        self._record(self.marketplace.record_refund, gig.id, ref, owed)

    def _pay_student(self, gig: Gig) -> None:
        owed = gig.student_outstanding
        student_id = gig.claimant_id
        if not owed.is_positive or student_id is None or gig.payment_ref is None:
            return
        account = self._payout_account(student_id)
        if account is None:
            if self.queue.wait(gig.id, student_id):
                # Recorded once, so finance sees the payout waiting rather than merely pending.
                self.marketplace.record_payout_failure(
                    gig.id, "waiting for the student to finish payout onboarding", WAITING_FOR_ONBOARDING
                )
            return
        try:
            ref = self.gateway.transfer(
                gig_id=str(gig.id),
                account=account,
                amount=owed,
                source=gig.payment_ref,
                idempotency_key=f"transfer:{gig.id}:{gig.settled_version}",
            )
        except GatewayError as e:
            self.queue.wait(gig.id, student_id)
            self.marketplace.record_payout_failure(gig.id, str(e), e.code)
            return
        self._record(self.marketplace.record_payout, gig.id, ref, owed)
        self.queue.done(gig.id)

    def _payout_account(self, student_id: UUID) -> str | None:
        try:
            account = self.accounts.get(student_id)
        except AccountNotFound:
            return None
        if account.payout_account_id is None or not account.payouts_enabled:
            return None
        return account.payout_account_id

    @staticmethod
    def _record(record: Callable[..., Any], *args: Any) -> None:
        try:
            record(*args)
        except SettlementMismatch:
            # A concurrent run of this process recorded it first; the gateway replayed the same ref.
            log.info("movement already recorded by a concurrent run")
