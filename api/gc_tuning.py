"""The cyclic garbage collector's thresholds for the processes that fold many events: the
worker, the command line and the read-model lanes.

Catching up, a follower allocates a few objects for every event (the decoded event, its state
dict, rows) and keeps few of them. With CPython's default first-generation threshold (700
allocations) the collector then runs every few dozen events and walks the young objects each
time: about a tenth of a catch-up (18,500 → 20,500 events/s measured, docs/benchmarks.md). These
objects seldom form cycles, so collecting a hundred times less often costs little memory; the
reference counts free them as before.
"""

from __future__ import annotations

import gc

FIRST_GENERATION = 100_000


def for_event_folding() -> None:
    _, second, third = gc.get_threshold()
    gc.set_threshold(FIRST_GENERATION, second, third)
