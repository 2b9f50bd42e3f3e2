"""A student's portfolio: every gig they claimed, submitted and got paid for, with the
employer's feedback and the ratings once the double-blind window has revealed them."""

from __future__ import annotations

from typing import Any

from domain.gig import Gig
from projections.columns import iso
from projections.database import Connection, Database
from projections.gig_states import RELEASED_HOW, status_after
from projections.read_model import PoisonPolicy, ReadModel, handles

_CLAIMANT = "(SELECT claimant_id FROM portfolio_gigs WHERE gig_id = :gig_id)"


class StudentPortfolio(ReadModel):
    name = "student_portfolio"
    tables = ("portfolio_entries", "portfolio_gigs")
    on_poison = PoisonPolicy.SKIP

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
        ]

    def _gig(self, conn: Connection, event: Any, sets: str, **params: Any) -> None:
        conn.execute(
            f"UPDATE portfolio_gigs SET {sets} WHERE gig_id = :gig_id",
            {"gig_id": str(event.originator_id), **params},
        )

    def _entry(
        self, conn: Connection, event: Any, sets: str, student: str | None = None, **params: Any
    ) -> None:
        who = ":student" if student else _CLAIMANT
        conn.execute(
            f"UPDATE portfolio_entries SET {sets}, updated_at = :at"
            f" WHERE gig_id = :gig_id AND student_id = {who}",
            {"gig_id": str(event.originator_id), "at": iso(event.timestamp), "student": student, **params},
        )

    @handles(Gig.DraftCreated)
    def on_draft_created(self, conn: Connection, event: Gig.DraftCreated) -> None:
        pay = event.brief.pay
        conn.execute(
            "INSERT INTO portfolio_gigs (gig_id, employer_id, title, pay_amount, currency)"
            " VALUES (:gig_id, :employer_id, :title, :pay_amount, :currency)",
            {
                "gig_id": str(event.originator_id),
                "employer_id": str(event.employer_id),
                "title": event.brief.title,
                "pay_amount": None if pay is None else pay.amount,
                "currency": None if pay is None else pay.currency,
            },
        )

    @handles(Gig.DraftEdited)
    def on_draft_edited(self, conn: Connection, event: Gig.DraftEdited) -> None:
        pay = event.brief.pay
        self._gig(
            conn,
            event,
            "title = :title, pay_amount = :pay_amount, currency = :currency",
            title=event.brief.title,
            pay_amount=None if pay is None else pay.amount,
            currency=None if pay is None else pay.currency,
        )

    @handles(Gig.Claimed)
    def on_claimed(self, conn: Connection, event: Gig.Claimed) -> None:
        student = str(event.student_id)
        self._gig(conn, event, "claimant_id = :student", student=student)
        conn.execute(
            "INSERT INTO portfolio_entries (student_id, gig_id, status, claimed_at, paid_amount,"
            " ratings_revealed, updated_at) VALUES (:student, :gig_id, 'claimed', :at, 0, 0, :at)"
            " ON CONFLICT (student_id, gig_id) DO UPDATE SET status = 'claimed',"
            " claimed_at = excluded.claimed_at, submitted_at = NULL, feedback = NULL,"
            " updated_at = excluded.updated_at",
            {"student": student, "gig_id": str(event.originator_id), "at": iso(event.timestamp)},
        )

    @handles(*RELEASED_HOW)
    def on_claim_released(self, conn: Connection, event: Gig.ClaimReleased) -> None:
        self._entry(
            conn, event, "status = :status", student=str(event.student_id), status=RELEASED_HOW[type(event)]
        )
        self._gig(conn, event, "claimant_id = NULL")

    @handles(Gig.Submitted)
    def on_submitted(self, conn: Connection, event: Gig.Submitted) -> None:
        self._entry(conn, event, "status = 'submitted', submitted_at = :at")

    @handles(Gig.ChangesRequested, Gig.Rejected, Gig.Approved)
    def on_review(self, conn: Connection, event: Gig.ChangesRequested | Gig.Rejected | Gig.Approved) -> None:
        status = "changes_requested" if isinstance(event, Gig.ChangesRequested) else status_after(event)
        self._entry(
            conn, event, "status = :status, feedback = :feedback", status=status, feedback=event.feedback
        )

    @handles(Gig.Disputed, Gig.AutoApproved, Gig.RejectionFinal, Gig.DisputeResolved)
    def on_status(self, conn: Connection, event: Any) -> None:
        self._entry(conn, event, "status = :status", status=status_after(event))

    @handles(Gig.Cancelled)
    def on_cancelled(self, conn: Connection, event: Gig.Cancelled) -> None:
        if event.student_id is not None:
            self._entry(conn, event, "status = 'cancelled'", student=str(event.student_id))

    @handles(Gig.PayoutRecorded)
    def on_payout(self, conn: Connection, event: Gig.PayoutRecorded) -> None:
        self._entry(
            conn,
            event,
            "paid_amount = paid_amount + :amount, paid_at = :at,"
            " status = CASE WHEN status = 'approved' THEN 'paid' ELSE status END",
            student=str(event.student_id),
            amount=event.amount.amount,
        )

    @handles(Gig.Rated)
    def on_rated(self, conn: Connection, event: Gig.Rated) -> None:
        # The employer's rating is of the student, and the other way round.
        side = event.side
        self._entry(
            conn,
            event,
            f"{side}_stars = :stars, {side}_comment = :comment",
            stars=event.stars,
            comment=event.comment,
        )

    @handles(Gig.RatingsRevealed)
    def on_ratings_revealed(self, conn: Connection, event: Gig.RatingsRevealed) -> None:
        self._entry(conn, event, "ratings_revealed = 1")


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
