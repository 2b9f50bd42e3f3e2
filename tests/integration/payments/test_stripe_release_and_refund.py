"""Releasing escrow: the full pay transferred out of the funding charge; the rest refunded."""

from __future__ import annotations

import pytest

from domain.money import Money
from payments.gateway import GatewayError
from payments.stripe_gateway import StripeGateway
from tests.integration.payments.factories import CHARGED, PAY, funded_gig, gig_id, payable_student
from tests.stripe_server import LocalStripe


def test_a_release_transfers_the_full_pay_out_of_the_funding_charge(
    stripe_gateway: StripeGateway, stripe_server: LocalStripe
) -> None:
    gig, payment = funded_gig(stripe_gateway, stripe_server)
    student = payable_student(stripe_gateway, stripe_server)

    transfer_id = stripe_gateway.transfer(
        gig_id=gig, account=student, amount=PAY, source=payment, idempotency_key=f"{gig}:release"
    )

    [charge] = stripe_server.objects("charge")
    [transfer] = stripe_server.objects("transfer")
    assert transfer["id"] == transfer_id
    assert (transfer["amount"], transfer["currency"]) == (12_000, "usd")
    assert transfer["destination"] == student
    assert transfer["source_transaction"] == charge["id"]
    assert transfer["transfer_group"] == gig
    assert transfer["metadata"] == {"gig_id": gig}


def test_no_transfer_before_the_funding_has_succeeded(
    stripe_gateway: StripeGateway, stripe_server: LocalStripe
) -> None:
    gig = gig_id()
    funding = stripe_gateway.create_funding(gig_id=gig, amount=CHARGED, description="d", idempotency_key="f")
    student = payable_student(stripe_gateway, stripe_server)

    with pytest.raises(GatewayError) as refused:
        stripe_gateway.transfer(
            gig_id=gig, account=student, amount=PAY, source=funding.reference, idempotency_key="t"
        )

    assert refused.value.code == "funding_not_settled"
    assert stripe_server.count("transfer") == 0


def test_a_student_who_has_not_finished_onboarding_cannot_be_paid_yet(
    stripe_gateway: StripeGateway, stripe_server: LocalStripe
) -> None:
    gig, payment = funded_gig(stripe_gateway, stripe_server)
    account = stripe_gateway.open_payout_account(student_id="s", email="s@x.example", idempotency_key="a")
    assert account.payouts_enabled is False
    assert stripe_gateway.payout_account_status(account.reference) is False

    with pytest.raises(GatewayError) as refused:
        stripe_gateway.transfer(
            gig_id=gig, account=account.reference, amount=PAY, source=payment, idempotency_key="t"
        )
    assert refused.value.code == "insufficient_capabilities_for_transfer"

    stripe_server.set_payouts_enabled(account.reference)
    assert stripe_gateway.payout_account_status(account.reference) is True
    stripe_gateway.transfer(
        gig_id=gig, account=account.reference, amount=PAY, source=payment, idempotency_key="t"
    )
    assert stripe_server.count("transfer") == 1


def test_onboarding_gives_the_student_a_link_for_their_new_express_account(
    stripe_gateway: StripeGateway, stripe_server: LocalStripe
) -> None:
    account = stripe_gateway.open_payout_account(
        student_id="student-7", email="ana@students.example", idempotency_key="student-7:account"
    )

    [stored] = stripe_server.objects("account")
    assert stored["id"] == account.reference
    assert (stored["type"], stored["email"], stored["metadata"]) == (
        "express",
        "ana@students.example",
        {"student_id": "student-7"},
    )
    assert account.onboarding_url.endswith(f"/_test/onboarding/{account.reference}")


def test_a_refund_returns_exactly_the_amount_asked_for(
    stripe_gateway: StripeGateway, stripe_server: LocalStripe
) -> None:
    gig, payment = funded_gig(stripe_gateway, stripe_server)

    refund_id = stripe_gateway.refund(
        gig_id=gig, payment=payment, amount=Money(9_000, "usd"), idempotency_key=f"{gig}:refund"
    )

    [refund] = stripe_server.objects("refund")
    [charge] = stripe_server.objects("charge")
    assert refund["id"] == refund_id
    assert (refund["amount"], refund["payment_intent"], refund["metadata"]) == (
        9_000,
        payment,
        {"gig_id": gig},
    )
    assert charge["amount_refunded"] == 9_000


def test_kill_fee_and_refund_split_the_escrow_without_touching_the_platform_fee(
    stripe_gateway: StripeGateway, stripe_server: LocalStripe
) -> None:
    gig, payment = funded_gig(stripe_gateway, stripe_server)
    student = payable_student(stripe_gateway, stripe_server)
    kill_fee = PAY.percent(25)

    stripe_gateway.transfer(gig_id=gig, account=student, amount=kill_fee, source=payment, idempotency_key="k")
    stripe_gateway.refund(gig_id=gig, payment=payment, amount=PAY - kill_fee, idempotency_key="r")

    [transfer], [refund] = stripe_server.objects("transfer"), stripe_server.objects("refund")
    assert (transfer["amount"], refund["amount"]) == (3_000, 9_000)
    assert CHARGED.amount - transfer["amount"] - refund["amount"] == 1_200  # the platform fee stays


def test_refunding_more_than_is_left_is_refused_for_good(
    stripe_gateway: StripeGateway, stripe_server: LocalStripe
) -> None:
    gig, payment = funded_gig(stripe_gateway, stripe_server)
    stripe_gateway.refund(gig_id=gig, payment=payment, amount=Money(13_000, "usd"), idempotency_key="r1")

    with pytest.raises(GatewayError) as refused:
        stripe_gateway.refund(gig_id=gig, payment=payment, amount=Money(201, "usd"), idempotency_key="r2")

    assert refused.value.code == "amount_too_large"
    assert stripe_server.count("refund") == 1
