"""Behaviour rules on the log: each is triggered by a scripted history and not by its near miss."""

from __future__ import annotations

from datetime import timedelta

from domain.actors import Actor
from domain.fairness import BehaviourAudit, FairnessPolicy
from domain.gig import Gig
from tests.unit.fairness.briefs import fair_brief
from tests.unit.fairness.gig_script import GigRun, Log, employer, reworded, student, user_id


def gig_rules(audit: BehaviourAudit, run: GigRun, log: Log) -> list[str]:
    return [f.rule for f in audit.flags(log.now).get(run.id, [])]


def approved_gig(log: Log) -> GigRun:
    return log.gig(employer()).posted().claimed_by(student()).submitted().approved()


# ---- approved work not paid within the payout window ---------------------------------------


def test_approved_work_unpaid_past_the_window_is_overdue_citing_the_approval() -> None:
    log = Log()
    run = approved_gig(log)
    audit = log.audit()
    log.advance(days=4)
    [flag] = audit.flags(log.now)[run.id]
    assert flag.rule == "conduct.payout_overdue" and flag.severity == "warning"
    assert flag.evidence == (run.event_id(Gig.Approved),)
    assert flag.data["days_unpaid"] == 4


def test_near_miss_approved_work_still_inside_the_window_is_not_overdue() -> None:
    log = Log()
    run = approved_gig(log)
    audit = log.audit()
    assert run.id not in audit.flags(log.now + timedelta(days=3))


def test_work_paid_within_the_window_is_never_flagged() -> None:
    log = Log()
    run = approved_gig(log)
    log.advance(days=2)
    run.paid()
    audit = log.audit()
    assert run.id not in audit.flags(log.now + timedelta(days=30))


def test_work_paid_after_the_window_leaves_a_late_note_citing_approval_and_payout() -> None:
    log = Log()
    run = approved_gig(log)
    log.advance(days=5)
    run.paid()
    [flag] = log.audit().flags(log.now)[run.id]
    assert flag.rule == "conduct.payout_late" and flag.severity == "info"
    assert flag.evidence == (run.event_id(Gig.Approved), run.event_id(Gig.PayoutRecorded))


def test_the_payout_window_is_configurable() -> None:
    log = Log()
    run = approved_gig(log)
    audit = log.audit(FairnessPolicy(payout_window=timedelta(days=1)))
    assert gig_rules(audit, run, log.advance(days=2)) == ["conduct.payout_overdue"]


# ---- revision requests beyond the agreed rounds --------------------------------------------


def revised_then_released(log: Log, agreed: int) -> tuple[GigRun, Actor]:
    """Every agreed round used, then the claim lapses while the student reworks: the gig's own
    round counter starts again for whoever claims next, even the same student."""
    worker = student()
    run = log.gig(employer(), fair_brief(revision_rounds=agreed)).posted().claimed_by(worker).submitted()
    run.changes_requested()
    for _ in range(agreed - 1):
        run.submitted().changes_requested()
    run.claim_expired()
    return run, worker


def test_more_change_requests_to_one_student_than_agreed_are_flagged_with_each_request() -> None:
    log = Log()
    run, worker = revised_then_released(log, agreed=1)
    log.advance(days=1)
    run.claimed_by(worker).submitted().changes_requested()
    [flag] = log.audit().flags(log.now)[run.id]
    assert flag.rule == "conduct.revisions_beyond_agreed"
    assert flag.evidence == (run.event_id(Gig.ChangesRequested, 0), run.event_id(Gig.ChangesRequested, 1))
    assert flag.data["requested"] == 2 and flag.data["agreed"] == 1


def test_near_miss_a_new_student_starts_with_fresh_rounds() -> None:
    log = Log()
    run, _ = revised_then_released(log, agreed=1)
    run.claimed_by(student()).submitted().changes_requested()
    assert "conduct.revisions_beyond_agreed" not in gig_rules(log.audit(), run, log)


def test_near_miss_using_every_agreed_round_is_fair() -> None:
    log = Log()
    run = log.gig(employer(), fair_brief(revision_rounds=2)).posted().claimed_by(student()).submitted()
    run.changes_requested().submitted().changes_requested().submitted().approved().paid()
    assert run.id not in log.audit().flags(log.now)


# ---- rejection followed by a near-identical repost ------------------------------------------


def rejected_gig(log: Log) -> GigRun:
    return log.gig(employer()).posted().claimed_by(student()).submitted().rejected()


def test_a_near_identical_repost_soon_after_a_rejection_is_spec_work() -> None:
    log = Log()
    first = rejected_gig(log)
    log.advance(days=10)
    repost = log.gig(first.owner, reworded(first.gig.brief)).posted()
    [flag] = log.audit().flags(log.now)[repost.id]
    assert flag.rule == "conduct.spec_work_repost" and flag.category == "unpaid"
    assert flag.evidence == (first.event_id(Gig.Rejected), repost.event_id(Gig.Published))
    assert flag.data["rejected_gig"] == str(first.id)
    assert isinstance(flag.data["similarity"], float) and flag.data["similarity"] >= 0.6


