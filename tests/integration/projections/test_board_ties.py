"""Paging the board through many gigs that share a sort key (one pay, one deadline, one posting
time): every page follows the one before without repeats or gaps in every order, and a page deep
into the ties reads its own rows from the index rather than every tie before them."""

from __future__ import annotations

from typing import Any

import pytest

from domain.money import Money
from projections.board_page import SORTS, board_query
from projections.database import Database
from projections.queries import board_page
from projections.registry import Projections
from tests.integration.projections.factories import Market

TIES = 30


@pytest.fixture
def tied_board(market: Market, projections: Projections) -> set[str]:
    """`TIES` gigs alike in every sort key, and two paying more."""
    posted = {str(market.post()) for _ in range(TIES)}
    posted |= {str(market.post(pay=Money(90_000 + i, "usd"))) for i in range(2)}
    projections.catch_up()
    return posted


@pytest.mark.parametrize("sort", list(SORTS))
def test_pages_through_ties_follow_the_whole_order(db: Database, tied_board: set[str], sort: str) -> None:
    whole = [item["id"] for item in board_page(db, sort=sort, limit=100)[0]]
    assert set(whole) == tied_board

    paged: list[str] = []
    cursor = None
    while True:
        items, cursor = board_page(db, sort=sort, limit=4, cursor=cursor)
        paged += [item["id"] for item in items]
        if cursor is None:
            break
    assert paged == whole


def _index_rows_read(plan: dict[str, Any]) -> int:
    """Index entries the executed plan visited: those it returned and those it filtered out."""
    read = 0
    if "Index" in plan["Node Type"]:
        per_loop = plan["Actual Rows"] + plan.get("Rows Removed by Filter", 0)
        read += per_loop * plan["Actual Loops"]
    for child in plan.get("Plans", []):
        read += _index_rows_read(child)
    return read


@pytest.mark.postgres
@pytest.mark.parametrize("store_env", ["postgres"], indirect=True)
def test_a_page_deep_in_the_ties_seeks_to_its_rows(db: Database, tied_board: set[str]) -> None:
    order = board_page(db, sort="pay", limit=100)[0]
    last = order[-6]  # the next page is the last five ties
    key, last_id = last["pay"]["amount"], last["id"]
    sql, params = board_query("pay", ["g.listed = 1"], {}, (key, last_id), 6)

    with db.read() as conn:
        # A table this small would be scanned whole; a board of real size uses its index.
        conn.execute("SET LOCAL enable_seqscan = off")
        rows = conn.fetchall(sql, params)
        explained = conn.fetchall(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)

    assert [row["gig_id"] for row in rows] == [item["id"] for item in order[-5:]]
    plan = next(iter(explained[0].values()))[0]["Plan"]
    # The five rows left and at most one more per seek, not the 25 ties before them.
    assert _index_rows_read(plan) <= 2 * 6, plan
