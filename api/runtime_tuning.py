"""The interpreter's settings for the processes that fold many events: the worker, the command
line and the read-model lanes.

The garbage collector's first generation. Catching up, a follower allocates a few objects for
every event (the decoded event, its state dict, rows) and keeps few of them. With CPython's default
threshold (700 allocations) the collector then runs every few dozen events and walks the young
objects each time: about a tenth of a catch-up (18,500 → 20,500 events/s measured,
docs/benchmarks.md). These objects seldom form cycles, so collecting a hundred times less often
costs little memory; the reference counts free them as before.

The thread switch interval. Writing behind, one thread handles events without pause while another
writes the page before: its Python (formatting COPY rows) comes in short turns between waits on
the server, and after each wait it asks the busy thread for the lock. With the default 5 ms
interval every such turn waited up to 5 ms, the page in flight landed late and the handling
thread then waited for it (12 % of a catch-up); at 1 ms that wait all but goes.
"""

from __future__ import annotations

import gc
import sys

FIRST_GENERATION = 100_000
SWITCH_INTERVAL = 0.001


def for_event_folding() -> None:
    _, second, third = gc.get_threshold()
    gc.set_threshold(FIRST_GENERATION, second, third)
    sys.setswitchinterval(SWITCH_INTERVAL)
