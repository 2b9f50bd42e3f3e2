"""A lane's process that dies is started again: otherwise its read models would stop moving
while the worker that owns it goes on as if nothing happened."""

from __future__ import annotations

import os
import signal
import time
from multiprocessing.synchronize import Event

from api.projection_lanes import LaneProcesses


def idle_lane(lane: list[str], stop: Event) -> None:
    """Stands in for a lane's followers: runs until the worker stops it."""
    stop.wait(60)


def wait_until(condition: object, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def test_a_killed_lane_is_started_again_and_all_stop_together() -> None:
    lanes = LaneProcesses([["board"], ["fairness"]], target=idle_lane, check_every=0.05)
    lanes.start()
    try:
        assert wait_until(lambda: lanes.alive)
        first, second = lanes.pids
        assert first is not None and second is not None
        os.kill(first, signal.SIGKILL)
        assert wait_until(lambda: lanes.restarts == 1 and lanes.alive)
        restarted, untouched = lanes.pids
        assert restarted not in (None, first)
        assert untouched == second
    finally:
        lanes.stop(timeout=5)
    assert not any(pid is not None and _running(pid) for pid in lanes.pids)
    assert lanes.restarts == 1


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False  # stopped and reaped (`stop` joins every lane)
    return True
