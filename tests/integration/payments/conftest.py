"""The Stripe gateway's tests run through the real SDK against tests/stripe_server."""

from tests.stripe_server.fixtures import stripe_gateway, stripe_server

__all__ = ["stripe_gateway", "stripe_server"]
