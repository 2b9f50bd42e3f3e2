"""Two requests with one idempotency key at once (the publish request and the escrow worker
asking for the same charge): Stripe answers the second 409 while the first runs; the gateway
waits for the first and gets its result replayed, so both callers hold the same object and
Stripe made it once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from payments.gateway import Funding
from payments.stripe_gateway import StripeGateway
from tests.integration.payments.factories import CHARGED, PAY, funded_gig, gig_id, payable_student
from tests.stripe_server import LocalStripe

T = TypeVar("T")
HELD = 0.4
"""Seconds the local server holds the first request with its key in use."""


def _twins(first: Callable[[], T], second: Callable[[], T]) -> tuple[T, T]:
    """Run `first` in a thread, then `second` here while the server still holds the first."""
    results: dict[str, T] = {}
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results["first"] = first()
        except BaseException as e:
            errors.append(e)

    thread = threading.Thread(target=run)
    thread.start()
    time.sleep(HELD / 4)
    results["second"] = second()
    thread.join(timeout=10)
    assert not errors, errors
    return results["first"], results["second"]


def test_twin_fundings_get_one_payment_intent_and_both_its_client_secret(
    stripe_gateway: StripeGateway, stripe_server: LocalStripe
) -> None:
    gig = gig_id()
    stripe_server.inject_fault("/v1/payment_intents", "slow", method="POST", delay=HELD)

    def fund() -> Funding:
        return stripe_gateway.create_funding(
            gig_id=gig, amount=CHARGED, description="escrow", idempotency_key=f"{gig}:fund"
        )

    first, second = _twins(fund, fund)

    assert first == second
    assert first.client_secret
    assert stripe_server.count("payment_intent") == 1
    keyed = [r for r in stripe_server.requests() if r["idempotency_key"] == f"{gig}:fund"]
    assert len(keyed) >= 3  # the first, the refused twin, and the twin's replayed attempt


def test_twin_transfers_move_the_money_once(
    stripe_gateway: StripeGateway, stripe_server: LocalStripe
) -> None:
    gig, payment = funded_gig(stripe_gateway, stripe_server)
    student = payable_student(stripe_gateway, stripe_server)
    stripe_server.inject_fault("/v1/transfers", "slow", method="POST", delay=HELD)

    def release() -> str:
        return stripe_gateway.transfer(
            gig_id=gig, account=student, amount=PAY, source=payment, idempotency_key=f"{gig}:release"
        )

    first, second = _twins(release, release)

    assert first == second
    assert stripe_server.count("transfer") == 1
