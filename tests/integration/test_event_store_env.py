"""Two applications share one PostgreSQL schema; the library's per-schema insert function must
never be switched on by the environment, or one application's events land in the other's table."""

from __future__ import annotations

from uuid import uuid4

import pytest

from api.settings import DatabaseSettings
from domain.accounts_app import Accounts
from domain.actors import Actor
from domain.marketplace import Marketplace
from tests.conftest import POSTGRES_DSN, FakeClock
from tests.integration.projections.factories import brief

pytestmark = pytest.mark.postgres


@pytest.mark.parametrize(
    "variable", ["POSTGRES_ENABLE_DB_FUNCTIONS", "MARKETPLACE_POSTGRES_ENABLE_DB_FUNCTIONS"]
)
def test_gigs_stay_in_the_marketplace_log_whatever_the_environment_asks(
    monkeypatch: pytest.MonkeyPatch, postgres_schema: str, variable: str
) -> None:
    monkeypatch.setenv(variable, "y")
    monkeypatch.setenv("ACCOUNTS_POSTGRES_ENABLE_DB_FUNCTIONS", "y")
    settings = DatabaseSettings(url=POSTGRES_DSN, schema=postgres_schema)
    clock = FakeClock()
    market = Marketplace(settings.event_store_env("Marketplace"), clock=clock)
    accounts = Accounts(settings.event_store_env("Accounts"), clock=clock)  # created second
    try:
        receipt = market.create_gig(Actor.user(uuid4(), "employer"), brief(clock))
        assert market.get_gig(receipt.gig_id).version == receipt.version
        assert accounts.recorder.max_notification_id() in (None, 0)
    finally:
        accounts.close()
        market.close()
