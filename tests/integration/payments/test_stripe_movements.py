"""Reading back what moved at Stripe, for reconciliation against the ledger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.money import Money
from payments.stripe_gateway import StripeGateway
from tests.integration.payments.factories import CHARGED, PAY, funded_gig, gig_id, payable_student
from tests.stripe_server import LocalStripe

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def _at(server: LocalStripe, moment: datetime) -> None:
    server.set_clock(now=int(moment.timestamp()))


def test_movements_map_charges_transfers_and_refunds_to_their_gig(
    stripe_gateway: StripeGateway, stripe_server: LocalStripe
) -> None:
    _at(stripe_server, T0)
    gig, payment = funded_gig(stripe_gateway, stripe_server)
    student = payable_student(stripe_gateway, stripe_server)
    transfer = stripe_gateway.transfer(
        gig_id=gig, account=student, amount=PAY, source=payment, idempotency_key="t"
    )
    refund = stripe_gateway.refund(gig_id=gig, payment=payment, amount=Money(200, "usd"), idempotency_key="r")

    found = stripe_gateway.movements(since=T0, until=T0 + DAY)

    assert {(m.kind, m.gig_id, m.amount, m.created) for m in found} == {
        ("charge", gig, CHARGED, T0),
        ("transfer", gig, PAY, T0),
        ("refund", gig, Money(200, "usd"), T0),
    }
    assert {m.reference for m in found} >= {transfer, refund}


def test_movements_read_every_page(stripe_gateway: StripeGateway, stripe_server: LocalStripe) -> None:
    _at(stripe_server, T0)
    gig = gig_id()
    for _ in range(130):
        stripe_server.add_unknown_transfer(amount=100, currency="usd", transfer_group=gig)

    found = stripe_gateway.movements(since=T0, until=T0 + DAY)

    assert len(found) == 130
    assert len({m.reference for m in found}) == 130
    assert sum(m.amount.amount for m in found) == 13_000
    pages = [r for r in stripe_server.requests() if r["method"] == "GET" and r["path"] == "/v1/transfers"]
    assert len(pages) == 2
    assert pages[1]["params"]["starting_after"]


def test_movements_keep_to_the_half_open_window(
    stripe_gateway: StripeGateway, stripe_server: LocalStripe
) -> None:
    _at(stripe_server, T0 - timedelta(seconds=1))
    funded_gig(stripe_gateway, stripe_server)
    _at(stripe_server, T0)
    inside, _ = funded_gig(stripe_gateway, stripe_server)
    _at(stripe_server, T0 + DAY)
    funded_gig(stripe_gateway, stripe_server)

    found = stripe_gateway.movements(since=T0, until=T0 + DAY)

    assert [(m.kind, m.gig_id) for m in found] == [("charge", inside)]


def test_declined_charges_moved_no_money(stripe_gateway: StripeGateway, stripe_server: LocalStripe) -> None:
    _at(stripe_server, T0)
    funding = stripe_gateway.create_funding(
        gig_id=gig_id(), amount=CHARGED, description="d", idempotency_key="f"
    )
    stripe_server.pay(funding.reference, decline=True)

    assert stripe_gateway.movements(since=T0, until=T0 + DAY) == []


def test_a_transfer_naming_no_gig_is_reported_with_an_empty_gig(
    stripe_gateway: StripeGateway, stripe_server: LocalStripe
) -> None:
    _at(stripe_server, T0)
    stray = stripe_server.add_unknown_transfer(amount=4_200, currency="usd")

    [movement] = stripe_gateway.movements(since=T0, until=T0 + DAY)

    assert (movement.reference, movement.gig_id, movement.amount) == (stray["id"], "", Money(4_200, "usd"))
