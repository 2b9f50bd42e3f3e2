"""Ratings are double-blind: neither side sees anything until both have rated or the rating
window closes, so neither can retaliate."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from domain.actors import CLOCK
from domain.errors import ValidationFailed
from domain.gig_errors import AlreadyRated, InvalidTransition
from tests.unit.domain.factories import POLICY, GigStory, gig_in


def _paid() -> tuple[GigStory, datetime]:
    story = gig_in("paid")
    return story, story.now + POLICY.rating_window


def test_one_sided_rating_stays_hidden() -> None:
    story, _ = _paid()
    story.rate(story.cast.employer, 2)
    assert story.gig.visible_ratings == {}
    assert story.gig.ratings_revealed is False


def test_both_ratings_are_revealed_together_once_both_sides_rated() -> None:
    story, _ = _paid()
    story.rate(story.cast.employer, 2).rate(story.cast.claimant, 5)
    visible = story.gig.visible_ratings
    assert {side: r["stars"] for side, r in visible.items()} == {"employer": 2, "student": 5}
    assert story.gig.due_timers() == {}


def test_the_clock_reveals_a_lone_rating_when_the_window_closes() -> None:
    story, closes = _paid()
    story.rate(story.cast.claimant, 3)
    story.act(lambda g, now: g.reveal_ratings(CLOCK, now), at=closes)
    assert {side: r["stars"] for side, r in story.gig.visible_ratings.items()} == {"student": 3}


def test_a_side_rates_only_once() -> None:
    story, _ = _paid()
    story.rate(story.cast.employer)
    with pytest.raises(AlreadyRated) as caught:
        story.gig.rate(story.cast.employer, 1, "changed my mind", story.now)
    assert caught.value.code == "gig.already_rated"


@pytest.mark.parametrize("stars", [0, 6, -1])
def test_stars_run_from_one_to_five(stars: int) -> None:
    story, _ = _paid()
    with pytest.raises(ValidationFailed) as caught:
        story.gig.rate(story.cast.employer, stars, "", story.now)
    assert caught.value.field == "stars"


def test_rating_after_the_window_closed_is_refused() -> None:
    story, closes = _paid()
    with pytest.raises(InvalidTransition):
        story.gig.rate(story.cast.employer, 4, "", closes + timedelta(seconds=1))


def test_the_silent_side_cannot_rate_after_the_clock_revealed_the_other_rating() -> None:
    story, closes = _paid()
    story.rate(story.cast.employer, 1)
    story.act(lambda g, now: g.reveal_ratings(CLOCK, now), at=closes)
    with pytest.raises(InvalidTransition):
        story.gig.rate(story.cast.claimant, 1, "retaliation", closes + timedelta(hours=1))
