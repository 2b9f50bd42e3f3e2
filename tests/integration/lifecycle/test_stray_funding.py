"""A charge that succeeds after the gig stopped waiting for it is refunded in full, once, and the
ledger shows it coming in and going back out."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from domain.accounts_app import Accounts
from domain.actors import CLOCK, Actor
from domain.brief import Brief
from domain.gig import Status
from domain.marketplace import Marketplace
from domain.money import Money
from payments.escrow import EscrowProcess
from payments.payout_queue import PayoutQueue
from payments.simulated import SimulatedGateway
from projections.audit_log import EventsTable
from projections.database import Database
from projections.follower import Follower
from projections.ledger import STRAY, Ledger, trial_balance
from tests.conftest import FakeClock


def test_a_payment_after_the_funding_window_closed_is_refunded_in_full(
    app: Marketplace, db: Database, store_env: dict[str, str], clock: FakeClock
) -> None:
    accounts = Accounts(
        {**store_env, "SQLITE_DBNAME": store_env.get("SQLITE_DBNAME", "") + ".accounts"}, clock=clock
    )
    gateway = SimulatedGateway(clock)
    escrow = EscrowProcess(app, accounts, gateway, PayoutQueue(db))
    employer = Actor.user(uuid4(), "employer")
    brief = Brief("Tag 300 photos", pay=Money(20000, "usd"), deadline=clock.now + timedelta(days=9))
    gig_id = app.create_gig(employer, brief).gig_id
    app.publish_gig(employer, gig_id)
    charge = app.get_gig(gig_id).charge_amount
    clock.advance(hours=25)
    app.fire_timer(CLOCK, gig_id, "expire_funding")

    escrow.record_funding(gig_id, "pi_late", charge)
    escrow.record_funding(gig_id, "pi_late", charge)  # the webhook, delivered twice

    gig = app.get_gig(gig_id)
    assert gig.status is Status.DRAFT
    assert gig.stray_payments == {}
    refunds = [m for m in gateway.movements_log if m.kind == "refund"]
    assert [(m.amount, m.gig_id) for m in refunds] == [(charge, str(gig_id))]
    topics = [e.topic.rsplit(".", 1)[-1] for e in app.recorder.select_events(gig_id)]
    assert topics.count("StrayFundingRecorded") == 1
    assert topics.count("StrayFundingRefunded") == 1

    ledger = Follower(Ledger(EventsTable.of(app)), app, db)
    ledger.catch_up()
    assert trial_balance(db) == {"usd": 0}
    with db.read() as conn:
        stray = conn.fetchall(
            "SELECT amount FROM ledger_postings WHERE account = :a ORDER BY position", {"a": STRAY}
        )
    assert [r["amount"] for r in stray] == [charge.amount, -charge.amount]
    accounts.close()
