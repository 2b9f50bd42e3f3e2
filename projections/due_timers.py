"""What the clock will do to which gig, and when: one row per (gig, timer) that is armed now.

Each event updates the few dates and the status a timer depends on; the gig's rows are then
re-derived from them with the same rules as `Gig.due_timers`, so a timer disarms as soon as the
event that makes it moot is projected.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from domain.gig import Gig
from projections.columns import iso, iso_or_none
from projections.database import Connection, Database
from projections.gig_states import RELEASED_HOW, SETTLED, status_after
from projections.read_model import Dialect, ReadModel, handles

# (timer name, the date column that arms it, the status it needs; None: any status)
TIMERS: tuple[tuple[str, str, str | None], ...] = (
    ("expire_funding", "funding_expires_at", "awaiting_funding"),
    ("expire_claim", "claim_expires_at", "claimed"),
    ("auto_approve", "review_due_at", "submitted"),
    ("close_undisputed", "dispute_due_at", "rejected"),
    ("expire_deadline", "deadline", "posted"),
    ("reveal_ratings", "ratings_due_at", None),
)


def _derive(gigs: str) -> str:
    """The armed timers of the gigs matching `gigs` (a condition on gig_id), from their rows."""
    return " UNION ALL ".join(
        f"SELECT gig_id, '{name}', {column} FROM timer_gigs WHERE {gigs} AND {column} IS NOT NULL"
        + (f" AND status = '{status}'" if status else " AND ratings_revealed = 0")
        for name, column, status in TIMERS
    )


# The gigs whose rows a page changed; a list on PostgreSQL, a JSON array on SQLite.
_PAGE_GIGS = {
    "postgres": "gig_id = ANY(:gig_ids)",
    "sqlite": "gig_id IN (SELECT value FROM json_each(:gig_ids))",
}


class DueTimers(ReadModel):
    name = "due_timers"
    tables = ("due_timers", "timer_gigs")

    def schema(self) -> list[str]:
        return [
            "CREATE TABLE IF NOT EXISTS timer_gigs (gig_id TEXT PRIMARY KEY, status TEXT NOT NULL,"
            " deadline TEXT, funding_expires_at TEXT, claim_expires_at TEXT, review_due_at TEXT,"
            " dispute_due_at TEXT, ratings_due_at TEXT, ratings_revealed INTEGER NOT NULL)",
            "CREATE TABLE IF NOT EXISTS due_timers (gig_id TEXT NOT NULL, name TEXT NOT NULL,"
            " due_at TEXT NOT NULL, PRIMARY KEY (gig_id, name))",
            "CREATE INDEX IF NOT EXISTS due_timers_by_time ON due_timers (due_at, gig_id)",
        ]

    def __init__(self, dialect: Dialect) -> None:
        super().__init__(dialect)
        self._changed: dict[str, None] = {}
        self._page_gigs = _PAGE_GIGS[dialect]

    def page_started(self) -> None:
        self._changed = {}

    def page_finished(self, conn: Connection) -> None:
        """Re-derive the timers of every gig the page changed, once per gig: the timers depend
        only on the gig's row as the page left it, so this equals deriving after each event."""
        if not self._changed:
            return
        gig_ids: Any = list(self._changed)
        if self.dialect == "sqlite":
            gig_ids = json.dumps(gig_ids)
        self._changed = {}
        conn.execute(f"DELETE FROM due_timers WHERE {self._page_gigs}", {"gig_ids": gig_ids})
        conn.execute(
            f"INSERT INTO due_timers (gig_id, name, due_at) {_derive(self._page_gigs)}", {"gig_ids": gig_ids}
        )

    def _set(self, conn: Connection, event: Any, sets: str, **params: Any) -> None:
        gig_id = str(event.originator_id)
        conn.execute(f"UPDATE timer_gigs SET {sets} WHERE gig_id = :gig_id", {"gig_id": gig_id, **params})
        self._changed[gig_id] = None

    def _status(self, conn: Connection, event: Any, sets: str = "", **params: Any) -> None:
        self._set(conn, event, "status = :status" + sets, status=status_after(event), **params)

    @handles(Gig.DraftCreated)
    def on_draft_created(self, conn: Connection, event: Gig.DraftCreated) -> None:
        conn.execute(
            "INSERT INTO timer_gigs (gig_id, status, deadline, ratings_revealed) VALUES (:gig_id, 'draft',"
            " :deadline, 0)",
            {"gig_id": str(event.originator_id), "deadline": iso_or_none(event.brief.deadline)},
        )

    @handles(Gig.DraftEdited)
    def on_draft_edited(self, conn: Connection, event: Gig.DraftEdited) -> None:
        self._set(conn, event, "deadline = :deadline", deadline=iso_or_none(event.brief.deadline))

    @handles(Gig.Published)
    def on_published(self, conn: Connection, event: Gig.Published) -> None:
        self._status(conn, event, ", funding_expires_at = :due", due=iso(event.funding_expires_at))

    @handles(Gig.FundingRecorded, Gig.FundingExpired)
    def on_funding_settled(self, conn: Connection, event: Any) -> None:
        self._status(conn, event, ", funding_expires_at = NULL")

    @handles(Gig.Claimed, Gig.CheckedIn)
    def on_claim_running(self, conn: Connection, event: Gig.Claimed | Gig.CheckedIn) -> None:
        status = ", status = 'claimed'" if isinstance(event, Gig.Claimed) else ""
        self._set(conn, event, "claim_expires_at = :due" + status, due=iso(event.claim_expires_at))

    @handles(*RELEASED_HOW)
    def on_claim_released(self, conn: Connection, event: Gig.ClaimReleased) -> None:
        self._status(conn, event, ", claim_expires_at = NULL")

    @handles(Gig.Submitted)
    def on_submitted(self, conn: Connection, event: Gig.Submitted) -> None:
        self._status(
            conn, event, ", claim_expires_at = NULL, review_due_at = :due", due=iso(event.review_due_at)
        )

    @handles(Gig.ChangesRequested)
    def on_changes_requested(self, conn: Connection, event: Gig.ChangesRequested) -> None:
        self._status(
            conn, event, ", review_due_at = NULL, claim_expires_at = :due", due=iso(event.claim_expires_at)
        )

    @handles(Gig.Rejected)
    def on_rejected(self, conn: Connection, event: Gig.Rejected) -> None:
        self._status(
            conn, event, ", review_due_at = NULL, dispute_due_at = :due", due=iso(event.dispute_due_at)
        )

    @handles(Gig.Disputed)
    def on_disputed(self, conn: Connection, event: Gig.Disputed) -> None:
        self._status(conn, event, ", dispute_due_at = NULL")

    @handles(*SETTLED)
    def on_settled(self, conn: Connection, event: Gig.Settled) -> None:
        self._status(
            conn,
            event,
            ", review_due_at = NULL, dispute_due_at = NULL, funding_expires_at = NULL,"
            " claim_expires_at = NULL",
        )

    @handles(Gig.PayoutRecorded)
    def on_payout(self, conn: Connection, event: Gig.PayoutRecorded) -> None:
        self._set(
            conn,
            event,
            "ratings_due_at = CASE WHEN status = 'approved' THEN :due ELSE ratings_due_at END,"
            " status = CASE WHEN status = 'approved' THEN 'paid' ELSE status END",
            due=iso(event.ratings_due_at),
        )

    @handles(Gig.RatingsRevealed)
    def on_ratings_revealed(self, conn: Connection, event: Gig.RatingsRevealed) -> None:
        self._set(conn, event, "ratings_revealed = 1, ratings_due_at = NULL")


def due(db: Database, now: datetime, limit: int = 100) -> list[dict[str, Any]]:
    """Timers due at `now` or before, soonest first: `{gig_id, name, due_at}`."""
    with db.read() as conn:
        return conn.fetchall(
            "SELECT gig_id, name, due_at FROM due_timers WHERE due_at <= :now ORDER BY due_at, gig_id, name"
            " LIMIT :limit",
            {"now": iso(now), "limit": limit},
        )


def timers_of(db: Database, gig_id: str) -> dict[str, str]:
    with db.read() as conn:
        rows = conn.fetchall("SELECT name, due_at FROM due_timers WHERE gig_id = :gig_id", {"gig_id": gig_id})
    return {row["name"]: row["due_at"] for row in rows}
