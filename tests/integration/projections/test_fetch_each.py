"""`fetch_each`: every query's rows, in the order asked, whether the connection sends them one at
a time or, in a PostgreSQL pipeline, all before the first reply; and a group of read models
following live asks for its tracking rows and every model's rows of a page at once."""

from __future__ import annotations

from typing import Any

import pytest

from projections.database import Database, Query
from projections.follower_group import FollowerGroup
from projections.registry import Projections
from projections.wakeup import PollingWakeup
from tests.integration.projections.factories import Market
from tests.integration.projections.test_crash_recovery import snapshot


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

    def recorded(conn: Any, followers: Any, page_gigs: Any, **options: Any) -> None:
        real = conn.fetch_each

        def fetch_each(queries: list[Query]) -> Any:
            if queries:
                calls.append(list(queries))
            return real(queries)

        monkeypatch.setattr(conn, "fetch_each", fetch_each, raising=False)
        load(conn, followers, page_gigs, **options)

    monkeypatch.setattr(FollowerGroup, "_load", staticmethod(recorded))
    projections.catch_up()

    assert len(calls) == 1, calls
    tables = {sql.split(" FROM ")[1].split()[0] for sql, _ in calls[0]}
    # The group's tracking rows are locked and checked in the same batch, first.
    assert calls[0][0][0].startswith("SELECT name, position FROM projection_tracking")
    assert {"board_gigs", "gig_details", "fairness_gigs", "timer_gigs"} <= tables


def test_a_group_whose_positions_moved_meanwhile_applies_nothing_twice(market: Market, db: Database) -> None:
    """Two groups of the same models (two worker processes): the one that read its positions
    before the other moved them finds out in the page's first round trip, each of its models
    resumes from the moved position (no duplicate taken for a poison event, no dead letter),
    and the rows are those of one group following alone."""
    for _ in range(3):
        market.submit(market.post())
    first = Projections(market.app, db, wakeup=PollingWakeup())
    second = Projections(market.app, db, wakeup=PollingWakeup())
    first.prepare()
    second.prepare()
    assert {f.position for f in second.followers.values()} == {0}
    tables = [t for f in first.followers.values() for t in f.model.tables]

    first.catch_up()
    caught_up = snapshot(db, tables)
    second.catch_up()  # its page from 0 is refused; each model resumes from the moved position

    head = market.app.recorder.max_notification_id()
    assert snapshot(db, tables) == caught_up
    assert {f.position for f in second.followers.values()} == {head}
    assert all(f.halted is None for f in second.followers.values())
    with db.read() as conn:
        assert conn.fetchall("SELECT * FROM projection_dead_letters") == []
    first.close()
    second.close()
