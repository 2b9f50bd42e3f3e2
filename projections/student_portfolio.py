"""A student's portfolio: every gig they claimed, submitted and got paid for, with the
employer's feedback and the ratings once the double-blind window has revealed them."""

from __future__ import annotations

from typing import Any

from domain.gig import Gig
from projections.columns import pay_columns
from projections.database import Connection, Database, Row
from projections.gig_states import RELEASED_HOW, status_after
from projections.read_model import BufferedReadModel, Dialect, PoisonPolicy, Rows, handles, iso_at, text_id

_GIG_COLUMNS = ("gig_id", "employer_id", "title", "pay_amount", "currency", "claimant_id")
_ENTRY_COLUMNS = (
    "student_id", "gig_id", "status", "claimed_at", "submitted_at", "paid_at", "paid_amount",
    "feedback", "employer_stars", "employer_comment", "student_stars", "student_comment",
    "ratings_revealed", "updated_at",
)  # fmt: skip


class StudentPortfolio(BufferedReadModel):
    """Each page folds every gig's events into its rows in memory and writes each changed row once."""

    name = "student_portfolio"
    writes_behind = True
    tables = ("portfolio_entries", "portfolio_gigs")
    on_poison = PoisonPolicy.SKIP

    def __init__(self, dialect: Dialect) -> None:
        super().__init__(dialect)
        self.gigs = Rows(dialect, "portfolio_gigs", ("gig_id",), _GIG_COLUMNS)
        # Keyed gig first, so a page loads every entry of the gigs it touches in one query.
        self.entries = Rows(dialect, "portfolio_entries", ("gig_id", "student_id"), _ENTRY_COLUMNS)

    def buffers(self) -> list[Rows]:
        return [self.gigs, self.entries]

    def schema(self) -> list[str]:
        return [
            "CREATE TABLE IF NOT EXISTS portfolio_gigs (gig_id TEXT PRIMARY KEY, employer_id TEXT NOT NULL,"
            " title TEXT NOT NULL, pay_amount BIGINT, currency TEXT, claimant_id TEXT)",
            "CREATE TABLE IF NOT EXISTS portfolio_entries (student_id TEXT NOT NULL, gig_id TEXT NOT NULL,"
            " status TEXT NOT NULL, claimed_at TEXT NOT NULL, submitted_at TEXT, paid_at TEXT,"
            " paid_amount BIGINT NOT NULL, feedback TEXT, employer_stars INTEGER, employer_comment TEXT,"
            " student_stars INTEGER, student_comment TEXT, ratings_revealed INTEGER NOT NULL,"
            " updated_at TEXT NOT NULL, PRIMARY KEY (student_id, gig_id))",
            "CREATE INDEX IF NOT EXISTS portfolio_by_student ON portfolio_entries (student_id, updated_at)",
            # A page loads the entries of its gigs by gig (see `entries`), which the primary key,
            # student first, cannot serve: without this every page read the whole table. Unique,
            # so a rebuild keeps it while replaying (it defers only plain indexes).
            "CREATE UNIQUE INDEX IF NOT EXISTS portfolio_entries_by_gig"
            " ON portfolio_entries (gig_id, student_id)",
        ]

    def _gig(self, conn: Connection, event: Any, **values: Any) -> None:
        self.gigs.update(conn, text_id(event.originator_id), **values)

    def _entry(self, conn: Connection, event: Any, student: str | None = None, **values: Any) -> Row | None:
        """Change the entry of `student` (by default the gig's claimant, if it has one)."""
        gig_id = text_id(event.originator_id)
        if student is None:
            gig = self.gigs.get(conn, gig_id)
            student = None if gig is None else gig["claimant_id"]
            if student is None:
                return None
        return self.entries.update(conn, gig_id, student, updated_at=iso_at(event.timestamp), **values)

    @handles(Gig.DraftCreated)
    def on_draft_created(self, conn: Connection, event: Gig.DraftCreated) -> None:
        self.gigs.put(
            {
                "gig_id": text_id(event.originator_id),
                "employer_id": text_id(event.employer_id),
                "title": event.brief.title,
                **pay_columns(event.brief),
                "claimant_id": None,
            }
        )

    @handles(Gig.DraftEdited)
    def on_draft_edited(self, conn: Connection, event: Gig.DraftEdited) -> None:
        self._gig(conn, event, title=event.brief.title, **pay_columns(event.brief))

    @handles(Gig.Claimed)
    def on_claimed(self, conn: Connection, event: Gig.Claimed) -> None:
        student, gig_id, at = text_id(event.student_id), text_id(event.originator_id), iso_at(event.timestamp)
        self._gig(conn, event, claimant_id=student)
        again = {
            "status": "claimed",
            "claimed_at": at,
            "submitted_at": None,
            "feedback": None,
            "updated_at": at,
        }
        if self.entries.update(conn, gig_id, student, **again) is None:
            row: Row = dict.fromkeys(_ENTRY_COLUMNS)
            row.update(again, student_id=student, gig_id=gig_id, paid_amount=0, ratings_revealed=0)
            self.entries.put(row)

    @handles(*RELEASED_HOW)
    def on_claim_released(self, conn: Connection, event: Gig.ClaimReleased) -> None:
        self._entry(conn, event, text_id(event.student_id), status=RELEASED_HOW[type(event)])
        self._gig(conn, event, claimant_id=None)

    @handles(Gig.Submitted)
    def on_submitted(self, conn: Connection, event: Gig.Submitted) -> None:
        self._entry(conn, event, status="submitted", submitted_at=iso_at(event.timestamp))

    @handles(Gig.ChangesRequested, Gig.Rejected, Gig.Approved)
    def on_review(self, conn: Connection, event: Gig.ChangesRequested | Gig.Rejected | Gig.Approved) -> None:
        status = "changes_requested" if isinstance(event, Gig.ChangesRequested) else status_after(event)
        self._entry(conn, event, status=status, feedback=event.feedback)

    @handles(Gig.Disputed, Gig.AutoApproved, Gig.RejectionFinal, Gig.DisputeResolved)
    def on_status(self, conn: Connection, event: Any) -> None:
        self._entry(conn, event, status=status_after(event))

    @handles(Gig.Cancelled)
    def on_cancelled(self, conn: Connection, event: Gig.Cancelled) -> None:
        if event.student_id is not None:
            self._entry(conn, event, text_id(event.student_id), status="cancelled")

    @handles(Gig.PayoutRecorded)
    def on_payout(self, conn: Connection, event: Gig.PayoutRecorded) -> None:
        row = self.entries.get(conn, text_id(event.originator_id), text_id(event.student_id))
        if row is not None:
            self._entry(
                conn,
                event,
                text_id(event.student_id),
                paid_amount=row["paid_amount"] + event.amount.amount,
                paid_at=iso_at(event.timestamp),
                status="paid" if row["status"] == "approved" else row["status"],
            )

    @handles(Gig.Rated)
    def on_rated(self, conn: Connection, event: Gig.Rated) -> None:
        # The employer's rating is of the student, and the other way round.
        side = event.side
        rating: dict[str, Any] = {f"{side}_stars": event.stars, f"{side}_comment": event.comment}
        self._entry(conn, event, **rating)

    @handles(Gig.RatingsRevealed)
    def on_ratings_revealed(self, conn: Connection, event: Gig.RatingsRevealed) -> None:
        self._entry(conn, event, ratings_revealed=1)


