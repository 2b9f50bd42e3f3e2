"""The local server itself, read through the SDK: events, balance, and the reconciliation controls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import stripe

from domain.money import Money
from payments.stripe_gateway import StripeGateway
from tests.integration.payments.factories import PAY, funded_gig, payable_student
from tests.stripe_server import LocalStripe

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _sdk(server: LocalStripe) -> stripe.StripeClient:
    return stripe.StripeClient(server.secret_key, base_addresses={"api": server.url}, max_network_retries=0)


def test_events_are_listed_newest_first_filtered_by_type_and_retrievable(
    stripe_gateway: StripeGateway, stripe_server: LocalStripe
) -> None:
    funded_gig(stripe_gateway, stripe_server)
    funded_gig(stripe_gateway, stripe_server)
    sdk = _sdk(stripe_server)

    succeeded = sdk.v1.events.list(params={"type": "payment_intent.succeeded"})
    first = sdk.v1.events.retrieve(succeeded.data[0].id)

    assert [e.type for e in succeeded.data] == ["payment_intent.succeeded"] * 2
    assert succeeded.data[0].created >= succeeded.data[1].created
    assert first.data.object.id == succeeded.data[0].data.object.id


def test_the_platform_balance_holds_charges_minus_transfers_and_refunds(
    stripe_gateway: StripeGateway, stripe_server: LocalStripe
) -> None:
    gig, payment = funded_gig(stripe_gateway, stripe_server)
    student = payable_student(stripe_gateway, stripe_server)
    stripe_gateway.transfer(gig_id=gig, account=student, amount=PAY, source=payment, idempotency_key="t")
    stripe_gateway.refund(gig_id=gig, payment=payment, amount=Money(100, "usd"), idempotency_key="r")

    entries = list(_sdk(stripe_server).v1.balance_transactions.list().auto_paging_iter())

    assert sorted(e.type for e in entries) == ["charge", "refund", "transfer"]
    assert sum(e.net for e in entries) == 13_200 - 12_000 - 100


def test_reconciliation_controls_alter_what_stripe_reports(
    stripe_gateway: StripeGateway, stripe_server: LocalStripe
) -> None:
    stripe_server.set_clock(now=int(T0.timestamp()))
    gig, payment = funded_gig(stripe_gateway, stripe_server)
    student = payable_student(stripe_gateway, stripe_server)
    transfer = stripe_gateway.transfer(
        gig_id=gig, account=student, amount=PAY, source=payment, idempotency_key="t"
    )
    [charge] = stripe_server.objects("charge")

    stripe_server.delete_transfer(transfer)
    stripe_server.change_amount(charge["id"], 13_000)
    stray = stripe_server.add_unknown_transfer(amount=500, currency="usd", destination=student)

    found = stripe_gateway.movements(since=T0, until=T0 + timedelta(days=1))
    assert {(m.reference, m.amount.amount) for m in found} == {(charge["id"], 13_000), (stray["id"], 500)}
