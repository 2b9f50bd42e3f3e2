"""The fairness projection on both backends: gigs driven through Marketplace commands, the report
and one gig's flags read from the projection, a rebuild from zero compared with the live rows."""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.actors import Actor
from domain.brief import Supervisor
from domain.fairness import audit_brief
from domain.fairness.wage_data import default_wage_table
from domain.marketplace import Receipt
from projections.database import Database
from projections.fairness_fold import FactFold
from projections.fairness_report import fairness_report, gig_fairness
from projections.fairness_table import main_report
from projections.paging import InvalidQuery
from projections.registry import Projections
from projections.wakeup import PollingWakeup
from tests.integration.projections.factories import Market, brief

FAIR: dict[str, Any] = {
    "summary": "Review and tighten the copy of our product landing page so that visitors understand "
    "the pricing tiers and sign up for a trial account without confusion.",
    "supervisor": Supervisor("Grace Hopper", "grace@example.org"),
    "check_in_cadence": "Weekly video call",
    "communication_channels": ("email",),
}
VAGUE: dict[str, Any] = {
    "title": "Marketing help",
    "summary": "Help out with various tasks as needed.",
    "deliverables": ("help with social media",),
    "acceptance_criteria": (),
}


@pytest.fixture
def fairness(market: Market, db: Database) -> Iterator[Projections]:
    built = Projections(market.app, db, names=["fairness"], wakeup=PollingWakeup(0.01))
    built.prepare()
    yield built
    built.close()


def event_id(receipt: Receipt) -> str:
    return f"{receipt.gig_id}:{receipt.version}"


def rules(flags: list[dict[str, Any]]) -> set[str]:
    return {f["rule"] for f in flags}


_KEPT: weakref.WeakKeyDictionary[Database, FactFold] = weakref.WeakKeyDictionary()


def report(db: Database, now: datetime, **query: Any) -> dict[str, Any]:
    """The report folded afresh; each call also checks that a fold kept across the test's calls,
    as the API keeps one, gives the same report."""
    fresh = fairness_report(db, now=now, **query)
    kept = _KEPT.setdefault(db, FactFold())
    assert fairness_report(db, now=now, kept=kept, **query) == fresh
    return fresh


def items_by_gig(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["gig_id"]: item for item in result["items"]}


def employer_entry(result: dict[str, Any], employer: Actor) -> dict[str, Any]:
    [entry] = [e for e in result["employers"] if e["employer_id"] == str(employer.user_id)]
    return entry


def approved(market: Market, **overrides: Any) -> tuple[UUID, Receipt]:
    gig_id = market.post(**(FAIR | overrides))
    market.submit(gig_id)
    return gig_id, market.app.approve_submission(market.employer, gig_id, "thanks")


def cancel_claimed_gigs(market: Market, times: int) -> list[Receipt]:
    receipts = []
    for _ in range(times):
        gig_id = market.post(**FAIR)
        market.claim(gig_id, Actor.user(uuid4(), "student"))
        market.clock.advance(days=1)
        receipts.append(market.app.cancel_gig(market.employer, gig_id, "budget cut"))
    return receipts


# ---- the brief ------------------------------------------------------------------------------


def test_a_vague_brief_shows_its_scope_flags_computed_as_of_its_drafting(
    market: Market, db: Database, fairness: Projections
) -> None:
    drafted_at = market.clock()
    # 12 hours fit in 3 days at a part-time pace; they would not fit in the half day left by the
    # time the follower gets to the event, so flags dated by the processing time would differ.
    gig_id = market.draft(**VAGUE, estimated_hours=12, deadline=drafted_at + timedelta(days=3))
    market.clock.advance(days=2.5)
    fairness.catch_up()

    stored_brief = market.app.get_gig(gig_id).brief
    expected = audit_brief(stored_brief, now=drafted_at, wages=default_wage_table())
    late = audit_brief(stored_brief, now=market.clock(), wages=default_wage_table())
    assert late.has("scope.deadline_too_tight") and not expected.has("scope.deadline_too_tight")
    result = gig_fairness(db, gig_id, now=market.clock())
    assert result is not None
    assert result["flags"] == [f.to_dict() for f in expected.flags]
    assert {
        "scope.no_deliverables", "scope.no_acceptance_criteria", "scope.filler_phrase",
        "scope.summary_too_short",
    } <= rules(result["flags"])
    assert result["blocking"] is True  # its one deliverable is an activity: nothing to hand over
    [item] = report(db, market.clock())["items"]
    assert item["gig_id"] == str(gig_id) and item["status"] == "draft"
    assert item["flags"] == result["flags"] and item["severity"] == "blocking"


def test_editing_the_draft_replaces_its_flags(market: Market, db: Database, fairness: Projections) -> None:
    gig_id = market.draft(**VAGUE)
    market.app.edit_gig(market.employer, gig_id, brief(market.clock, **FAIR))
    fairness.catch_up()
    assert gig_fairness(db, gig_id, now=market.clock()) == {"flags": [], "blocking": False}
    assert report(db, market.clock())["items"] == []


