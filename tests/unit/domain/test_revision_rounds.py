"""An employer may ask for changes exactly as many times as the brief agreed, and no more."""

from __future__ import annotations

import pytest

from domain.gig import Status
from domain.gig_errors import InvalidTransition, RevisionLimitReached
from tests.unit.domain.factories import POLICY, gig_in, make_brief


@pytest.mark.parametrize("rounds", [0, 1, 2, 3], ids=lambda r: f"{r}-rounds")
def test_changes_can_be_requested_exactly_the_agreed_number_of_times(rounds: int) -> None:
    story = gig_in("submitted", brief=make_brief(revision_rounds=rounds))
    for _ in range(rounds):
        story.request_changes().submit()
    version = story.gig.version

    with pytest.raises(RevisionLimitReached) as caught:
        story.gig.request_changes(story.cast.employer, "one more thing", story.now, POLICY)

    assert caught.value.code == "gig.revision_limit_reached"
    assert caught.value.data["revision_rounds"] == rounds
    assert story.gig.version == version
    assert story.gig.revisions_used == rounds
    assert story.gig.status is Status.SUBMITTED


def test_each_request_for_changes_reopens_the_work_and_counts_a_round() -> None:
    story = gig_in("submitted", brief=make_brief(revision_rounds=2)).request_changes()
    assert story.gig.status is Status.CLAIMED
    assert story.gig.revisions_used == 1
    assert story.gig.due_timers() == {"expire_claim": story.now + POLICY.claim_window}
    story.submit().request_changes()
    assert story.gig.revisions_used == 2
    assert [r["decision"] for r in story.gig.reviews] == ["request_changes", "request_changes"]


def test_after_the_last_round_the_employer_can_still_approve() -> None:
    story = gig_in("submitted", brief=make_brief(revision_rounds=1)).request_changes().submit().approve()
    assert story.gig.status is Status.APPROVED


def test_a_new_claimant_gets_the_full_revision_rounds() -> None:
    story = gig_in("submitted", brief=make_brief(revision_rounds=1)).request_changes()
    story.act(lambda g, now: g.withdraw(story.cast.claimant, "exams", now))
    story.claim(story.cast.other_student)
    story.act(lambda g, now: g.submit(story.cast.other_student, "https://example.org/v2", "", now, POLICY))
    assert story.gig.revisions_used == 0
    story.request_changes()
    assert story.gig.revisions_used == 1


def test_a_claim_cannot_be_declined_once_work_has_been_submitted() -> None:
    story = gig_in("submitted").request_changes()
    with pytest.raises(InvalidTransition):
        story.gig.decline_claim(story.cast.employer, "we went another way", story.now)
