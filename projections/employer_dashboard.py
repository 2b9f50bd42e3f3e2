"""An employer's gigs by status, the money they have committed (charged, and still held in
escrow) and what awaits their review."""

from __future__ import annotations

from typing import Any

from domain.gig import Gig
from projections.columns import pay_columns
from projections.database import Connection, Database
from projections.gig_states import RELEASED_HOW, SETTLED, status_after
from projections.paging import checked_limit, decode_cursor, encode_cursor
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
            # The employer's list, newest change first, a page at a time (keyset on these columns).
            "CREATE INDEX IF NOT EXISTS employer_gigs_by_change ON employer_gigs"
            " (employer_id, updated_at, gig_id)",
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


def employer_gigs(
    db: Database,
    employer_id: str,
    status: str | None = None,
    *,
    limit: int | None = None,
    cursor: str | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of the employer's gigs, most recently changed first (ties by id), optionally of
    one status, and the cursor of the next page (None on the last)."""
    size = checked_limit(limit)
    where = ["employer_id = :employer_id"]
    params: dict[str, Any] = {"employer_id": employer_id, "status": status, "limit": size + 1}
    if status is not None:
        where.append("status = :status")
    if cursor:
        at, last_id = decode_cursor(cursor, 2, (str, str))
        where.append("(updated_at < :at OR (updated_at = :at AND gig_id > :last_id))")
        params.update(at=at, last_id=last_id)
    with db.read() as conn:
        rows = conn.fetchall(
            f"SELECT * FROM employer_gigs WHERE {' AND '.join(where)}"
            " ORDER BY updated_at DESC, gig_id LIMIT :limit",
            params,
        )
    page = rows[:size]
    if len(rows) <= size:
        return [_gig(row) for row in page], None
    return [_gig(row) for row in page], encode_cursor(page[-1]["updated_at"], page[-1]["gig_id"])


def employer_dashboard(db: Database, employer_id: str) -> dict[str, Any]:
    """Counts by status, money committed per currency (charged and still held), awaiting review:
    summed by the database over all the employer's gigs, however many pages they fill."""
    with db.read() as conn:
        counts = conn.fetchall(
            "SELECT status, COUNT(*) AS n FROM employer_gigs WHERE employer_id = :e GROUP BY status",
            {"e": employer_id},
        )
        money = conn.fetchall(
            "SELECT currency, SUM(charged) AS charged,"
            " SUM(charged - paid_to_student - refunded - platform_settled) AS held"
            " FROM employer_gigs WHERE employer_id = :e AND charged <> 0"
            " GROUP BY currency ORDER BY currency",
            {"e": employer_id},
        )
    by_status = {str(row["status"]): int(row["n"]) for row in counts}
    return {
        "employer_id": employer_id,
        "by_status": by_status,
        # SUM of BIGINT is NUMERIC on PostgreSQL: back to plain integers of minor units.
        "committed": [
            {"currency": row["currency"], "charged": int(row["charged"]), "held": int(row["held"])}
            for row in money
        ],
        "awaiting_review": by_status.get("submitted", 0),
    }
