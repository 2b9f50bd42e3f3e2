"""Stripe webhooks turned into our commands, each Stripe event processed once.

Stripe delivers at least once and in any order. The inbox remembers every processed event id
(a second delivery changes nothing), and for `account.updated` keeps the newest Stripe timestamp
per account so a late, older event cannot undo a newer one. Funding is guarded by the gig itself,
which records one funding per publication."""

from __future__ import annotations

import logging
from uuid import UUID

from domain.accounts_app import Accounts
from domain.marketplace import GigNotFound
from payments.escrow import EscrowProcess
from payments.webhooks import FundingFailed, FundingSucceeded, PayoutAccountUpdated, WebhookEvent
from projections.database import Database

log = logging.getLogger(__name__)

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS webhook_events (event_id TEXT PRIMARY KEY, kind TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS payout_accounts ("
    " account_ref TEXT PRIMARY KEY, student_id TEXT NOT NULL, updated_at TEXT)",
)


class WebhookInbox:
    def __init__(self, db: Database, escrow: EscrowProcess, accounts: Accounts) -> None:
        self.db = db
        self.escrow = escrow
        self.accounts = accounts
        with db.transaction() as conn:
            for statement in _SCHEMA:
                conn.execute(statement)

    def remember_account(self, account_ref: str, student_id: UUID) -> None:
        # One statement: a delete and an insert let two requests at once both insert.
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO payout_accounts (account_ref, student_id) VALUES (:a, :s)"
                " ON CONFLICT (account_ref)"
                " DO UPDATE SET student_id = excluded.student_id, updated_at = NULL",
                {"a": account_ref, "s": str(student_id)},
            )

    def receive(self, event: WebhookEvent) -> bool:
        """Act on the event unless it was processed before; True if it was acted on now."""
        with self.db.transaction() as conn:
            seen = conn.fetchone(
                "SELECT 1 AS seen FROM webhook_events WHERE event_id = :e", {"e": event.event_id}
            )
        if seen:
            return False
        self._act(event)
        with self.db.transaction() as conn:
            # Recorded after acting: a crash in between re-runs an action that is itself idempotent,
            # and so does a second server handling the same delivery at the same moment; the
            # event is remembered once whichever records it first.
            conn.execute(
                "INSERT INTO webhook_events (event_id, kind) VALUES (:e, :k)"
                " ON CONFLICT (event_id) DO NOTHING",
                {"e": event.event_id, "k": type(event).__name__},
            )
        return True

    def _act(self, event: WebhookEvent) -> None:
        if isinstance(event, FundingSucceeded):
            try:
                self.escrow.record_funding(UUID(event.gig_id), event.payment_ref, event.amount)
            except (GigNotFound, ValueError):
                log.warning("funding %s names no gig of ours (%s)", event.payment_ref, event.gig_id)
        elif isinstance(event, FundingFailed):
            try:
                self.escrow.marketplace.record_funding_decline(
                    UUID(event.gig_id), event.payment_ref, event.event_id, event.code, event.reason
                )
            except (GigNotFound, ValueError):
                log.warning("declined funding %s names no gig of ours (%s)", event.payment_ref, event.gig_id)
        elif isinstance(event, PayoutAccountUpdated):
            self._account_updated(event)

    def _account_updated(self, event: PayoutAccountUpdated) -> None:
        at = event.occurred_at.isoformat()
        with self.db.transaction() as conn:
            row = conn.fetchone(
                "SELECT student_id, updated_at FROM payout_accounts WHERE account_ref = :a",
                {"a": event.account_ref},
            )
            if row is None or (row["updated_at"] is not None and row["updated_at"] > at):
                return  # not ours, or older than what we already applied
            conn.execute(
                "UPDATE payout_accounts SET updated_at = :t WHERE account_ref = :a",
                {"t": at, "a": event.account_ref},
            )
        student_id = UUID(row["student_id"])
        self.accounts.set_payouts_enabled(student_id, event.payouts_enabled)
        if event.payouts_enabled:
            self.escrow.resume_student(student_id)
