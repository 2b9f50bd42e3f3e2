"""Small builders for the Stripe gateway tests: a funded gig, a student ready to be paid."""

from __future__ import annotations

import uuid

from domain.money import Money
from payments.stripe_gateway import StripeGateway
from tests.stripe_server import LocalStripe

PAY = Money(12_000, "usd")
FEE = Money(1_200, "usd")
CHARGED = PAY + FEE


def gig_id() -> str:
    return str(uuid.uuid4())


def funded_gig(gateway: StripeGateway, server: LocalStripe, amount: Money = CHARGED) -> tuple[str, str]:
    """A gig whose employer has paid into escrow: (gig id, PaymentIntent id)."""
    gig = gig_id()
    funding = gateway.create_funding(
        gig_id=gig, amount=amount, description=f"Escrow for gig {gig}", idempotency_key=f"{gig}:fund"
    )
    server.pay(funding.reference)
    return gig, funding.reference


def payable_student(gateway: StripeGateway, server: LocalStripe) -> str:
    """A student's connected account that has finished onboarding; returns its id."""
    student = str(uuid.uuid4())
    account = gateway.open_payout_account(
        student_id=student, email=f"{student[:8]}@students.example", idempotency_key=f"{student}:account"
    )
    server.set_payouts_enabled(account.reference)
    return account.reference
