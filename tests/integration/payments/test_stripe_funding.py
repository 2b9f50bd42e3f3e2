"""Funding escrow: a PaymentIntent on the platform for pay + fee, confirmed by the employer."""

from __future__ import annotations

import pytest

from domain.money import Money
from payments.gateway import GatewayError
from payments.stripe_gateway import StripeGateway
from tests.integration.payments.factories import CHARGED, funded_gig, gig_id
from tests.stripe_server import LocalStripe


def test_funding_creates_a_payment_intent_for_pay_plus_fee_grouped_by_gig(
    stripe_gateway: StripeGateway, stripe_server: LocalStripe
) -> None:
    gig = gig_id()
    funding = stripe_gateway.create_funding(
        gig_id=gig, amount=CHARGED, description="Escrow for a logo refresh", idempotency_key=f"{gig}:fund"
    )

    [intent] = stripe_server.objects("payment_intent")
    assert intent["id"] == funding.reference
    assert (intent["amount"], intent["currency"]) == (13_200, "usd")
    assert intent["transfer_group"] == gig
    assert intent["metadata"] == {"gig_id": gig}
    assert intent["description"] == "Escrow for a logo refresh"
    assert intent["status"] == "requires_payment_method"  # the employer's browser confirms it


def test_funding_hands_the_client_secret_to_the_employer_and_stays_pending_until_paid(
    stripe_gateway: StripeGateway, stripe_server: LocalStripe
) -> None:
    gig = gig_id()
    funding = stripe_gateway.create_funding(
        gig_id=gig, amount=CHARGED, description="d", idempotency_key=f"{gig}:fund"
    )
    assert funding.status == "pending"
    assert funding.client_secret is not None
    assert funding.client_secret.startswith(f"{funding.reference}_secret_")

    stripe_server.pay(funding.reference)

    assert stripe_gateway.retrieve_funding(funding.reference).status == "succeeded"
    [charge] = stripe_server.objects("charge")
    assert (charge["payment_intent"], charge["amount"], charge["transfer_group"]) == (
        funding.reference,
        13_200,
        gig,
    )


def test_a_declined_card_leaves_the_funding_pending_and_charges_nothing(
    stripe_gateway: StripeGateway, stripe_server: LocalStripe
) -> None:
    gig = gig_id()
    funding = stripe_gateway.create_funding(
        gig_id=gig, amount=CHARGED, description="d", idempotency_key=f"{gig}:fund"
    )

    intent = stripe_server.pay(funding.reference, decline=True)

    assert intent["last_payment_error"]["code"] == "card_declined"
    assert stripe_gateway.retrieve_funding(funding.reference).status == "pending"
    assert [c["status"] for c in stripe_server.objects("charge")] == ["failed"]


def test_funding_in_a_zero_decimal_currency_sends_whole_units(
    stripe_gateway: StripeGateway, stripe_server: LocalStripe
) -> None:
    gig, _ = funded_gig(stripe_gateway, stripe_server, Money(16_500, "jpy"))

    [intent] = stripe_server.objects("payment_intent")
    assert (intent["amount"], intent["currency"], intent["transfer_group"]) == (16_500, "jpy", gig)


def test_an_unknown_payment_is_a_permanent_error_with_stripes_code(stripe_gateway: StripeGateway) -> None:
    with pytest.raises(GatewayError) as refused:
        stripe_gateway.retrieve_funding("pi_doesnotexist")
    assert refused.value.code == "resource_missing"
