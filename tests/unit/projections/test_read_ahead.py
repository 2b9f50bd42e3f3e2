"""A page read ahead is used only if it was asked for exactly as it is taken; anything else is
dropped and read again by the caller."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from projections.log_pages import ReadAhead


class Log:
    """A page reader over positions 1..head, recording each read."""

    def __init__(self, head: int) -> None:
        self.head = head
        self.reads: list[tuple[int, int, int, tuple[str, ...]]] = []
        self.fail = False

    def __call__(self, after: int, limit: int, stop: int, topics: Sequence[str]) -> Sequence[Any]:
        self.reads.append((after, limit, stop, tuple(topics)))
        if self.fail:
            raise ConnectionError("the server went away")
        return list(range(after + 1, min(after + limit, stop, self.head) + 1))


@pytest.fixture
def log() -> Iterator[Log]:
    yield Log(head=1_000)


@pytest.fixture
def ahead(log: Log) -> Iterator[ReadAhead]:
    reader = ReadAhead(log)
    yield reader
    reader.close()


def test_the_page_asked_for_is_read_in_another_thread_and_taken_with_its_stop(
    log: Log, ahead: ReadAhead
) -> None:
    threads: list[str] = []

    def reading(after: int, limit: int, stop: int, topics: Sequence[str]) -> Sequence[Any]:
        threads.append(threading.current_thread().name)
        return log(after, limit, stop, topics)

    ahead.pages = reading
    ahead.request(100, 50, 900, ["a", "b"])
    taken = ahead.take(100, 50, ["a", "b"])
    assert taken == (list(range(101, 151)), 900)
    assert threads != [threading.current_thread().name]
    assert ahead.take(100, 50, ["a", "b"]) is None  # taken once


@pytest.mark.parametrize(
    ("after", "limit", "topics"), [(150, 50, ["a", "b"]), (100, 60, ["a", "b"]), (100, 50, ["a"])]
)
def test_a_page_asked_for_otherwise_is_dropped(
    ahead: ReadAhead, after: int, limit: int, topics: list[str]
) -> None:
    ahead.request(100, 50, 900, ["a", "b"])
    assert ahead.take(after, limit, topics) is None
    assert ahead.take(100, 50, ["a", "b"]) is None  # and not kept for later


def test_a_failed_read_is_left_to_the_caller(log: Log, ahead: ReadAhead) -> None:
    log.fail = True
    ahead.request(0, 10, 1_000, [])
    assert ahead.take(0, 10, []) is None
    assert log.reads == [(0, 10, 1_000, ())]


def test_nothing_asked_for_nothing_taken(ahead: ReadAhead, log: Log) -> None:
    assert ahead.take(0, 10, []) is None
    assert log.reads == []
