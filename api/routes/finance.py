"""Finance: the double-entry ledger, payouts by status, reconciliation against the gateway."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Controller, Response, get
from litestar.response import Stream

from api.auth import requires
from api.bootstrap import Container
from api.params import Cursor, Limit, Since, Until
from payments.reconciliation import BUCKETS, reconcile_period
from projections.ledger import get_ledger, get_payouts, ledger_csv, trial_balance


class FinanceController(Controller):
    path = "/finance"
    tags = ["finance"]
    guards = [requires("finance")]

    @get("/ledger", operation_id="getLedger", sync_to_thread=True)
    def ledger(
        self,
        container: Container,
        since: Since = None,
        until: Until = None,
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> dict[str, Any]:
        page = get_ledger(container.db, since, until, limit=limit, cursor=cursor)
        return {
            "entries": page.entries,
            "balances": page.balances,
            "next_cursor": page.next_cursor,
            "trial_balance": trial_balance(container.db),
        }

    @get("/ledger.csv", operation_id="getLedgerCsv", sync_to_thread=True, media_type="text/csv")
    def ledger_as_csv(self, container: Container, since: Since = None, until: Until = None) -> Stream:
        return Stream(
            ledger_csv(container.db, since, until),
            media_type="text/csv",
            headers={"Content-Disposition": 'attachment; filename="ledger.csv"'},
        )

    @get("/payouts", operation_id="listPayouts", sync_to_thread=True)
    def payouts(
        self, container: Container, status: str | None = None, limit: Limit = None, cursor: Cursor = None
    ) -> dict[str, Any]:
        page = get_payouts(container.db, status, limit=limit, cursor=cursor)
        return {"items": page.items, "next_cursor": page.next_cursor}

    @get("/reconciliation", operation_id="reconcile", sync_to_thread=True)
    def reconciliation(self, container: Container, since: Since = None, until: Until = None) -> Response[Any]:
        # `to` is exclusive: by default the period ends just after now, so what happened now counts.
        until = until or container.clock() + timedelta(microseconds=1)
        since = since or until - timedelta(days=30)
        result = reconcile_period(container.db, container.gateway, since, until)
        return Response(
            {
                "from": since,
                "to": until,
                "ok": result.ok,
                "totals": result.totals,
                **{bucket: getattr(result, bucket) for bucket in BUCKETS},
            }
        )
