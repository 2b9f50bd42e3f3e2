"""Payouts that wait for a student to finish onboarding (or after a refusal), kept durably so
they resume by themselves when the student's account can receive money."""

from __future__ import annotations

from uuid import UUID

from projections.database import Database

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS payout_waiting ( gig_id TEXT PRIMARY KEY, student_id TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS payout_waiting_student ON payout_waiting (student_id)",
)


class PayoutQueue:
    def __init__(self, db: Database) -> None:
        self.db = db
        with db.transaction() as conn:
            for statement in _SCHEMA:
                conn.execute(statement)

    def wait(self, gig_id: UUID, student_id: UUID) -> bool:
        """Queue the gig's payout; True if it was not waiting already. One statement, so two
        processes queueing the same payout at once cannot both insert it."""
        with self.db.transaction() as conn:
            inserted = conn.fetchone(
                "INSERT INTO payout_waiting (gig_id, student_id) VALUES (:g, :s)"
                " ON CONFLICT (gig_id) DO NOTHING RETURNING gig_id",
                {"g": str(gig_id), "s": str(student_id)},
            )
        return inserted is not None

    def done(self, gig_id: UUID) -> None:
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM payout_waiting WHERE gig_id = :g", {"g": str(gig_id)})

    def waiting_for(self, student_id: UUID) -> list[UUID]:
        with self.db.transaction() as conn:
            rows = conn.fetchall(
                "SELECT gig_id FROM payout_waiting WHERE student_id = :s ORDER BY gig_id",
                {"s": str(student_id)},
            )
        return [UUID(row["gig_id"]) for row in rows]
