"""What wakes an idle follower: a short poll on SQLite, the library's subscription on PostgreSQL.

Followers take a ticket before they look at the log and wait for the ticket to go stale, so a
write that lands between "nothing new" and "wait" is never slept through.
"""

from __future__ import annotations

import logging
import threading
from typing import Protocol

from eventsourcing.persistence import ApplicationRecorder

log = logging.getLogger(__name__)


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
    """One LISTEN/NOTIFY subscription shared by every follower of an application: each recorded
    notification bumps the generation. Followers still read the log themselves, in pages; the
    poll interval here is only a safety net for a lost connection.

    The subscription starts when a follower first takes a ticket, not before: the library's
    subscription reads every new row of the log, which an API process that runs no followers
    (`FAIRGIG_EMBEDDED_WORKERS=0`) would otherwise do for every write of every process, on the
    threads that serve requests."""

    def __init__(
        self, recorder: ApplicationRecorder, interval: float = 1.0, retry_after: float = 1.0
    ) -> None:
        super().__init__(interval)
        self._recorder = recorder
        self._retry_after = retry_after
        self._closed = threading.Event()
        self._subscription_lock = threading.Lock()
        self._subscription: object | None = None
        self._thread = threading.Thread(target=self._listen, name="projections-wakeup", daemon=True)

    @property
    def listening(self) -> bool:
        return self._thread.is_alive()

    def ticket(self) -> int:
        if self._thread.ident is None:
            with self._subscription_lock:
                if self._thread.ident is None and not self._closed.is_set():
                    self._thread.start()
        return super().ticket()

    def _listen(self) -> None:
        while not self._closed.is_set():
            try:
                with self._recorder.subscribe(gt=self._recorder.max_notification_id()) as subscription:
                    with self._subscription_lock:
                        self._subscription = subscription
                    if self._closed.is_set():
                        return
                    # A write between a follower's ticket and this subscription notified nobody.
                    self.nudge()
                    for _notification in subscription:
                        self.nudge()
            except Exception:
                log.exception("log subscription failed; resubscribing")
                self.nudge()
            self._closed.wait(self._retry_after)

    def close(self) -> None:
        self._closed.set()
        with self._subscription_lock:
            subscription = self._subscription
        stop = getattr(subscription, "stop", None)
        if stop is not None:
            stop()
        if self._thread.ident is not None:
            self._thread.join(timeout=5)
        super().close()
