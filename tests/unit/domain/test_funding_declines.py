"""A declined payment is recorded while the gig awaits its charge, once per gateway notice, and
leaves the gig waiting for another attempt; after the gig stopped waiting it records nothing."""

from __future__ import annotations

from uuid import UUID

import pytest

from domain.gig import Gig, Status
from domain.gig_errors import NotYourGig
from domain.marketplace import Marketplace
from tests.conftest import CODEC_ENV, FakeClock
from tests.unit.domain.factories import PAY, Cast, charge_for, make_brief


@pytest.fixture
def app(clock: FakeClock) -> Marketplace:
    return Marketplace({"PERSISTENCE_MODULE": "eventsourcing.popo", **CODEC_ENV}, clock=clock)


@pytest.fixture
def awaiting(app: Marketplace) -> UUID:
    cast = Cast.new()
    gig_id = app.create_gig(cast.employer, make_brief(pay=PAY)).gig_id
    app.publish_gig(cast.employer, gig_id)
    assert app.get_gig(gig_id).status is Status.AWAITING_FUNDING
    return gig_id


def declines(app: Marketplace, gig_id: UUID) -> list[Gig.FundingDeclined]:
    events = app.repository.event_store.get(gig_id)
    return [e for e in events if isinstance(e, Gig.FundingDeclined)]


def test_a_decline_is_recorded_and_the_gig_keeps_waiting(app: Marketplace, awaiting: UUID) -> None:
    app.record_funding_decline(awaiting, "pi_1", "evt_1", "card_declined", "Your card was declined.")
    gig = app.get_gig(awaiting)
    assert gig.status is Status.AWAITING_FUNDING
    assert [(d["notice"], d["code"], d["reason"]) for d in gig.funding_declines] == [
        ("evt_1", "card_declined", "Your card was declined.")
    ]
    [recorded] = declines(app, awaiting)
    assert (recorded.payment_ref, recorded.failure_code) == ("pi_1", "card_declined")
    app.record_funding(awaiting, "pi_1", charge_for(PAY))  # the employer pays with another card
    assert app.get_gig(awaiting).status is Status.POSTED


def test_the_same_notice_twice_is_recorded_once_and_each_attempt_once(
    app: Marketplace, awaiting: UUID
) -> None:
    for notice in ("evt_1", "evt_1", "evt_2"):
        app.record_funding_decline(awaiting, "pi_1", notice, "card_declined", "declined")
    assert [e.notice_ref for e in declines(app, awaiting)] == ["evt_1", "evt_2"]


def test_a_decline_after_the_gig_was_funded_records_nothing(app: Marketplace, awaiting: UUID) -> None:
    app.record_funding(awaiting, "pi_1", charge_for(PAY))
    head = app.recorder.max_notification_id()
    app.record_funding_decline(awaiting, "pi_1", "evt_late", "card_declined", "declined")
    assert app.recorder.max_notification_id() == head
    assert app.get_gig(awaiting).funding_declines == []


def test_only_the_payments_system_records_a_decline(
    app: Marketplace, awaiting: UUID, clock: FakeClock
) -> None:
    gig = app.get_gig(awaiting)
    with pytest.raises(NotYourGig):
        gig.record_funding_decline(Cast.new().employer, "pi_1", "evt_1", "card_declined", "declined", clock())
