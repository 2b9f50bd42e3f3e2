"""Webhooks are verified over the raw body and translated; anything unverifiable is rejected."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from domain.money import Money
from payments.stripe_gateway import StripeGateway
from payments.webhooks import (
    FundingFailed,
    FundingSucceeded,
    InvalidSignature,
    MalformedEvent,
    PayoutAccountUpdated,
    read_webhook,
)
from tests.integration.payments.factories import CHARGED, funded_gig, gig_id, payable_student
from tests.stripe_server import LocalStripe
from tests.stripe_server.webhook_sender import sign


def _event(server: LocalStripe, event_type: str) -> dict[str, Any]:
    return next(e for e in server.objects("event") if e["type"] == event_type)


def test_a_signed_payment_success_becomes_funding_succeeded(
    stripe_gateway: StripeGateway, stripe_server: LocalStripe
) -> None:
    gig, payment = funded_gig(stripe_gateway, stripe_server)
    event = _event(stripe_server, "payment_intent.succeeded")
    body, signature = stripe_server.signed_event(event["id"])

    translated = read_webhook(body, signature, secret=stripe_server.webhook_secret)

    assert translated == FundingSucceeded(
        event_id=event["id"],
        occurred_at=datetime.fromtimestamp(event["created"], UTC),
        gig_id=gig,
        payment_ref=payment,
        amount=CHARGED,
    )


def test_a_declined_payment_becomes_funding_failed_with_its_code(
    stripe_gateway: StripeGateway, stripe_server: LocalStripe
) -> None:
    gig = gig_id()
    funding = stripe_gateway.create_funding(gig_id=gig, amount=CHARGED, description="d", idempotency_key="f")
    stripe_server.pay(funding.reference, decline=True)
    body, signature = stripe_server.signed_event(_event(stripe_server, "payment_intent.payment_failed")["id"])

    translated = read_webhook(body, signature, secret=stripe_server.webhook_secret)

    assert isinstance(translated, FundingFailed)
    assert (translated.gig_id, translated.payment_ref, translated.code) == (
        gig,
        funding.reference,
        "card_declined",
    )


def test_finished_onboarding_becomes_payout_account_updated(
    stripe_gateway: StripeGateway, stripe_server: LocalStripe
) -> None:
    account = payable_student(stripe_gateway, stripe_server)
    body, signature = stripe_server.signed_event(_event(stripe_server, "account.updated")["id"])

    translated = read_webhook(body, signature, secret=stripe_server.webhook_secret)

    assert isinstance(translated, PayoutAccountUpdated)
    assert (translated.account_ref, translated.payouts_enabled) == (account, True)


def test_events_fairgig_does_not_act_on_are_ignored(
    stripe_gateway: StripeGateway, stripe_server: LocalStripe
) -> None:
    funded_gig(stripe_gateway, stripe_server)
    body, signature = stripe_server.signed_event(_event(stripe_server, "charge.succeeded")["id"])

    assert read_webhook(body, signature, secret=stripe_server.webhook_secret) is None


@pytest.fixture
def signed_success(stripe_gateway: StripeGateway, stripe_server: LocalStripe) -> str:
    funded_gig(stripe_gateway, stripe_server)
    return str(_event(stripe_server, "payment_intent.succeeded")["id"])


def test_a_tampered_body_is_rejected(stripe_server: LocalStripe, signed_success: str) -> None:
    body, signature = stripe_server.signed_event(signed_success)
    tampered = body.replace(b'"amount": 13200', b'"amount": 99999')
    assert tampered != body

    with pytest.raises(InvalidSignature):
        read_webhook(tampered, signature, secret=stripe_server.webhook_secret)


def test_a_signature_made_with_another_secret_is_rejected(
    stripe_server: LocalStripe, signed_success: str
) -> None:
    body, signature = stripe_server.signed_event(signed_success, secret="whsec_someone_else")

    with pytest.raises(InvalidSignature):
        read_webhook(body, signature, secret=stripe_server.webhook_secret)


def test_a_signature_older_than_the_tolerance_is_rejected(
    stripe_server: LocalStripe, signed_success: str
) -> None:
    body, stale = stripe_server.signed_event(signed_success, timestamp=int(time.time()) - 301)
    body, fresh = stripe_server.signed_event(signed_success, timestamp=int(time.time()) - 200)

    with pytest.raises(InvalidSignature):
        read_webhook(body, stale, secret=stripe_server.webhook_secret, tolerance=300)
    assert read_webhook(body, fresh, secret=stripe_server.webhook_secret, tolerance=300) is not None


def test_a_missing_signature_is_rejected(stripe_server: LocalStripe, signed_success: str) -> None:
    body, _ = stripe_server.signed_event(signed_success)

    with pytest.raises(InvalidSignature):
        read_webhook(body, None, secret=stripe_server.webhook_secret)


def test_a_signed_body_that_is_not_an_event_is_malformed() -> None:
    body = '{"type": "payment_intent.succeeded"}'

    with pytest.raises(MalformedEvent):
        read_webhook(body, sign(body, "whsec_x"), secret="whsec_x")


class _Inbox(BaseHTTPRequestHandler):
    received: list[tuple[bytes, str | None]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((body, self.headers.get("Stripe-Signature")))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def inbox() -> Iterator[tuple[str, list[tuple[bytes, str | None]]]]:
    received: list[tuple[bytes, str | None]] = []
    handler = type("Inbox", (_Inbox,), {"received": received})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/webhooks/stripe", received
    server.shutdown()
    server.server_close()


def test_the_server_pushes_signed_events_to_the_configured_url(
    stripe_gateway: StripeGateway,
    stripe_server: LocalStripe,
    inbox: tuple[str, list[tuple[bytes, str | None]]],
) -> None:
    url, received = inbox
    stripe_server.set_webhook_url(url)

    gig, payment = funded_gig(stripe_gateway, stripe_server)
    stripe_server.wait_for_webhooks()

    translated = [read_webhook(body, sig, secret=stripe_server.webhook_secret) for body, sig in received]
    funded = [t for t in translated if isinstance(t, FundingSucceeded)]
    assert [(f.gig_id, f.payment_ref, f.amount) for f in funded] == [(gig, payment, Money(13_200, "usd"))]
    assert all(d["status"] == 200 for d in stripe_server.deliveries())
