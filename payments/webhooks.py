"""Stripe webhooks: verified over the raw body, then translated into our own small events.

The signature covers the exact bytes Stripe sent, so the body must reach `read_webhook` before
any JSON parsing or re-encoding. Stripe delivers at least once and in no particular order: each
event carries Stripe's event id (to process it once) and the moment Stripe created it (to let a
late `account.updated` lose against a newer one)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import stripe

from domain.errors import ValidationFailed
from domain.money import Money

DEFAULT_TOLERANCE_SECONDS = 300


class WebhookRejected(Exception):
    """A delivery that must not be acted upon; the endpoint answers 400."""

    code = "webhook.rejected"


class InvalidSignature(WebhookRejected):
    """Missing, forged or stale `Stripe-Signature`, or a body altered after signing."""

    code = "webhook.invalid_signature"


class MalformedEvent(WebhookRejected):
    """Correctly signed, but not an event we can read."""

    code = "webhook.malformed"


@dataclass(frozen=True, slots=True)
class FundingSucceeded:
    event_id: str
    occurred_at: datetime
    gig_id: str
    payment_ref: str
    amount: Money


@dataclass(frozen=True, slots=True)
class FundingFailed:
    event_id: str
    occurred_at: datetime
    gig_id: str
    payment_ref: str
    code: str
    reason: str


@dataclass(frozen=True, slots=True)
class PayoutAccountUpdated:
    event_id: str
    occurred_at: datetime
    account_ref: str
    payouts_enabled: bool


WebhookEvent = FundingSucceeded | FundingFailed | PayoutAccountUpdated


def read_webhook(
    payload: bytes | str,
    signature: str | None,
    *,
    secret: str,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
) -> WebhookEvent | None:
    """Verify a delivery and translate it; None for event types fairgig does not act on."""
    try:
        stripe.WebhookSignature.verify_header(payload, signature, secret, tolerance)
    except stripe.SignatureVerificationError as e:
        raise InvalidSignature(str(e)) from e
    try:
        event = json.loads(payload)
        return _translate(event)
    except (ValueError, KeyError, TypeError, ValidationFailed) as e:
        raise MalformedEvent(f"unreadable event: {e}") from e


def _translate(event: dict[str, Any]) -> WebhookEvent | None:
    kind = event["type"]
    obj = event["data"]["object"]
    event_id = str(event["id"])
    at = datetime.fromtimestamp(int(event["created"]), UTC)
    if kind.startswith("payment_intent.") and not _gig_of(obj):
        return None  # a payment taken for something other than a gig's escrow
    if kind == "payment_intent.succeeded":
        received = Money(int(obj.get("amount_received") or obj["amount"]), str(obj["currency"]))
        return FundingSucceeded(event_id, at, _gig_of(obj), str(obj["id"]), received)
    if kind == "payment_intent.payment_failed":
        error = obj.get("last_payment_error") or {}
        code = str(error.get("code") or error.get("decline_code") or "payment_failed")
        reason = str(error.get("message") or "payment failed")
        return FundingFailed(event_id, at, _gig_of(obj), str(obj["id"]), code, reason)
    if kind == "account.updated":
        return PayoutAccountUpdated(event_id, at, str(obj["id"]), bool(obj["payouts_enabled"]))
    return None


def _gig_of(intent: dict[str, Any]) -> str:
    return str((intent.get("metadata") or {}).get("gig_id") or intent.get("transfer_group") or "")
