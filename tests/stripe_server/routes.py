"""The `/v1` paths the gateway uses, each mapped to the function that serves it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.stripe_server import connect_api, payments_api
from tests.stripe_server.errors import StripeApiError
from tests.stripe_server.listing import page
from tests.stripe_server.store import Obj, Store


@dataclass(frozen=True)
class Call:
    store: Store
    params: dict[str, Any]
    idempotency_key: str | None
    base_url: str
    force_decline: bool = False


Handler = Callable[[Call, str], Obj]
_ID = r"([A-Za-z0-9_]+)"


def _lister(kind: str, url: str, *filters: str) -> Handler:
    return lambda c, _: page(c.store, kind, url, c.params, filters)


def _getter(kind: str) -> Handler:
    return lambda c, obj_id: c.store.get(kind, obj_id)


ROUTES: list[tuple[str, re.Pattern[str], Handler]] = [
    (m, re.compile(p + "$"), h)
    for m, p, h in [
        (
            "POST",
            "/v1/accounts",
            lambda c, _: connect_api.create_account(c.store, c.params, c.idempotency_key),
        ),
        ("GET", "/v1/accounts/" + _ID, _getter("account")),
        (
            "POST",
            "/v1/account_links",
            lambda c, _: connect_api.create_account_link(c.store, c.params, c.base_url),
        ),
        (
            "POST",
            "/v1/payment_intents",
            lambda c, _: payments_api.create_payment_intent(c.store, c.params, c.idempotency_key),
        ),
        ("GET", "/v1/payment_intents", _lister("payment_intent", "/v1/payment_intents")),
        ("GET", "/v1/payment_intents/" + _ID, _getter("payment_intent")),
        (
            "POST",
            f"/v1/payment_intents/{_ID}/confirm",
            lambda c, pi: payments_api.confirm_payment_intent(
                c.store, pi, c.params, c.idempotency_key, decline=c.force_decline
            ),
        ),
        (
            "POST",
            f"/v1/payment_intents/{_ID}/cancel",
            lambda c, pi: payments_api.cancel_payment_intent(c.store, pi, c.idempotency_key),
        ),
        ("GET", "/v1/charges", _lister("charge", "/v1/charges", "payment_intent", "transfer_group")),
        ("GET", "/v1/charges/" + _ID, _getter("charge")),
        (
            "POST",
            "/v1/transfers",
            lambda c, _: connect_api.create_transfer(c.store, c.params, c.idempotency_key),
        ),
        ("GET", "/v1/transfers", _lister("transfer", "/v1/transfers", "destination", "transfer_group")),
        ("GET", "/v1/transfers/" + _ID, _getter("transfer")),
        (
            "POST",
            "/v1/refunds",
            lambda c, _: payments_api.create_refund(c.store, c.params, c.idempotency_key),
        ),
        ("GET", "/v1/refunds", _lister("refund", "/v1/refunds", "payment_intent", "charge")),
        ("GET", "/v1/refunds/" + _ID, _getter("refund")),
        (
            "GET",
            "/v1/balance_transactions",
            _lister("balance_transaction", "/v1/balance_transactions", "type"),
        ),
        ("GET", "/v1/events", _lister("event", "/v1/events", "type")),
        ("GET", "/v1/events/" + _ID, _getter("event")),
    ]
]


def serve(method: str, path: str, call: Call) -> Obj:
    for route_method, pattern, handler in ROUTES:
        match = pattern.match(path)
        if match and route_method == method:
            return handler(call, match.group(1) if match.groups() else "")
    raise StripeApiError(404, "invalid_request_error", f"Unrecognized request URL ({method}: {path}).")
