"""Employer scores and the fold's bookkeeping: counts, ids, and state that does not grow forever."""

from __future__ import annotations

from datetime import timedelta

from domain.fairness import BehaviourAudit
from domain.gig import Gig
from tests.unit.fairness.gig_script import Log, employer, student, user_id


def test_an_employer_who_pays_and_reviews_on_time_scores_100_with_counts() -> None:
    log, owner = Log(), employer()
    for _ in range(2):
        log.gig(owner).posted().claimed_by(student()).submitted().approved().paid()
    score = log.audit().employer_scores(log.now)[user_id(owner)]
    assert score.score == 100
    assert score.flags == ()
    assert (
        score.counts["gigs"] == 2 and score.counts["approvals"] == 2 and score.counts["payouts_overdue"] == 0
    )


def test_each_flag_costs_points_by_severity() -> None:
    log, owner = Log(), employer()
    for _ in range(3):
        run = log.gig(owner).posted().claimed_by(student()).submitted()
        log.advance(days=7)
        run.auto_approved()
    log.advance(days=4)  # none of the three has been paid: three overdue payouts
    score = log.audit().employer_scores(log.now)[user_id(owner)]
    assert sorted(f.rule for f in score.flags) == [
        "conduct.payout_overdue",
        "conduct.payout_overdue",
        "conduct.payout_overdue",
        "conduct.repeated_auto_approvals",
    ]
    assert score.score == 100 - 4 * 10
    assert score.counts["auto_approvals"] == 3 and score.counts["payouts_overdue"] == 3
    assert score.to_dict()["score"] == 60


def test_another_employers_flags_do_not_touch_a_clean_employers_score() -> None:
    log, clean, careless = Log(), employer(), employer()
    log.gig(clean).posted().claimed_by(student()).submitted().approved().paid()
    log.gig(careless).posted().claimed_by(student()).submitted().approved()
    scores = log.audit().employer_scores(log.now + timedelta(days=10))
    assert scores[user_id(clean)].score == 100
    assert scores[user_id(careless)].score == 90


def test_event_ids_can_be_log_positions_instead_of_gig_versions() -> None:
    log = Log()
    run = log.gig(employer()).posted().claimed_by(student()).submitted().approved()
    audit = BehaviourAudit()
    for position, event in enumerate(log.events, start=1):
        audit.observe(event, event_id=f"#{position}")
    approved_at = next(i for i, e in enumerate(log.events, start=1) if isinstance(e, Gig.Approved))
    [flag] = audit.flags(log.now + timedelta(days=4))[run.id]
    assert flag.evidence == (f"#{approved_at}",)


def test_ended_gigs_release_their_state() -> None:
    log = Log()
    for _ in range(5):
        log.gig(employer()).posted().claimed_by(student()).submitted().approved().paid()
    still_open = log.gig(employer()).posted()
    audit = log.audit()
    assert audit.live_gigs == 1
    assert still_open.id not in audit.flags(log.now)


def test_events_of_other_kinds_are_ignored() -> None:
    audit = BehaviourAudit()
    audit.observe(object())
    assert audit.flags(Log().now) == {} and audit.employer_scores(Log().now) == {}
