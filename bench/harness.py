"""What every benchmark shares: the figures it reports, the sizes it runs at, and the limits it
runs within.

A `Figure` is one measured value, optionally with the ceiling measured in the same run (so the
ratio means something on any machine) and the target it is held to.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Target:
    """`value >= minimum` (or `<= maximum`), on the figure itself or on its ratio to the ceiling."""

    text: str
    minimum: float | None = None
    maximum: float | None = None
    on_ratio: bool = False

    def met(self, value: float, ratio: float | None) -> bool | None:
        subject = ratio if self.on_ratio else value
        if subject is None:
            return None
        if self.minimum is not None and subject < self.minimum:
            return False
        return not (self.maximum is not None and subject > self.maximum)


@dataclass(frozen=True, slots=True)
class Figure:
    bench: str
    backend: str
    what: str
    value: float
    unit: str
    ceiling_what: str = ""
    ceiling: float | None = None
    targets: tuple[Target, ...] = ()
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.ceiling is None or self.ceiling == 0:
            return None
        return self.value / self.ceiling

    @property
    def verdicts(self) -> list[tuple[Target, bool | None]]:
        return [(t, t.met(self.value, self.ratio)) for t in self.targets]


@dataclass(frozen=True)
class Sizes:
    """How much work each benchmark does; `--quick` trades precision for a run of minutes."""

    quick: bool
    command_gigs: int
    command_seconds: float
    ceiling_seconds: float
    http_seconds: float
    http_connections: int
    catch_up_events: int
    rebuild_events: int
    lag_seconds: float
    lag_rate: float
    export_events: int
    fairness_seconds: float

    @classmethod
    def for_run(cls, quick: bool) -> Sizes:
        if quick:
            return cls(True, 600, 4.0, 3.0, 5.0, 50, 100_000, 100_000, 5.0, 200.0, 100_000, 0.5)
        return cls(False, 3_000, 15.0, 8.0, 15.0, 50, 1_000_000, 1_000_000, 20.0, 200.0, 1_000_000, 1.0)


@dataclass
class Context:
    sizes: Sizes
    postgres_dsn: str
    notes: list[str] = field(default_factory=list)
    """Free text a benchmark wants beside its figures (what it could not run, and why)."""


def timed(run: Callable[[], Any]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def rate_for(seconds: float, work: Callable[[], int]) -> float:
    """Units of `work` per second, calling it repeatedly until `seconds` have passed."""
    done = 0
    started = time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        done += work()
    return done / (time.perf_counter() - started)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of `values`."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = math.ceil(q / 100 * len(ordered))
    return ordered[min(len(ordered) - 1, max(0, rank - 1))]
