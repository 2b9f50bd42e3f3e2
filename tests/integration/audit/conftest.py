from __future__ import annotations

import pytest

from domain.marketplace import Marketplace
from payments.simulated import SimulatedGateway
from projections.audit_log import EventsTable
from tests.conftest import FakeClock
from tests.integration.finance.money_paths import Cashier, MoneyRun


@pytest.fixture
def run(app: Marketplace, clock: FakeClock) -> MoneyRun:
    return MoneyRun(app, clock, Cashier(SimulatedGateway(clock)))


@pytest.fixture
def events_table(app: Marketplace) -> EventsTable:
    return EventsTable.of(app)
