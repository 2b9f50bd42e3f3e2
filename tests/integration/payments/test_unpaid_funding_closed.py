"""When a gig stops awaiting its charge unpaid, the charge is closed at Stripe so a late payment
cannot go through; a payment that beat the close is refunded in full."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from uuid import UUID

import pytest

from domain.actors import CLOCK
from domain.brief import Brief
from payments.stripe_gateway import StripeGateway
from tests.conftest import FakeClock
from tests.integration.payments.escrow_world import PAY, EscrowWorld, build_world
from tests.stripe_server import LocalStripe


@pytest.fixture
def world(
    tmp_path: Path, clock: FakeClock, stripe_server: LocalStripe, stripe_gateway: StripeGateway
) -> EscrowWorld:
    return build_world(tmp_path, clock, stripe_server, stripe_gateway)


def _published(world: EscrowWorld) -> tuple[UUID, str]:
    brief = Brief("Survey coding", pay=PAY, estimated_hours=8, deadline=world.clock.now + timedelta(days=10))
    gig_id = world.market.create_gig(world.employer, brief).gig_id
    published = world.market.publish_gig(world.employer, gig_id)
    funding = world.escrow.request_funding(gig_id, published.version)
    assert funding is not None
    return gig_id, funding.reference


def _handle_new_events(world: EscrowWorld, gig_id: UUID, after_version: int) -> None:
    for stored in world.market.recorder.select_events(gig_id, gt=after_version):
        world.escrow.handle(world.market.mapper.to_domain_event(stored))


def _intent(world: EscrowWorld, reference: str) -> dict[str, object]:
    return next(o for o in world.stripe.objects("payment_intent") if o["id"] == reference)


def test_cancelling_an_unfunded_gig_cancels_its_payment_intent(world: EscrowWorld) -> None:
    gig_id, reference = _published(world)
    version = world.market.get_gig(gig_id).version
    world.market.cancel_gig(world.employer, gig_id, "changed our plans")

    _handle_new_events(world, gig_id, version)

    assert _intent(world, reference)["status"] == "canceled"
    with pytest.raises(Exception):  # noqa: B017 - any refusal will do: the card must not be charged
        world.stripe.pay(reference)
    assert world.stripe.count("charge") == 0


def test_a_closed_funding_window_cancels_the_payment_intent(world: EscrowWorld) -> None:
    gig_id, reference = _published(world)
    version = world.market.get_gig(gig_id).version
    world.clock.advance(hours=25)
    world.market.fire_timer(CLOCK, gig_id, "expire_funding")

    _handle_new_events(world, gig_id, version)

    assert _intent(world, reference)["status"] == "canceled"


def test_a_payment_that_beat_the_cancel_is_refunded_in_full(world: EscrowWorld) -> None:
    gig_id, reference = _published(world)
    version = world.market.get_gig(gig_id).version
    world.stripe.pay(reference)
    world.market.cancel_gig(world.employer, gig_id, "changed our plans")
    _handle_new_events(world, gig_id, version)

    world.escrow.record_funding(gig_id, reference, world.market.get_gig(gig_id).charge_amount)

    refunds = [r for r in world.stripe.objects("refund") if r.get("payment_intent") == reference]
    assert [r["amount"] for r in refunds] == [33_000]
    assert world.market.get_gig(gig_id).stray_payments == {}
