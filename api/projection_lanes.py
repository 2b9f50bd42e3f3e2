"""The read models in several processes, each following (or rebuilding) a lane of them.

One process replays every read model in one pass but spends most of its time in the handlers'
Python, on one core. Two processes, each with its own lane of models (each reading and decoding
the log itself), measured 1.4 times as fast on two cores (1,000,000 events: 26,300 against 18,500
events/s, both written behind; docs/benchmarks.md). The lanes are balanced
by measured CPU per event: the fairness model (its brief audit) and the due timers in one, the
other four in the other. Only PostgreSQL gains: SQLite lets one writer in at a time.

`fairgig projections rebuild` uses lanes on PostgreSQL; `fairgig worker projections` does when
FAIRGIG_PROJECTION_PROCESSES asks for more than one (the first lane stays in the worker's own
process, where the ledger and the audit index follow in its group, and each other lane follows
the log in a child process). The lanes were balanced for the read models alone: in a worker the
first lane also carries the ledger and the audit index, and catching up 1,000,000 events from
empty it finished 25 s after the other (84.4 against 58.8 s, 73.8 against 48.7 s). Moving the due
timers to the other lane was inconclusive (72.4 and 83.4 s in two alternated pairs).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event as EventType
from typing import TYPE_CHECKING, Any

from api import runtime_tuning
from projections.rebuild import Progress
from projections.registry import Projections
from projections.wakeup import PollingWakeup, Wakeup

if TYPE_CHECKING:
    from api.bootstrap import Container

log = logging.getLogger(__name__)

LANES: tuple[tuple[str, ...], ...] = (
    ("fairness", "due_timers"),
    ("board", "gig_detail", "employer_dashboard", "student_portfolio"),
)


class LaneFailed(RuntimeError):
    """A lane's process died. What it had replayed stays, with its position: a worker following
    the log goes on from there, and running the rebuild again starts it over."""


def lanes_for(names: Sequence[str], processes: int) -> list[list[str]]:
    """`names` in lanes: one lane when `processes` is 1, else the lanes of `LANES` (so at most
    that many processes), a model that no lane names going to the last."""
    if processes <= 1 or len(names) <= 1:
        return [list(names)]
    lanes = [[n for n in lane if n in names] for lane in LANES]
    placed = {n for lane in lanes for n in lane}
    lanes[-1].extend(n for n in names if n not in placed)
    return [lane for lane in lanes if lane]


def _lane(container: Container, lane: list[str], wakeup: Wakeup | None = None) -> Projections:
    """The lane's read models, configured as the container's (the fairness model's policy)."""
    configured = {n: f.model for n, f in container.projections.followers.items() if n in lane}
    return Projections(container.marketplace, container.db, names=lane, models=configured, wakeup=wakeup)


@contextmanager
def _running(lane: list[str], wakeup: Wakeup | None = None) -> Iterator[Projections]:
    """A lane of read models in a composition of this process's own, closed on leaving."""
    # Imported here: the composition root imports this module to start its lanes.
    from api.bootstrap import composed

    runtime_tuning.for_event_folding()  # a spawned process starts with the defaults
    # Its own models only: each is prepared as the lane starts following or reset for a rebuild.
    with composed(prepare_read_models=False) as container:
        chosen = _lane(container, lane, wakeup)
        try:
            yield chosen
        finally:
            chosen.close()


def _rebuild_lane(lane: list[str], out: Queue[Any]) -> None:
    with _running(lane, PollingWakeup()) as chosen:
        done = chosen.rebuild(None, lambda p: out.put(("progress", p)))
    out.put(("done", done))


def _follow_lane(lane: list[str], stop: EventType) -> None:
    with _running(lane) as chosen:
        chosen.start()
        # Ctrl-C reaches the whole process group: stop as the parent would have asked.
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()


LaneTarget = Callable[[list[str], EventType], None]


class LaneProcesses:
    """Lanes of read models following the log in child processes, until `stop`. A lane whose
    process dies (killed, out of memory, a crash at start) is started again, after a pause that
    doubles up to `MAX_RESTART_DELAY` while it keeps dying: a lane left dead would leave its
    models behind without anything in the worker noticing. A restarted lane resumes from its
    models' committed positions."""

    MAX_RESTART_DELAY = 30.0

    def __init__(
        self, lanes: Sequence[list[str]], *, target: LaneTarget | None = None, check_every: float = 1.0
    ) -> None:
        self._context = multiprocessing.get_context("spawn")
        self._stop = self._context.Event()
        self._lanes = [list(lane) for lane in lanes]
        self._target: LaneTarget = target or _follow_lane
        self._check_every = check_every
        self._workers = [self._process(i) for i in range(len(self._lanes))]
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None
        self.restarts = 0

    def _process(self, index: int) -> BaseProcess:
        return self._context.Process(
            target=self._target, args=(self._lanes[index], self._stop), name=f"lane-{index + 1}", daemon=True
        )

    def start(self) -> None:
        for worker in self._workers:
            worker.start()
        self._watcher = threading.Thread(target=self._watch, name="lane-watcher", daemon=True)
        self._watcher.start()

    def _watch(self) -> None:
        failures = [0] * len(self._workers)
        started = [time.monotonic()] * len(self._workers)
        while not self._stopping.wait(self._check_every):
            for index, worker in enumerate(self._workers):
                if worker.is_alive():
                    if time.monotonic() - started[index] > self.MAX_RESTART_DELAY:
                        failures[index] = 0  # it has stayed up: a later death starts the pauses over
                    continue
                failures[index] += 1
                delay = min(self.MAX_RESTART_DELAY, self._check_every * 2 ** (failures[index] - 1))
                log.error(
                    "projection lane %s (%s) exited with code %s; starting it again in %.0f s",
                    worker.name, ", ".join(self._lanes[index]), worker.exitcode, delay,
                )  # fmt: skip
                if self._stopping.wait(delay):
                    return
                self._workers[index] = self._process(index)
                self._workers[index].start()
                started[index] = time.monotonic()
                self.restarts += 1

    @property
    def alive(self) -> bool:
        return all(worker.is_alive() for worker in self._workers)

    @property
    def pids(self) -> list[int | None]:
        return [worker.pid for worker in self._workers]

    def stop(self, timeout: float = 15.0) -> None:
        self._stopping.set()
        if self._watcher is not None:
            self._watcher.join(timeout)
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout)
            if worker.is_alive():
                worker.terminate()


def rebuild_in_processes(
    lanes: Sequence[list[str]], progress: Callable[[Progress], None] | None = None
) -> list[Progress]:
    """Replay each lane of read models in a process of its own; the results of every model."""
    context = multiprocessing.get_context("spawn")
    out: Queue[Any] = context.Queue()
    workers = [context.Process(target=_rebuild_lane, args=(lane, out), daemon=True) for lane in lanes]
    for worker in workers:
        worker.start()
    results: list[Progress] = []
    finished = 0
    try:
        while finished < len(workers):
            try:
                kind, payload = out.get(timeout=1.0)
            except queue.Empty:
                dead = [w for w in workers if w.exitcode not in (None, 0)]
                if dead:
                    raise LaneFailed(f"a rebuild process exited with code {dead[0].exitcode}") from None
                continue
            if kind == "progress" and progress is not None:
                progress(payload)
            elif kind == "done":
                results.extend(payload)
                finished += 1
    finally:
        for worker in workers:
            worker.join(timeout=30)
            if worker.is_alive():
                worker.terminate()
    return results
