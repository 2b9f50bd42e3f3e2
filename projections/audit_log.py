"""The auditor's view of the event log: a filterable index, pages of decoded events, and a
JSON Lines export of the whole log in constant memory.

Gig, type and time are in every stored event, but the actor is not: it is implied by the event
and by who the gig's employer and claimant were at that moment. The `audit_index` read model
records (position, gig, version, type, actor, at) once, so filters are index lookups instead of
decoding (and, with a cipher key, decrypting) the whole log per request. Actors are user ids, or
`clock`, `payments` and `admin` for the system roles (the admin's id is not in the event).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol
from uuid import UUID

import msgspec
from eventsourcing.application import Application
from eventsourcing.persistence import (
    ApplicationRecorder,
    Mapper,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

from domain.gig import Gig
from projections.columns import iso
from projections.database import Connection, Database, Row
from projections.log_pages import retried_read
from projections.paging import InvalidQuery, checked_limit
from projections.read_model import BufferedReadModel, NewRows, Rows, handles, iso_at, text_id


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
    timestamp: Any = None


_STAMP = msgspec.json.Decoder(_Stamp)
_ENCODER = msgspec.json.Encoder()


def plaintext(mapper: Mapper[Any], state: bytes) -> bytes:
    if mapper.cipher:
        state = mapper.cipher.decrypt(state)
    if mapper.compressor:
        state = mapper.compressor.decompress(state)
    return state


def _record(position: int | None, gig_id: str, version: int, topic: str, data: Any) -> dict[str, Any]:
    return {
        "position": position,
        "gig_id": gig_id,
        "version": version,
        "type": type_of(topic),
        "at": data.get("timestamp"),
        "data": data,
    }


def event_record(mapper: Mapper[Any], position: int | None, stored: StoredEvent) -> dict[str, Any]:
    """{position, gig_id, version, type, at, data}: one event as auditors read it."""
    data = msgspec.to_builtins(mapper.transcoder.decode(plaintext(mapper, stored.state)))
    return _record(position, str(stored.originator_id), stored.originator_version, stored.topic, data)


def stores_plain_json(mapper: Mapper[Any]) -> bool:
    """Whether the transcoder writes values as plain JSON (msgspec's codec does; the library's
    default tags UUIDs and datetimes), which lets the export copy state bytes through as they are."""
    probe = {"timestamp": "t", "id": UUID(int=0)}
    try:
        plain = msgspec.json.decode(mapper.transcoder.encode(probe))
    except (msgspec.DecodeError, TypeError, ValueError):
        return False
    return bool(plain == {"timestamp": "t", "id": str(UUID(int=0))})


# ---- the JSON Lines export -----------------------------------------------------------------------

LogRow = tuple[int, str, int, str, bytes]
"""(position, originator id as stored, version, topic, state as stored): one row of the log."""


class LogReader(Protocol):
    """Pages of the log as plain tuples: the export needs no `Notification` objects and no UUIDs."""

    def page(self, after: int, stop: int, limit: int) -> Sequence[LogRow]:
        """Up to `limit` rows with `after < position <= stop`, in log order."""
        ...

    def gig_id(self, stored: str) -> str:
        """The originator id as `str(UUID)` writes it, from the form the table keeps it in."""
        ...


class _PostgresLog:
    def __init__(self, recorder: PostgresApplicationRecorder) -> None:
        self.datastore = recorder.datastore
        # Binary results: bytea arrives as it is, where the text protocol hex-encodes it and the
        # client decodes it again (a quarter of the rows per second); the id as text spares a
        # UUID object per row.
        self.query = SQL(
            "SELECT notification_id, originator_id::text, originator_version, topic, state"
            " FROM {schema}.{table} WHERE notification_id > %s AND notification_id <= %s"
            " ORDER BY notification_id LIMIT %s"
        ).format(schema=Identifier(self.datastore.schema), table=Identifier(recorder.events_table_name))
        self.page: Callable[[int, int, int], list[LogRow]] = retried_read(self._page)

    def _page(self, after: int, stop: int, limit: int) -> list[LogRow]:
        with self.datastore.get_connection() as conn:
            cursor = conn.cursor(row_factory=tuple_row, binary=True)
            cursor.execute(self.query, (after, stop, limit), prepare=True)
            return cursor.fetchall()

    def gig_id(self, stored: str) -> str:
        return stored


class _SQLiteLog:
    def __init__(self, recorder: SQLiteApplicationRecorder) -> None:
        self.datastore = recorder.datastore
        self.query = (
            "SELECT rowid, originator_id, originator_version, topic, state"
            f" FROM {recorder.events_table_name} WHERE rowid > ? AND rowid <= ? ORDER BY rowid LIMIT ?"
        )
        self.uuids = self.datastore.originator_id_type == "uuid"

    def page(self, after: int, stop: int, limit: int) -> list[LogRow]:
        with self.datastore.transaction(commit=False) as cursor:
            plain: Any = cursor  # the sqlite3 cursor itself, whose row factory can be unset
            plain.row_factory = None
            plain.execute(self.query, (after, stop, limit))
            rows: list[LogRow] = plain.fetchall()
            return rows

    def gig_id(self, stored: str) -> str:
        if not self.uuids:
            return stored
        if len(stored) == 32:  # `UUID.hex`, as the recorder writes UUIDs: dash it as str(UUID) does
            s = stored
            return f"{s[:8]}-{s[8:12]}-{s[12:16]}-{s[16:20]}-{s[20:]}"
        return str(UUID(stored))


class LibraryLog:
    """Any other recorder, through the library's own notification reads."""

    def __init__(self, recorder: ApplicationRecorder) -> None:
        self.recorder = recorder

    def page(self, after: int, stop: int, limit: int) -> list[LogRow]:
        page = self.recorder.select_notifications(after, limit, stop=stop, inclusive_of_start=False)
        return [(n.id, str(n.originator_id), n.originator_version, n.topic, n.state) for n in page]

    def gig_id(self, stored: str) -> str:
        return stored


