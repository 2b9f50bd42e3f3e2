"""Idempotency keys on both backends: answers kept for the retention and then forgotten, keys
left by a request that died freed after the in-flight limit, two first requests with one key at
once given one claim, and tables from before keys expired brought up to date."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from api.idempotency import IN_FLIGHT_LIMIT, RETENTION, IdempotencyStore
from projections.database import Database
from tests.conftest import FakeClock


def stored(db: Database) -> list[str]:
    with db.read() as conn:
        rows = conn.fetchall("SELECT scope_key FROM idempotency_keys ORDER BY scope_key")
    return [str(r["scope_key"]) for r in rows]


@pytest.fixture
def store(db: Database, clock: FakeClock) -> IdempotencyStore:
    return IdempotencyStore(db, clock=clock)


def answer(store: IdempotencyStore, key: str, request: str = "h1", status: int = 201) -> None:
    assert store.begin(key, request) is None
    store.finish(key, status, [("content-type", "application/json")], b'{"id": 1}')


def test_an_answer_is_replayed_for_the_retention_then_the_key_runs_as_new(
    store: IdempotencyStore, clock: FakeClock
) -> None:
    answer(store, "k")
    clock.advance(seconds=RETENTION.total_seconds() - 60)
    replayed = store.begin("k", "h1")
    assert replayed is not None
    assert (replayed["status"], bytes(replayed["body"])) == (201, b'{"id": 1}')
    clock.advance(seconds=120)
    assert store.begin("k", "h2") is None  # expired: claimed afresh, another body allowed
    held = store.begin("k", "h2")
    assert held is not None
    assert (held["request_hash"], held["status"]) == ("h2", None)


def test_a_key_left_in_flight_is_busy_until_the_limit_then_taken_over(
    store: IdempotencyStore, clock: FakeClock
) -> None:
    assert store.begin("k", "h1") is None  # the server dies here: no finish, no abandon
    clock.advance(seconds=IN_FLIGHT_LIMIT.total_seconds() - 1)
    busy = store.begin("k", "h1")
    assert busy is not None
    assert busy["status"] is None
    clock.advance(seconds=2)
    assert store.begin("k", "h1") is None
    store.finish("k", 200, [], b"done")
    replayed = store.begin("k", "h1")
    assert replayed is not None
    assert bytes(replayed["body"]) == b"done"


def test_the_sweep_deletes_only_expired_answers(store: IdempotencyStore, clock: FakeClock) -> None:
    answer(store, "old")
    clock.advance(hours=20)
    answer(store, "recent")
    clock.advance(hours=5)
    store.sweep()
    assert stored(store.db) == ["recent"]


def test_each_process_sweeps_on_its_first_claim_and_then_at_most_hourly(
    store: IdempotencyStore, clock: FakeClock
) -> None:
    answer(store, "a")  # swept (nothing to sweep) on this first claim
    clock.advance(minutes=30)
    answer(store, "b")
    clock.advance(hours=24)
    answer(store, "c")  # an hour since the last sweep: "a" has expired, "b" not yet
    assert stored(store.db) == ["b", "c"]
    clock.advance(minutes=10)
    answer(store, "d")  # "b" has expired now, but the next sweep is due in 50 minutes
    assert stored(store.db) == ["b", "c", "d"]
    clock.advance(minutes=51)
    answer(store, "e")
    assert stored(store.db) == ["c", "d", "e"]


def test_two_first_requests_with_one_key_get_one_claim(db: Database, clock: FakeClock) -> None:
    stores = [IdempotencyStore(db, clock=clock) for _ in range(8)]
    start = threading.Barrier(len(stores))
    claims: list[bool] = []
    errors: list[BaseException] = []

    def claim(s: IdempotencyStore) -> None:
        start.wait()
        try:
            claims.append(s.begin("same", "h") is None)
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=claim, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(claims) == [False] * 7 + [True]


def test_a_table_from_before_keys_expired_is_brought_up_to_date(db: Database, clock: FakeClock) -> None:
    blob = "BYTEA" if db.dialect == "postgres" else "BLOB"
    with db.transaction() as conn:
        conn.execute(
            "CREATE TABLE idempotency_keys (scope_key TEXT PRIMARY KEY, request_hash TEXT NOT NULL,"
            f" status INTEGER, headers TEXT, body {blob})"
        )
        conn.execute(
            "INSERT INTO idempotency_keys (scope_key, request_hash, status, headers, body)"
            " VALUES ('before', 'h', 201, '[]', NULL)"
        )
    store = IdempotencyStore(db, clock=clock)
    IdempotencyStore(db, clock=clock)  # a second start finds the column there
    answer(store, "after")  # the first claim sweeps: keys without a time are the oldest
    assert stored(db) == ["after"]
    clock.advance(seconds=timedelta(hours=1).total_seconds())
    assert store.begin("after", "h1") is not None
