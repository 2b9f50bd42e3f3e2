"""An employer's gigs a page at a time (API.md's cursor pagination), newest change first, and the
dashboard summed over all of them, on both backends."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from projections.database import Database
from projections.employer_dashboard import employer_dashboard, employer_gigs
from projections.paging import InvalidQuery, encode_cursor
from projections.registry import Projections
from projections.wakeup import PollingWakeup
from tests.integration.projections.factories import Market


@pytest.fixture
def seven_gigs(market: Market, db: Database) -> list[str]:
    """Three drafts, four posted (one claimed), a minute apart; the read models caught up."""
    gigs = []
    for i in range(7):
        market.clock.advance(minutes=1)
        gigs.append(str(market.draft() if i < 3 else market.post()))
    market.clock.advance(minutes=1)
    market.claim(UUID(gigs[3]))
    models = Projections(market.app, db, wakeup=PollingWakeup())
    models.catch_up()
    models.close()
    return gigs


def all_pages(db: Database, employer: str, **query: Any) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        items, cursor = employer_gigs(db, employer, cursor=cursor, **query)
        pages.append([g["id"] for g in items])
        if cursor is None:
            return pages


def test_pages_hold_every_gig_once_newest_change_first(
    market: Market, db: Database, seven_gigs: list[str]
) -> None:
    me = str(market.employer.user_id)
    pages = all_pages(db, me, limit=3)
    assert [len(p) for p in pages] == [3, 3, 1]
    # The claimed gig changed last; the others in the order they were made, newest first.
    newest_first = [seven_gigs[3], *reversed(seven_gigs[4:]), *reversed(seven_gigs[:3])]
    assert [g for page in pages for g in page] == newest_first
    one_page, cursor = employer_gigs(db, me)
    assert ([g["id"] for g in one_page], cursor) == (newest_first, None)


def test_a_status_filter_pages_through_that_status_only(
    market: Market, db: Database, seven_gigs: list[str]
) -> None:
    pages = all_pages(db, str(market.employer.user_id), status="draft", limit=2)
    assert pages == [[seven_gigs[2], seven_gigs[1]], [seven_gigs[0]]]


def test_a_last_full_page_has_no_next_cursor(market: Market, db: Database, seven_gigs: list[str]) -> None:
    assert all_pages(db, str(market.employer.user_id), limit=7) == [
        [seven_gigs[3], *reversed(seven_gigs[4:]), *reversed(seven_gigs[:3])]
    ]


def test_the_dashboard_sums_every_gig_not_a_page(market: Market, db: Database, seven_gigs: list[str]) -> None:
    dashboard = employer_dashboard(db, str(market.employer.user_id))
    assert dashboard["by_status"] == {"draft": 3, "posted": 3, "claimed": 1}
    assert dashboard["committed"] == [{"currency": "usd", "charged": 4 * 44_000, "held": 4 * 44_000}]
    assert all(isinstance(v, int) for v in dashboard["committed"][0].values() if v != "usd")


@pytest.mark.parametrize(
    ("limit", "cursor", "field"),
    [
        (0, None, "limit"),
        (501, None, "limit"),
        (10, "not-a-cursor", "cursor"),
        (10, encode_cursor(1, 2), "cursor"),
    ],
)
def test_a_bad_limit_or_cursor_names_the_parameter(
    market: Market, db: Database, limit: int, cursor: str | None, field: str
) -> None:
    with pytest.raises(InvalidQuery) as refused:
        employer_gigs(db, str(market.employer.user_id), limit=limit, cursor=cursor)
    assert refused.value.field == field
