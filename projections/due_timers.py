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
from projections.read_model import BufferedReadModel, Dialect, Rows, handles, text_id

# (timer name, the date column that arms it, the status it needs; None: any status)
TIMERS: tuple[tuple[str, str, str | None], ...] = (
    ("expire_funding", "funding_expires_at", "awaiting_funding"),
    ("expire_claim", "claim_expires_at", "claimed"),
    ("auto_approve", "review_due_at", "submitted"),
    ("close_undisputed", "dispute_due_at", "rejected"),
    ("expire_deadline", "deadline", "posted"),
    ("reveal_ratings", "ratings_due_at", None),
)


# The gigs whose rows a page changed; a list on PostgreSQL, a JSON array on SQLite.
_PAGE_GIGS = {
    "postgres": "gig_id = ANY(:gig_ids)",
    "sqlite": "gig_id IN (SELECT value FROM json_each(:gig_ids))",
}


_GIG_COLUMNS = (
    "gig_id", "status", "deadline", "funding_expires_at", "claim_expires_at", "review_due_at",
    "dispute_due_at", "ratings_due_at", "ratings_revealed",
)  # fmt: skip


def armed(row: dict[str, Any]) -> list[dict[str, Any]]:
    """The timers a `timer_gigs` row arms: a date that is set, in the status it needs (the
    ratings timer: until the ratings are revealed)."""
    return [
        {"gig_id": row["gig_id"], "name": name, "due_at": row[column]}
        for name, column, status in TIMERS
        if row[column] is not None and (row["status"] == status if status else not row["ratings_revealed"])
    ]


class DueTimers(BufferedReadModel):
    """Each page folds every gig's events into its `timer_gigs` row in memory; at the end of the
    page each changed row is written once and the gig's timers are derived from it, once."""

    name = "due_timers"
    writes_behind = True
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
        self.gigs = Rows(dialect, "timer_gigs", ("gig_id",), _GIG_COLUMNS)
        self._changed: dict[str, None] = {}
        self._page_gigs = _PAGE_GIGS[dialect]

    def buffers(self) -> list[Rows]:
        return [self.gigs]

    def page_started(self) -> None:
        super().page_started()
        self._changed = {}

    def page_continued(self) -> None:
        super().page_continued()
        self._changed = {}

    def page_finished(self, conn: Connection) -> None:
        """Re-derive the timers of every gig the page changed, once per gig: the timers depend
        only on the gig's row as the page left it, so this equals deriving after each event."""
        if not self._changed:
            return
        changed = list(self._changed)
        gig_ids: Any = json.dumps(changed) if self.dialect == "sqlite" else changed
        self._changed = {}
        conn.execute(f"DELETE FROM due_timers WHERE {self._page_gigs}", {"gig_ids": gig_ids})
        timers = []
        for gig_id in changed:
            row = self.gigs.get(conn, gig_id)
            if row is not None:
                timers.extend(armed(row))
        if timers:
            conn.insert_many("due_timers", ("gig_id", "name", "due_at"), timers)

    def _set(self, conn: Connection, event: Any, **values: Any) -> None:
        gig_id = text_id(event.originator_id)
        self.gigs.update(conn, gig_id, **values)
        self._changed[gig_id] = None

    def _status(self, conn: Connection, event: Any, **values: Any) -> None:
        self._set(conn, event, status=status_after(event), **values)

    @handles(Gig.DraftCreated)
    def on_draft_created(self, conn: Connection, event: Gig.DraftCreated) -> None:
        row: dict[str, Any] = dict.fromkeys(_GIG_COLUMNS)
        row.update(
            gig_id=text_id(event.originator_id),
            status="draft",
            deadline=iso_or_none(event.brief.deadline),
            ratings_revealed=0,
        )
        self.gigs.put(row)

    @handles(Gig.DraftEdited)
    def on_draft_edited(self, conn: Connection, event: Gig.DraftEdited) -> None:
        self._set(conn, event, deadline=iso_or_none(event.brief.deadline))

    @handles(Gig.Published)
    def on_published(self, conn: Connection, event: Gig.Published) -> None:
        self._status(conn, event, funding_expires_at=iso(event.funding_expires_at))

    @handles(Gig.FundingRecorded, Gig.FundingExpired)
    def on_funding_settled(self, conn: Connection, event: Any) -> None:
        self._status(conn, event, funding_expires_at=None)

    @handles(Gig.Claimed, Gig.CheckedIn)
    def on_claim_running(self, conn: Connection, event: Gig.Claimed | Gig.CheckedIn) -> None:
        status = {"status": "claimed"} if isinstance(event, Gig.Claimed) else {}
        self._set(conn, event, claim_expires_at=iso(event.claim_expires_at), **status)

    @handles(*RELEASED_HOW)
    def on_claim_released(self, conn: Connection, event: Gig.ClaimReleased) -> None:
        self._status(conn, event, claim_expires_at=None)

    @handles(Gig.Submitted)
    def on_submitted(self, conn: Connection, event: Gig.Submitted) -> None:
        self._status(conn, event, claim_expires_at=None, review_due_at=iso(event.review_due_at))

    @handles(Gig.ChangesRequested)
    def on_changes_requested(self, conn: Connection, event: Gig.ChangesRequested) -> None:
        self._status(conn, event, review_due_at=None, claim_expires_at=iso(event.claim_expires_at))

    @handles(Gig.Rejected)
    def on_rejected(self, conn: Connection, event: Gig.Rejected) -> None:
        self._status(conn, event, review_due_at=None, dispute_due_at=iso(event.dispute_due_at))

    @handles(Gig.Disputed)
    def on_disputed(self, conn: Connection, event: Gig.Disputed) -> None:
        self._status(conn, event, dispute_due_at=None)

    @handles(*SETTLED)
    def on_settled(self, conn: Connection, event: Gig.Settled) -> None:
        self._status(
            conn,
            event,
            review_due_at=None,
            dispute_due_at=None,
            funding_expires_at=None,
            claim_expires_at=None,
        )

    @handles(Gig.PayoutRecorded)
    def on_payout(self, conn: Connection, event: Gig.PayoutRecorded) -> None:
        gig_id = text_id(event.originator_id)
        row = self.gigs.get(conn, gig_id)
        if row is None:
            self._changed[gig_id] = None
        elif row["status"] == "approved":
            self._set(conn, event, ratings_due_at=iso(event.ratings_due_at), status="paid")
        else:
            self._set(conn, event)

    @handles(Gig.RatingsRevealed)
    def on_ratings_revealed(self, conn: Connection, event: Gig.RatingsRevealed) -> None:
        self._set(conn, event, ratings_revealed=1, ratings_due_at=None)


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