def test_an_unknown_gig_has_no_fairness_entry(market: Market, db: Database, fairness: Projections) -> None:
    fairness.catch_up()
    assert gig_fairness(db, uuid4(), now=market.clock()) is None
    assert gig_fairness(db, "not-a-gig", now=market.clock()) is None


# ---- behaviour on the log ------------------------------------------------------------------


def test_an_employer_who_cancels_claimed_gigs_repeatedly_is_flagged_with_the_events_and_scores_lower(
    market: Market, db: Database, fairness: Projections
) -> None:
    cancels = cancel_claimed_gigs(market, 3)
    clean = Market(market.app, market.clock)
    gig_id, _ = approved(clean)
    gig = market.app.get_gig(gig_id)
    market.app.record_payout(gig_id, "tr_1", gig.student_outstanding)
    fairness.catch_up()

    result = report(db, market.clock(), employer=None)
    offender = employer_entry(result, market.employer)
    [flag] = offender["flags"]
    assert flag["rule"] == "conduct.repeated_claim_cancellations" and flag["severity"] == "warning"
    assert flag["evidence"] == [event_id(r) for r in cancels]
    assert offender["score"] == 90 and offender["counts"]["claim_cancellations"] == 3
    # A clean employer has nothing to list unless asked for by id, and then scores 100.
    assert all(e["employer_id"] != str(clean.employer.user_id) for e in result["employers"])
    asked = report(db, market.clock(), employer=str(clean.employer.user_id))
    assert employer_entry(asked, clean.employer)["score"] == 100 > offender["score"]
    assert employer_entry(asked, clean.employer)["flags"] == []


def test_two_cancellations_are_not_yet_a_pattern(market: Market, db: Database, fairness: Projections) -> None:
    cancel_claimed_gigs(market, 2)
    fairness.catch_up()
    assert report(db, market.clock())["employers"] == []


def test_a_payout_overdue_shows_only_once_now_is_past_the_payout_window(
    market: Market, db: Database, fairness: Projections
) -> None:
    gig_id, approval = approved(market)
    approved_at = market.clock()
    fairness.catch_up()

    inside = approved_at + timedelta(days=3)
    assert gig_fairness(db, gig_id, now=inside) == {"flags": [], "blocking": False}
    assert report(db, inside)["items"] == []

    past = approved_at + timedelta(days=4)
    result = gig_fairness(db, gig_id, now=past)
    assert result is not None
    [flag] = result["flags"]
    assert flag["rule"] == "conduct.payout_overdue" and flag["evidence"] == [event_id(approval)]
    assert "4 days" in flag["reason"] and result["blocking"] is False
    full = report(db, past)
    assert rules(items_by_gig(full)[str(gig_id)]["flags"]) == {"conduct.payout_overdue"}
    entry = employer_entry(full, market.employer)
    assert entry["counts"]["payouts_overdue"] == 1 and entry["score"] == 90


def test_paying_inside_the_window_clears_the_overdue_flag(
    market: Market, db: Database, fairness: Projections
) -> None:
    gig_id, _ = approved(market)
    market.clock.advance(days=1)
    market.app.record_payout(gig_id, "tr_1", market.app.get_gig(gig_id).student_outstanding)
    fairness.catch_up()
    later = market.clock() + timedelta(days=30)
    assert gig_fairness(db, gig_id, now=later) == {"flags": [], "blocking": False}


# ---- filters and pages ---------------------------------------------------------------------


def mixed_log(market: Market) -> dict[str, Any]:
    """Gigs at each severity, from two employers."""
    other = Market(market.app, market.clock)
    blocking = market.draft(**(FAIR | {"deliverables": ()}))  # nothing to hand over
    warning = other.draft(**VAGUE | {"deliverables": ("annotated copy document",)})
    info = market.draft(**(FAIR | {"jurisdiction": "BR"}))  # no minimum wage on file
    clean = market.draft(**FAIR)
    overdue, _ = approved(other)
    return {"blocking": blocking, "warning": warning, "info": info, "clean": clean, "overdue": overdue,
            "other": other}


def test_the_severity_filter_lists_gigs_and_flags_at_that_level_or_above(
    market: Market, db: Database, fairness: Projections
) -> None:
    gigs = mixed_log(market)
    fairness.catch_up()
    now = market.clock() + timedelta(days=5)

    every = report(db, now)
    assert [i["gig_id"] for i in every["items"]] == [
        str(gigs["blocking"]),
        *sorted([str(gigs["warning"]), str(gigs["overdue"])]),
        str(gigs["info"]),
    ]
    assert [i["severity"] for i in every["items"]] == ["blocking", "warning", "warning", "info"]
    assert report(db, now, severity="info") == every

    warnings = report(db, now, severity="warning")
    listed = {i["gig_id"] for i in warnings["items"]}
    assert listed == {str(gigs[k]) for k in ("blocking", "warning", "overdue")}
    assert all(f["severity"] in ("warning", "blocking") for i in warnings["items"] for f in i["flags"])

    blocking = report(db, now, severity="blocking")
    [item] = blocking["items"]
    assert item["gig_id"] == str(gigs["blocking"]) and rules(item["flags"]) == {"scope.no_deliverables"}
    assert blocking["employers"] == []  # no conduct rule is blocking

    with pytest.raises(InvalidQuery) as refused:
        report(db, now, severity="severe")
    assert refused.value.field == "severity"


