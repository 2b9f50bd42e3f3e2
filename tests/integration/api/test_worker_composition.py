"""What a process composes at start: a worker follows the ledger and the audit index in the same
group as its read models (one read and decode of each page serves them all, and one transaction
commits it), and a server that keeps no planner statistics is reported."""

from __future__ import annotations

import pytest

from api.bootstrap import Container
from tests.conftest import FakeClock
from tests.integration.projections.factories import Market


def test_the_ledger_and_the_audit_index_follow_in_the_read_models_group(container: Container) -> None:
    market = Market(container.marketplace, FakeClock(container.clock()))
    market.submit(market.post())
    container.start_workers(("projections",))
    try:
        group = container.projections.group
        names = [f.name for f in group.followers]
        assert set(names) == {*container.projections.followers, "ledger", "audit_index"}
        assert container.wait_for(container.log_head(), timeout=20)
        report = container.readiness()
        rows = {row["name"]: row for row in report["projections"]}
        for name in ("ledger", "audit_index", "board"):
            assert rows[name]["lag_events"] == 0 and rows[name]["running"] is True, rows[name]
        assert report["ready"] is True
        # What the ledger keeps arrived through the group: the gig's funding is on its books.
        with container.db.read() as conn:
            books = conn.fetchall("SELECT gig_id FROM ledger_books")
            indexed = conn.fetchall("SELECT position FROM audit_index")
        assert len(books) == 1 and len(indexed) == container.log_head()
    finally:
        container.stop_workers()
    assert not container.projections.group.running


def test_start_up_says_when_the_server_does_not_keep_planner_statistics(
    caplog: pytest.LogCaptureFixture, container: Container
) -> None:
    """With autovacuum off (as on some servers, this project's benchmark machine among them) the
    read models' tables are never analysed; an operator should hear of it from the start-up."""
    warned = any("autovacuum is off" in r.getMessage() for r in caplog.get_records("setup"))
    if container.db.dialect == "sqlite":
        assert not warned
        return
    with container.db.read() as conn:
        row = conn.fetchone("SHOW autovacuum")
    assert row is not None
    assert warned == (row["autovacuum"] == "off")
