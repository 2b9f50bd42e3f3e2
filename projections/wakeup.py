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
    poll interval here is only a safety net for a lost connection."""

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
        self._thread.start()

    def _listen(self) -> None:
        while not self._closed.is_set():
            try:
                with self._recorder.subscribe(gt=self._recorder.max_notification_id()) as subscription:
                    with self._subscription_lock:
                        self._subscription = subscription
                    if self._closed.is_set():
                        return
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
        self._thread.join(timeout=5)
        super().close()
