from __future__ import annotations

from collections.abc import Iterator

import pytest

from domain.marketplace import Marketplace
from projections.database import Database
from projections.registry import Projections
from projections.supervision import RetryPolicy
from projections.wakeup import PollingWakeup
from tests.conftest import FakeClock
from tests.integration.projections.factories import Market


@pytest.fixture
def market(store_env: dict[str, str], clock: FakeClock) -> Iterator[Market]:
    app = Marketplace(store_env, clock=clock)
    yield Market(app, clock)
    app.close()


@pytest.fixture
def projections(market: Market, db: Database) -> Iterator[Projections]:
    built = Projections(
        market.app, db, retry=RetryPolicy(attempts=3, first_delay=0.001), wakeup=PollingWakeup(0.01)
    )
    built.prepare()
    yield built
    built.close()
