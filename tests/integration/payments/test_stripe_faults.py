"""Stripe's failures reach the escrow process as one of two outcomes: try again, or refused."""

from __future__ import annotations

import time

import pytest

from domain.money import Money
from payments.gateway import GatewayError, GatewayUnavailable
from payments.stripe_gateway import StripeGateway
from tests.integration.payments.factories import CHARGED, PAY, funded_gig, gig_id, payable_student
from tests.stripe_server import LocalStripe


def _release(gateway: StripeGateway, gig: str, student: str, payment: str) -> str:
    return gateway.transfer(
        gig_id=gig, account=student, amount=PAY, source=payment, idempotency_key=f"{gig}:r"
    )


@pytest.mark.parametrize("kind", ["timeout", "500", "429"])
def test_transient_faults_are_retryable_and_the_retry_pays_once(
    stripe_gateway: StripeGateway, stripe_server: LocalStripe, kind: str
) -> None:
    gig, payment = funded_gig(stripe_gateway, stripe_server)
    student = payable_student(stripe_gateway, stripe_server)
    stripe_server.inject_fault("/v1/transfers", kind, method="POST")

    with pytest.raises(GatewayUnavailable):
        _release(stripe_gateway, gig, student, payment)
    assert stripe_server.count("transfer") == 0

    _release(stripe_gateway, gig, student, payment)
    assert stripe_server.count("transfer") == 1


def test_the_sdk_does_not_retry_behind_the_escrow_process(
    stripe_gateway: StripeGateway, stripe_server: LocalStripe
) -> None:
    gig, payment = funded_gig(stripe_gateway, stripe_server)
    student = payable_student(stripe_gateway, stripe_server)
    stripe_server.inject_fault("/v1/transfers", "500", times=5)

    with pytest.raises(GatewayUnavailable):
        _release(stripe_gateway, gig, student, payment)

    attempts = [r for r in stripe_server.requests() if r["path"] == "/v1/transfers"]
    assert len(attempts) == 1


def test_a_timeout_after_the_transfer_happened_is_retried_into_the_same_transfer(
    stripe_gateway: StripeGateway, stripe_server: LocalStripe
) -> None:
    gig, payment = funded_gig(stripe_gateway, stripe_server)
    student = payable_student(stripe_gateway, stripe_server)
    stripe_server.inject_fault("/v1/transfers", "timeout_after", method="POST", delay=1.0)

    with pytest.raises(GatewayUnavailable):
        _release(stripe_gateway, gig, student, payment)
    [made_anyway] = stripe_server.objects("transfer")

    assert _release(stripe_gateway, gig, student, payment) == made_anyway["id"]
    assert stripe_server.count("transfer") == 1


def test_a_timeout_is_bounded_by_the_client_timeout(
    stripe_gateway: StripeGateway, stripe_server: LocalStripe
) -> None:
    stripe_server.inject_fault("/v1/payment_intents", "timeout", delay=5.0)
    started = time.monotonic()

    with pytest.raises(GatewayUnavailable):
        stripe_gateway.create_funding(gig_id=gig_id(), amount=CHARGED, description="d", idempotency_key="f")

    assert time.monotonic() - started < 2.0


def test_a_declined_card_is_refused_with_its_code(
    stripe_gateway: StripeGateway, stripe_server: LocalStripe
) -> None:
    stripe_server.inject_fault("/v1/payment_intents", "decline", method="POST")

    with pytest.raises(GatewayError) as refused:
        stripe_gateway.create_funding(gig_id=gig_id(), amount=CHARGED, description="d", idempotency_key="f")

    assert refused.value.code == "card_declined"


def test_an_injected_closed_account_is_refused_with_its_code(
    stripe_gateway: StripeGateway, stripe_server: LocalStripe
) -> None:
    gig, payment = funded_gig(stripe_gateway, stripe_server)
    student = payable_student(stripe_gateway, stripe_server)
    stripe_server.inject_fault("/v1/transfers", "account_closed")

    with pytest.raises(GatewayError) as refused:
        _release(stripe_gateway, gig, student, payment)

    assert refused.value.code == "account_closed"
    assert stripe_server.count("transfer") == 0


def test_a_student_account_closed_at_stripe_cannot_be_paid(
    stripe_gateway: StripeGateway, stripe_server: LocalStripe
) -> None:
    gig, payment = funded_gig(stripe_gateway, stripe_server)
    student = payable_student(stripe_gateway, stripe_server)
    stripe_server.close_account(student)

    with pytest.raises(GatewayError) as refused:
        _release(stripe_gateway, gig, student, payment)

    assert refused.value.code == "account_closed"


def test_a_wrong_secret_key_is_refused_for_good(stripe_server: LocalStripe) -> None:
    gateway = StripeGateway("sk_test_not_ours", api_base=stripe_server.url, timeout=0.5)

    with pytest.raises(GatewayError):
        gateway.refund(gig_id="g", payment="pi_x", amount=Money(1, "usd"), idempotency_key="r")


def test_a_server_that_is_not_there_is_retryable() -> None:
    gateway = StripeGateway("sk_test_x", api_base="http://127.0.0.1:9", timeout=0.5)

    with pytest.raises(GatewayUnavailable):
        gateway.payout_account_status("acct_1")
