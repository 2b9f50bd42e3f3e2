from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from api import gc_tuning


@pytest.fixture
def restored() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)


def test_folding_processes_collect_the_first_generation_less_often_and_keep_the_others(
    restored: None,
) -> None:
    gc.set_threshold(700, 11, 12)
    gc_tuning.for_event_folding()
    assert gc.get_threshold() == (gc_tuning.FIRST_GENERATION, 11, 12)
