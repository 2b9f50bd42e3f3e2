from __future__ import annotations

from datetime import timedelta

from domain.gig import Status
from projections.database import Database
from projections.queries import board_page, gig_detail
from projections.registry import Projections
from projections.timer_worker import TimerWorker
from tests.integration.projections.factories import Market


def on_board(db: Database) -> set[str]:
    return {item["id"] for item in board_page(db, limit=500)[0]}


def test_unreviewed_submission_is_auto_approved_exactly_when_the_review_window_ends(
    market: Market, db: Database, projections: Projections
) -> None:
    gig_id = market.post()
    submitted_at = market.clock()
    market.submit(gig_id)
    projections.catch_up()
    worker = TimerWorker(market.app, db, market.clock)

    market.clock.now = submitted_at + market.app.policy.review_window - timedelta(seconds=1)
    assert [f for f in worker.run_once() if f.fired] == []
    assert market.app.get_gig(gig_id).status is Status.SUBMITTED

    market.clock.advance(seconds=1)
    fired = worker.run_once()
    projections.catch_up()

    assert [(f.gig_id, f.timer, f.fired) for f in fired] == [(str(gig_id), "auto_approve", True)]
    assert market.app.get_gig(gig_id).status is Status.APPROVED
    detail = gig_detail(db, str(gig_id))
    assert detail is not None
    assert detail["status"] == "approved"
    assert detail["reviews"][-1]["decision"] == "auto_approve"
    assert detail["reviews"][-1]["at"] == "2026-03-09T09:00:00.000000Z"


def test_an_expired_claim_returns_the_gig_to_the_board(
    market: Market, db: Database, projections: Projections
) -> None:
    gig_id = market.post()
    market.claim(gig_id)
    projections.catch_up()
    assert str(gig_id) not in on_board(db)

    market.clock.advance(seconds=market.app.policy.claim_window.total_seconds())
    fired = TimerWorker(market.app, db, market.clock).run_once()
    projections.catch_up()

    assert [(f.timer, f.fired) for f in fired] == [("expire_claim", True)]
    assert str(gig_id) in on_board(db)
    detail = gig_detail(db, str(gig_id))
    assert detail is not None
    assert (detail["status"], detail["claimant_id"]) == ("posted", None)
    assert "expire_deadline" in detail["due"]


def test_firing_the_same_timer_twice_records_one_event(
    market: Market, db: Database, projections: Projections
) -> None:
    gig_id = market.post()
    market.submit(gig_id)
    projections.catch_up()
    market.clock.advance(days=8)
    worker = TimerWorker(market.app, db, market.clock)
    head_before = market.app.recorder.max_notification_id()

    first = worker.run_once()
    second = worker.run_once()  # the read model has not caught up: it still lists the timer

    assert [f.fired for f in first] == [True]
    assert [f.fired for f in second] == [False]
    assert market.app.recorder.max_notification_id() == (head_before or 0) + 1
    projections.catch_up()
    assert worker.run_once() == []
