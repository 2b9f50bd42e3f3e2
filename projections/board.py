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
from projections.columns import NEVER, iso, iso_or_none, pay_columns, to_json
from projections.database import Connection
from projections.read_model import BufferedReadModel, Dialect, Rows, handles, iso_at, text_id

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


def _brief_row(brief: Brief) -> dict[str, Any]:
    pay = brief.pay
    per_hour = -1 if pay is None or not brief.estimated_hours else pay.amount // brief.estimated_hours
    return {
        "title": brief.title,
        "summary": brief.summary,
        "deliverables": to_json(list(brief.deliverables)),
        "skills": to_json(sorted({s.lower() for s in brief.skills})),
        "estimated_hours": brief.estimated_hours,
        **pay_columns(brief),
        "pay_per_hour": per_hour,
        "deadline": iso_or_none(brief.deadline),
        "deadline_key": iso(brief.deadline) if brief.deadline else NEVER,
        "jurisdiction": brief.jurisdiction,
    }


_GIG_COLUMNS = (
    "gig_id", "doc_id", "employer_id", "title", "summary", "deliverables", "skills", "estimated_hours",
    "pay_amount", "currency", "pay_per_hour", "deadline", "deadline_key", "jurisdiction", "listed",
    "posted_at",
)  # fmt: skip


class Board(BufferedReadModel):
    """Each page folds every gig's events into its row in memory and writes each changed row once;
    a brief's skills and search text are written once per gig, from the page's last brief.

    `doc_id` (the FTS5 rowid) numbers the gigs in the order of their drafts: the page reads the
    highest number once and counts on from it."""

    name = "board"
    writes_behind = True
    tables = ("board_skills", "board_fts", "board_gigs")

    def __init__(self, dialect: Dialect) -> None:
        super().__init__(dialect)
        self.gigs = Rows(dialect, "board_gigs", ("gig_id",), _GIG_COLUMNS)
        self._last_doc: int | None = None
        # gig → (its latest brief, whether skills and text may already be stored for it)
        self._texts: dict[str, tuple[Brief, bool]] = {}

    def buffers(self) -> list[Rows]:
        return [self.gigs]

    def page_started(self) -> None:
        super().page_started()
        self._last_doc = None
        self._texts = {}

    def page_continued(self) -> None:
        super().page_continued()
        self._texts = {}

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

    def _next_doc(self, conn: Connection) -> int:
        if self._last_doc is None:
            found = conn.fetchone("SELECT COALESCE(MAX(doc_id), 0) AS doc_id FROM board_gigs")
            self._last_doc = int(found["doc_id"]) if found else 0
        self._last_doc += 1
        return self._last_doc

    @handles(Gig.DraftCreated)
    def on_draft_created(self, conn: Connection, event: Gig.DraftCreated) -> None:
        gig_id = text_id(event.originator_id)
        self.gigs.put(
            {
                "gig_id": gig_id,
                "doc_id": self._next_doc(conn),
                "employer_id": text_id(event.employer_id),
                **_brief_row(event.brief),
                "listed": 0,
                "posted_at": None,
            }
        )
        self._texts[gig_id] = (event.brief, False)

    @handles(Gig.DraftEdited)
    def on_draft_edited(self, conn: Connection, event: Gig.DraftEdited) -> None:
        gig_id = text_id(event.originator_id)
        self.gigs.update(conn, gig_id, **_brief_row(event.brief))
        _, stored = self._texts.get(gig_id, (None, True))
        self._texts[gig_id] = (event.brief, stored)

    def flush(self, conn: Connection) -> None:
        super().flush(conn)
        if not self._texts:
            return
        texts, self._texts = self._texts, {}
        replaced = [{"gig_id": gig_id} for gig_id, (_, stored) in texts.items() if stored]
        if replaced:
            conn.executemany("DELETE FROM board_skills WHERE gig_id = :gig_id", replaced)
        skills = [
            {"skill": skill, "gig_id": gig_id}
            for gig_id, (brief, _) in texts.items()
            for skill in sorted({s.lower() for s in brief.skills})
        ]
        if skills:
            conn.insert_many("board_skills", ("skill", "gig_id"), skills)
        if self.dialect != "sqlite":
            return  # the tsvector is a generated column of the row just written
        docs: list[dict[str, Any]] = []
        for gig_id, (brief, stored) in texts.items():
            row = self.gigs.get(conn, gig_id)
            doc = None if row is None else row["doc_id"]
            docs.append(
                {
                    "doc": doc,
                    "stored": stored,
                    "title": brief.title,
                    "summary": brief.summary,
                    "deliverables": "\n".join(brief.deliverables),
                }
            )
        stale = [{"doc": d["doc"]} for d in docs if d["stored"] and d["doc"] is not None]
        if stale:
            conn.executemany("DELETE FROM board_fts WHERE rowid = :doc", stale)
        conn.executemany(
            "INSERT INTO board_fts (rowid, title, summary, deliverables)"
            " VALUES (:doc, :title, :summary, :deliverables)",
            docs,
        )

    @handles(Gig.Published)
    def on_published(self, conn: Connection, event: Gig.Published) -> None:
        self.gigs.update(
            conn, text_id(event.originator_id), pay_amount=event.pay.amount, currency=event.pay.currency
        )

    @handles(Gig.FundingRecorded)
    def on_funded(self, conn: Connection, event: Gig.FundingRecorded) -> None:
        self.gigs.update(conn, text_id(event.originator_id), listed=1, posted_at=iso_at(event.timestamp))

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
        self.gigs.update(conn, text_id(event.originator_id), listed=int(listed))
