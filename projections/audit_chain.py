"""Tamper evidence: a hash chain over the event log, h(n) = sha256(h(n-1) ‖ canonical bytes of event n).

The chain reads stored events exactly as recorded (encrypted state included), so it needs no key
and vouches for the bytes on disk. It keeps one hash per position: `verify` can then name the
first position where the stored log and the chain part ways — an edited byte, a deleted event, an
inserted one, or two events swapped. Anchoring the head outside the database is what protects
against someone who rewrites the log *and* this table; see docs/audit.md.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, Notification

from projections.database import Connection, Database

GENESIS = hashlib.sha256(b"fairgig audit chain v1").digest()
NAME = "audit_chain"

TABLES = (
    "CREATE TABLE IF NOT EXISTS audit_chain ("
    " position BIGINT PRIMARY KEY, length BIGINT NOT NULL, hash TEXT NOT NULL)",
)


@dataclass(frozen=True, slots=True)
class ChainHead:
    head: str
    length: int
    position: int


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    checked: int
    first_bad_position: int | None
    reason: str | None = None


def canonical_bytes(notification: Notification) -> bytes:
    """Every field that makes an event what it is, each length-prefixed so no two different
    events can encode to the same bytes. Originator ids are normalised to the UUID's 16 bytes
    because SQLite stores them as hex text and PostgreSQL as uuid."""
    originator = notification.originator_id
    uuid = originator if isinstance(originator, UUID) else UUID(str(originator))
    topic = notification.topic.encode()
    state = bytes(notification.state)
    return b"".join(
        (
            struct.pack(">QQ", notification.id, notification.originator_version),
            uuid.bytes,
            struct.pack(">I", len(topic)),
            topic,
            struct.pack(">Q", len(state)),
            state,
        )
    )


def link(previous: bytes, notification: Notification) -> bytes:
    return hashlib.sha256(previous + canonical_bytes(notification)).digest()


def create_tables(conn: Connection) -> None:
    for statement in TABLES:
        conn.execute(statement)


def _last(conn: Connection) -> ChainHead | None:
    row = conn.fetchone("SELECT position, length, hash FROM audit_chain ORDER BY position DESC LIMIT 1")
    if row is None:
        return None
    return ChainHead(head=row["hash"], length=int(row["length"]), position=int(row["position"]))


def chain_head(db: Database) -> ChainHead:
    """The head hash and how many events it covers (`GET /audit/chain`)."""
    with db.transaction() as conn:
        last = _last(conn)
    return last or ChainHead(head=GENESIS.hex(), length=0, position=0)


def extend(conn: Connection, notifications: list[Notification]) -> ChainHead | None:
    """Append notifications (in log order, after the current head) to the chain in the caller's
    transaction. The head row doubles as the tracking position, so rows and position agree."""
    last = _last(conn)
    previous = bytes.fromhex(last.head) if last else GENESIS
    length, position = (last.length, last.position) if last else (0, 0)
    rows = []
    for notification in notifications:
        if notification.id <= position:
            continue  # already chained: a re-delivered page changes nothing
        previous, length, position = link(previous, notification), length + 1, notification.id
        rows.append({"position": position, "length": length, "hash": previous.hex()})
    if rows:
        # Two processes extending at once (a worker, `fairgig audit verify`) hash the same events
        # from the same head: the rows one finds already there are the rows it would write.
        conn.executemany(
            "INSERT INTO audit_chain VALUES (:position, :length, :hash) ON CONFLICT (position) DO NOTHING",
            rows,
        )
    return _last(conn)


def catch_up(recorder: ApplicationRecorder, db: Database, *, batch_size: int = 1000) -> ChainHead:
    """Chain every event recorded since the head, one page per transaction."""
    with db.transaction() as conn:
        create_tables(conn)
    while True:
        with db.transaction() as conn:
            last = _last(conn)
            page = recorder.select_notifications(
                last.position if last else None, batch_size, inclusive_of_start=False
            )
            extend(conn, list(page))
        if len(page) < batch_size:
            return chain_head(db)


def _chain_rows(db: Database, page_size: int) -> Iterator[tuple[int, str]]:
    after = -1
    while True:
        with db.transaction() as conn:
            rows = conn.fetchall(
                "SELECT position, hash FROM audit_chain WHERE position > :after ORDER BY position LIMIT :n",
                {"after": after, "n": page_size},
            )
        yield from ((int(r["position"]), str(r["hash"])) for r in rows)
        if len(rows) < page_size:
            return
        after = int(rows[-1]["position"])


def _stored(recorder: ApplicationRecorder, until: int, page_size: int) -> Iterator[Notification]:
    start: int | None = None
    while True:
        page = recorder.select_notifications(start, page_size, stop=until, inclusive_of_start=False)
        yield from page
        if len(page) < page_size:
            return
        start = page[-1].id


def verify(
    recorder: ApplicationRecorder, db: Database, *, anchor: ChainHead | None = None, page_size: int = 1000
) -> Verification:
    """Recompute the chain from the stored events and compare it, position by position, with the
    recorded one (and with an anchored head, when the auditor brings one). Constant memory."""
    head = chain_head(db)
    stored = _stored(recorder, head.position, page_size)
    previous, checked = GENESIS, 0
    for position, expected in _chain_rows(db, page_size):
        event = next(stored, None)
        if event is None or event.id > position:
            return Verification(False, checked, position, "event missing from the log")
        if event.id < position:
            return Verification(False, checked, event.id, "event not in the chain")
        previous = link(previous, event)
        checked += 1
        if previous.hex() != expected:
            return Verification(False, checked, position, "event bytes differ from when they were chained")
        if anchor is not None and checked == anchor.length and previous.hex() != anchor.head:
            return Verification(False, checked, None, "the chain differs from the anchored head")
    extra = next(stored, None)
    if extra is not None:
        return Verification(False, checked, extra.id, "event not in the chain")
    if anchor is not None and anchor.length > checked:
        return Verification(False, checked, None, "the log is shorter than the anchored head")
    return Verification(True, checked, None)
