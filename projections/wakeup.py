"""What wakes an idle follower: a short poll on SQLite, LISTEN/NOTIFY on PostgreSQL.

Followers take a ticket before they look at the log and wait for the ticket to go stale, so a
write that lands between "nothing new" and "wait" is never slept through.
"""

from __future__ import annotations

import logging
import threading
from typing import Protocol

from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL, Identifier

log = logging.getLogger(__name__)

_NOTIFIES_TIMEOUT = 0.25
"""Seconds a listening connection waits for notifications before it looks whether it is closed."""


class Wakeup(Protocol):
    def ticket(self) -> int: ...
    def wait(self, ticket: int) -> None: ...
    def nudge(self) -> None: ...
    def close(self) -> None: ...


class PollingWakeup:
    """Wakes every `interval` seconds, or at once when nudged (e.g. by a command in this process)."""

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self._generation = 0
        self._changed = threading.Condition()

    def ticket(self) -> int:
        with self._changed:
            return self._generation

    def wait(self, ticket: int) -> None:
        with self._changed:
            self._changed.wait_for(lambda: self._generation != ticket, timeout=self.interval)

    def nudge(self) -> None:
        with self._changed:
            self._generation += 1
            self._changed.notify_all()

    def close(self) -> None:
        self.nudge()


class SubscriptionWakeup(PollingWakeup):
    """LISTEN on the channel the library NOTIFYs whenever it records events: each notification
    bumps the generation, shared by every follower of the application. Followers read the log
    themselves, in pages; the poll interval here is only a safety net for a lost connection.

    Why not the library's subscription (`recorder.subscribe`): it reads every new row of the log
    after each notification, to hand the events over, where a wakeup needs only the news that
    there are some. Those reads were a fifteenth of a worker's interpreter time under a steady
    flow of commands, each a query to the server, all for events the followers read again.

    Listening starts when a follower first takes a ticket, not before: an API process that runs no
    followers (`FAIRGIG_EMBEDDED_WORKERS=0`) then holds no connection for it."""

    def __init__(
        self, recorder: PostgresApplicationRecorder, interval: float = 1.0, retry_after: float = 1.0
    ) -> None:
        super().__init__(interval)
        self._recorder = recorder
        self._retry_after = retry_after
        self._closed = threading.Event()
        self._start_lock = threading.Lock()
        self._thread = threading.Thread(target=self._listen, name="projections-wakeup", daemon=True)

    @property
    def listening(self) -> bool:
        return self._thread.is_alive()

    def ticket(self) -> int:
        if self._thread.ident is None:
            with self._start_lock:
                if self._thread.ident is None and not self._closed.is_set():
                    self._thread.start()
        return super().ticket()

    def _listen(self) -> None:
        while not self._closed.is_set():
            try:
                self._follow_notifications()
            except Exception:
                log.exception("listening for new events failed; listening again")
                self.nudge()
            self._closed.wait(self._retry_after)

    def _follow_notifications(self) -> None:
        channel = SQL("LISTEN {0}").format(Identifier(self._recorder.channel_name))
        with self._recorder.datastore.get_connection() as conn:
            conn.execute(channel)
            # A write between a follower's ticket and the LISTEN notified nobody.
            self.nudge()
            while not self._closed.is_set():
                for _notification in conn.notifies(timeout=_NOTIFIES_TIMEOUT):
                    self.nudge()

    def close(self) -> None:
        self._closed.set()
        if self._thread.ident is not None:
            self._thread.join(timeout=5)
        super().close()
