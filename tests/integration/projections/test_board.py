from __future__ import annotations

from uuid import UUID

import pytest

from domain.money import Money
from projections.database import Database
from projections.paging import InvalidQuery, encode_cursor
from projections.queries import board_page
from projections.registry import Projections
from tests.integration.projections.factories import Market


def board_ids(db: Database, **filters: object) -> list[str]:
    items, _ = board_page(db, limit=500, **filters)  # type: ignore[arg-type]
    return [item["id"] for item in items]


def test_board_shows_only_gigs_that_are_posted_and_funded(
    market: Market, db: Database, projections: Projections
) -> None:
    draft = market.draft()
    awaiting_funding = market.publish()
    posted = market.post()
    claimed = market.post()
    market.claim(claimed)
    cancelled = market.post()
    market.app.cancel_gig(market.employer, cancelled, "no longer needed")
    withdrawn = market.post()
    market.claim(withdrawn)
    market.app.withdraw_claim(market.student, withdrawn, "exams")
    projections.catch_up()

    shown = set(board_ids(db))

    assert shown == {str(posted), str(withdrawn)}
    assert not shown & {str(draft), str(awaiting_funding), str(claimed), str(cancelled)}
    for gig_id in shown:
        assert market.app.get_gig(UUID(gig_id)).status.value == "posted"


def test_board_filters_by_skill_pay_hours_currency_and_text(
    market: Market, db: Database, projections: Projections
) -> None:
    python = market.post(
        title="Clean a sales dataset", skills=("Python",), pay=Money(90_000, "usd"), estimated_hours=30
    )
    euro = market.post(
        title="Translate onboarding emails", skills=("German",), pay=Money(30_000, "eur"), estimated_hours=8
    )
    copy = market.post(summary="Rewrite headlines for a campaign", deliverables=("ten headline variants",))
    projections.catch_up()

    assert board_ids(db, skill="python") == [str(python)]
    assert set(board_ids(db, min_pay=40_000)) == {str(python), str(copy)}
    assert board_ids(db, max_pay=35_000) == [str(euro)]
    assert set(board_ids(db, max_hours=10)) == {str(euro), str(copy)}
    assert board_ids(db, currency="EUR") == [str(euro)]
    assert board_ids(db, q="dataset") == [str(python)]
    assert board_ids(db, q="headline variants") == [str(copy)]
    assert board_ids(db, q='translate" *') == [str(euro)]


def test_board_sorts_by_pay_per_hour_and_deadline(
    market: Market, db: Database, projections: Projections
) -> None:
    now = market.clock()
    from datetime import timedelta

    cheap_per_hour = market.post(
        pay=Money(100_000, "usd"), estimated_hours=40, deadline=now + timedelta(days=9)
    )
    dear_per_hour = market.post(
        pay=Money(50_000, "usd"), estimated_hours=5, deadline=now + timedelta(days=20)
    )
    middle = market.post(pay=Money(60_000, "usd"), estimated_hours=20, deadline=now + timedelta(days=3))
    projections.catch_up()

    assert board_ids(db, sort="pay") == [str(cheap_per_hour), str(middle), str(dear_per_hour)]
    assert board_ids(db, sort="pay_per_hour") == [str(dear_per_hour), str(middle), str(cheap_per_hour)]
    assert board_ids(db, sort="deadline") == [str(middle), str(cheap_per_hour), str(dear_per_hour)]


def test_board_pages_follow_the_cursor_without_repeats_or_gaps(
    market: Market, db: Database, projections: Projections
) -> None:
    posted = {str(market.post(pay=Money(10_000 + 1_000 * (i % 3), "usd"))) for i in range(7)}
    projections.catch_up()

    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        items, cursor = board_page(db, sort="pay", limit=3, cursor=cursor)
        seen += [item["id"] for item in items]
        pages += 1
        if cursor is None:
            break

    assert pages == 3
    assert len(seen) == len(set(seen)) == 7
    assert set(seen) == posted
    amounts = [item["pay"]["amount"] for item in board_page(db, sort="pay", limit=7)[0]]
    assert amounts == sorted(amounts, reverse=True)


def test_board_refuses_a_bad_limit_sort_or_cursor(
    market: Market, db: Database, projections: Projections
) -> None:
    with pytest.raises(InvalidQuery) as limit:
        board_page(db, limit=501)
    assert limit.value.field == "limit"
    with pytest.raises(InvalidQuery):
        board_page(db, sort="random")
    with pytest.raises(InvalidQuery) as cursor:
        board_page(db, cursor="not-a-cursor")
    assert cursor.value.field == "cursor"
    # Well-formed, but with a key of another type than the sort's column: refused, not sent.
    for sort, key in (("pay", "lots"), ("pay_per_hour", 1.5), ("newest", 7), ("deadline", None)):
        with pytest.raises(InvalidQuery) as typed:
            board_page(db, sort=sort, cursor=encode_cursor(sort, key, "b6c1"))
        assert typed.value.field == "cursor"
