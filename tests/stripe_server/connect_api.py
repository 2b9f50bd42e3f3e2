"""Connect: Express accounts, onboarding links, and transfers out of a charge to an account."""

from __future__ import annotations

from typing import Any

from tests.stripe_server.errors import account_closed, invalid, missing
from tests.stripe_server.payments_api import balance_entry, currency_of, positive_amount
from tests.stripe_server.store import Obj, Store


def create_account(store: Store, params: dict[str, Any], key: str | None) -> Obj:
    return store.add(
        "account",
        "acct",
        {
            "type": params.get("type", "express"),
            "email": params.get("email"),
            "country": params.get("country", "US"),
            "metadata": params.get("metadata") or {},
            "charges_enabled": False,
            "payouts_enabled": False,
            "details_submitted": False,
            "capabilities": {"transfers": "inactive"},
        },
    )


def set_payouts_enabled(store: Store, account_id: str, enabled: bool) -> Obj:
    """What finishing (or losing) onboarding does at Stripe, announced as `account.updated`."""
    account = store.get("account", account_id)
    account.update(
        payouts_enabled=enabled,
        details_submitted=enabled or account["details_submitted"],
        capabilities={"transfers": "active" if enabled else "inactive"},
    )
    store.emit("account.updated", account)
    return account


def create_account_link(store: Store, params: dict[str, Any], base_url: str) -> Obj:
    if not params.get("account"):
        raise missing("account")
    account = store.get("account", params["account"], param="account")
    for name in ("type", "return_url", "refresh_url"):
        if not params.get(name):
            raise missing(name)
    now = store.now()
    return {
        "object": "account_link",
        "created": now,
        "expires_at": now + 300,
        "url": f"{base_url}/_test/onboarding/{account['id']}",
    }


def create_transfer(store: Store, params: dict[str, Any], key: str | None) -> Obj:
    amount, currency = positive_amount(params), currency_of(params)
    if not params.get("destination"):
        raise missing("destination")
    destination = _payable_account(store, params["destination"])
    source = params.get("source_transaction")
    if source:
        _check_source(store, source, amount, currency)
    transfer = store.add(
        "transfer",
        "tr",
        {
            "amount": amount,
            "amount_reversed": 0,
            "currency": currency,
            "destination": destination["id"],
            "source_transaction": source,
            "transfer_group": params.get("transfer_group"),
            "metadata": params.get("metadata") or {},
            "reversed": False,
        },
    )
    transfer["balance_transaction"] = balance_entry(store, "transfer", transfer["id"], -amount, transfer)
    store.emit("transfer.created", transfer, idempotency_key=key)
    return transfer


def _payable_account(store: Store, account_id: str) -> Obj:
    account = store.get("account", account_id, param="destination")
    if store.hidden.get(account_id, {}).get("closed"):
        raise account_closed(account_id)
    if account["capabilities"].get("transfers") != "active":
        raise invalid(
            "Your destination account needs to have at least one of the following capabilities "
            "enabled: transfers.",
            param="destination",
            code="insufficient_capabilities_for_transfer",
        )
    return account


def _check_source(store: Store, charge_id: str, amount: int, currency: str) -> None:
    """A transfer funded by a charge can never move more than that charge brought in."""
    charge = store.get("charge", charge_id, param="source_transaction")
    if charge["status"] != "succeeded" or charge["currency"] != currency:
        raise invalid(
            "The source_transaction must be a succeeded charge in the transfer's currency.",
            param="source_transaction",
        )
    drawn = sum(t["amount"] for t in store.all("transfer") if t["source_transaction"] == charge_id)
    if drawn + amount > charge["amount"]:
        raise invalid(
            f"Transfers from {charge_id} would exceed its amount ({charge['amount']}).",
            param="amount",
            code="amount_too_large",
        )
