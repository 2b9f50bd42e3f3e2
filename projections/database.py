"""The read-side database: the same SQLite file or PostgreSQL database as the events.

One small interface for both dialects: SQL is written with `:name` parameters and translated for
psycopg; `transaction()` yields a connection whose writes commit together or not at all, which is
what lets a projection write its rows and its tracking position atomically.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import Any, Literal, Protocol

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

Row = dict[str, Any]
Params = Mapping[str, Any] | None
Query = tuple[str, Params]
"""A statement and its parameters."""
RowsIn = Sequence[Mapping[str, Any]]
ValuesIn = Sequence[tuple[Any, ...]]
_NAMED = re.compile(r"(?<![:\w]):([a-zA-Z_][a-zA-Z0-9_]*)")
COPY_FROM_ROWS = 64
"""From this many rows an `insert_many` on PostgreSQL is a COPY rather than a batch of INSERTs."""


@lru_cache(maxsize=1024)
def to_psycopg(sql: str) -> str:
    """`:name` → `%(name)s`, leaving `::casts` and literal `%` alone."""
    return _NAMED.sub(r"%(\1)s", sql.replace("%", "%%"))


class Connection(Protocol):
    def execute(self, sql: str, params: Params = None) -> None: ...
    def executemany(self, sql: str, rows: Sequence[Mapping[str, Any]]) -> None: ...
    def insert_many(
        self, table: str, columns: Sequence[str], rows: RowsIn, *, key: Sequence[str] = ()
    ) -> None:
        """Insert every row; with a `key`, a row whose key exists has its other columns updated."""
        ...

    def insert_values(
        self, table: str, columns: Sequence[str], values: ValuesIn, *, key: Sequence[str] = ()
    ) -> None:
        """`insert_many` of rows given as tuples of `columns`' values (see `values_of`)."""
        ...

    def fetchall(self, sql: str, params: Params = None) -> list[Row]: ...
    def fetchone(self, sql: str, params: Params = None) -> Row | None: ...
    def fetch_each(self, queries: Sequence[Query]) -> list[list[Row]]:
        """`fetchall` of each query, in one round trip where the connection can send them all
        before reading any reply (PostgreSQL in a pipeline)."""
        ...


@lru_cache(maxsize=256)
def _getter(columns: tuple[str, ...]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    if len(columns) == 1:
        only = columns[0]
        return lambda row: (row[only],)
    return itemgetter(*columns)


def values_of(columns: Sequence[str], rows: RowsIn) -> list[tuple[Any, ...]]:
    """Each row's values in `columns` order, taken by `operator.itemgetter` (no Python loop per
    column): what a COPY writes, and a snapshot of rows their owner goes on changing."""
    return list(map(_getter(tuple(columns)), rows))


@lru_cache(maxsize=256)
def insert_values_sql(table: str, columns: tuple[str, ...], key: tuple[str, ...], placeholder: str) -> str:
    """`insert_sql` with positional placeholders (`?` for SQLite, `%s` for psycopg)."""
    values = ", ".join([placeholder] * len(columns))
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({values})" + _on_conflict(columns, key)


@lru_cache(maxsize=256)
def insert_sql(table: str, columns: tuple[str, ...], key: tuple[str, ...] = ()) -> str:
    """`INSERT … VALUES (:column, …)`, with `ON CONFLICT (key) DO UPDATE` of the other columns."""
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})"
    return sql + _on_conflict(columns, key)


def _on_conflict(columns: tuple[str, ...], key: tuple[str, ...]) -> str:
    if not key:
        return ""
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key)
    return f" ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}"


class Database(Protocol):
    dialect: Literal["sqlite", "postgres"]

    def transaction(self, *, pipeline: bool = False) -> AbstractContextManager[Connection]:
        """Context manager yielding a `Connection`; commits on success, rolls back on error.
        `pipeline` is a hint for batches of writes; dialects that have no such mode ignore it."""
        ...

    def read(self) -> AbstractContextManager[Connection]:
        """Context manager yielding a `Connection` for queries: one consistent snapshot that
        never waits for (or holds up) a writer."""
        ...

    def close(self) -> None: ...


