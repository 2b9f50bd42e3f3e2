"""The same lifecycle scenario on SQLite and PostgreSQL, through the Marketplace and the escrow
process with the simulated gateway, including a restart (a fresh application on the same store)."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from domain.accounts_app import Accounts
from domain.actors import CLOCK, Actor
from domain.brief import Brief
from domain.gig import Gig, Status
from domain.marketplace import Marketplace
from domain.money import Money
from payments.escrow import EscrowProcess
from payments.payout_queue import PayoutQueue
from payments.simulated import SimulatedGateway
from tests.conftest import FakeClock, database_for


def test_lifecycle_from_draft_to_rated_survives_a_restart(
    store_env: dict[str, str], clock: FakeClock
) -> None:
    market = Marketplace(store_env, clock=clock)
    accounts_env = {**store_env, "SQLITE_DBNAME": store_env.get("SQLITE_DBNAME", "") + ".accounts"}
    accounts = Accounts(accounts_env, clock=clock)
    db = database_for(store_env)
    escrow = EscrowProcess(market, accounts, SimulatedGateway(clock), PayoutQueue(db))
    student_account = accounts.sign_up(
        email="s@example.org", name="Sam", role="student", organization="", password_hash="x"
    )
    accounts.open_payout_account(student_account.id, "acct_1")
    accounts.set_payouts_enabled(student_account.id, True)
    employer = Actor.user(uuid4(), "employer")
    student = Actor.user(student_account.id, "student")
    brief = Brief(
        "Write a data-cleaning notebook",
        pay=Money(30000, "eur"),
        estimated_hours=8,
        deadline=clock.now + timedelta(days=10),
        revision_rounds=1,
    )

    gig_id = market.create_gig(employer, brief).gig_id
    published = market.publish_gig(employer, gig_id)
    escrow.request_funding(gig_id, published.version)
    market.claim_gig(student, gig_id)
    market.submit_work(student, gig_id, "https://example.org/v1", "first go")
    market.request_changes(employer, gig_id, "add a README")
    market.submit_work(student, gig_id, "https://example.org/v2", "with README")
    clock.advance(days=7)
    market.fire_timer(CLOCK, gig_id, "auto_approve")
    escrow.settle(gig_id)

    restarted = Marketplace(store_env, clock=clock)
    gig = restarted.get_gig(gig_id)
    assert gig.status is Status.PAID
    assert gig.paid_to_student == Money(30000, "eur")
    assert gig.charged == Money(33000, "eur")
    assert gig.held == Money(0, "eur")
    assert [r["decision"] for r in gig.reviews] == ["request_changes", "auto_approve"]
    assert len(gig.submissions) == 2

    restarted.rate(employer, gig_id, 5, "great")
    assert restarted.get_gig(gig_id).visible_ratings == {}
    restarted.rate(student, gig_id, 4, "clear brief")
    assert set(restarted.get_gig(gig_id).visible_ratings) == {"employer", "student"}

    topics = [n.topic.rsplit(".", 1)[-1] for n in restarted.recorder.select_notifications(1, 100)]
    assert topics == [
        "DraftCreated",
        "Published",
        "FundingRecorded",
        "Claimed",
        "Submitted",
        "ChangesRequested",
        "Submitted",
        "AutoApproved",
        "PayoutRecorded",
        "Rated",
        "Rated",
        "RatingsRevealed",
    ]
    replayed: Gig = restarted.repository.get(gig_id)
    assert replayed.version == len(topics)
    db.close()
