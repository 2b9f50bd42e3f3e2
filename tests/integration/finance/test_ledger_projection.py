from __future__ import annotations

import csv
import io
from collections import defaultdict
from uuid import UUID

from domain.marketplace import Marketplace
from payments.simulated import SimulatedGateway
from projections.database import Database
from projections.follower import Follower
from projections.ledger import ESCROW, FEES_HELD, get_ledger, get_payouts, ledger_csv, trial_balance
from tests.integration.finance.money_paths import PATHS, MoneyRun, run_all

# Accounts that hold money only while a gig is undecided or a movement is still due.
TRANSIT = (ESCROW, FEES_HELD, "payable:")


def all_postings(db: Database) -> list[dict[str, object]]:
    with db.transaction() as conn:
        return conn.fetchall("SELECT * FROM ledger_postings ORDER BY position, seq")


def fee_of(app: Marketplace, gig_id: UUID) -> int:
    fee = app.get_gig(gig_id).fee
    assert fee is not None
    return fee.amount


def test_a_randomized_run_through_every_money_path_balances(
    app: Marketplace, db: Database, ledger: Follower, run: MoneyRun, simulated: SimulatedGateway
) -> None:
    # The full 200-gig run on SQLite; PostgreSQL runs the same paths on fewer gigs to keep the suite quick.
    gigs = run_all(run, 200 if db.dialect == "sqlite" else 3 * len(PATHS))
    ledger.catch_up()
    assert ledger.halted is None

    balance = trial_balance(db)
    assert set(balance) == {"usd", "eur"}
    assert set(balance.values()) == {0}

    per_gig: dict[tuple[str, str], int] = defaultdict(int)
    in_transit: dict[tuple[str, str], int] = defaultdict(int)
    for p in all_postings(db):
        per_gig[(str(p["gig_id"]), str(p["currency"]))] += int(str(p["amount"]))
        if str(p["account"]).startswith(TRANSIT):
            in_transit[(str(p["gig_id"]), str(p["account"]))] += int(str(p["amount"]))
    assert set(per_gig.values()) == {0}
    # Every gig ran to its end, so every cent charged was paid out, refunded or earned as fee.
    assert {k: v for k, v in in_transit.items() if v} == {}
    funded = {g for g in gigs if run.paths[g] not in ("cancelled_unfunded", "funding_expired")}
    assert {gig for gig, _ in per_gig} == {str(g) for g in funded}

    platform = sum(int(str(p["amount"])) for p in all_postings(db) if p["account"] == "platform:fees")
    fees_kept = sum(
        fee_of(app, g) for g in funded if run.paths[g] not in ("cancelled_posted", "deadline_expired")
    )
    assert platform == fees_kept


def test_the_ledger_pages_in_log_order_and_reports_balances_for_the_period(
    app: Marketplace, db: Database, ledger: Follower, run: MoneyRun
) -> None:
    run.gig("approved")
    middle = run.clock()
    run.gig("kill_fee")
    ledger.catch_up()

    everything = all_postings(db)
    pages, cursor = [], None
    while True:
        page = get_ledger(db, limit=3, cursor=cursor)
        pages.extend(page.entries)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert [(e["position"], e["seq"]) for e in pages] == [(p["position"], p["seq"]) for p in everything]

    later = get_ledger(db, since=middle, limit=500)
    assert later.entries and all(e["at"] >= middle.strftime("%Y-%m-%dT%H:%M:%S") for e in later.entries)
    assert len(later.entries) < len(everything)
    closing = {(b.account, b.currency): b.closing for b in later.balances}
    assert sum(closing.values()) == 0
    for b in later.balances:
        assert b.opening + b.movement == b.closing
    assert sum(b.movement for b in later.balances) == 0


def test_the_csv_export_streams_every_posting_with_exact_decimals(
    db: Database, ledger: Follower, run: MoneyRun
) -> None:
    run_all(run, len(PATHS))
    ledger.catch_up()
    text = "".join(ledger_csv(db, page_size=4))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(all_postings(db))
    for row in rows:
        whole, _, cents = row["amount_decimal"].lstrip("-").partition(".")
        assert int(whole) * 100 + int(cents) == abs(int(row["amount"]))
    assert sum(int(r["amount"]) for r in rows) == 0


def test_payouts_show_pending_failed_waiting_and_sent(
    app: Marketplace, db: Database, ledger: Follower, run: MoneyRun
) -> None:
    sent = run.gig("approved")
    retried = run.gig("approved_after_failed_payout")
    pending = run.gig("approved_unpaid")
    failed = run.gig("approved_unpaid")
    app.record_payout_failure(failed, "the student's account is closed", "account_closed")
    waiting = run.gig("approved_unpaid")
    app.record_payout_failure(waiting, "the student has not finished onboarding", "payouts_not_enabled")
    refund_failed = run.gig("approved_unpaid")
    app.record_payout_failure(refund_failed, "refund failed: charge disputed", "charge_disputed")
    run.gig("cancelled_posted")  # a full refund owes the student nothing: no payout row
    ledger.catch_up()

    def statuses(status: str | None = None) -> dict[str, str]:
        return {str(r["gig_id"]): str(r["status"]) for r in get_payouts(db, status).items}

    assert statuses() == {
        str(sent): "sent",
        str(retried): "sent",
        str(pending): "pending",
        str(failed): "failed",
        str(waiting): "waiting_for_onboarding",
        str(refund_failed): "pending",
    }
    assert statuses("pending") == {str(pending): "pending", str(refund_failed): "pending"}
    assert statuses("waiting_for_onboarding") == {str(waiting): "waiting_for_onboarding"}
    [row] = [r for r in get_payouts(db, "sent").items if r["gig_id"] == str(retried)]
    assert row["failures"] == 1 and row["failure_code"] == "account_closed"
    assert row["amount"] == app.get_gig(retried).brief.pay.amount  # type: ignore[union-attr]
    first = get_payouts(db, limit=4)
    rest = get_payouts(db, limit=4, cursor=first.next_cursor)
    assert len(first.items) == 4 and rest.next_cursor is None
    assert [r["gig_id"] for r in first.items + rest.items] == [
        str(g) for g in (sent, retried, pending, failed, waiting, refund_failed)
    ]
