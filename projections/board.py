"""The gig board: what students browse. Only posted (funded, unclaimed) gigs are listed.

Every gig gets a row from its draft on, because the brief arrives long before the funding that
lists it; `listed` says whether the board shows it. A gig leaves the board when it is claimed,
cancelled or expires, and returns when a claim is released. Text search runs over title,
summary and deliverables: FTS5 on SQLite, a generated tsvector with a GIN index on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from domain.brief import Brief
from domain.gig import Gig
from projections.columns import NEVER, iso, iso_or_none, to_json
from projections.database import Connection
from projections.read_model import ReadModel, handles

_COLUMNS = (
    "gig_id TEXT PRIMARY KEY, doc_id BIGINT NOT NULL UNIQUE, employer_id TEXT NOT NULL,"
    " title TEXT NOT NULL, summary TEXT NOT NULL, deliverables TEXT NOT NULL, skills TEXT NOT NULL,"
    " estimated_hours INTEGER, pay_amount BIGINT, currency TEXT, pay_per_hour BIGINT NOT NULL,"
    " deadline TEXT, deadline_key TEXT NOT NULL, jurisdiction TEXT NOT NULL,"
    " listed INTEGER NOT NULL, posted_at TEXT"
)
_PG_SEARCH = (
    ", search tsvector GENERATED ALWAYS AS (to_tsvector('english',"
    " title || ' ' || summary || ' ' || deliverables)) STORED"
)
_INDEXES = (
    "CREATE INDEX IF NOT EXISTS board_newest ON board_gigs (posted_at DESC, gig_id) WHERE listed = 1",
    "CREATE INDEX IF NOT EXISTS board_pay ON board_gigs (pay_amount DESC, gig_id) WHERE listed = 1",
    "CREATE INDEX IF NOT EXISTS board_pay_per_hour ON board_gigs (pay_per_hour DESC, gig_id)"
    " WHERE listed = 1",
    "CREATE INDEX IF NOT EXISTS board_deadline ON board_gigs (deadline_key, gig_id) WHERE listed = 1",
    "CREATE TABLE IF NOT EXISTS board_skills (skill TEXT NOT NULL, gig_id TEXT NOT NULL,"
    " PRIMARY KEY (skill, gig_id))",
)
_BRIEF = (
    "title = :title, summary = :summary, deliverables = :deliverables, skills = :skills,"
    " estimated_hours = :estimated_hours, pay_amount = :pay_amount, currency = :currency,"
    " pay_per_hour = :pay_per_hour, deadline = :deadline, deadline_key = :deadline_key,"
    " jurisdiction = :jurisdiction"
)


def _brief_row(brief: Brief) -> dict[str, Any]:
    pay = brief.pay
    per_hour = -1 if pay is None or not brief.estimated_hours else pay.amount // brief.estimated_hours
    return {
        "title": brief.title,
        "summary": brief.summary,
        "deliverables": to_json(list(brief.deliverables)),
        "skills": to_json(sorted({s.lower() for s in brief.skills})),
        "estimated_hours": brief.estimated_hours,
        "pay_amount": None if pay is None else pay.amount,
        "currency": None if pay is None else pay.currency,
        "pay_per_hour": per_hour,
        "deadline": iso_or_none(brief.deadline),
        "deadline_key": iso(brief.deadline) if brief.deadline else NEVER,
        "jurisdiction": brief.jurisdiction,
    }


class Board(ReadModel):
    name = "board"
    tables = ("board_skills", "board_fts", "board_gigs")

    def schema(self) -> list[str]:
        if self.dialect == "postgres":
            return [
                f"CREATE TABLE IF NOT EXISTS board_gigs ({_COLUMNS}{_PG_SEARCH})",
                "CREATE INDEX IF NOT EXISTS board_search ON board_gigs USING GIN (search)",
                *_INDEXES,
            ]
        return [
            f"CREATE TABLE IF NOT EXISTS board_gigs ({_COLUMNS})",
            "CREATE VIRTUAL TABLE IF NOT EXISTS board_fts USING fts5("
            "title, summary, deliverables, tokenize = 'porter unicode61')",
            *_INDEXES,
        ]

    @handles(Gig.DraftCreated)
    def on_draft_created(self, conn: Connection, event: Gig.DraftCreated) -> None:
        conn.execute(
            "INSERT INTO board_gigs (gig_id, doc_id, employer_id, title, summary, deliverables, skills,"
            " estimated_hours, pay_amount, currency, pay_per_hour, deadline, deadline_key, jurisdiction,"
            " listed) VALUES (:gig_id, (SELECT COALESCE(MAX(doc_id), 0) + 1 FROM board_gigs), :employer_id,"
            " :title, :summary, :deliverables, :skills, :estimated_hours, :pay_amount, :currency,"
            " :pay_per_hour, :deadline, :deadline_key, :jurisdiction, 0)",
            {
                "gig_id": str(event.originator_id),
                "employer_id": str(event.employer_id),
                **_brief_row(event.brief),
            },
        )
        self._index_text(conn, str(event.originator_id), event.brief)

    @handles(Gig.DraftEdited)
    def on_draft_edited(self, conn: Connection, event: Gig.DraftEdited) -> None:
        gig_id = str(event.originator_id)
        conn.execute(
            f"UPDATE board_gigs SET {_BRIEF} WHERE gig_id = :gig_id",
            {"gig_id": gig_id, **_brief_row(event.brief)},
        )
        conn.execute("DELETE FROM board_skills WHERE gig_id = :gig_id", {"gig_id": gig_id})
        self._index_text(conn, gig_id, event.brief, replace=True)

    def _index_text(self, conn: Connection, gig_id: str, brief: Brief, *, replace: bool = False) -> None:
        conn.executemany(
            "INSERT INTO board_skills (skill, gig_id) VALUES (:skill, :gig_id)",
            [{"skill": skill, "gig_id": gig_id} for skill in sorted({s.lower() for s in brief.skills})],
        )
        if self.dialect != "sqlite":
            return
        doc = "(SELECT doc_id FROM board_gigs WHERE gig_id = :gig_id)"
        if replace:
            conn.execute(f"DELETE FROM board_fts WHERE rowid = {doc}", {"gig_id": gig_id})
        conn.execute(
            f"INSERT INTO board_fts (rowid, title, summary, deliverables) VALUES ({doc}, :title, :summary,"
            " :deliverables)",
            {
                "gig_id": gig_id,
                "title": brief.title,
                "summary": brief.summary,
                "deliverables": "\n".join(brief.deliverables),
            },
        )

    @handles(Gig.Published)
    def on_published(self, conn: Connection, event: Gig.Published) -> None:
        conn.execute(
            "UPDATE board_gigs SET pay_amount = :amount, currency = :currency WHERE gig_id = :gig_id",
            {"amount": event.pay.amount, "currency": event.pay.currency, "gig_id": str(event.originator_id)},
        )

    @handles(Gig.FundingRecorded)
    def on_funded(self, conn: Connection, event: Gig.FundingRecorded) -> None:
        conn.execute(
            "UPDATE board_gigs SET listed = 1, posted_at = :at WHERE gig_id = :gig_id",
            {"at": iso(event.timestamp), "gig_id": str(event.originator_id)},
        )

    @handles(Gig.ClaimReleased)
    def on_claim_released(self, conn: Connection, event: Gig.ClaimReleased) -> None:
        self._list(conn, event, listed=True)

    @handles(Gig.Claimed)
    def on_claimed(self, conn: Connection, event: Gig.Claimed) -> None:
        self._list(conn, event, listed=False)

    @handles(Gig.Cancelled, Gig.DeadlineExpired, Gig.FundingExpired)
    def on_gone(self, conn: Connection, event: Any) -> None:
        self._list(conn, event, listed=False)

    def _list(self, conn: Connection, event: Any, *, listed: bool) -> None:
        conn.execute(
            "UPDATE board_gigs SET listed = :listed WHERE gig_id = :gig_id",
            {"listed": int(listed), "gig_id": str(event.originator_id)},
        )
