"""A group catching up on PostgreSQL handles each page while the page before it is written
(`projections.write_behind`). Whatever happens to the pages in flight, the read models must equal
what the serial group builds, and every position must reach the head."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import pytest

from domain.marketplace import Marketplace
from projections import read_model
from projections.audit_log import AuditIndex, EventsTable
from projections.database import Connection, Database
from projections.follower import Follower
from projections.follower_group import FollowerGroup, rebuild_group
from projections.ledger import Ledger
from projections.registry import MODELS
from projections.wakeup import PollingWakeup
from tests.conftest import FakeClock, database_for, postgres_env
from tests.integration.projections.event_stream import stream
from tests.integration.projections.factories import Market
from tests.integration.projections.test_crash_recovery import CrashingDatabase, SimulatedCrash, snapshot

EVENTS = 3_000
PAGE = 250

TABLES = [table for model in MODELS.values() for table in model.tables]


def group(market: Market, db: Any, *, write_behind: bool = True) -> FollowerGroup:
    followers = [
        Follower(model(db.dialect), market.app, db, wakeup=PollingWakeup(0.001), page_size=PAGE)
        for model in MODELS.values()
    ]
    built = FollowerGroup(followers, page_size=PAGE, write_behind=write_behind)
    built.prepare()
    return built


def serial_rebuild(market: Market, db: Database) -> dict[str, list[str]]:
    serial = group(market, db, write_behind=False)
    rebuild_group(serial)
    return snapshot(db, TABLES)


@pytest.fixture
def pg_market(postgres_schema: str, clock: FakeClock) -> Iterator[Market]:
    app = Marketplace(postgres_env(postgres_schema), clock=clock)
    yield Market(app, clock)
    app.close()


@pytest.fixture
def pg_db(postgres_schema: str) -> Iterator[Database]:
    db = database_for(postgres_env(postgres_schema))
    yield db
    db.close()


@pytest.fixture
def logged(pg_market: Market) -> int:
    return list(stream(pg_market.app, EVENTS, batch=60))[-1]


def test_written_behind_on_postgresql_only(market: Market, db: Database) -> None:
    assert group(market, db).write_behind is (db.dialect == "postgres")


def test_pages_written_behind_equal_the_serial_group(
    pg_market: Market, pg_db: Database, logged: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A small memory limit makes every page drop the rows it may (the committed ones) and keep
    # those of the page in flight.
    monkeypatch.setattr(read_model, "CARRIED_ROWS", 40)
    behind = group(pg_market, SlowCommits(pg_db))
    assert behind.write_behind
    assert behind.catch_up() > 0
    assert [f.position for f in behind.followers] == [logged] * len(MODELS)
    assert behind.pages_failed == 0
    written_behind = snapshot(pg_db, TABLES)
    assert sum(len(rows) for rows in written_behind.values()) > EVENTS
    assert written_behind == serial_rebuild(pg_market, pg_db)


def test_a_rebuild_after_a_catch_up_starts_every_model_afresh(
    pg_market: Market, pg_db: Database, logged: int
) -> None:
    behind = group(pg_market, pg_db)
    behind.catch_up()
    # The models remember the last pages; a rebuild empties their tables and must not reuse that.
    rebuild_group(behind)
    assert [f.position for f in behind.followers] == [logged] * len(MODELS)
    assert snapshot(pg_db, TABLES) == serial_rebuild(pg_market, pg_db)


class SlowCommits:
    """Every write transaction takes a while before it commits, so the next page is always
    handled while its predecessor is still in flight (the case the carried rows are for)."""

    def __init__(self, db: Database, seconds: float = 0.03) -> None:
        self.db = db
        self.dialect = db.dialect
        self.seconds = seconds

    @contextmanager
    def transaction(self, *, pipeline: bool = False) -> Iterator[Connection]:
        with self.db.transaction(pipeline=pipeline) as conn:
            yield conn
            time.sleep(self.seconds)

    def read(self) -> Any:
        return self.db.read()

    def close(self) -> None:
        self.db.close()


class FailingOnce:
    """Once armed, the `fail_at`-th write transaction fails after its first statements (an error the next try
    does not meet: a dropped connection, a serialisation failure)."""

    def __init__(self, db: Database, fail_at: int) -> None:
        self.db = db
        self.dialect = db.dialect
        self.fail_at = fail_at
        self.transactions = 0
        self.armed = False

    @contextmanager
    def transaction(self, *, pipeline: bool = False) -> Iterator[Connection]:
        self.transactions += self.armed
        with self.db.transaction(pipeline=pipeline) as conn:
            if self.armed and self.transactions == self.fail_at:
                conn.fetchone("SELECT 1 AS one")
                raise ConnectionError("connection lost")
            yield conn

    def read(self) -> Any:
        return self.db.read()

    def close(self) -> None:
        self.db.close()


@pytest.mark.parametrize("fail_at", [2, 5, 11])
def test_a_page_that_fails_in_flight_is_taken_again_and_nothing_is_lost(
    pg_market: Market, pg_db: Database, logged: int, fail_at: int
) -> None:
    failing = FailingOnce(pg_db, fail_at)
    behind = group(pg_market, failing)
    failing.armed = True
    behind.catch_up()
    assert failing.transactions > fail_at
    assert behind.pages_failed == 1
    assert [f.position for f in behind.followers] == [logged] * len(MODELS)
    assert all(f.halted is None for f in behind.followers)
    assert snapshot(pg_db, TABLES) == serial_rebuild(pg_market, pg_db)


def test_groups_killed_while_pages_are_in_flight_converge_to_a_fresh_rebuild(
    pg_market: Market, pg_db: Database, logged: int
) -> None:
    crashing = CrashingDatabase(pg_db, random.Random(20261122), chance=0.7)
    for _ in range(200):
        # A new group each time, as a restarted process would start: no memory of earlier pages.
        with suppress(SimulatedCrash):
            group(pg_market, crashing).catch_up()
        survivor = group(pg_market, pg_db)
        if all(f.position == logged for f in survivor.followers):
            break
    assert crashing.crashes >= 3
    assert snapshot(pg_db, TABLES) == serial_rebuild(pg_market, pg_db)


def test_events_recorded_during_a_catch_up_are_applied_once_each(pg_market: Market, pg_db: Database) -> None:
    """The next page is read ahead up to the head of its time; events recorded after that read
    must come in the pages after it, none skipped and none applied twice."""
    recording = stream(pg_market.app, EVENTS * 2, batch=30)
    for _ in range(6):
        next(recording)
    behind = group(pg_market, pg_db)
    head, steps_with_new_events = 0, 0
    while True:
        moved = behind.step()
        recorded = next(recording, None)
        head = recorded or head
        steps_with_new_events += recorded is not None
        if recorded is None and not moved:
            break
    assert steps_with_new_events > 5
    assert [f.position for f in behind.followers] == [head] * len(MODELS)
    assert behind.pages_failed == 0
    assert snapshot(pg_db, TABLES) == serial_rebuild(pg_market, pg_db)


def test_models_at_different_positions_catch_up_together(market: Market, db: Database) -> None:
    """One model already half-way: a gig it has seen created must be read back from its rows,
    not taken for one the page creates."""
    head = list(stream(market.app, EVENTS, batch=60))[-1]
    ahead = group(market, db)
    first = ahead.followers[0]
    first.page_size = 97  # ends its pages in the middle of gigs' lifecycles
    while first.position < head // 2:
        first.step()
    assert 0 < first.position < head
    ahead.catch_up()
    assert [f.position for f in ahead.followers] == [head] * len(MODELS)
    caught_up = snapshot(db, TABLES)
    assert caught_up == serial_rebuild(market, db)


def test_the_ledger_and_the_audit_index_written_behind_equal_their_serial_group(
    pg_market: Market, pg_db: Database, logged: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker follows these two as a group of their own, written behind like the read models."""
    monkeypatch.setattr(read_model, "CARRIED_ROWS", 5)  # fewer rows than a page's gigs
    events = EventsTable.of(pg_market.app)

    def finance(write_behind: bool) -> FollowerGroup:
        db = SlowCommits(pg_db) if write_behind else pg_db
        followers = [
            Follower(model, pg_market.app, db, wakeup=PollingWakeup(0.001), page_size=PAGE)
            for model in (Ledger(events), AuditIndex(events))
        ]
        built = FollowerGroup(followers, page_size=PAGE, write_behind=write_behind)
        built.prepare()
        return built

    behind = finance(write_behind=True)
    assert behind.write_behind
    behind.catch_up()
    assert [f.position for f in behind.followers] == [logged, logged]
    assert behind.pages_failed == 0
    tables = [*Ledger.tables, *AuditIndex.tables]
    written = snapshot(pg_db, tables)
    assert all(written[table] for table in ("ledger_postings", "ledger_payouts", "audit_index"))
    rebuild_group(finance(write_behind=False))
    assert written == snapshot(pg_db, tables)
