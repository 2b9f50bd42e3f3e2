"""The PaymentGateway over Stripe Connect with separate charges and transfers.

Escrow is the platform balance: the employer's PaymentIntent (pay + fee) lands there with
`transfer_group` = gig id, a Transfer later moves the full pay to the student's Express account
out of that very charge (`source_transaction`), and a Refund returns the employer's share. The
platform fee is what is left behind. Only our own types leave this module."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import stripe

from domain.money import Money
from payments.gateway import Funding, GatewayError, Movement, PayoutAccount
from payments.stripe_errors import stripe_call, stripe_outcomes
from payments.stripe_movements import list_movements

DEFAULT_TIMEOUT_SECONDS = 30.0


class StripeGateway:
    name = "stripe"

    def __init__(
        self,
        secret_key: str,
        *,
        api_base: str | None = None,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        onboarding_return_url: str = "http://localhost:8000/students/me/payout-account/done",
        onboarding_refresh_url: str = "http://localhost:8000/students/me/payout-account/refresh",
    ) -> None:
        # No SDK retries: the escrow process owns retry and back-off, and it retries with the same
        # idempotency key, so a hidden second layer would only multiply the waiting. The one
        # exception, a twin request holding the key (409), is waited out by `stripe_call`.
        self._client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_base, "connect": api_base} if api_base else None,
            max_network_retries=0,
            http_client=stripe.RequestsClient(timeout=timeout),
        )
        self._return_url = onboarding_return_url
        self._refresh_url = onboarding_refresh_url

    def create_funding(
        self, *, gig_id: str, amount: Money, description: str, idempotency_key: str
    ) -> Funding:
        intent = stripe_call(
            "create funding",
            lambda: self._client.v1.payment_intents.create(
                params={
                    "amount": amount.amount,
                    "currency": amount.currency,
                    "description": description,
                    "transfer_group": gig_id,
                    "metadata": {"gig_id": gig_id},
                    "automatic_payment_methods": {"enabled": True},
                },
                options={"idempotency_key": idempotency_key},
            ),
        )
        return _funding(intent)

    def cancel_funding(self, *, reference: str, idempotency_key: str) -> bool:
        try:
            stripe_call(
                "cancel funding",
                lambda: self._client.v1.payment_intents.cancel(
                    reference, options={"idempotency_key": idempotency_key}
                ),
            )
        except GatewayError as e:
            if e.code == "payment_intent_unexpected_state":
                return False
            raise
        return True

    def retrieve_funding(self, reference: str) -> Funding:
        with stripe_outcomes("retrieve funding"):
            return _funding(self._client.v1.payment_intents.retrieve(reference))

    def open_payout_account(self, *, student_id: str, email: str, idempotency_key: str) -> PayoutAccount:
        account = stripe_call(
            "open payout account",
            lambda: self._client.v1.accounts.create(
                params={
                    "type": "express",
                    "email": email,
                    "metadata": {"student_id": student_id},
                    "capabilities": {"transfers": {"requested": True}},
                },
                options={"idempotency_key": idempotency_key},
            ),
        )
        link = stripe_call(
            "open payout account",
            lambda: self._client.v1.account_links.create(
                params={
                    "account": account.id,
                    "type": "account_onboarding",
                    "return_url": self._return_url,
                    "refresh_url": self._refresh_url,
                },
                options={"idempotency_key": f"{idempotency_key}:link"},
            ),
        )
        return PayoutAccount(account.id, link.url, bool(account.payouts_enabled))

    def payout_account_status(self, account_ref: str) -> bool:
        with stripe_outcomes("payout account status"):
            return bool(self._client.v1.accounts.retrieve(account_ref).payouts_enabled)

    def transfer(self, *, gig_id: str, account: str, amount: Money, source: str, idempotency_key: str) -> str:
        charge = self._charge_of(source)
        transfer = stripe_call(
            "transfer",
            lambda: self._client.v1.transfers.create(
                params={
                    "amount": amount.amount,
                    "currency": amount.currency,
                    "destination": account,
                    "source_transaction": charge,
                    "transfer_group": gig_id,
                    "metadata": {"gig_id": gig_id},
                },
                options={"idempotency_key": idempotency_key},
            ),
        )
        return str(transfer.id)

    def refund(self, *, gig_id: str, payment: str, amount: Money, idempotency_key: str) -> str:
        refund = stripe_call(
            "refund",
            lambda: self._client.v1.refunds.create(
                params={"payment_intent": payment, "amount": amount.amount, "metadata": {"gig_id": gig_id}},
                options={"idempotency_key": idempotency_key},
            ),
        )
        return str(refund.id)

    def movements(self, *, since: datetime, until: datetime) -> list[Movement]:
        with stripe_outcomes("list movements"):
            return list_movements(self._client, since=since, until=until)

    def _charge_of(self, source: str) -> str:
        """The charge behind a PaymentIntent: transfers draw on a charge, callers know the intent."""
        if not source.startswith("pi_"):
            return source
        with stripe_outcomes("find the funding charge"):
            intent = self._client.v1.payment_intents.retrieve(source)
        charge = intent.latest_charge
        if intent.status != "succeeded" or not charge:
            raise GatewayError(f"payment {source} has not succeeded", code="funding_not_settled")
        return charge if isinstance(charge, str) else str(charge.id)


def _funding(intent: Any) -> Funding:
    # Every other status (requires_payment_method, processing, requires_action) still awaits money.
    if intent.status == "succeeded":
        return Funding(reference=intent.id, client_secret=intent.client_secret, status="succeeded")
    return Funding(reference=intent.id, client_secret=intent.client_secret, status="pending")
