from __future__ import annotations

from collections.abc import Iterator

import pytest

from domain.marketplace import Marketplace
from payments.simulated import SimulatedGateway
from projections.audit_log import EventsTable
from projections.database import Database
from tests.conftest import FakeClock, database_for
from tests.integration.finance.money_paths import Cashier, MoneyRun


@pytest.fixture
def app(store_env: dict[str, str], clock: FakeClock) -> Marketplace:
    return Marketplace(store_env, clock=clock)


@pytest.fixture
def db(store_env: dict[str, str]) -> Iterator[Database]:
    database = database_for(store_env)
    yield database
    database.close()


@pytest.fixture
def run(app: Marketplace, clock: FakeClock) -> MoneyRun:
    return MoneyRun(app, clock, Cashier(SimulatedGateway(clock)))


@pytest.fixture
def events_table(app: Marketplace) -> EventsTable:
    return EventsTable.of(app)
