"""The auditor's view of the event log: a filterable index, pages of decoded events, and a
JSON Lines export of the whole log in constant memory.

Gig, type and time are in every stored event, but the actor is not: it is implied by the event
and by who the gig's employer and claimant were at that moment. The `audit_index` read model
records (position, gig, version, type, actor, at) once, so filters are index lookups instead of
decoding (and, with a cipher key, decrypting) the whole log per request. Actors are user ids, or
`clock`, `payments` and `admin` for the system roles (the admin's id is not in the event).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

import msgspec
from eventsourcing.application import Application
from eventsourcing.persistence import Mapper, StoredEvent

from domain.gig import Gig
from projections.columns import iso
from projections.database import Connection, Database, Row
from projections.paging import InvalidQuery, checked_limit
from projections.read_model import ReadModel, handles


def type_of(topic: str) -> str:
    """`domain.gig:Gig.Claimed` → `Claimed`: the name auditors filter by."""
    return topic.rsplit(":", 1)[-1].rsplit(".", 1)[-1]


@dataclass(frozen=True, slots=True)
class EventsTable:
    """Where the application's recorder keeps its events, for SQL the library does not offer
    (finding an event's position from its id and version, fetching a page of positions)."""

    name: str
    dialect: Literal["sqlite", "postgres"]

    @classmethod
    def of(cls, app: Application[Any]) -> EventsTable:
        recorder: Any = app.recorder
        table: str = recorder.events_table_name
        if type(recorder).__module__.startswith("eventsourcing.postgres"):
            return cls(f"{recorder.datastore.schema}.{table}", "postgres")
        return cls(table, "sqlite")

    @property
    def position(self) -> str:
        return "rowid" if self.dialect == "sqlite" else "notification_id"

    def _id(self, originator_id: UUID) -> Any:
        return originator_id.hex if self.dialect == "sqlite" else originator_id

    def position_of(self, conn: Connection, originator_id: UUID, version: int) -> int:
        row = conn.fetchone(
            f"SELECT {self.position} AS position FROM {self.name}"
            " WHERE originator_id = :id AND originator_version = :version",
            {"id": self._id(originator_id), "version": version},
        )
        if row is None:
            raise LookupError(f"no stored event {originator_id} v{version}")
        return int(row["position"])

    def stored(self, conn: Connection, positions: list[int]) -> dict[int, StoredEvent]:
        if not positions:
            return {}
        marks = ", ".join(f":p{i}" for i in range(len(positions)))
        rows = conn.fetchall(
            f"SELECT {self.position} AS position, originator_id, originator_version, topic, state"
            f" FROM {self.name} WHERE {self.position} IN ({marks})",
            {f"p{i}": p for i, p in enumerate(positions)},
        )
        return {int(r["position"]): _stored_event(r) for r in rows}


def _stored_event(row: Row) -> StoredEvent:
    originator = row["originator_id"]
    return StoredEvent(
        originator_id=originator if isinstance(originator, UUID) else UUID(originator),
        originator_version=int(row["originator_version"]),
        topic=row["topic"],
        state=bytes(row["state"]),
    )


# ---- decoding stored events for auditors ---------------------------------------------------------


class _Stamp(msgspec.Struct):
    timestamp: str


_STAMP = msgspec.json.Decoder(_Stamp)
_ENCODER = msgspec.json.Encoder()


def plaintext(mapper: Mapper[Any], state: bytes) -> bytes:
    if mapper.cipher:
        state = mapper.cipher.decrypt(state)
    if mapper.compressor:
        state = mapper.compressor.decompress(state)
    return state


def event_record(mapper: Mapper[Any], position: int | None, stored: StoredEvent) -> dict[str, Any]:
    """{position, gig_id, version, type, at, data}: one event as auditors read it."""
    data = msgspec.to_builtins(mapper.transcoder.decode(plaintext(mapper, stored.state)))
    return {
        "position": position,
        "gig_id": str(stored.originator_id),
        "version": stored.originator_version,
        "type": type_of(stored.topic),
        "at": data.get("timestamp"),
        "data": data,
    }


def stores_plain_json(mapper: Mapper[Any]) -> bool:
    """Whether the transcoder writes values as plain JSON (msgspec's codec does; the library's
    default tags UUIDs and datetimes), which lets the export copy state bytes through as they are."""
    probe = {"timestamp": "t", "id": UUID(int=0)}
    try:
        plain = msgspec.json.decode(mapper.transcoder.encode(probe))
    except (msgspec.DecodeError, TypeError, ValueError):
        return False
    return bool(plain == {"timestamp": "t", "id": str(UUID(int=0))})


def _jsonl_line(mapper: Mapper[Any], raw_json: bool, position: int, stored: StoredEvent) -> bytes:
    if not raw_json:
        return _ENCODER.encode(event_record(mapper, position, stored)) + b"\n"
    # The stored state is already JSON: splice it in rather than decode and re-encode it.
    state = plaintext(mapper, stored.state)
    line = {
        "position": position,
        "gig_id": str(stored.originator_id),
        "version": stored.originator_version,
        "type": type_of(stored.topic),
        "at": _STAMP.decode(state).timestamp,
        "data": msgspec.Raw(state),
    }
    return _ENCODER.encode(line) + b"\n"


def export_jsonl(app: Application[Any], *, after: int = 0, page_size: int = 1000) -> Iterator[bytes]:
    """The whole log as JSON Lines, one chunk per page of notifications: memory stays at one
    page however long the log. It stops at the head as it stood when the export began, so a
    download is a consistent prefix of the log even while gigs keep moving."""
    recorder, mapper = app.recorder, app.mapper
    raw_json = stores_plain_json(mapper)
    head = recorder.max_notification_id() or 0
    start = after
    while start < head:
        page = recorder.select_notifications(start, page_size, stop=head, inclusive_of_start=False)
        if not page:
            return
        yield b"".join(_jsonl_line(mapper, raw_json, n.id, n) for n in page)
        start = page[-1].id


# ---- the audit index ---------------------------------------------------------------------------

_EMPLOYER_ACTS = (
    Gig.DraftEdited, Gig.Published, Gig.ClaimDeclined, Gig.ChangesRequested,
    Gig.Approved, Gig.Rejected, Gig.Cancelled,
)  # fmt: skip
_CLAIMANT_ACTS = (Gig.Withdrawn, Gig.CheckedIn, Gig.Submitted, Gig.Disputed)
_PAYMENTS_ACTS = (Gig.FundingRecorded, Gig.PayoutRecorded, Gig.PayoutFailed, Gig.RefundRecorded)


def actor_of(event: Any, employer_id: str | None, claimant_id: str | None) -> str | None:
    """Who did it, given who the gig's employer and claimant were just before the event."""
    if isinstance(event, Gig.DraftCreated):
        return str(event.employer_id)
    if isinstance(event, Gig.Claimed):
        return str(event.student_id)
    if isinstance(event, _EMPLOYER_ACTS):
        return employer_id
    if isinstance(event, _CLAIMANT_ACTS):
        return claimant_id
    if isinstance(event, _PAYMENTS_ACTS):
        return "payments"
    if isinstance(event, Gig.DisputeResolved):
        return "admin"
    if isinstance(event, Gig.Rated):
        return employer_id if event.side == "employer" else claimant_id
    return "clock"  # every other gig event is a timer firing


class AuditIndex(ReadModel):
    name = "audit_index"
    tables = ("audit_index", "audit_gigs")

    def __init__(self, events: EventsTable) -> None:
        super().__init__(events.dialect)
        self.events = events

    def schema(self) -> list[str]:
        return [
            "CREATE TABLE IF NOT EXISTS audit_index (position BIGINT PRIMARY KEY, gig_id TEXT NOT NULL,"
            " version BIGINT NOT NULL, type TEXT NOT NULL, actor TEXT, at TEXT NOT NULL)",
            "CREATE INDEX IF NOT EXISTS audit_index_gig ON audit_index (gig_id, position)",
            "CREATE INDEX IF NOT EXISTS audit_index_actor ON audit_index (actor, position)",
            "CREATE INDEX IF NOT EXISTS audit_index_type ON audit_index (type, position)",
            "CREATE INDEX IF NOT EXISTS audit_index_at ON audit_index (at, position)",
            "CREATE TABLE IF NOT EXISTS audit_gigs (gig_id TEXT PRIMARY KEY, employer_id TEXT,"
            " claimant_id TEXT)",
        ]

    @handles(Gig.Event)
    def on_event(self, conn: Connection, event: Any) -> None:
        gig_id = str(event.originator_id)
        row = conn.fetchone("SELECT * FROM audit_gigs WHERE gig_id = :gig_id", {"gig_id": gig_id}) or {}
        employer_id, claimant_id = row.get("employer_id"), row.get("claimant_id")
        actor = actor_of(event, employer_id, claimant_id)
        if isinstance(event, Gig.DraftCreated):
            employer_id = str(event.employer_id)
        elif isinstance(event, Gig.Claimed):
            claimant_id = str(event.student_id)
        elif isinstance(event, Gig.ClaimReleased):
            claimant_id = None
        conn.execute(
            "INSERT INTO audit_gigs VALUES (:gig_id, :employer_id, :claimant_id) ON CONFLICT (gig_id)"
            " DO UPDATE SET employer_id = excluded.employer_id, claimant_id = excluded.claimant_id",
            {"gig_id": gig_id, "employer_id": employer_id, "claimant_id": claimant_id},
        )
        conn.execute(
            "INSERT INTO audit_index VALUES (:position, :gig_id, :version, :type, :actor, :at)"
            " ON CONFLICT (position) DO NOTHING",
            {
                "position": self.events.position_of(conn, event.originator_id, event.originator_version),
                "gig_id": gig_id,
                "version": event.originator_version,
                "type": type(event).__qualname__.rsplit(".", 1)[-1],
                "actor": actor,
                "at": iso(event.timestamp),
            },
        )


@dataclass(frozen=True, slots=True)
class AuditQuery:
    gig: str | None = None
    actor: str | None = None
    type: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    after: int | None = None
    limit: int | None = None


@dataclass(frozen=True, slots=True)
class AuditPage:
    items: list[dict[str, Any]]
    next_cursor: str | None


def _where(query: AuditQuery) -> tuple[str, dict[str, Any]]:
    if query.after is not None and query.after < 0:
        raise InvalidQuery("after must be a log position (0 or more)", field="after")
    clauses, params = ["position > :after"], dict[str, Any](after=query.after or 0)
    for column, value in (("gig_id", query.gig), ("actor", query.actor), ("type", query.type)):
        if value is not None:
            clauses.append(f"{column} = :{column}")
            params[column] = value
    if query.since is not None:
        clauses.append("at >= :since")
        params["since"] = iso(query.since)
    if query.until is not None:
        clauses.append("at < :until")
        params["until"] = iso(query.until)
    return " AND ".join(clauses), params


def get_audit_events(db: Database, app: Application[Any], query: AuditQuery) -> AuditPage:
    """One page of the log in order, filtered through the audit index, each event decoded.
    `next_cursor` is the last position served: pass it back as `after`."""
    limit = checked_limit(query.limit)
    where, params = _where(query)
    events = EventsTable.of(app)
    with db.transaction() as conn:
        rows = conn.fetchall(
            f"SELECT position, actor FROM audit_index WHERE {where} ORDER BY position LIMIT :limit",
            params | {"limit": limit + 1},
        )
        page = rows[:limit]
        stored = events.stored(conn, [int(r["position"]) for r in page])
    items = []
    for row in page:
        position = int(row["position"])
        if position in stored:
            items.append(event_record(app.mapper, position, stored[position]) | {"actor": row["actor"]})
    more = len(rows) > limit
    return AuditPage(items, str(page[-1]["position"]) if more else None)
