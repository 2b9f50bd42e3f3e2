"""The read models in several processes, each following (or rebuilding) a lane of them.

One process replays every read model in one pass but spends most of its time in the handlers'
Python, on one core. Two processes, each with its own lane of models (each reading and decoding
the log itself), measured 1.45 times as fast on two cores (docs/benchmarks.md). The lanes are balanced
by measured CPU per event: the fairness model (its brief audit) and the due timers in one, the
other four in the other. Only PostgreSQL gains: SQLite lets one writer in at a time.

`fairgig projections rebuild` uses lanes on PostgreSQL; `fairgig worker projections` does when
FAIRGIG_PROJECTION_PROCESSES asks for more than one (the first lane stays in the worker's own
process, each other lane follows the log in a child process).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event as EventType
from typing import TYPE_CHECKING, Any

from api import gc_tuning
from projections.rebuild import Progress
from projections.registry import Projections
from projections.wakeup import PollingWakeup, Wakeup

if TYPE_CHECKING:
    from api.bootstrap import Container

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

    gc_tuning.for_event_folding()  # a spawned process starts with the defaults
    with composed() as container:
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


class LaneProcesses:
    """Lanes of read models following the log in child processes, until `stop`."""

    def __init__(self, lanes: Sequence[list[str]]) -> None:
        context = multiprocessing.get_context("spawn")
        self._stop = context.Event()
        self._workers = [
            context.Process(target=_follow_lane, args=(lane, self._stop), name=f"lane-{i}", daemon=True)
            for i, lane in enumerate(lanes, start=1)
        ]

    def start(self) -> None:
        for worker in self._workers:
            worker.start()

    @property
    def alive(self) -> bool:
        return all(worker.is_alive() for worker in self._workers)

    def stop(self, timeout: float = 15.0) -> None:
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
