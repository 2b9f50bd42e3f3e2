from __future__ import annotations

from collections.abc import Iterator

import pytest

from projections.database import Database
from projections.queries import employer_dashboard, gig_detail, student_portfolio
from projections.registry import Projections
from projections.wakeup import PollingWakeup
from tests.integration.projections.factories import Market


@pytest.fixture
def running(market: Market, db: Database) -> Iterator[Projections]:
    """The default wiring: LISTEN/NOTIFY on PostgreSQL, polling on SQLite, background threads."""
    built = Projections(market.app, db)
    built.start()
    yield built
    built.close()


def test_a_command_is_visible_once_wait_for_its_position_returns(
    market: Market, db: Database, running: Projections
) -> None:
    gig_id = market.post()
    receipt = market.claim(gig_id)

    assert running.wait_for(receipt.position, timeout=10)
    detail = gig_detail(db, str(gig_id))
    assert detail is not None
    assert (detail["status"], detail["version"]) == ("claimed", receipt.version)
    assert detail["claimant_id"] == str(market.student.user_id)
    status = running.status()
    assert all(p["running"] and p["position"] >= (receipt.position or 0) for p in status["projections"])
    assert running.wait_for((receipt.position or 0) + 1, timeout=0.05) is False


def test_a_paid_gig_shows_its_money_feedback_and_ratings_only_once_revealed(
    market: Market, db: Database, running: Projections
) -> None:
    app, employer, student = market.app, market.employer, market.student
    gig_id = market.post()
    market.submit(gig_id)
    app.approve_submission(employer, gig_id, "great work")
    app.record_payout(gig_id, "tr_1", app.get_gig(gig_id).student_outstanding)
    receipt = app.rate(employer, gig_id, 5, "reliable")
    assert running.wait_for(receipt.position, timeout=10)

    detail = gig_detail(db, str(gig_id))
    assert detail is not None
    assert detail["status"] == "paid"
    assert detail["ratings"] == {}
    assert detail["money"] == {
        "charged": {"amount": 44_000, "currency": "usd"},
        "paid_to_student": {"amount": 40_000, "currency": "usd"},
        "refunded": {"amount": 0, "currency": "usd"},
        "held": {"amount": 0, "currency": "usd"},
    }
    assert [r["decision"] for r in detail["reviews"]] == ["approve"]

    receipt = app.rate(student, gig_id, 4, "clear brief")
    assert running.wait_for(receipt.position, timeout=10)
    detail = gig_detail(db, str(gig_id))
    assert detail is not None
    assert {side: r["stars"] for side, r in detail["ratings"].items()} == {"employer": 5, "student": 4}
    portfolio = student_portfolio(db, str(student.user_id))
    assert [g["gig_id"] for g in portfolio["paid"]] == [str(gig_id)]
    assert portfolio["paid"][0]["feedback"] == "great work"
    assert portfolio["paid"][0]["ratings"]["employer"] == {"stars": 5, "comment": "reliable"}
    assert portfolio["earned"] == [{"amount": 40_000, "currency": "usd"}]
    dashboard = employer_dashboard(db, str(employer.user_id))
    assert dashboard["by_status"] == {"paid": 1}
    assert dashboard["committed"] == [{"currency": "usd", "charged": 44_000, "held": 0}]


def test_the_employer_dashboard_counts_what_awaits_review_and_what_escrow_holds(
    market: Market, db: Database, running: Projections
) -> None:
    market.draft()
    market.submit(market.post())
    receipt = market.app.claim_gig(market.student, market.post())
    assert running.wait_for(receipt.position, timeout=10)

    dashboard = employer_dashboard(db, str(market.employer.user_id))

    assert dashboard["by_status"] == {"draft": 1, "submitted": 1, "claimed": 1}
    assert dashboard["awaiting_review"] == 1
    assert dashboard["committed"] == [{"currency": "usd", "charged": 88_000, "held": 88_000}]


def test_a_save_in_this_process_wakes_the_followers_without_waiting_for_a_poll(
    market: Market, db: Database
) -> None:
    """A poll an hour apart: only the application's own notice of the save can wake them."""
    built = Projections(market.app, db, wakeup=PollingWakeup(3600))
    built.start()
    try:
        gig_id = market.post()
        assert built.wait_for(market.app.recorder.max_notification_id(), timeout=20)
        receipt = market.claim(gig_id)
        assert built.wait_for(receipt.position, timeout=20)
        detail = gig_detail(db, str(gig_id))
        assert detail is not None and detail["status"] == "claimed"
    finally:
        built.close()
    # Once closed it no longer listens: later saves do not reach a stopped wakeup.
    assert market.app._on_recorded == []
