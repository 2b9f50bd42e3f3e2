"""Writing one page while the next is handled.

Catching up, a group's page is Python on the follower's side (decoding, handlers) and then
PostgreSQL's work on the server's side (COPY, upserts, index updates, commit), one after the
other: each waits for the other (a third of the two cores sat idle during a catch-up). Write-behind
hands a handled page's writes to a thread of their own and handles the next page meanwhile, so
the two overlap.

What keeps that correct:
- Reads for the next page must see every earlier page. Pages commit in order, at most one is in
  flight, and the models keep in memory every row the page in flight wrote (`Rows.carry`), so a
  read of the database only ever asks for rows whose last write has committed.
- A page's writes go in one transaction with its tracking rows, checked and locked first, as
  without write-behind: a crash keeps a page whole or not at all.
- Rows are copied when a write is recorded: the next page's handlers change the same dicts.
- If a page's transaction fails, what the models remember is ahead of the database: the group
  forgets it and goes over the page again one follower at a time, where retries and dead letters
  pin the failure on one event.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from projections.database import Connection, Database, Params, Query, Row, RowsIn, ValuesIn, values_of

Write = Callable[[Connection], None]


class DeferredWrites:
    """A `Connection` for handling a page now and writing it later: reads go to `reader` at
    once, writes are recorded (their rows copied) to be replayed in order by `replay`."""

    def __init__(self, reader: Connection) -> None:
        self._reader = reader
        self.writes: list[Write] = []

    def execute(self, sql: str, params: Params = None) -> None:
        kept = None if params is None else dict(params)
        self.writes.append(lambda conn: conn.execute(sql, kept))

    def executemany(self, sql: str, rows: Sequence[Mapping[str, Any]]) -> None:
        kept = [dict(row) for row in rows]
        self.writes.append(lambda conn: conn.executemany(sql, kept))

    def insert_many(
        self, table: str, columns: Sequence[str], rows: RowsIn, *, key: Sequence[str] = ()
    ) -> None:
        # A snapshot of the values the write needs, in the order it writes them: one C call a row.
        kept = values_of(columns, rows)
        self.writes.append(lambda conn: conn.insert_values(table, columns, kept, key=key))

    def insert_values(
        self, table: str, columns: Sequence[str], values: ValuesIn, *, key: Sequence[str] = ()
    ) -> None:
        kept = list(values)
        self.writes.append(lambda conn: conn.insert_values(table, columns, kept, key=key))

    def fetchall(self, sql: str, params: Params = None) -> list[Row]:
        return self._reader.fetchall(sql, params)

    def fetch_each(self, queries: Sequence[Query]) -> list[list[Row]]:
        return self._reader.fetch_each(queries)

    def fetchone(self, sql: str, params: Params = None) -> Row | None:
        return self._reader.fetchone(sql, params)


def replay(conn: Connection, writes: Sequence[Write]) -> None:
    for write in writes:
        write(conn)


class PageWriter:
    """One thread that commits pages in the order they are given, one at a time."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._pool: ThreadPoolExecutor | None = None

    def submit(self, transaction: Callable[[Connection], None]) -> Future[None]:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="projection-writes")
        return self._pool.submit(self._commit, transaction)

    def _commit(self, transaction: Callable[[Connection], None]) -> None:
        with self.db.transaction() as conn:
            transaction(conn)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