class _SQLiteConnection:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Params = None) -> None:
        self._conn.execute(sql, params or {})

    def executemany(self, sql: str, rows: Sequence[Mapping[str, Any]]) -> None:
        self._conn.executemany(sql, rows)

    def insert_many(
        self, table: str, columns: Sequence[str], rows: RowsIn, *, key: Sequence[str] = ()
    ) -> None:
        if rows:
            self._conn.executemany(insert_sql(table, tuple(columns), tuple(key)), rows)

    def insert_values(
        self, table: str, columns: Sequence[str], values: ValuesIn, *, key: Sequence[str] = ()
    ) -> None:
        if values:
            self._conn.executemany(insert_values_sql(table, tuple(columns), tuple(key), "?"), values)

    def fetchall(self, sql: str, params: Params = None) -> list[Row]:
        cur = self._conn.execute(sql, params or {})
        names = [d[0] for d in cur.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def fetchone(self, sql: str, params: Params = None) -> Row | None:
        rows = self.fetchall(sql, params)
        return rows[0] if rows else None

    def fetch_each(self, queries: Sequence[Query]) -> list[list[Row]]:
        return [self.fetchall(sql, params) for sql, params in queries]


class SQLiteDatabase:
    """One connection per thread; WAL so readers never block the writer."""

    dialect: Literal["sqlite", "postgres"] = "sqlite"

    def __init__(self, path: str | Path, *, busy_timeout_ms: int = 10_000) -> None:
        self.path = str(path)
        self._busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(f"PRAGMA busy_timeout={self._busy_timeout_ms}")
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def transaction(self, *, pipeline: bool = False) -> Iterator[_SQLiteConnection]:
        conn = self._connection()
        # IMMEDIATE takes the write lock up front, so two writers queue instead of deadlocking.
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield _SQLiteConnection(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[_SQLiteConnection]:
        conn = self._connection()
        # A deferred transaction takes no lock until it reads; under WAL it reads a snapshot.
        conn.execute("BEGIN")
        try:
            yield _SQLiteConnection(conn)
        finally:
            conn.execute("ROLLBACK")

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()


class _PostgresConnection:
    """One cursor for the whole transaction: psycopg sets up a cursor per `Connection.execute`,
    which in pipeline mode costs about as much as sending the statement itself."""

    def __init__(self, conn: psycopg.Connection[Row], *, pipeline: bool = False) -> None:
        self._conn = conn
        self._pipeline = pipeline
        self._cur = conn.cursor()
        # Reads get a cursor of their own: in pipeline mode a fetch on the cursor that has just
        # sent an executemany would look for that batch's (absent) rows.
        self._reader = conn.cursor()
        self._readers: list[psycopg.Cursor[Row]] = []

    def execute(self, sql: str, params: Params = None) -> None:
        self._cur.execute(to_psycopg(sql), params or {})

    def executemany(self, sql: str, rows: Sequence[Mapping[str, Any]]) -> None:
        self._cur.executemany(to_psycopg(sql), rows)

    def insert_many(
        self, table: str, columns: Sequence[str], rows: RowsIn, *, key: Sequence[str] = ()
    ) -> None:
        """A page's rows in one COPY: the server parses and plans one statement instead of
        running an INSERT per row, about a fifth less CPU per event between client and server.
        An upsert copies into a temporary table and moves the rows with one INSERT … SELECT …
        ON CONFLICT. Few rows, or a pipeline (where COPY is not allowed), use an `executemany`."""
        if rows:
            self.insert_values(table, columns, values_of(columns, rows), key=key)

    def insert_values(
        self, table: str, columns: Sequence[str], values: ValuesIn, *, key: Sequence[str] = ()
    ) -> None:
        if not values:
            return
        names, keys = tuple(columns), tuple(key)
        if self._pipeline or len(values) < COPY_FROM_ROWS:
            self._cur.executemany(insert_values_sql(table, names, keys, "%s"), values)
            return
        target = table
        if keys:
            target = _staging_table(table, names)
            staged = _STAGING.setdefault(self._conn, set())
            if target not in staged:
                self._cur.execute(
                    f"CREATE TEMPORARY TABLE IF NOT EXISTS {target} ON COMMIT DELETE ROWS"
                    f" AS SELECT {', '.join(names)} FROM {table} WITH NO DATA"
                )
                staged.add(target)
        with self._cur.copy(f"COPY {target} ({', '.join(names)}) FROM STDIN") as copy:
            write = copy.write_row
            for row in values:
                write(row)
        if keys:
            # Emptying the staging table in the same statement keeps a second upsert of the same
            # table in this transaction from seeing these rows again.
            listed = ", ".join(names)
            self._cur.execute(
                f"WITH staged AS (DELETE FROM {target} RETURNING {listed})"
                f" INSERT INTO {table} ({listed}) SELECT {listed} FROM staged{_on_conflict(names, keys)}"
            )

    def fetchall(self, sql: str, params: Params = None) -> list[Row]:
        return self._reader.execute(to_psycopg(sql), params or {}).fetchall()

    def fetch_each(self, queries: Sequence[Query]) -> list[list[Row]]:
        if not self._pipeline or len(queries) < 2:
            return [self.fetchall(sql, params) for sql, params in queries]
        # A cursor per query: all are sent before the first fetch syncs the pipeline, which
        # then brings every reply back in one round trip.
        while len(self._readers) < len(queries):
            self._readers.append(self._conn.cursor())
        cursors = self._readers[: len(queries)]
        for cursor, (sql, params) in zip(cursors, queries, strict=True):
            cursor.execute(to_psycopg(sql), params or {})
        return [cursor.fetchall() for cursor in cursors]

    def fetchone(self, sql: str, params: Params = None) -> Row | None:
        return self._reader.execute(to_psycopg(sql), params or {}).fetchone()


_STAGING: weakref.WeakKeyDictionary[psycopg.Connection[Any], set[str]] = weakref.WeakKeyDictionary()
"""The staging tables each session has created, so that a page does not ask again (a round trip
per table). A transaction that fails forgets its session's: its CREATE may have rolled back."""


@lru_cache(maxsize=256)
def _staging_table(table: str, columns: tuple[str, ...]) -> str:
    """A temporary table per target table and column list (temporary tables live per session)."""
    digest = hashlib.blake2b(",".join(columns).encode(), digest_size=4).hexdigest()
    return f"staged_{table}_{digest}"


def keeps_statistics(db: Database) -> bool:
    """Whether the server brings planner statistics up to date by itself as tables grow
    (PostgreSQL's autovacuum; SQLite plans without them). Read models look rows up by keys
    their indexes serve only once the planner knows the tables are large."""
    if not isinstance(db, PostgresDatabase):
        return True
    with db.read() as conn:
        row = conn.fetchone("SELECT current_setting('autovacuum') AS setting")
    return row is not None and row["setting"] == "on"


def schema_lock_key(schema: str) -> str:
    """The PostgreSQL advisory lock (by `hashtext`) that processes creating tables or indexes in
    `schema` take in turn: CREATE ... IF NOT EXISTS is not safe to race (two creators can both
    find the name free, and one then fails on the catalog's unique index)."""
    return f"fairgig.startup:{schema}"


def lock_schema_changes(db: Database, conn: Connection) -> None:
    """Wait, until `conn`'s transaction ends, for any other process changing the schema of `db`
    (a process starting up, a rebuild dropping tables or building indexes). SQLite's single
    writer serialises this already."""
    if isinstance(db, PostgresDatabase):
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(:key))", {"key": schema_lock_key(db.schema)})


class PostgresDatabase:
    dialect: Literal["sqlite", "postgres"] = "postgres"

    def __init__(self, dsn: str, *, schema: str = "", min_size: int = 1, max_size: int = 8) -> None:
        self.schema = schema
        kwargs: dict[str, Any] = {"row_factory": dict_row, "autocommit": False}
        if schema:
            kwargs["options"] = f"-c search_path={schema}"
        self.pool: ConnectionPool[psycopg.Connection[Row]] = ConnectionPool(
            dsn, min_size=min_size, max_size=max_size, kwargs=kwargs, open=True
        )

    @contextmanager
    def transaction(self, *, pipeline: bool = False) -> Iterator[_PostgresConnection]:
        """`pipeline` sends statements without waiting for each reply (one round trip per
        fetch instead of per statement); a failing statement then surfaces at a later one."""
        with self.pool.connection() as conn:
            try:
                if not pipeline:
                    with conn.transaction():
                        yield _PostgresConnection(conn)
                    return
                with conn.pipeline(), conn.transaction():
                    yield _PostgresConnection(conn, pipeline=True)
            except BaseException:
                _STAGING.pop(conn, None)
                raise

    @contextmanager
    def read(self) -> Iterator[_PostgresConnection]:
        with self.pool.connection() as conn, conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield _PostgresConnection(conn)

    def close(self) -> None:
        self.pool.close()
