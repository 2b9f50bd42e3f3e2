"""Pages of the notification log as followers read them.

On PostgreSQL a query of our own, with binary results as plain tuples: the library's
`select_notifications` fetches `state` in the text protocol (hex-encoded bytea, decoded again on
the client), builds a dict per row and a frozen dataclass per event, which was a seventh of a
catching-up group's time. The entries answer to the same attributes as the library's
`Notification` (`id`, `originator_id`, `originator_version`, `topic`, `state`), which is all a
follower and the mapper read. Other recorders keep the library's query.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import NamedTuple, cast
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, InterfaceError, Notification, OperationalError
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import retry
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Composed, Identifier

retried_read = retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
"""The library's own retry for reading the log (a dropped connection): a page read is idempotent."""

PageReader = Callable[[int, int, int, Sequence[str]], Sequence[Notification]]
"""(after, limit, stop, topics) → up to `limit` notifications with `after < id <= stop` of those
topics (every topic when empty), in log order."""


class Entry(NamedTuple):
    id: int
    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes


class _PostgresPages:
    def __init__(self, recorder: PostgresApplicationRecorder) -> None:
        self.datastore = recorder.datastore
        select = SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state FROM {schema}.{table}"
            " WHERE notification_id > %s AND notification_id <= %s"
        ).format(schema=Identifier(self.datastore.schema), table=Identifier(recorder.events_table_name))
        order = SQL(" ORDER BY notification_id LIMIT %s")
        self._all: Composed = select + order
        self._of_topics: Composed = select + SQL(" AND topic = ANY(%s)") + order

    @retried_read
    def __call__(self, after: int, limit: int, stop: int, topics: Sequence[str]) -> Sequence[Notification]:
        with self.datastore.get_connection() as conn:
            cursor = conn.cursor(row_factory=tuple_row, binary=True)
            if topics:
                cursor.execute(self._of_topics, (after, stop, list(topics), limit), prepare=True)
            else:
                cursor.execute(self._all, (after, stop, limit), prepare=True)
            rows = cursor.fetchall()
        return cast(list[Notification], [Entry(*row) for row in rows])


def page_reader(recorder: ApplicationRecorder) -> PageReader:
    if isinstance(recorder, PostgresApplicationRecorder):
        return _PostgresPages(recorder)

    def library(after: int, limit: int, stop: int, topics: Sequence[str]) -> Sequence[Notification]:
        return recorder.select_notifications(
            start=after, limit=limit, stop=stop, topics=topics, inclusive_of_start=False
        )

    return library


_Taken = tuple[Sequence[Notification], int]


class ReadAhead:
    """The next page of a catch-up, read by a thread of its own while the current page is handled:
    the handling thread then finds it waiting instead of waiting for the server (a sixteenth of a
    catch-up). A page asked for and not taken as asked is dropped; a failed read is read again by
    the caller, where failures are handled as any read's."""

    def __init__(self, pages: PageReader) -> None:
        self.pages = pages
        self._pool: ThreadPoolExecutor | None = None
        self._next: tuple[tuple[int, int, tuple[str, ...]], int, Future[Sequence[Notification]]] | None = None

    def request(self, after: int, limit: int, stop: int, topics: Sequence[str]) -> None:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="log-read-ahead")
        page = self._pool.submit(self.pages, after, limit, stop, topics)
        self._next = ((after, limit, tuple(topics)), stop, page)

    def take(self, after: int, limit: int, topics: Sequence[str]) -> _Taken | None:
        """(the page, the `stop` it was read up to) if it was asked for with these arguments."""
        ahead, self._next = self._next, None
        if ahead is None:
            return None
        key, stop, page = ahead
        if key != (after, limit, tuple(topics)):
            page.cancel()
            return None
        try:
            return page.result(), stop
        except Exception:
            return None

    def close(self) -> None:
        self._next = None
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
