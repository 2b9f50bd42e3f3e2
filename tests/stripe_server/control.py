"""`/_test/...`: what a test (or a person poking at the server by hand) can ask of the server
beyond Stripe's API: inject faults, move the clock, finish onboarding, pay an intent as the
employer's browser would, tamper with history for reconciliation, and look at the state."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.stripe_server import connect_api, payments_api
from tests.stripe_server.errors import StripeApiError
from tests.stripe_server.faults import Fault, Faults
from tests.stripe_server.store import Obj, Store
from tests.stripe_server.webhook_sender import WebhookSender, payload_of, sign


@dataclass
class Controls:
    store: Store
    faults: Faults
    webhooks: WebhookSender
    requests: list[dict[str, Any]]


ControlHandler = Callable[[Controls, str, dict[str, Any]], Any]


def _add_fault(c: Controls, _: str, body: dict[str, Any]) -> Any:
    try:
        c.faults.add(Fault(**body))
    except (TypeError, ValueError) as e:
        raise StripeApiError(400, "invalid_request_error", str(e)) from None
    return {"pending": c.faults.pending()}


def _clear_faults(c: Controls, _: str, body: dict[str, Any]) -> Any:
    c.faults.clear()
    return {"pending": []}


def _state(c: Controls, _: str, body: dict[str, Any]) -> Any:
    kinds = ("account", "payment_intent", "charge", "transfer", "refund", "balance_transaction", "event")
    return {
        "counts": {k: c.store.count(k) for k in kinds},
        "faults": c.faults.pending(),
        "now": c.store.now(),
    }


def _signed(c: Controls, event_id: str, query: dict[str, Any]) -> Any:
    payload = payload_of(c.store.get("event", event_id))
    timestamp = int(query["timestamp"]) if query.get("timestamp") else None
    return {
        "payload": payload,
        "signature": sign(payload, query.get("secret") or c.webhooks.secret, timestamp),
    }


def _set_webhook(c: Controls, _: str, body: dict[str, Any]) -> Any:
    c.webhooks.url = body.get("url")
    return {"url": c.webhooks.url}


def _close_account(c: Controls, account_id: str, _: dict[str, Any]) -> Any:
    c.store.get("account", account_id)
    c.store.hidden.setdefault(account_id, {})["closed"] = True
    return {"id": account_id, "closed": True}


def _pay(c: Controls, intent_id: str, body: dict[str, Any]) -> Any:
    decline = bool(body.get("decline"))
    try:
        return payments_api.confirm_payment_intent(c.store, intent_id, {}, None, decline=decline)
    except StripeApiError as e:
        if e.status != 402:
            raise
        return c.store.get("payment_intent", intent_id)


def _change_amount(c: Controls, obj_id: str, body: dict[str, Any]) -> Any:
    obj = c.store.objects.get(obj_id)
    if obj is None:
        raise StripeApiError(404, "invalid_request_error", f"No such object: {obj_id}")
    obj["amount"] = int(body["amount"])
    return obj


def _unknown_transfer(c: Controls, _: str, body: dict[str, Any]) -> Obj:
    """A transfer nobody at fairgig asked for (made by hand in the dashboard, say)."""
    fields: dict[str, Any] = {"amount_reversed": 0, "reversed": False, "source_transaction": None}
    fields |= {"metadata": {}, "transfer_group": None, "destination": None, "currency": "usd"}
    fields |= {"balance_transaction": None}
    created = int(body.pop("created")) if "created" in body else None
    return c.store.add("transfer", "tr", fields | body, created=created)


CONTROLS: list[tuple[str, re.Pattern[str], ControlHandler]] = [
    (m, re.compile(p + "$"), h)
    for m, p, h in [
        ("POST", "/_test/faults", _add_fault),
        ("DELETE", "/_test/faults", _clear_faults),
        ("GET", "/_test/state", _state),
        ("GET", "/_test/objects/([a-z_]+)", lambda c, kind, _: {"data": c.store.all(kind)}),
        ("GET", "/_test/requests", lambda c, _, b: {"data": list(c.requests)}),
        ("GET", "/_test/deliveries", lambda c, _, b: {"data": list(c.webhooks.deliveries)}),
        ("POST", "/_test/webhook", _set_webhook),
        ("POST", "/_test/clock", lambda c, _, b: {"now": c.store.set_clock(**b)}),
        ("GET", "/_test/events/(evt_[a-f0-9]+)/signed", _signed),
        (
            "POST",
            "/_test/accounts/(acct_[a-f0-9]+)/payouts",
            lambda c, acct, b: connect_api.set_payouts_enabled(c.store, acct, bool(b.get("enabled", True))),
        ),
        (
            "GET",
            "/_test/onboarding/(acct_[a-f0-9]+)",
            lambda c, acct, b: connect_api.set_payouts_enabled(c.store, acct, True),
        ),
        ("POST", "/_test/accounts/(acct_[a-f0-9]+)/close", _close_account),
        ("POST", "/_test/payment_intents/(pi_[a-f0-9]+)/pay", _pay),
        ("POST", "/_test/objects/([a-z]+_[a-f0-9]+)/amount", _change_amount),
        (
            "DELETE",
            "/_test/transfers/(tr_[a-f0-9]+)",
            lambda c, tr, b: c.store.remove(c.store.get("transfer", tr)),
        ),
        ("POST", "/_test/transfers", _unknown_transfer),
    ]
]


def control(controls: Controls, method: str, path: str, body: dict[str, Any]) -> Any:
    for route_method, pattern, handler in CONTROLS:
        match = pattern.match(path)
        if match and route_method == method:
            with controls.store.lock:
                return handler(controls, match.group(1) if match.groups() else "", body)
    raise StripeApiError(404, "invalid_request_error", f"No control endpoint {method} {path}")
