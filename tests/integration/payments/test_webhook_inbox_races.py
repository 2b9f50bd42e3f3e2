"""Two API servers handling the same Stripe delivery at once (Stripe retried while the first was
still working, or sent it twice): both answer without an error and the event is remembered
once; the same for a student's payout account remembered twice at once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, cast
from uuid import uuid4

from payments.webhook_inbox import WebhookInbox
from payments.webhooks import PayoutAccountUpdated
from projections.database import Database

ROUNDS = 5
AT_ONCE = 4


def _at_once(work: Callable[[], Any]) -> list[BaseException]:
    start = threading.Barrier(AT_ONCE)
    errors: list[BaseException] = []

    def run() -> None:
        start.wait()
        try:
            work()
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=run) for _ in range(AT_ONCE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


def _inbox(db: Database) -> WebhookInbox:
    # Neither the escrow nor the accounts are reached for an account that is not ours.
    return WebhookInbox(db, cast(Any, None), cast(Any, None))


def test_one_delivery_handled_by_several_servers_at_once_is_remembered_once(db: Database) -> None:
    inbox = _inbox(db)
    for _ in range(ROUNDS):
        event = PayoutAccountUpdated(f"evt_{uuid4().hex}", datetime.now(UTC), "acct_unknown", True)
        assert _at_once(lambda event=event: inbox.receive(event)) == []
        with db.read() as conn:
            rows = conn.fetchall("SELECT kind FROM webhook_events WHERE event_id = :e", {"e": event.event_id})
        assert rows == [{"kind": "PayoutAccountUpdated"}]
        assert inbox.receive(event) is False  # a later delivery changes nothing


def test_an_account_remembered_twice_at_once_keeps_one_row(db: Database) -> None:
    inbox = _inbox(db)
    for _ in range(ROUNDS):
        account, student = f"acct_{uuid4().hex[:12]}", uuid4()
        assert _at_once(lambda a=account, s=student: inbox.remember_account(a, s)) == []
        with db.read() as conn:
            rows = conn.fetchall(
                "SELECT student_id FROM payout_accounts WHERE account_ref = :a", {"a": account}
            )
        assert rows == [{"student_id": str(student)}]
