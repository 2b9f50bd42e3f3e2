"""Every money-moving call carries the caller's idempotency key, so a retry never moves money twice."""

from __future__ import annotations

import pytest

from domain.money import Money
from payments.gateway import GatewayError
from payments.stripe_gateway import StripeGateway
from tests.integration.payments.factories import CHARGED, PAY, funded_gig, gig_id, payable_student
from tests.stripe_server import LocalStripe


def test_replayed_funding_returns_the_same_intent_and_creates_one(
    stripe_gateway: StripeGateway, stripe_server: LocalStripe
) -> None:
    gig = gig_id()
    first = stripe_gateway.create_funding(
        gig_id=gig, amount=CHARGED, description="d", idempotency_key="fund-1"
    )
    again = stripe_gateway.create_funding(
        gig_id=gig, amount=CHARGED, description="d", idempotency_key="fund-1"
    )

    assert again == first
    assert stripe_server.count("payment_intent") == 1


def test_replayed_transfer_and_refund_move_money_once(
    stripe_gateway: StripeGateway, stripe_server: LocalStripe
) -> None:
    gig, payment = funded_gig(stripe_gateway, stripe_server)
    student = payable_student(stripe_gateway, stripe_server)
    half = Money(6_000, "usd")

    transfers = {
        stripe_gateway.transfer(gig_id=gig, account=student, amount=half, source=payment, idempotency_key="t")
        for _ in range(3)
    }
    refunds = {
        stripe_gateway.refund(gig_id=gig, payment=payment, amount=half, idempotency_key="r") for _ in range(3)
    }

    assert len(transfers) == len(refunds) == 1
    assert (stripe_server.count("transfer"), stripe_server.count("refund")) == (1, 1)
    assert stripe_server.objects("charge")[0]["amount_refunded"] == 6_000


def test_a_reused_key_with_other_parameters_is_refused_and_moves_nothing(
    stripe_gateway: StripeGateway, stripe_server: LocalStripe
) -> None:
    gig, payment = funded_gig(stripe_gateway, stripe_server)
    student = payable_student(stripe_gateway, stripe_server)
    stripe_gateway.transfer(gig_id=gig, account=student, amount=PAY, source=payment, idempotency_key="t")

    with pytest.raises(GatewayError) as refused:
        stripe_gateway.transfer(
            gig_id=gig, account=student, amount=Money(1, "usd"), source=payment, idempotency_key="t"
        )

    assert refused.value.code == "idempotency_error"
    [transfer] = stripe_server.objects("transfer")
    assert transfer["amount"] == 12_000


def test_every_write_carries_the_key_the_caller_derived(
    stripe_gateway: StripeGateway, stripe_server: LocalStripe
) -> None:
    gig, payment = funded_gig(stripe_gateway, stripe_server)
    student = payable_student(stripe_gateway, stripe_server)
    stripe_gateway.transfer(
        gig_id=gig, account=student, amount=PAY, source=payment, idempotency_key=f"{gig}:approved:7"
    )
    stripe_gateway.refund(gig_id=gig, payment=payment, amount=PAY, idempotency_key=f"{gig}:refund:8")

    writes = [(r["path"], r["idempotency_key"]) for r in stripe_server.requests() if r["method"] == "POST"]
    assert ("/v1/payment_intents", f"{gig}:fund") in writes
    assert ("/v1/transfers", f"{gig}:approved:7") in writes
    assert ("/v1/refunds", f"{gig}:refund:8") in writes
    accounts = [key for path, key in writes if path in ("/v1/accounts", "/v1/account_links")]
    assert len(accounts) == 2
    assert accounts[1] == f"{accounts[0]}:link"
