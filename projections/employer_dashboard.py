"""An employer's gigs by status, the money they have committed (charged, and still held in
escrow) and what awaits their review."""

from __future__ import annotations

from typing import Any

from domain.gig import Gig
from projections.columns import pay_columns
from projections.database import Connection, Database
from projections.gig_states import RELEASED_HOW, SETTLED, status_after
from projections.read_model import BufferedReadModel, Dialect, PoisonPolicy, Rows, handles, iso_at, text_id

_COLUMNS = (
    "gig_id", "employer_id", "status", "title", "pay_amount", "currency", "fee_amount", "charged",
    "paid_to_student", "refunded", "platform_settled", "version", "updated_at",
)  # fmt: skip


class EmployerDashboard(BufferedReadModel):
    """Each page folds every gig's events into its row in memory and writes each changed row once."""

    name = "employer_dashboard"
    writes_behind = True
    tables = ("employer_gigs",)
    on_poison = PoisonPolicy.SKIP

    def __init__(self, dialect: Dialect) -> None:
        super().__init__(dialect)
        self.gigs = Rows(dialect, "employer_gigs", ("gig_id",), _COLUMNS)

    def buffers(self) -> list[Rows]:
        return [self.gigs]

    def schema(self) -> list[str]:
        return [
            "CREATE TABLE IF NOT EXISTS employer_gigs (gig_id TEXT PRIMARY KEY, employer_id TEXT NOT NULL,"
            " status TEXT NOT NULL, title TEXT NOT NULL, pay_amount BIGINT, currency TEXT, fee_amount BIGINT,"
            " charged BIGINT NOT NULL, paid_to_student BIGINT NOT NULL, refunded BIGINT NOT NULL,"
            " platform_settled BIGINT NOT NULL, version BIGINT NOT NULL, updated_at TEXT NOT NULL)",
            "CREATE INDEX IF NOT EXISTS employer_gigs_by_status ON employer_gigs"
            " (employer_id, status, updated_at)",
        ]

    def _update(self, conn: Connection, event: Any, **values: Any) -> None:
        self.gigs.update(
            conn,
            text_id(event.originator_id),
            version=event.originator_version,
            updated_at=iso_at(event.timestamp),
            **values,
        )

    @handles(Gig.DraftCreated)
    def on_draft_created(self, conn: Connection, event: Gig.DraftCreated) -> None:
        self.gigs.put(
            {
                "gig_id": text_id(event.originator_id),
                "employer_id": text_id(event.employer_id),
                "status": "draft",
                "title": event.brief.title,
                **pay_columns(event.brief),
                "fee_amount": None,
                "charged": 0,
                "paid_to_student": 0,
                "refunded": 0,
                "platform_settled": 0,
                "version": event.originator_version,
                "updated_at": iso_at(event.timestamp),
            }
        )

    @handles(Gig.DraftEdited)
    def on_draft_edited(self, conn: Connection, event: Gig.DraftEdited) -> None:
        self._update(conn, event, title=event.brief.title, **pay_columns(event.brief))

    @handles(Gig.Published)
    def on_published(self, conn: Connection, event: Gig.Published) -> None:
        self._update(conn, event, status="awaiting_funding", fee_amount=event.fee.amount)

    @handles(Gig.FundingRecorded)
    def on_funded(self, conn: Connection, event: Gig.FundingRecorded) -> None:
        self._update(conn, event, status="posted", charged=event.amount.amount)

    @handles(
        Gig.FundingExpired,
        Gig.Claimed,
        *RELEASED_HOW,
        Gig.Submitted,
        Gig.ChangesRequested,
        Gig.Rejected,
        Gig.Disputed,
    )
    def on_status(self, conn: Connection, event: Any) -> None:
        self._update(conn, event, status=status_after(event))

    @handles(*SETTLED)
    def on_settled(self, conn: Connection, event: Gig.Settled) -> None:
        self._update(
            conn, event, status=status_after(event), platform_settled=event.settlement.platform.amount
        )

    @handles(Gig.PayoutRecorded)
    def on_payout(self, conn: Connection, event: Gig.PayoutRecorded) -> None:
        row = self.gigs.get(conn, text_id(event.originator_id))
        if row is not None:
            self._update(
                conn,
                event,
                paid_to_student=row["paid_to_student"] + event.amount.amount,
                status="paid" if row["status"] == "approved" else row["status"],
            )

    @handles(Gig.RefundRecorded)
    def on_refund(self, conn: Connection, event: Gig.RefundRecorded) -> None:
        row = self.gigs.get(conn, text_id(event.originator_id))
        if row is not None:
            self._update(conn, event, refunded=row["refunded"] + event.amount.amount)


def _gig(row: dict[str, Any]) -> dict[str, Any]:
    currency = row["currency"]
    held = row["charged"] - row["paid_to_student"] - row["refunded"] - row["platform_settled"]
    return {
        "id": row["gig_id"],
        "title": row["title"],
        "status": row["status"],
        "pay": None if row["pay_amount"] is None else {"amount": row["pay_amount"], "currency": currency},
        "charged": {"amount": row["charged"], "currency": currency},
        "held": {"amount": held if row["charged"] else 0, "currency": currency},
        "version": row["version"],
        "updated_at": row["updated_at"],
    }


def employer_gigs(db: Database, employer_id: str, status: str | None = None) -> list[dict[str, Any]]:
    """The employer's gigs, most recently changed first, optionally of one status."""
    where = "employer_id = :employer_id" + ("" if status is None else " AND status = :status")
    with db.read() as conn:
        rows = conn.fetchall(
            f"SELECT * FROM employer_gigs WHERE {where} ORDER BY updated_at DESC, gig_id",
            {"employer_id": employer_id, "status": status},
        )
    return [_gig(row) for row in rows]


def employer_dashboard(db: Database, employer_id: str) -> dict[str, Any]:
    """Counts by status, money committed per currency (charged and still held), awaiting review."""
    by_status: dict[str, int] = {}
    committed: dict[str, dict[str, int]] = {}
    for gig in employer_gigs(db, employer_id):
        by_status[gig["status"]] = by_status.get(gig["status"], 0) + 1
        if gig["charged"]["amount"]:
            money = committed.setdefault(gig["charged"]["currency"], {"charged": 0, "held": 0})
            money["charged"] += gig["charged"]["amount"]
            money["held"] += gig["held"]["amount"]
    return {
        "employer_id": employer_id,
        "by_status": by_status,
        "committed": [{"currency": c, **amounts} for c, amounts in sorted(committed.items())],
        "awaiting_review": by_status.get("submitted", 0),
    }