def test_the_employer_filter_keeps_one_employers_gigs_and_score(
    market: Market, db: Database, fairness: Projections
) -> None:
    gigs = mixed_log(market)
    fairness.catch_up()
    now = market.clock() + timedelta(days=5)

    mine = report(db, now, employer=str(market.employer.user_id))
    assert {i["gig_id"] for i in mine["items"]} == {str(gigs["blocking"]), str(gigs["info"])}
    assert [e["employer_id"] for e in mine["employers"]] == [str(market.employer.user_id)]
    theirs = report(db, now, employer=gigs["other"].employer.user_id)
    assert {i["gig_id"] for i in theirs["items"]} == {str(gigs["warning"]), str(gigs["overdue"])}
    [entry] = theirs["employers"]
    assert entry == employer_entry(report(db, now), gigs["other"].employer)
    assert entry["score"] == 90 and rules(entry["flags"]) == {"conduct.payout_overdue"}

    with pytest.raises(InvalidQuery) as refused:
        report(db, now, employer="acme")
    assert refused.value.field == "employer"


def test_pages_follow_the_cursor_without_repeats_and_scores_come_with_the_first(
    market: Market, db: Database, fairness: Projections
) -> None:
    mixed_log(market)
    fairness.catch_up()
    now = market.clock() + timedelta(days=5)
    whole = report(db, now)

    pages, cursor = [], None
    while True:
        page = report(db, now, limit=1, cursor=cursor)
        pages.append(page)
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [i for p in pages for i in p["items"]] == whole["items"] and len(pages) == 4
    assert pages[0]["employers"] == whole["employers"] != []
    assert all(p["employers"] == [] for p in pages[1:])


# ---- durability ----------------------------------------------------------------------------


def test_a_rebuild_from_zero_gives_the_live_report(
    market: Market, db: Database, fairness: Projections
) -> None:
    mixed_log(market)
    cancel_claimed_gigs(market, 3)
    fairness.catch_up()
    now = market.clock() + timedelta(days=5)
    live = report(db, now)
    live_text = main_report(db, now)
    # Cancellations flag the employer, not the cancelled gigs.
    assert len(live["items"]) == 4 and len(live["employers"]) == 2

    market.clock.advance(days=60)  # the rebuild runs later; brief flags must not notice
    [progress] = fairness.rebuild("fairness")
    assert progress.processed == market.app.recorder.max_notification_id()
    assert report(db, now) == live
    assert main_report(db, now) == live_text

    # A new process over the same database reads the same report without replaying anything.
    restarted = Projections(market.app, db, names=["fairness"], wakeup=PollingWakeup(0.01))
    restarted.prepare()
    assert restarted.catch_up() == 0
    assert report(db, now) == live
    restarted.close()


def test_the_text_report_lists_employers_and_flagged_gigs(
    market: Market, db: Database, fairness: Projections
) -> None:
    gigs = mixed_log(market)
    fairness.catch_up()
    text = main_report(db, market.clock() + timedelta(days=5), severity="warning")
    assert str(gigs["other"].employer.user_id) in text and "conduct.payout_overdue" in text
    assert "scope.no_deliverables" in text and str(gigs["blocking"]) in text
    assert str(gigs["info"]) not in text
    empty = main_report(db, market.clock(), severity="blocking", employer=str(uuid4()))
    assert "no flagged gigs" in empty


def test_a_kept_fold_takes_only_the_facts_stored_since_and_starts_afresh_when_they_shrink(
    market: Market, db: Database, fairness: Projections
) -> None:
    kept = FactFold()
    cancel_claimed_gigs(market, 2)
    fairness.catch_up()
    now = market.clock()
    assert fairness_report(db, now=now, kept=kept)["employers"] == []
    first = kept.seen
    assert first > 0

    cancel_claimed_gigs(market, 1)  # the third cancellation makes a pattern
    fairness.catch_up()
    now = market.clock()
    grown = fairness_report(db, now=now, kept=kept)
    assert kept.seen > first
    assert grown == fairness_report(db, now=now)
    assert [e["employer_id"] for e in grown["employers"]] == [str(market.employer.user_id)]

    # A rebuild under way: the table holds fewer facts than the fold has seen.
    with db.transaction() as conn:
        conn.execute("DELETE FROM fairness_facts WHERE seq > :seq", {"seq": first})
    shrunk = fairness_report(db, now=now, kept=kept)
    assert kept.seen == first
    assert shrunk == fairness_report(db, now=now)
    assert shrunk["employers"] == []