def log_reader(app: Application[Any]) -> LogReader:
    """The fastest way to page through this application's log: one query of our own on the
    recorder's own connections and table where the recorder is one we know, else the library's."""
    recorder = app.recorder
    if isinstance(recorder, PostgresApplicationRecorder):
        return _PostgresLog(recorder)
    if isinstance(recorder, SQLiteApplicationRecorder):
        return _SQLiteLog(recorder)
    return LibraryLog(recorder)


_LINE = b'{"position":%d,"gig_id":%b,"version":%d,"type":%b,"at":%b,"data":%b}\n'
# msgspec writes the event's timestamp first; a value with no escapes in it is exactly the JSON
# msgspec would write for the decoded string, so it can be copied out without parsing the state.
_TIMESTAMP_FIRST = re.compile(rb'\{"timestamp":("[^"\\\x00-\x1f]*")')


class JsonLines:
    """Turns pages of log rows into JSON Lines, byte for byte what encoding `event_record` gives.
    `decode` forces the slow path that decodes every state, which the fast one is checked against."""

    def __init__(self, mapper: Mapper[Any], reader: LogReader, *, decode: bool = False) -> None:
        self.mapper = mapper
        self.reader = reader
        self.encrypted = bool(mapper.cipher or mapper.compressor)
        self.raw_json = not decode and stores_plain_json(mapper)
        self.types: dict[str, bytes] = {}  # one entry per event class

    def page(self, rows: Sequence[LogRow]) -> bytes:
        if not self.raw_json:
            return b"".join(self._decoded(row) for row in rows)
        reader, types, encrypted = self.reader, self.types, self.encrypted
        # A gig's events cluster in the log, so its id is turned into JSON once per page, not per
        # event; the dict lives for one page, which keeps memory at one page.
        gig_ids: dict[str, bytes] = {}
        stamp = _TIMESTAMP_FIRST.match
        lines = []
        for position, originator, version, topic, state in rows:
            gig = gig_ids.get(originator)
            if gig is None:
                gig = gig_ids[originator] = _ENCODER.encode(reader.gig_id(originator))
            kind = types.get(topic)
            if kind is None:
                kind = types[topic] = _ENCODER.encode(type_of(topic))
            if encrypted:
                state = plaintext(self.mapper, state)
            stamped = stamp(state)
            at = stamped[1] if stamped else _ENCODER.encode(_STAMP.decode(state).timestamp)
            # The stored state is already JSON: spliced in rather than decoded and re-encoded.
            lines.append(_LINE % (position, gig, version, kind, at, state))
        return b"".join(lines)

    def _decoded(self, row: LogRow) -> bytes:
        position, originator, version, topic, state = row
        data = msgspec.to_builtins(self.mapper.transcoder.decode(plaintext(self.mapper, state)))
        record = _record(position, self.reader.gig_id(originator), version, topic, data)
        return _ENCODER.encode(record) + b"\n"