def test_near_miss_a_repost_after_thirty_days_is_not_flagged() -> None:
    log = Log()
    first = rejected_gig(log)
    log.advance(days=31)
    repost = log.gig(first.owner, reworded(first.gig.brief)).posted()
    assert repost.id not in log.audit().flags(log.now)


def test_near_miss_a_different_brief_is_not_a_repost() -> None:
    log = Log()
    first = rejected_gig(log)
    log.advance(days=3)
    other = fair_brief(
        title="Design a logo for a youth soccer league",
        summary="Our league is rebranding for its tenth season and wants a logo coaches can put on shirts.",
        deliverables=("Logo in SVG and PNG", "One-page usage guide"),
    )
    repost = log.gig(first.owner, other).posted()
    assert repost.id not in log.audit().flags(log.now)


def test_near_miss_the_same_brief_from_another_employer_is_not_a_repost() -> None:
    log = Log()
    first = rejected_gig(log)
    log.advance(days=3)
    repost = log.gig(employer(), first.gig.brief).posted()
    assert repost.id not in log.audit().flags(log.now)


def test_near_miss_a_rejection_the_student_was_paid_for_through_a_dispute_is_not_spec_work() -> None:
    log = Log()
    first = rejected_gig(log)
    log.advance(days=1)
    first.disputed_and_split(student_share_percent=50)
    log.advance(days=3)
    repost = log.gig(first.owner, first.gig.brief).posted()
    assert "conduct.spec_work_repost" not in gig_rules(log.audit(), repost, log)


# ---- employers who decline or cancel claimed gigs repeatedly -------------------------------


def claimed_gig(log: Log, owner: Actor) -> GigRun:
    return log.gig(owner).posted().claimed_by(student())


def test_three_declines_or_cancellations_of_claimed_gigs_within_ninety_days_are_a_pattern() -> None:
    log, owner = Log(), employer()
    runs = [claimed_gig(log, owner).claim_declined(), claimed_gig(log.advance(days=20), owner).cancelled()]
    runs.append(claimed_gig(log.advance(days=30), owner).claim_declined())
    [flag] = log.audit().employer_flags(log.now)[user_id(owner)]
    assert flag.rule == "conduct.repeated_claim_cancellations"
    assert flag.evidence == (
        runs[0].event_id(Gig.ClaimDeclined),
        runs[1].event_id(Gig.Cancelled),
        runs[2].event_id(Gig.ClaimDeclined),
    )
    assert flag.data == {"count": 3, "threshold": 3, "window_days": 90}


def test_near_miss_two_declines_are_not_a_pattern() -> None:
    log, owner = Log(), employer()
    claimed_gig(log, owner).claim_declined()
    claimed_gig(log.advance(days=5), owner).claim_declined()
    assert user_id(owner) not in log.audit().employer_flags(log.now)


def test_near_miss_three_declines_spread_over_more_than_ninety_days_are_not_a_pattern() -> None:
    log, owner = Log(), employer()
    for _ in range(3):
        claimed_gig(log, owner).claim_declined()
        log.advance(days=46)
    assert user_id(owner) not in log.audit().employer_flags(log.now)


def test_near_miss_cancelling_before_anyone_claims_is_not_counted() -> None:
    log, owner = Log(), employer()
    for _ in range(3):
        log.gig(owner).posted().cancelled()
    assert user_id(owner) not in log.audit().employer_flags(log.now)


# ---- reviews left to auto-approval repeatedly ------------------------------------------------


def auto_approved_gig(log: Log, owner: Actor) -> GigRun:
    run = log.gig(owner).posted().claimed_by(student()).submitted()
    log.advance(days=7)
    return run.auto_approved().paid()


def test_three_auto_approvals_are_a_pattern_citing_each() -> None:
    log, owner = Log(), employer()
    runs = [auto_approved_gig(log, owner) for _ in range(3)]
    [flag] = log.audit().employer_flags(log.now)[user_id(owner)]
    assert flag.rule == "conduct.repeated_auto_approvals"
    assert flag.evidence == tuple(run.event_id(Gig.AutoApproved) for run in runs)


def test_near_miss_two_auto_approvals_and_a_manual_review_are_not_a_pattern() -> None:
    log, owner = Log(), employer()
    auto_approved_gig(log, owner)
    auto_approved_gig(log, owner)
    log.gig(owner).posted().claimed_by(student()).submitted().approved().paid()
    assert user_id(owner) not in log.audit().employer_flags(log.now)
