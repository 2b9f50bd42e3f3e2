"""A local Stripe-compatible HTTP server for tests: the subset of `/v1` the Stripe gateway calls,
Idempotency-Key semantics, signed webhooks, fault injection, and `/_test` controls.

    with LocalStripe() as stripe_server:
        gateway = StripeGateway(stripe_server.secret_key, api_base=stripe_server.url)

Tests get one per test from the `stripe_server` fixture in tests/stripe_server/fixtures.py."""

from tests.stripe_server.local import SECRET_KEY, WEBHOOK_SECRET, LocalStripe, StripeControl

__all__ = ["SECRET_KEY", "WEBHOOK_SECRET", "LocalStripe", "StripeControl"]
