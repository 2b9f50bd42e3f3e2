"""Every row a read model reads by key is found through an index, on both backends: a page's
loads (`Rows.load_query`: many keys of the key's first column at once) and single reads
(`Rows.get`: the whole key). A load that no index serves reads the whole table on every page,
a cost that grows with the table: the student portfolio's entries, keyed gig first under a
primary key that starts with the student, were read that way until an index led by the gig
was added. The plans are asked for with sequential scans priced out (PostgreSQL) so that a
small test table does not make a full read look cheapest: what is checked is that an index
can serve the lookup, and serves it by the key."""

from __future__ import annotations

import re
from typing import Any

from projections.database import Connection, Database
from projections.follower import Follower
from projections.read_model import BufferedReadModel, Rows
from projections.wakeup import PollingWakeup
from tests.integration.projections.factories import Market
from tests.integration.projections.test_rebuild_indexes import every_model


def _buffers(market: Market, db: Database) -> list[Rows]:
    buffers: list[Rows] = []
    for model in every_model(market, db):
        Follower(model, market.app, db, wakeup=PollingWakeup()).prepare()
        if isinstance(model, BufferedReadModel):
            buffers.extend(model.buffers())
    return buffers


def _plan(db: Database, conn: Connection, sql: str, params: dict[str, Any]) -> str:
    if db.dialect == "postgres":
        return "\n".join(row["QUERY PLAN"] for row in conn.fetchall("EXPLAIN " + sql, params))
    return "\n".join(row["detail"] for row in conn.fetchall("EXPLAIN QUERY PLAN " + sql, params))


def _by_index(conn: Connection, dialect: str, table: str, columns: tuple[str, ...], plan: str) -> bool:
    """Whether `plan` finds `table`'s rows through an index led by one of `columns` (PostgreSQL
    can also walk a whole index for a condition on a later column: no better than a scan)."""
    if dialect == "sqlite":
        return any(re.search(rf"SEARCH {table} USING .*\({c}=\?", plan) for c in columns)
    used = re.findall(r"Index (?:Only )?Scan (?:using|on) (\w+)", plan)
    if "Seq Scan" in plan or not used:
        return False
    return all(_leading_column(conn, index) in columns for index in used)


def _leading_column(conn: Connection, index: str) -> str:
    row = conn.fetchone(
        "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname = :name",
        {"name": index},
    )
    assert row is not None, index
    found = re.search(r"\((\w+)", row["indexdef"])
    assert found is not None, row
    return found.group(1)


def test_every_buffered_table_is_read_by_key_through_an_index(market: Market, db: Database) -> None:
    buffers = _buffers(market, db)
    assert {rows.table for rows in buffers} >= {"portfolio_entries", "ledger_payouts", "board_gigs"}
    with db.transaction() as conn:
        if db.dialect == "postgres":
            conn.execute("SET LOCAL enable_seqscan = off")
        for rows in buffers:
            query = rows.load_query(["a", "b", "c"])
            assert query is not None
            many = _plan(db, conn, *query)
            assert _by_index(conn, db.dialect, rows.table, rows.key[:1], many), (rows.table, many)
            one = _plan(db, conn, *_single(rows))
            assert _by_index(conn, db.dialect, rows.table, rows.key, one), (rows.table, one)


def _single(rows: Rows) -> tuple[str, dict[str, Any]]:
    where = " AND ".join(f"{k} = :{k}" for k in rows.key)
    return f"SELECT * FROM {rows.table} WHERE {where}", {k: "a" for k in rows.key}


def test_the_check_tells_a_full_read_apart(market: Market, db: Database) -> None:
    """The check itself: a lookup by a column no index leads with is reported as not by index."""
    _buffers(market, db)
    with db.transaction() as conn:
        if db.dialect == "postgres":
            conn.execute("SET LOCAL enable_seqscan = off")
        plan = _plan(db, conn, "SELECT * FROM portfolio_entries WHERE status = :status", {"status": "a"})
        assert not _by_index(conn, db.dialect, "portfolio_entries", ("status",), plan), plan