def _item(row: dict[str, Any]) -> dict[str, Any]:
    currency = row["currency"]
    revealed = bool(row["ratings_revealed"])
    ratings = (
        {
            side: {"stars": row[f"{side}_stars"], "comment": row[f"{side}_comment"]}
            for side in ("employer", "student")
            if row[f"{side}_stars"] is not None
        }
        if revealed
        else {}
    )
    return {
        "gig_id": row["gig_id"],
        "title": row["title"],
        "employer_id": row["employer_id"],
        "status": row["status"],
        "pay": None if row["pay_amount"] is None else {"amount": row["pay_amount"], "currency": currency},
        "paid": {"amount": row["paid_amount"], "currency": currency},
        "claimed_at": row["claimed_at"],
        "submitted_at": row["submitted_at"],
        "paid_at": row["paid_at"],
        "feedback": row["feedback"],
        "ratings": ratings,
    }


def student_portfolio(db: Database, student_id: str) -> dict[str, Any]:
    with db.read() as conn:
        rows = conn.fetchall(
            "SELECT e.*, g.title, g.employer_id, g.pay_amount, g.currency FROM portfolio_entries e"
            " JOIN portfolio_gigs g ON g.gig_id = e.gig_id WHERE e.student_id = :student_id"
            " ORDER BY e.updated_at DESC, e.gig_id",
            {"student_id": student_id},
        )
    gigs = [_item(row) for row in rows]
    earned: dict[str, int] = {}
    for gig in gigs:
        if gig["paid"]["amount"]:
            earned[gig["paid"]["currency"]] = earned.get(gig["paid"]["currency"], 0) + gig["paid"]["amount"]
    return {
        "student_id": student_id,
        "gigs": gigs,
        "claimed": [g for g in gigs if g["status"] in ("claimed", "changes_requested")],
        "submitted": [g for g in gigs if g["submitted_at"] is not None],
        "paid": [g for g in gigs if g["status"] == "paid"],
        "earned": [{"amount": amount, "currency": c} for c, amount in sorted(earned.items())],
    }
