from __future__ import annotations

import pytest

from domain.marketplace import Marketplace
from payments.simulated import SimulatedGateway
from payments.stripe_gateway import StripeGateway
from projections.audit_log import EventsTable
from projections.database import Database
from projections.follower import Follower
from projections.ledger import Ledger
from tests.conftest import FakeClock
from tests.integration.finance.money_paths import Cashier, MoneyRun
from tests.stripe_server import LocalStripe
from tests.stripe_server.fixtures import stripe_gateway, stripe_server

__all__ = ["stripe_gateway", "stripe_server"]


@pytest.fixture
def ledger(app: Marketplace, db: Database) -> Follower:
    return Follower(Ledger(EventsTable.of(app)), app, db)


@pytest.fixture
def simulated(clock: FakeClock) -> SimulatedGateway:
    return SimulatedGateway(clock)


@pytest.fixture
def run(app: Marketplace, clock: FakeClock, simulated: SimulatedGateway) -> MoneyRun:
    return MoneyRun(app, clock, Cashier(simulated))


@pytest.fixture
def stripe_run(
    app: Marketplace, clock: FakeClock, stripe_server: LocalStripe, stripe_gateway: StripeGateway
) -> MoneyRun:
    """The same scenario against the local Stripe server, whose clock follows the scenario's."""
    cashier = Cashier(
        stripe_gateway,
        pay_intent=stripe_server.pay,
        enable_payouts=lambda account: stripe_server.set_payouts_enabled(account, True),
        before_call=lambda: stripe_server.set_clock(now=int(clock().timestamp())),
    )
    return MoneyRun(app, clock, cashier)
