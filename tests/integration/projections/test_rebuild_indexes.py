"""A rebuild replays the log into tables without their secondary indexes and builds them once the
replay is done: the rows are the same as followed live, the indexes are all there afterwards, and a
rebuild that dies half-way gets them back when its follower next prepares."""

from __future__ import annotations

import re
import threading

import psycopg
import pytest

from projections.audit_log import AuditIndex, EventsTable
from projections.database import Database, PostgresDatabase, schema_lock_key
from projections.follower import Follower
from projections.follower_group import FollowerGroup, rebuild_group
from projections.ledger import Ledger
from projections.read_model import ReadModel, is_secondary_index
from projections.rebuild import Progress, build_indexes, reset
from projections.registry import MODELS
from projections.wakeup import PollingWakeup
from tests.conftest import POSTGRES_DSN
from tests.integration.projections.event_stream import stream
from tests.integration.projections.factories import Market
from tests.integration.projections.test_crash_recovery import snapshot

EVENTS = 1_500


def every_model(market: Market, db: Database) -> list[ReadModel]:
    """The six read models, the ledger and the audit index, as a worker keeps them."""
    events = EventsTable.of(market.app)
    return [*(model(db.dialect) for model in MODELS.values()), Ledger(events), AuditIndex(events)]


def index_names(models: list[ReadModel]) -> set[str]:
    names = set()
    for model in models:
        for statement in model.schema():
            if is_secondary_index(statement):
                found = re.search(r"EXISTS\s+(\w+)", statement)
                assert found is not None, statement
                names.add(found.group(1))
    return names


def present_indexes(db: Database, names: set[str]) -> set[str]:
    if db.dialect == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'index'"
    else:
        query = "SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema()"
    with db.read() as conn:
        return {row["name"] for row in conn.fetchall(query)} & names


def _followers(market: Market, db: Database) -> list[Follower]:
    wakeup = PollingWakeup(0.001)
    return [Follower(m, market.app, db, wakeup=wakeup, page_size=200) for m in every_model(market, db)]


def test_a_rebuild_builds_the_secondary_indexes_after_the_replay_and_keeps_the_rows(
    market: Market, db: Database
) -> None:
    list(stream(market.app, EVENTS))
    live = FollowerGroup(_followers(market, db), page_size=200)
    live.catch_up()
    tables = [t for model in every_model(market, db) for t in model.tables]
    followed = snapshot(db, tables)
    names = index_names(every_model(market, db))
    assert len(names) >= 10 and present_indexes(db, names) == names

    during: list[set[str]] = []

    def watch(p: Progress) -> None:
        if 0 < p.processed < p.total:
            during.append(present_indexes(db, names))

    rebuilt = rebuild_group(FollowerGroup(_followers(market, db), page_size=200), watch)

    assert during and all(found == set() for found in during)  # loaded without them
    assert present_indexes(db, names) == names
    assert snapshot(db, tables) == followed
    head = market.app.recorder.max_notification_id()
    assert {p.processed for p in rebuilt} == {head}


def test_a_rebuild_that_dies_before_its_indexes_gets_them_back_when_its_follower_prepares(
    market: Market, db: Database
) -> None:
    list(stream(market.app, 300))
    followers = _followers(market, db)
    names = index_names([f.model for f in followers])
    for follower in followers:
        reset(follower, defer_indexes=True)
        follower.step()
    assert present_indexes(db, names) == set()

    for follower in _followers(market, db):  # a worker starting after the crash
        follower.prepare()

    assert present_indexes(db, names) == names


def test_building_indexes_waits_for_a_process_starting_up_in_the_same_schema(
    market: Market, db: Database
) -> None:
    """Start-up creates every table and index IF NOT EXISTS under the schema's lock; a rebuild
    building the same indexes at that moment would race it, and one of the two would fail."""
    if not isinstance(db, PostgresDatabase):
        pytest.skip("SQLite's single writer serialises schema changes already")
    follower = _followers(market, db)[-1]  # the audit index: four secondary indexes
    reset(follower, defer_indexes=True)
    names = index_names([follower.model])
    done = threading.Event()
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as starting:
        starting.execute("SELECT pg_advisory_lock(hashtext(%s))", (schema_lock_key(db.schema),))
        builder = threading.Thread(target=lambda: (build_indexes(follower), done.set()))
        builder.start()
        assert not done.wait(0.5)  # waits for the start-up to finish
        assert present_indexes(db, names) == set()
        starting.execute("SELECT pg_advisory_unlock(hashtext(%s))", (schema_lock_key(db.schema),))
    builder.join(10)
    assert done.is_set() and present_indexes(db, names) == names


@pytest.mark.postgres
def test_a_rebuild_leaves_its_tables_analysed(market: Market, db: Database) -> None:
    """The planner's statistics describe the rebuilt rows, not those the reset dropped: a table
    that was never analysed has none (`reltuples` -1), one analysed before holds the old count."""
    if db.dialect != "postgres":
        pytest.skip("PostgreSQL keeps planner statistics per table; SQLite plans without them")
    list(stream(market.app, 300))
    models = every_model(market, db)
    tables = [t for model in models for t in model.tables]

    rebuild_group(FollowerGroup(_followers(market, db), page_size=200))

    with db.read() as conn:
        stats = conn.fetchall(
            "SELECT c.relname AS name, c.reltuples AS estimated, s.last_analyze AS analysed"
            " FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid"
            " WHERE s.schemaname = current_schema() AND c.relname = ANY(:tables)",
            {"tables": tables},
        )
        counts = {row["name"]: conn.fetchone(f"SELECT count(*) AS n FROM {row['name']}") for row in stats}
    assert {row["name"] for row in stats} >= {"board_gigs", "portfolio_entries", "ledger_payouts"}
    for row in stats:
        counted = counts[row["name"]]
        assert counted is not None and row["analysed"] is not None, row
        assert row["estimated"] == counted["n"], (row, counted)
