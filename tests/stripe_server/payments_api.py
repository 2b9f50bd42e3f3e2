"""Payment intents, their charges, and refunds: the employer's side of escrow."""

from __future__ import annotations

import secrets
from typing import Any

from tests.stripe_server.errors import card_declined, invalid, missing
from tests.stripe_server.forms import as_bool
from tests.stripe_server.store import Obj, Store

DECLINING_METHODS = {"pm_card_chargeDeclined", "pm_card_visa_chargeDeclined"}


def positive_amount(params: dict[str, Any]) -> int:
    if "amount" not in params:
        raise missing("amount")
    try:
        amount = int(params["amount"])
    except ValueError:
        raise invalid("Invalid integer: " + str(params["amount"]), param="amount") from None
    if amount <= 0:
        raise invalid("Amount must be at least 1.", param="amount", code="amount_too_small")
    return amount


def currency_of(params: dict[str, Any]) -> str:
    if not params.get("currency"):
        raise missing("currency")
    return str(params["currency"]).lower()


def create_payment_intent(store: Store, params: dict[str, Any], key: str | None) -> Obj:
    intent = store.add(
        "payment_intent",
        "pi",
        {
            "amount": positive_amount(params),
            "amount_received": 0,
            "currency": currency_of(params),
            "description": params.get("description"),
            "status": "requires_payment_method",
            "latest_charge": None,
            "last_payment_error": None,
            "payment_method": params.get("payment_method"),
            "transfer_group": params.get("transfer_group"),
            "metadata": params.get("metadata") or {},
        },
    )
    intent["client_secret"] = f"{intent['id']}_secret_{secrets.token_hex(8)}"
    if as_bool(params.get("confirm", "false")):
        return confirm_payment_intent(store, intent["id"], params, key)
    return intent


def confirm_payment_intent(
    store: Store, intent_id: str, params: dict[str, Any], key: str | None, *, decline: bool = False
) -> Obj:
    intent = store.get("payment_intent", intent_id)
    if intent["status"] == "succeeded":
        raise invalid("This PaymentIntent has already succeeded.", code="payment_intent_unexpected_state")
    if intent["status"] == "canceled":
        raise invalid("This PaymentIntent has been canceled.", code="payment_intent_unexpected_state")
    method = params.get("payment_method") or intent["payment_method"] or "pm_card_visa"
    charge = _charge(store, intent, method, failed=decline or method in DECLINING_METHODS)
    intent.update(payment_method=method, latest_charge=charge["id"])
    if charge["status"] == "failed":
        error = card_declined()
        intent.update(status="requires_payment_method", last_payment_error=dict(error.body["error"]))
        error.body["error"]["payment_intent"] = dict(intent)
        store.emit("payment_intent.payment_failed", intent, idempotency_key=key)
        raise error
    intent.update(status="succeeded", amount_received=intent["amount"], last_payment_error=None)
    store.emit("charge.succeeded", charge, idempotency_key=key)
    store.emit("payment_intent.succeeded", intent, idempotency_key=key)
    return intent


def cancel_payment_intent(store: Store, intent_id: str, key: str | None) -> Obj:
    intent = store.get("payment_intent", intent_id)
    if intent["status"] == "succeeded":
        raise invalid("This PaymentIntent has already succeeded.", code="payment_intent_unexpected_state")
    if intent["status"] != "canceled":
        intent.update(status="canceled", cancellation_reason="requested_by_customer")
        store.emit("payment_intent.canceled", intent, idempotency_key=key)
    return intent


def _charge(store: Store, intent: Obj, method: str, *, failed: bool) -> Obj:
    charge = store.add(
        "charge",
        "ch",
        {
            "amount": intent["amount"],
            "amount_captured": 0 if failed else intent["amount"],
            "amount_refunded": 0,
            "refunded": False,
            "currency": intent["currency"],
            "paid": not failed,
            "status": "failed" if failed else "succeeded",
            "failure_code": "card_declined" if failed else None,
            "payment_intent": intent["id"],
            "payment_method": method,
            "transfer_group": intent["transfer_group"],
            "metadata": dict(intent["metadata"]),
            "balance_transaction": None,
        },
    )
    if not failed:
        charge["balance_transaction"] = balance_entry(store, "charge", charge["id"], charge["amount"], charge)
    return charge


def create_refund(store: Store, params: dict[str, Any], key: str | None) -> Obj:
    charge = _refundable_charge(store, params)
    remaining = charge["amount"] - charge["amount_refunded"]
    amount = positive_amount(params) if "amount" in params else remaining
    if amount > remaining:
        raise invalid(
            f"Refund amount ({amount}) is greater than unrefunded amount on charge ({remaining})",
            param="amount",
            code="amount_too_large",
        )
    refund = store.add(
        "refund",
        "re",
        {
            "amount": amount,
            "currency": charge["currency"],
            "charge": charge["id"],
            "payment_intent": charge["payment_intent"],
            "status": "succeeded",
            "reason": params.get("reason"),
            "metadata": params.get("metadata") or {},
        },
    )
    refund["balance_transaction"] = balance_entry(store, "refund", refund["id"], -amount, refund)
    charge["amount_refunded"] += amount
    charge["refunded"] = charge["amount_refunded"] == charge["amount"]
    store.emit("charge.refunded", charge, idempotency_key=key)
    return refund


def _refundable_charge(store: Store, params: dict[str, Any]) -> Obj:
    if params.get("charge"):
        charge = store.get("charge", params["charge"], param="charge")
    elif params.get("payment_intent"):
        intent = store.get("payment_intent", params["payment_intent"], param="payment_intent")
        if intent["status"] != "succeeded":
            raise invalid(
                "This PaymentIntent does not have a successful charge to refund.",
                param="payment_intent",
                code="charge_not_refundable",
            )
        charge = store.get("charge", intent["latest_charge"])
    else:
        raise missing("payment_intent")
    if charge["status"] != "succeeded":
        raise invalid("This charge cannot be refunded.", param="charge", code="charge_not_refundable")
    return charge


def balance_entry(store: Store, kind: str, source: str, amount: int, obj: Obj) -> str:
    entry = store.add(
        "balance_transaction",
        "txn",
        {
            "amount": amount,
            "currency": obj["currency"],
            "fee": 0,
            "net": amount,
            "type": kind,
            "source": source,
            "status": "available",
            "reporting_category": kind,
        },
    )
    return str(entry["id"])
