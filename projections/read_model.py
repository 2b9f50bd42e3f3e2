"""The base of every read model: its tables, its handlers (one per event type) and its policy
for an event it cannot process.

A handler is a method decorated with `@handles(EventClass)`; it also receives the subclasses of
that class (so `Gig.ClaimReleased` covers declined, withdrawn and expired claims). The topics a
model handles are derived from its handlers, so the follower decodes nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any, ClassVar, Literal, TypeVar
from uuid import UUID

from eventsourcing.utils import get_topic

from projections.columns import iso
from projections.database import Connection, Query, Row

Dialect = Literal["sqlite", "postgres"]


_TEXT_IDS: dict[int, str] = {}
_TEXT_IDS_KEPT = 16_384


def text_id(uuid: UUID) -> str:
    """`str(uuid)`, remembered: every model of a page keys its rows by the same few gigs. Keyed
    by the UUID's integer, whose hash and comparison are the interpreter's own (a UUID's are
    Python methods, and every decoded event brings a new UUID object): half the cost of an
    `lru_cache` on the UUID."""
    key = uuid.int
    found = _TEXT_IDS.get(key)
    if found is None:
        if len(_TEXT_IDS) >= _TEXT_IDS_KEPT:
            _TEXT_IDS.clear()
        found = _TEXT_IDS[key] = str(uuid)
    return found


@lru_cache(maxsize=16_384)
def iso_at(moment: datetime) -> str:
    """`iso(moment)`, remembered: every model of a page dates its rows by the same events."""
    return iso(moment)


@dataclass(frozen=True, slots=True)
class PageGigs:
    """The gigs a page's events belong to, as text: `earlier` may have rows from earlier pages;
    `created` cannot, for their first event is in this page (catching up from empty, most of a
    page's gigs), so nobody asks the database for them."""

    earlier: set[str]
    created: set[str]

    @classmethod
    def of(cls, events: Iterable[Any], seen: Iterable[Any] = ()) -> PageGigs:
        """`seen`: events of the page that a model has already processed, whose gigs are
        `earlier` whatever their version."""
        earlier = {text_id(event.originator_id) for event in seen}
        created: set[str] = set()
        for event in events:
            gig = text_id(event.originator_id)
            if event.originator_version == 1 and gig not in earlier:
                created.add(gig)
            else:
                earlier.add(gig)
        return cls(earlier - created, created)


def load_rows(
    conn: Connection, loads: Sequence[tuple[Rows, Query]], *, first: Query | None = None
) -> list[Row]:
    """Run the `row_loads` of one model or of several in one `fetch_each` and hand each buffer
    its rows; `first`, sent ahead of them in the same round trip, has its rows returned."""
    queries = [query for _, query in loads]
    if first is not None:
        queries.insert(0, first)
    found = conn.fetch_each(queries) if queries else []
    ahead = found.pop(0) if first is not None else []
    for (rows, _), taken in zip(loads, found, strict=True):
        rows.take(taken)
    return ahead


def is_secondary_index(statement: str) -> bool:
    """A schema statement creating an index that only speeds up reads: a rebuild may leave it
    out until its tables are loaded. Unique indexes are constraints and never deferred; every
    upsert's conflict target is a primary key."""
    return statement.lstrip().upper().startswith("CREATE INDEX")


Handler = Callable[[Any, Connection, Any], None]
F = TypeVar("F", bound=Callable[..., None])


class PoisonPolicy(StrEnum):
    """What a follower does once an event has failed every retry and is parked."""

    STOP = "stop"
    """Halt the projection: its rows stay consistent but stop moving until someone fixes it."""
    SKIP = "skip"
    """Go on past the event: the rows keep moving but may miss what that event meant."""


def handles(*event_classes: type) -> Callable[[F], F]:
    def mark(method: F) -> F:
        method._handles = event_classes  # type: ignore[attr-defined]
        return method

    return mark


def _with_subclasses(cls: type) -> list[type]:
    found: list[type] = [cls]
    subclasses: list[type] = cls.__subclasses__()
    for sub in subclasses:
        found.extend(_with_subclasses(sub))
    return found


class ReadModel:
    name: ClassVar[str]
    tables: ClassVar[tuple[str, ...]]
    """Every table the model owns, dropped on rebuild (children before parents)."""
    on_poison: ClassVar[PoisonPolicy] = PoisonPolicy.STOP
    writes_behind: ClassVar[bool] = False
    """The model may handle a page while the page before it is still being written (see
    `projections.write_behind`): every read of its handlers goes through buffers that carry the
    rows of the page in flight, and `page_continued` keeps what it must between pages."""
    _handlers: ClassVar[dict[type, Handler]]
    _dispatch: ClassVar[dict[type, Handler | None]]

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.event_position: int | None = None
        """The log position of the event being handled, set by the follower before `handle`
        (None when a caller hands events in without one)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._handlers = {}
        cls._dispatch = {}
        for attr in vars(cls).values():
            for event_class in getattr(attr, "_handles", ()):
                cls._handlers[event_class] = attr

    def schema(self) -> list[str]:
        """CREATE statements for `self.dialect`, idempotent (IF NOT EXISTS)."""
        raise NotImplementedError

    def drop(self) -> list[str]:
        return [f"DROP TABLE IF EXISTS {table}" for table in self.tables]

    @property
    def topics(self) -> tuple[str, ...]:
        classes: set[type] = {sub for cls in self._handlers for sub in _with_subclasses(cls)}
        return tuple(sorted(get_topic(cls) for cls in classes))

    def page_started(self) -> None:
        """Before a page's events are handled. A model that defers work to the end of the page
        (to do it once per row rather than once per event) forgets here what a page that
        rolled back left behind."""

    def page_continued(self) -> None:
        """Instead of `page_started` when the page before was handled and handed to the writer:
        keep what that page left in memory (its rows, counters), for the database may not have
        it yet. Only models with `writes_behind` are asked."""
        raise NotImplementedError

    def page_events(self, conn: Connection, events: Sequence[Any], gigs: PageGigs | None = None) -> None:
        """Before a page's events are handled, with all of them: a model that buffers its rows
        loads the rows the page touches here, in one query per table. `gigs`, when given, are
        the page's gigs, worked out once for every model of a group."""

    def row_loads(self, gigs: PageGigs) -> list[tuple[Rows, Query]]:
        """What `page_events` would read for the page, counted as read: a group sends every
        model's queries in one round trip, hands each buffer its rows, and the model's
        `page_events` then finds nothing left to read."""
        return []

    def flush(self, conn: Connection) -> None:
        """Write what the handlers buffered. The group calls it once per page; a follower on its
        own calls it after every event, so a failing write is pinned on the event that caused it."""

    def page_finished(self, conn: Connection) -> None:
        """After a page's events, in the same transaction, before the position moves."""

    def handle(self, conn: Connection, event: Any) -> None:
        handler = self.handler_for(type(event))
        if handler is not None:
            handler(self, conn, event)

    def handle_all(self, conn: Connection, events: Sequence[Any], positions: Sequence[int]) -> None:
        """`handle` each event in turn, `event_position` set to its position: a page's loop,
        without a call of `handle` per event."""
        dispatch = self._dispatch
        for position, event in zip(positions, events, strict=True):
            self.event_position = position
            kind = type(event)
            handler = dispatch[kind] if kind in dispatch else self.handler_for(kind)
            if handler is not None:
                handler(self, conn, event)

    @classmethod
    def handler_for(cls, kind: type) -> Handler | None:
        try:
            return cls._dispatch[kind]
        except KeyError:
            # The nearest handled class in the event's MRO, looked up once per event class.
            found = (cls._handlers[c] for c in kind.__mro__ if c in cls._handlers)
            handler = cls._dispatch[kind] = next(found, None)
            return handler


Key = tuple[Any, ...]
_UNKNOWN: Any = object()
CARRIED_ROWS = 1_000
"""Rows a buffer keeps from page to page when writing behind, beyond those of the page in flight
(which it always keeps): a gig's events are close together in the log, so few older rows are
touched again, and every row kept is memory (1,000 and 10,000 caught up equally fast)."""

# The rows whose key is in a list: a list on PostgreSQL, a JSON array on SQLite.
_ANY_OF = {
    "postgres": "{column} = ANY(:keys)",
    "sqlite": "{column} IN (SELECT value FROM json_each(:keys))",
}


class Rows:
    """One table's rows as a page leaves them, kept in memory for the page: a handler reads a row
    here first (then from the database, once) and changes it in place; `flush` writes each changed
    row once, with one upsert statement sent for all of them, however many events changed it.

    A row that the database does not have is cached as None, so a handler's change to a missing
    row does nothing, as an UPDATE of no row would."""

    def __init__(self, dialect: Dialect, table: str, key: tuple[str, ...], columns: tuple[str, ...]) -> None:
        self.dialect = dialect
        self.table = table
        self.key = key
        self.columns = columns
        self._rows: dict[Key, Row | None] = {}
        self._dirty: dict[Key, None] = {}
        self._complete: set[Any] = set()
        self._flushed: list[Key] = []
        self._fresh: set[Key] = set()
        names = ", ".join(columns)
        where = " AND ".join(f"{k} = :{k}" for k in key)
        self._select = f"SELECT {names} FROM {table} WHERE {where}"
        self._select_many = f"SELECT {names} FROM {table} WHERE {_ANY_OF[dialect].format(column=key[0])}"

    def reset(self) -> None:
        self._rows = {}
        self._dirty = {}
        self._complete = set()
        self._flushed = []
        self._fresh = set()

    def carry(self) -> None:
        """Start a page keeping the rows in memory: the last flush may not be committed yet, so
        its rows stay whatever the limit; beyond the limit every other row is dropped (those
        are committed, and read again when needed)."""
        self._dirty = {}
        if len(self._rows) <= CARRIED_ROWS:
            return
        self._rows = {key: self._rows[key] for key in self._flushed}
        # Another row with the same first key value may have been dropped: ask again.
        self._complete = {key[0] for key in self._rows} if len(self.key) == 1 else set()

    def _key(self, row: Row) -> Key:
        return tuple(row[k] for k in self.key)

    def load(self, conn: Connection, values: Iterable[Any]) -> None:
        """Read every row whose first key column has one of these values (and that the buffer
        does not hold yet), in one query; a key of a loaded value that was not found is known
        to be missing without asking the database again."""
        query = self.load_query(values)
        if query is not None:
            self.take(conn.fetchall(*query))

    def load_query(self, values: Iterable[Any]) -> Query | None:
        """The query `load` runs for these values (None: the buffer knows them all), counting
        them as loaded: its rows must reach `take` before the buffer is read."""
        wanted = [v for v in dict.fromkeys(values) if v not in self._complete]
        if not wanted:
            return None
        self._complete.update(wanted)
        param: Any = json.dumps(wanted) if self.dialect == "sqlite" else wanted
        return self._select_many, {"keys": param}

    def take(self, rows: Iterable[Row]) -> None:
        for row in rows:
            self._rows.setdefault(self._key(row), row)

    def missing(self, values: Iterable[Any]) -> None:
        """No row has one of these values as its first key column (yet): known without asking."""
        self._complete.update(values)

    def get(self, conn: Connection, *key: Any) -> Row | None:
        if key not in self._rows:
            if key[0] in self._complete:
                return None
            self._rows[key] = conn.fetchone(self._select, dict(zip(self.key, key, strict=True)))
        return self._rows[key]

    def put(self, row: Row) -> Row:
        """A new row (or one replaced whole): every column must be given."""
        key = self._key(row)
        before = self._rows.get(key, _UNKNOWN)
        if before is None or (before is _UNKNOWN and key[0] in self._complete):
            self._fresh.add(key)  # known not to be in the database: a plain insert will do
        self._rows[key] = row
        self._dirty[key] = None
        return row

    def update(self, conn: Connection, *key: Any, **values: Any) -> Row | None:
        """Set columns of the row, if it exists; return it (None: no such row, nothing done)."""
        # Most updates find the row in memory: a page folds a gig's events into one row.
        row: Row | None = self._rows.get(key, _UNKNOWN)
        if row is _UNKNOWN:
            row = self.get(conn, *key)
        if row is not None:
            row.update(values)
            self._dirty[key] = None
        return row

    def touch(self, row: Row) -> None:
        """The row was changed in place."""
        self._dirty[self._key(row)] = None

    def flush(self, conn: Connection) -> None:
        if not self._dirty:
            self._flushed = []
            return
        fresh = self._fresh
        new: list[Row] = []
        changed: list[Row] = []
        for key in self._dirty:
            row = self._rows[key]
            if row is not None:
                (new if key in fresh else changed).append(row)
        self._flushed = list(self._dirty)
        self._dirty = {}
        self._fresh = set()
        # New rows go straight in (a COPY into the table on PostgreSQL); only rows the database
        # may have already take the upsert's detour through a staging table.
        if new:
            conn.insert_many(self.table, self.columns, new)
        if changed:
            conn.insert_many(self.table, self.columns, changed, key=self.key)


class NewRows:
    """Rows a page only adds to one table (timeline entries, postings, facts, index entries),
    kept for the page and written with one `insert_many`; with a `key`, a row written again (a
    replayed page) replaces itself rather than failing."""

    def __init__(self, table: str, columns: tuple[str, ...], key: tuple[str, ...] = ()) -> None:
        self.table = table
        self.columns = columns
        self.key = key
        self._rows: list[Row] = []

    def add(self, row: Row) -> None:
        self._rows.append(row)

    def extend(self, rows: Iterable[Row]) -> None:
        self._rows.extend(rows)

    def reset(self) -> None:
        self._rows = []

    def flush(self, conn: Connection) -> None:
        if self._rows:
            rows, self._rows = self._rows, []
            conn.insert_many(self.table, self.columns, rows, key=self.key)


class BufferedReadModel(ReadModel):
    """A read model whose handlers change rows in `Rows` buffers (and add rows to `NewRows`)
    rather than in the database."""

    def buffers(self) -> Sequence[Rows]:
        raise NotImplementedError

    def additions(self) -> Sequence[NewRows]:
        """The tables this model only adds rows to, written after its `buffers`."""
        return ()

    def page_started(self) -> None:
        for rows in self.buffers():
            rows.reset()
        for added in self.additions():
            added.reset()

    def page_continued(self) -> None:
        for rows in self.buffers():
            rows.carry()
        for added in self.additions():
            added.reset()

    def page_events(self, conn: Connection, events: Sequence[Any], gigs: PageGigs | None = None) -> None:
        load_rows(conn, self.row_loads(gigs if gigs is not None else PageGigs.of(events)))

    def row_loads(self, gigs: PageGigs) -> list[tuple[Rows, Query]]:
        loads = []
        for rows in self.buffers():
            if rows.key[0] == "gig_id":
                query = rows.load_query(gigs.earlier)
                rows.missing(gigs.created)
                if query is not None:
                    loads.append((rows, query))
        return loads

    def flush(self, conn: Connection) -> None:
        for rows in self.buffers():
            rows.flush(conn)
        for added in self.additions():
            added.flush(conn)
