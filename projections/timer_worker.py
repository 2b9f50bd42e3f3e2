"""The clock's hand: fires the timers the due-timers read model says are due.

Firing is idempotent: the read model lags the log, so a timer may be read again after it fired;
the aggregate then refuses it (`NotDue`, `InvalidTransition`), and that refusal is the expected
answer to a second firing, logged and swallowed, never a second event.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.actors import CLOCK
from domain.gig_errors import InvalidTransition, NotDue
from domain.marketplace import GigNotFound, Marketplace
from projections.database import Database
from projections.due_timers import due

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Firing:
    gig_id: str
    timer: str
    fired: bool
    """False when the gig refused (already fired, moved on, or not due by its own clock)."""
    position: int | None = None


class TimerWorker:
    def __init__(
        self, app: Marketplace, db: Database, clock: Callable[[], datetime], *, batch: int = 100
    ) -> None:
        self.app = app
        self.db = db
        self.clock = clock
        self.batch = batch

    def run_once(self, now: datetime | None = None) -> list[Firing]:
        """Fire every timer due at `now` (default: the clock's now) that the read model lists."""
        moment = self.clock() if now is None else now
        return [self._fire(row["gig_id"], row["name"]) for row in due(self.db, moment, self.batch)]

    def _fire(self, gig_id: str, timer: str) -> Firing:
        try:
            receipt = self.app.fire_timer(CLOCK, UUID(gig_id), timer)
        except (NotDue, InvalidTransition, GigNotFound) as refusal:
            log.info("timer %s on gig %s not fired: %s", timer, gig_id, refusal)
            return Firing(gig_id, timer, fired=False)
        except Exception:
            log.exception("timer %s on gig %s failed", timer, gig_id)
            return Firing(gig_id, timer, fired=False)
        log.info("timer %s fired on gig %s at position %s", timer, gig_id, receipt.position)
        return Firing(gig_id, timer, fired=True, position=receipt.position)

    def run_forever(self, stop: threading.Event, interval: float = 1.0) -> None:
        while not stop.is_set():
            try:
                fired = self.run_once()
            except Exception:
                log.exception("cannot read due timers")
                fired = []
            # A full batch means more may be due already: go again without sleeping.
            if sum(f.fired for f in fired) < self.batch:
                stop.wait(interval)
