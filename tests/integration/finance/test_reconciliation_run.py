from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from domain.money import Money
from payments.gateway import Movement
from payments.reconciliation import Reconciliation, ledger_movements, reconcile, reconcile_period
from payments.simulated import SimulatedGateway
from payments.stripe_gateway import StripeGateway
from projections.database import Database
from projections.follower import Follower
from tests.integration.finance.money_paths import PATHS, MoneyRun, run_all
from tests.stripe_server import LocalStripe


class ListedGateway:
    """A gateway that reports exactly the movements a test gives it."""

    name = "listed"

    def __init__(self, movements: list[Movement]) -> None:
        self.listed = movements

    def movements(self, *, since: datetime, until: datetime) -> list[Movement]:
        return [m for m in self.listed if since <= m.created < until]


def period(run: MoneyRun, start: datetime) -> tuple[datetime, datetime]:
    return start, run.clock() + timedelta(seconds=1)


def test_a_run_on_the_simulated_gateway_reconciles_fully(
    db: Database, ledger: Follower, run: MoneyRun, simulated: SimulatedGateway
) -> None:
    start = run.clock()
    run_all(run, 2 * len(PATHS))
    ledger.catch_up()
    result = reconcile_period(db, simulated, *period(run, start))
    assert result.ok, result
    assert len(result.matched) == len(simulated.movements_log)
    kinds = {m.kind for m in result.matched}
    assert kinds == {"charge", "transfer", "refund"}


def test_a_lost_changed_or_unknown_movement_lands_in_its_bucket(
    db: Database, ledger: Follower, run: MoneyRun, simulated: SimulatedGateway
) -> None:
    start = run.clock()
    run_all(run, len(PATHS))
    ledger.catch_up()
    since, until = period(run, start)
    listed = list(simulated.movements_log)
    transfers = [m for m in listed if m.kind == "transfer"]
    lost, changed, other_currency = transfers[0], transfers[1], transfers[2]
    stranger = Movement("transfer", "tr_stranger", "", Money(1_234, "usd"), since + timedelta(minutes=5))
    listed.remove(lost)
    bigger = Money(changed.amount.amount + 1, changed.amount.currency)
    listed[listed.index(changed)] = replace(changed, amount=bigger)
    swapped = "eur" if other_currency.amount.currency == "usd" else "usd"
    elsewhere = Money(other_currency.amount.amount, swapped)
    listed[listed.index(other_currency)] = replace(other_currency, amount=elsewhere)
    listed.append(stranger)

    result = reconcile_period(db, ListedGateway(listed), since, until)
    assert [m.reference for m in result.missing_in_gateway] == [lost.reference]
    assert [m.gateway.reference for m in result.amount_mismatch] == [changed.reference]
    assert [m.gateway.reference for m in result.currency_mismatch] == [other_currency.reference]
    assert [m.reference for m in result.missing_in_ledger] == ["tr_stranger"]
    assert len(result.matched) == len(simulated.movements_log) - 3
    assert result.totals["missing_in_gateway"].ledger == {lost.amount.currency: lost.amount.amount}


def test_the_period_excludes_movements_on_either_side_of_it(
    db: Database, ledger: Follower, run: MoneyRun, simulated: SimulatedGateway
) -> None:
    run.gig("approved")
    middle = run.clock.advance(minutes=1)
    run.gig("approved")
    ledger.catch_up()
    end = run.clock() + timedelta(seconds=1)
    early = ledger_movements(db, middle - timedelta(days=400), middle)
    late = ledger_movements(db, middle, end)
    assert len(early) == len(late) == 2
    assert {m.reference for m in early}.isdisjoint({m.reference for m in late})
    assert reconcile_period(db, simulated, middle, end, slack=timedelta(days=1)).ok


def stripe_reconciliation(
    db: Database, gateway: StripeGateway, since: datetime, until: datetime
) -> Reconciliation:
    return reconcile_period(db, gateway, since, until)


def test_a_run_against_the_local_stripe_server_with_faults_reconciles_fully(
    db: Database,
    ledger: Follower,
    stripe_run: MoneyRun,
    stripe_server: LocalStripe,
    stripe_gateway: StripeGateway,
) -> None:
    stripe_server.inject_fault("/v1/transfers", "500", times=3, method="POST")
    stripe_server.inject_fault("/v1/refunds", "429", times=2, method="POST")
    stripe_server.inject_fault("/v1/transfers", "timeout_after", times=1, method="POST", delay=1.0)
    start = stripe_run.clock()
    # The full 200-gig run on SQLite; PostgreSQL runs the same paths on fewer gigs to keep the suite quick.
    run_all(stripe_run, 200 if db.dialect == "sqlite" else 2 * len(PATHS))
    ledger.catch_up()
    assert stripe_run.cashier.unavailable >= 6
    result = stripe_reconciliation(db, stripe_gateway, *period(stripe_run, start))
    assert result.ok, result
    assert stripe_server.count("transfer") == sum(m.kind == "transfer" for m in result.matched)

    transfers = [m for m in result.matched if m.kind == "transfer"]
    stripe_server.delete_transfer(transfers[0].reference)
    stripe_server.change_amount(transfers[1].reference, transfers[1].amount.amount - 100)
    stranger = stripe_server.add_unknown_transfer(amount=777, created=int(start.timestamp()) + 60)
    again = stripe_reconciliation(db, stripe_gateway, *period(stripe_run, start))
    assert [m.reference for m in again.missing_in_gateway] == [transfers[0].reference]
    assert [(m.ledger.amount.amount - m.gateway.amount.amount) for m in again.amount_mismatch] == [100]
    assert [m.reference for m in again.missing_in_ledger] == [stranger["id"]]


def test_the_ledger_side_lists_one_movement_per_gateway_reference(
    db: Database, ledger: Follower, run: MoneyRun, simulated: SimulatedGateway
) -> None:
    run.gig("kill_fee")
    ledger.catch_up()
    ours = ledger_movements(db, run.clock() - timedelta(days=1), run.clock() + timedelta(seconds=1))
    assert sorted(m.kind for m in ours) == ["charge", "refund", "transfer"]
    assert reconcile(ours, simulated.movements_log).ok
