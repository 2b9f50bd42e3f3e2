"""Followers read pages of the log with a query of their own on PostgreSQL: every page must be
exactly what the library's `select_notifications` answers, topics filtered or not."""

from __future__ import annotations

from typing import Any

import pytest
from eventsourcing.utils import get_topic

from domain.gig import Gig
from projections.log_pages import page_reader
from tests.integration.projections.event_stream import stream
from tests.integration.projections.factories import Market

TOPICS = [get_topic(Gig.DraftCreated), get_topic(Gig.Approved), get_topic(Gig.PayoutRecorded)]


def fields(page: Any) -> list[tuple[Any, ...]]:
    return [(n.id, str(n.originator_id), n.originator_version, n.topic, bytes(n.state)) for n in page]


@pytest.mark.parametrize(
    ("after", "limit", "stop", "topics"),
    [(0, 50, 10_000, []), (17, 200, 150, []), (0, 40, 10_000, TOPICS), (120, 1_000, 700, TOPICS[:1])],
)
def test_pages_equal_the_librarys(
    market: Market, after: int, limit: int, stop: int, topics: list[str]
) -> None:
    head = list(stream(market.app, 800))[-1]
    recorder = market.app.recorder
    read = page_reader(recorder)
    ours = read(after, limit, stop, topics)
    library = recorder.select_notifications(
        start=after, limit=limit, stop=stop, topics=topics, inclusive_of_start=False
    )
    assert len(ours) > 0
    assert all(after < n.id <= min(stop, head) for n in ours)
    assert fields(ours) == fields(library)
    mapper = market.app.mapper
    assert [mapper.to_domain_event(n) for n in ours[:20]] == [mapper.to_domain_event(n) for n in library[:20]]
