"""The payment gateway port. The escrow process speaks only this; Stripe and the simulation
implement it. Every call that moves money takes an idempotency key derived from the event that
caused it, so a retry after a crash can never move money twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from domain.money import Money


class GatewayError(Exception):
    """A call the gateway refused for good (4xx: closed account, declined card). Not retried."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


class GatewayUnavailable(Exception):
    """A call that may succeed later (network error, timeout, 5xx, 429). Retried with back-off."""


@dataclass(frozen=True, slots=True)
class Funding:
    reference: str  # the PaymentIntent id
    client_secret: str | None
    status: Literal["pending", "succeeded"]


@dataclass(frozen=True, slots=True)
class PayoutAccount:
    reference: str  # the connected account id
    onboarding_url: str
    payouts_enabled: bool


@dataclass(frozen=True, slots=True)
class Movement:
    """A money movement as the gateway reports it, for reconciliation."""

    kind: Literal["charge", "transfer", "refund"]
    reference: str
    gig_id: str
    amount: Money
    created: datetime


class PaymentGateway(Protocol):
    name: str

    def create_funding(
        self, *, gig_id: str, amount: Money, description: str, idempotency_key: str
    ) -> Funding:
        """Ask the employer to pay `amount` (pay + platform fee) into escrow for the gig."""
        ...

    def open_payout_account(self, *, student_id: str, email: str, idempotency_key: str) -> PayoutAccount:
        """Create the student's connected account and an onboarding link."""
        ...

    def transfer(self, *, gig_id: str, account: str, amount: Money, source: str, idempotency_key: str) -> str:
        """Move `amount` from escrow to the student's account; returns the transfer id."""
        ...

    def refund(self, *, gig_id: str, payment: str, amount: Money, idempotency_key: str) -> str:
        """Return `amount` of the payment to the employer; returns the refund id."""
        ...

    def movements(self, *, since: datetime, until: datetime) -> list[Movement]:
        """Charges, transfers and refunds created in [since, until), for reconciliation."""
        ...

    def cancel_funding(self, *, reference: str, idempotency_key: str) -> bool:
        """Close a charge the employer has not paid, so a late payment cannot go through.
        False when it had already succeeded (the escrow process then refunds it as stray)."""
        ...

    def retrieve_funding(self, reference: str) -> Funding:
        """The funding as it stands now, for when its webhook was lost or is late."""
        ...

    def payout_account_status(self, account_ref: str) -> bool:
        """Whether the connected account can receive payouts yet (`payouts_enabled`)."""
        ...
