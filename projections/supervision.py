"""Retry with exponential back-off before an event is parked as a dead letter."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 5
    """Tries in all, the first included, before the event is parked."""
    first_delay: float = 0.2
    factor: float = 2.0
    max_delay: float = 30.0

    def delay(self, failures: int) -> float:
        """Seconds to wait after the `failures`-th consecutive failure."""
        return float(min(self.first_delay * self.factor ** max(failures - 1, 0), self.max_delay))


class PoisonEvent(Exception):
    """A handler (or the decoder) failed on one event of a page."""

    def __init__(self, index: int, cause: Exception) -> None:
        super().__init__(f"event {index} of the page failed: {cause!r}")
        self.index = index
        self.cause = cause
