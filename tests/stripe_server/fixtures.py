"""Pytest fixtures for the local Stripe server; import them into a conftest.py to use them:

from tests.stripe_server.fixtures import stripe_gateway, stripe_server  # noqa: F401
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from payments.stripe_gateway import StripeGateway
from tests.stripe_server.local import LocalStripe

# Long enough for a loaded CI machine to answer, short enough that a timeout fault costs little.
CLIENT_TIMEOUT_SECONDS = 0.5


@pytest.fixture
def stripe_server() -> Iterator[LocalStripe]:
    """A fresh server per test on a free 127.0.0.1 port; nothing leaks from one test to the next."""
    with LocalStripe() as server:
        yield server


@pytest.fixture
def stripe_gateway(stripe_server: LocalStripe) -> StripeGateway:
    """The real gateway, through the real SDK, pointed at the local server."""
    return StripeGateway(stripe_server.secret_key, api_base=stripe_server.url, timeout=CLIENT_TIMEOUT_SECONDS)
