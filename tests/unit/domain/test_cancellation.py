"""Cancelling refunds the employer in full before a claim; after a claim the student keeps a
kill fee of 25 % of the pay, the employer gets the rest of the pay back, the platform keeps its fee."""

from __future__ import annotations

from dataclasses import replace

import pytest

from domain.gig import Gig, Status
from domain.money import Money
from domain.settlement import Settlement
from tests.unit.domain.factories import POLICY, gig_in, make_brief

USD = "usd"


def usd(amount: int) -> Money:
    return Money(amount, USD)


def test_cancelling_a_posted_gig_refunds_pay_and_fee_in_full() -> None:
    story = gig_in("posted").cancel()
    assert story.gig.status is Status.CANCELLED
    assert story.gig.settlement == Settlement(student=usd(0), employer=usd(11_000), platform=usd(0))
    story.refund_employer()
    assert story.gig.refunded == usd(11_000)
    assert story.gig.held == usd(0)


@pytest.mark.parametrize("scenario", ["draft", "awaiting_funding"])
def test_cancelling_before_funding_settles_nothing_because_nothing_was_charged(scenario: str) -> None:
    story = gig_in(scenario).cancel()
    assert story.gig.status is Status.CANCELLED
    assert story.gig.charged is None
    assert story.gig.settlement == Settlement(student=usd(0), employer=usd(0), platform=usd(0))


def test_cancelling_after_a_claim_pays_the_student_a_quarter_and_refunds_the_rest_of_the_pay() -> None:
    story = gig_in("claimed", brief=make_brief(pay=usd(10_001))).cancel()
    assert story.gig.settlement == Settlement(student=usd(2_500), employer=usd(7_501), platform=usd(1_000))
    story.pay_student().refund_employer()
    assert story.gig.paid_to_student == usd(2_500)
    assert story.gig.refunded == usd(7_501)
    assert story.gig.held == usd(0)
    assert story.gig.status is Status.CANCELLED
    cancelled = next(e for e in story.history if isinstance(e, Gig.Cancelled))
    assert cancelled.student_id == story.cast.claimant.user_id


def test_the_kill_fee_follows_the_policy() -> None:
    story = gig_in("claimed")
    policy = replace(POLICY, kill_fee_percent=40)
    story.act(lambda g, now: g.cancel(story.cast.employer, "budget cut", now, policy))
    assert story.gig.settlement is not None
    assert story.gig.settlement.student == usd(4_000)
    assert story.gig.settlement.employer == usd(6_000)


def test_cancelling_after_changes_were_requested_still_pays_the_kill_fee() -> None:
    story = gig_in("submitted").request_changes().cancel()
    assert story.gig.settlement is not None
    assert story.gig.settlement.student == usd(2_500)
