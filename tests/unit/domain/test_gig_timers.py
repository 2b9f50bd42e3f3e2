"""Timers fire exactly at their due time, never a second before, and each one is due when the
product says: funding after 24 h, a claim after 72 h of silence, review 7 days, dispute 7 days,
the gig deadline, ratings 7 days after the payout."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta

import pytest

from domain.actors import CLOCK
from domain.gig import Status
from domain.gig_errors import InvalidTransition, NotDue
from tests.unit.domain.factories import POLICY, START, GigStory, gig_in

ONE_SECOND = timedelta(seconds=1)

TIMERS = [
    pytest.param("expire_funding", "awaiting_funding", POLICY.funding_window, Status.DRAFT, id="funding"),
    pytest.param("expire_claim", "claimed", POLICY.claim_window, Status.POSTED, id="claim"),
    pytest.param("auto_approve", "submitted", POLICY.review_window, Status.APPROVED, id="review"),
    pytest.param("close_undisputed", "rejected", POLICY.dispute_window, Status.CLOSED, id="dispute"),
    pytest.param("reveal_ratings", "paid", POLICY.rating_window, Status.PAID, id="ratings"),
]


def _due(story: GigStory, window: timedelta | None) -> datetime:
    return story.now + window if window is not None else START + timedelta(days=30)


@pytest.mark.parametrize(("timer", "scenario", "window", "after"), TIMERS)
def test_timer_is_due_one_window_after_the_state_was_reached(
    timer: str, scenario: str, window: timedelta, after: Status
) -> None:
    story = gig_in(scenario)
    assert story.gig.due_timers() == {timer: story.now + window}


@pytest.mark.parametrize(
    ("timer", "scenario", "window", "after"),
    [*TIMERS, pytest.param("expire_deadline", "posted", None, Status.EXPIRED, id="deadline")],
)
def test_timer_refuses_one_second_early_and_fires_exactly_on_time(
    timer: str, scenario: str, window: timedelta | None, after: Status
) -> None:
    story = gig_in(scenario)
    due = _due(story, window)
    before = copy.deepcopy(story.gig)

    with pytest.raises(NotDue) as early:
        getattr(story.gig, timer)(CLOCK, due - ONE_SECOND)
    assert early.value.code == "gig.timer_not_due"
    assert story.gig == before

    getattr(story.gig, timer)(CLOCK, due)
    assert story.gig.status is after
    assert timer not in story.gig.due_timers()


def test_deadline_timer_runs_only_while_the_gig_waits_on_the_board() -> None:
    posted = gig_in("posted")
    assert posted.gig.due_timers() == {"expire_deadline": START + timedelta(days=30)}
    assert gig_in("claimed").gig.due_timers().keys() == {"expire_claim"}


def test_a_check_in_pushes_the_claim_expiry_back_a_full_window() -> None:
    story = gig_in("claimed")
    story.act(lambda g, now: g.check_in(story.cast.claimant, "half done", now, POLICY))
    assert story.gig.due_timers() == {"expire_claim": story.now + POLICY.claim_window}


def test_expired_funding_returns_the_gig_to_draft_for_another_try() -> None:
    story = gig_in("awaiting_funding").fire("expire_funding")
    assert story.gig.status is Status.DRAFT
    story.publish().fund()
    assert story.gig.status is Status.POSTED


def test_a_dispute_after_the_window_closed_is_refused() -> None:
    story = gig_in("rejected")
    closes = story.now + POLICY.dispute_window
    with pytest.raises(InvalidTransition):
        story.gig.dispute(story.cast.claimant, "it meets the criteria", closes + ONE_SECOND)
    story.gig.dispute(story.cast.claimant, "it meets the criteria", closes)
    assert story.gig.status is Status.DISPUTED


def test_a_gig_whose_deadline_has_passed_cannot_be_claimed_before_the_clock_expires_it() -> None:
    story = gig_in("posted")
    deadline = START + timedelta(days=30)
    with pytest.raises(InvalidTransition):
        story.gig.claim(story.cast.claimant, deadline + ONE_SECOND, POLICY)
