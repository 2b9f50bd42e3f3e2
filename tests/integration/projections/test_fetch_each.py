"""`fetch_each`: every query's rows, in the order asked, whether the connection sends them one at
a time or, in a PostgreSQL pipeline, all before the first reply; and a group of read models
following live asks for every model's rows of a page at once."""

from __future__ import annotations

from typing import Any

import pytest

from projections.database import Database, Query
from projections.follower_group import FollowerGroup
from projections.registry import Projections
from tests.integration.projections.factories import Market


@pytest.fixture
def numbers(db: Database) -> str:
    with db.transaction() as conn:
        conn.execute("DROP TABLE IF EXISTS numbers")
        conn.execute("CREATE TABLE numbers (n INTEGER PRIMARY KEY, word TEXT NOT NULL)")
        conn.executemany(
            "INSERT INTO numbers (n, word) VALUES (:n, :word)",
            [{"n": n, "word": w} for n, w in enumerate(["zero", "one", "two", "three", "four"])],
        )
    return "numbers"


QUERIES: list[Query] = [
    ("SELECT word FROM numbers WHERE n < :below ORDER BY n", {"below": 3}),
    ("SELECT word FROM numbers WHERE n = :n", {"n": 4}),
    ("SELECT word FROM numbers WHERE n > :above", {"above": 9}),
    ("SELECT n FROM numbers WHERE word = :word", {"word": "two"}),
]
EXPECTED = [
    [{"word": "zero"}, {"word": "one"}, {"word": "two"}],
    [{"word": "four"}],
    [],
    [{"n": 2}],
]


@pytest.mark.parametrize("pipeline", [False, True])
def test_each_query_gets_its_own_rows_in_order(db: Database, numbers: str, pipeline: bool) -> None:
    with db.transaction(pipeline=pipeline) as conn:
        assert conn.fetch_each(QUERIES) == EXPECTED
        assert conn.fetch_each(QUERIES[1:2]) == EXPECTED[1:2]
        assert conn.fetch_each([]) == []
        # The cursors are used again for the next page, with other statements.
        assert conn.fetch_each(list(reversed(QUERIES))) == list(reversed(EXPECTED))


def test_a_live_page_asks_for_every_models_rows_at_once(
    market: Market, projections: Projections, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    gigs = [market.post() for _ in range(3)]
    projections.catch_up()
    for gig in gigs:
        market.claim(gig)  # a short page of events about gigs the models already have rows for

    calls: list[list[Query]] = []
    load = FollowerGroup._load

    def recorded(conn: Any, followers: Any, page_gigs: Any) -> None:
        real = conn.fetch_each

        def fetch_each(queries: list[Query]) -> Any:
            if queries:
                calls.append(list(queries))
            return real(queries)

        monkeypatch.setattr(conn, "fetch_each", fetch_each, raising=False)
        load(conn, followers, page_gigs)

    monkeypatch.setattr(FollowerGroup, "_load", staticmethod(recorded))
    projections.catch_up()

    assert len(calls) == 1, calls
    tables = {sql.split(" FROM ")[1].split()[0] for sql, _ in calls[0]}
    assert {"board_gigs", "gig_details", "fairness_gigs", "timer_gigs"} <= tables
