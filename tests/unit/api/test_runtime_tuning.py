from __future__ import annotations

import gc
import sys
from collections.abc import Iterator

import pytest

from api import runtime_tuning


@pytest.fixture
def restored() -> Iterator[None]:
    thresholds, interval = gc.get_threshold(), sys.getswitchinterval()
    yield
    gc.set_threshold(*thresholds)
    sys.setswitchinterval(interval)


def test_folding_processes_collect_the_first_generation_less_often_and_keep_the_others(
    restored: None,
) -> None:
    gc.set_threshold(700, 11, 12)
    runtime_tuning.for_event_folding()
    assert gc.get_threshold() == (runtime_tuning.FIRST_GENERATION, 11, 12)


def test_folding_processes_switch_threads_more_often_than_the_default(restored: None) -> None:
    sys.setswitchinterval(0.005)
    runtime_tuning.for_event_folding()
    assert sys.getswitchinterval() == pytest.approx(runtime_tuning.SWITCH_INTERVAL)
    assert runtime_tuning.SWITCH_INTERVAL < 0.005
