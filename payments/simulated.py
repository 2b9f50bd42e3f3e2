"""The simulated gateway: the embedded default when no Stripe key is configured.

It keeps the same promises as Stripe where the product relies on them (idempotency keys replay the
first result; a refund or transfer never exceeds what was charged) and settles funding at once, so
a local run goes from publish to posted without a card."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from domain.money import Money
from payments.gateway import Funding, GatewayError, Movement, PayoutAccount
from payments.simulated_journal import MovementJournal


class SimulatedGateway:
    name = "simulated"

    def __init__(self, clock: Callable[[], datetime], journal: MovementJournal | None = None) -> None:
        self._clock = clock
        self._journal = journal
        self._lock = threading.Lock()
        self._replies: dict[str, tuple[tuple[Any, ...], Any]] = {}
        self._charges: dict[str, tuple[str, Money]] = {}
        self._moved: dict[str, int] = {}
        self.movements_log: list[Movement] = []

    def _idempotent(self, key: str, params: tuple[Any, ...], make: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._replies:
                seen, reply = self._replies[key]
                if seen != params:
                    raise GatewayError(
                        "idempotency key reused with other parameters", code="idempotency_error"
                    )
                return reply
            reply = make()
            self._replies[key] = (params, reply)
            return reply

    @staticmethod
    def _reference(prefix: str, idempotency_key: str) -> str:
        """Derived from the key, so a restarted process replays the same references."""
        return f"{prefix}_sim{hashlib.sha256(idempotency_key.encode()).hexdigest()[:20]}"

    def _record(self, kind: str, reference: str, gig_id: str, amount: Money) -> None:
        movement = Movement(kind, reference, gig_id, amount, self._clock())  # type: ignore[arg-type]
        self.movements_log.append(movement)
        if self._journal is not None:
            self._journal.record(movement)

    def create_funding(
        self, *, gig_id: str, amount: Money, description: str, idempotency_key: str
    ) -> Funding:
        def make() -> Funding:
            ref = self._reference("pi", idempotency_key)
            self._charges[ref] = (gig_id, amount)
            self._record("charge", ref, gig_id, amount)
            return Funding(reference=ref, client_secret=f"{ref}_secret_simulated", status="succeeded")

        result: Funding = self._idempotent(idempotency_key, (gig_id, amount), make)
        return result

    def open_payout_account(self, *, student_id: str, email: str, idempotency_key: str) -> PayoutAccount:
        def make() -> PayoutAccount:
            ref = self._reference("acct", idempotency_key)
            return PayoutAccount(ref, f"http://127.0.0.1/simulated/onboarding/{ref}", payouts_enabled=True)

        result: PayoutAccount = self._idempotent(idempotency_key, (student_id,), make)
        return result

    def _draw(self, payment: str, amount: Money) -> None:
        if payment not in self._charges:
            return  # charged before this process started: the simulation keeps no memory across restarts
        charged = self._charges[payment][1]
        if (
            self._moved.get(payment, 0) + amount.amount > charged.amount
            or amount.currency != charged.currency
        ):
            raise GatewayError("amount exceeds what remains of the charge", code="amount_too_large")
        self._moved[payment] = self._moved.get(payment, 0) + amount.amount

    def transfer(self, *, gig_id: str, account: str, amount: Money, source: str, idempotency_key: str) -> str:
        def make() -> str:
            self._draw(source, amount)
            ref = self._reference("tr", idempotency_key)
            self._record("transfer", ref, gig_id, amount)
            return ref

        result: str = self._idempotent(idempotency_key, (gig_id, account, amount, source), make)
        return result

    def refund(self, *, gig_id: str, payment: str, amount: Money, idempotency_key: str) -> str:
        def make() -> str:
            self._draw(payment, amount)
            ref = self._reference("re", idempotency_key)
            self._record("refund", ref, gig_id, amount)
            return ref

        result: str = self._idempotent(idempotency_key, (gig_id, payment, amount), make)
        return result

    def cancel_funding(self, *, reference: str, idempotency_key: str) -> bool:
        return False  # simulated charges settle the moment they are made: nothing is left open

    def retrieve_funding(self, reference: str) -> Funding:
        return Funding(reference=reference, client_secret=f"{reference}_secret_simulated", status="succeeded")

    def payout_account_status(self, account_ref: str) -> bool:
        return True

    def movements(self, *, since: datetime, until: datetime) -> list[Movement]:
        if self._journal is not None:
            return self._journal.between(since, until)
        with self._lock:
            return [m for m in self.movements_log if since <= m.created < until]