def export_jsonl(app: Application[Any], *, after: int = 0, page_size: int = 2000) -> Iterator[bytes]:
    """The whole log as JSON Lines, one chunk per page of the log: memory stays at one page
    however long the log. It stops at the head as it stood when the export began, so a
    download is a consistent prefix of the log even while gigs keep moving."""
    reader = log_reader(app)
    lines = JsonLines(app.mapper, reader)
    head = app.recorder.max_notification_id() or 0
    start = after
    while start < head:
        page = reader.page(start, head, page_size)
        if not page:
            return
        yield lines.page(page)
        start = page[-1][0]


# ---- the audit index ---------------------------------------------------------------------------

_EMPLOYER_ACTS = (
    Gig.DraftEdited, Gig.Published, Gig.ClaimDeclined, Gig.ChangesRequested,
    Gig.Approved, Gig.Rejected, Gig.Cancelled,
)  # fmt: skip
_CLAIMANT_ACTS = (Gig.Withdrawn, Gig.CheckedIn, Gig.Submitted, Gig.Disputed)
_PAYMENTS_ACTS = (
    Gig.FundingRecorded, Gig.FundingDeclined, Gig.PayoutRecorded, Gig.PayoutFailed, Gig.RefundRecorded,
)  # fmt: skip


def actor_of(event: Any, employer_id: str | None, claimant_id: str | None) -> str | None:
    """Who did it, given who the gig's employer and claimant were just before the event."""
    if isinstance(event, Gig.DraftCreated):
        return text_id(event.employer_id)
    if isinstance(event, Gig.Claimed):
        return text_id(event.student_id)
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


_INDEX_COLUMNS = ("position", "gig_id", "version", "type", "actor", "at")


class AuditIndex(BufferedReadModel):
    """Who did what to which gig, by log position: each event's actor is worked out from the
    gig's employer and current claimant, which `audit_gigs` keeps as the log goes by."""

    name = "audit_index"
    writes_behind = True
    tables = ("audit_index", "audit_gigs")

    def __init__(self, events: EventsTable) -> None:
        super().__init__(events.dialect)
        self.events = events
        self.gigs = Rows(self.dialect, "audit_gigs", ("gig_id",), ("gig_id", "employer_id", "claimant_id"))
        self.entries = NewRows("audit_index", _INDEX_COLUMNS, key=("position",))

    def buffers(self) -> list[Rows]:
        return [self.gigs]

    def additions(self) -> list[NewRows]:
        return [self.entries]

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
        gig_id = text_id(event.originator_id)
        row = self.gigs.get(conn, gig_id) or {}
        employer_id, claimant_id = row.get("employer_id"), row.get("claimant_id")
        actor = actor_of(event, employer_id, claimant_id)
        if isinstance(event, Gig.DraftCreated):
            employer_id = text_id(event.employer_id)
        elif isinstance(event, Gig.Claimed):
            claimant_id = text_id(event.student_id)
        elif isinstance(event, Gig.ClaimReleased):
            claimant_id = None
        self.gigs.put({"gig_id": gig_id, "employer_id": employer_id, "claimant_id": claimant_id})
        position = self.event_position
        if position is None:
            position = self.events.position_of(conn, event.originator_id, event.originator_version)
        self.entries.add(
            {
                "position": position,
                "gig_id": gig_id,
                "version": event.originator_version,
                "type": type(event).__qualname__.rsplit(".", 1)[-1],
                "actor": actor,
                "at": iso_at(event.timestamp),
            }
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
