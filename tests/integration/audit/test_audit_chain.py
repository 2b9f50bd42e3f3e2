from __future__ import annotations

import threading
from typing import Any

import pytest

from domain.marketplace import Marketplace
from projections.audit_chain import ChainHead, catch_up, chain_head, verify
from projections.audit_log import EventsTable
from projections.database import Database
from tests.integration.finance.money_paths import MoneyRun


@pytest.fixture
def chained(app: Marketplace, db: Database, run: MoneyRun) -> ChainHead:
    for path in ("approved", "kill_fee", "dispute_split"):
        run.gig(path)
    return catch_up(app.recorder, db, batch_size=7)


def column(events: EventsTable) -> str:
    return events.position


def stored_state(db: Database, events: EventsTable, position: int) -> bytes:
    with db.transaction() as conn:
        row = conn.fetchone(f"SELECT state FROM {events.name} WHERE {column(events)} = :p", {"p": position})
    assert row is not None
    return bytes(row["state"])


def tamper(db: Database, sql: str, **params: Any) -> None:
    with db.transaction() as conn:
        conn.execute(sql, params)


def test_the_chain_covers_every_event_and_an_untouched_log_verifies(
    app: Marketplace, db: Database, chained: ChainHead
) -> None:
    assert chained.length == app.recorder.max_notification_id()
    assert chain_head(db) == chained
    assert verify(app.recorder, db, page_size=5).ok
    assert verify(app.recorder, db).checked == chained.length
    assert verify(app.recorder, db, anchor=chained).ok


def test_the_chain_extends_from_its_head_and_reaches_the_same_hash_as_one_pass(
    app: Marketplace, db: Database, chained: ChainHead, run: MoneyRun
) -> None:
    run.gig("approved")
    extended = catch_up(app.recorder, db)
    assert extended.length > chained.length
    with db.transaction() as conn:
        conn.execute("DELETE FROM audit_chain")
    assert catch_up(app.recorder, db, batch_size=1000) == extended


def test_an_edited_byte_is_reported_at_its_position(
    app: Marketplace, db: Database, chained: ChainHead, events_table: EventsTable
) -> None:
    state = bytearray(stored_state(db, events_table, 9))
    state[len(state) // 2] ^= 0x01
    tamper(db, f"UPDATE {events_table.name} SET state = :s WHERE {column(events_table)} = 9", s=bytes(state))
    result = verify(app.recorder, db)
    assert (result.ok, result.first_bad_position, result.checked) == (False, 9, 9)


def test_a_deleted_event_is_reported_at_its_position(
    app: Marketplace, db: Database, chained: ChainHead, events_table: EventsTable
) -> None:
    tamper(db, f"DELETE FROM {events_table.name} WHERE {column(events_table)} = 12")
    result = verify(app.recorder, db)
    assert (result.ok, result.first_bad_position) == (False, 12)


def test_two_swapped_events_are_reported_at_the_first_of_them(
    app: Marketplace, db: Database, chained: ChainHead, events_table: EventsTable
) -> None:
    table, pos = events_table.name, column(events_table)
    tamper(db, f"UPDATE {table} SET {pos} = -1 WHERE {pos} = 15")
    tamper(db, f"UPDATE {table} SET {pos} = 15 WHERE {pos} = 6")
    tamper(db, f"UPDATE {table} SET {pos} = 6 WHERE {pos} = -1")
    result = verify(app.recorder, db)
    assert (result.ok, result.first_bad_position) == (False, 6)


def test_a_rewritten_log_and_chain_still_fails_against_the_anchored_head(
    app: Marketplace, db: Database, chained: ChainHead, events_table: EventsTable
) -> None:
    state = bytearray(stored_state(db, events_table, 3))
    state[-2] ^= 0x01
    tamper(db, f"UPDATE {events_table.name} SET state = :s WHERE {column(events_table)} = 3", s=bytes(state))
    with db.transaction() as conn:
        conn.execute("DELETE FROM audit_chain")
    catch_up(app.recorder, db)  # whoever edited the log re-chains it to hide the edit
    assert verify(app.recorder, db).ok
    result = verify(app.recorder, db, anchor=chained)
    assert not result.ok and result.checked == chained.length


def test_an_event_slipped_into_the_chained_part_of_the_log_is_reported(
    app: Marketplace, db: Database, chained: ChainHead, events_table: EventsTable
) -> None:
    tamper(db, "DELETE FROM audit_chain WHERE position = 4")
    result = verify(app.recorder, db)
    assert (result.ok, result.first_bad_position) == (False, 4)


def test_two_processes_extending_the_chain_at_once_agree_and_neither_fails(
    app: Marketplace, db: Database, chained: ChainHead, run: MoneyRun
) -> None:
    """A worker and `fairgig audit verify` (or two workers) extend the chain at the same moment:
    both hash the same events from the same head, so the second one's rows are the first one's;
    the chain must come out whole and neither may fail on the other's rows."""
    errors: list[BaseException] = []
    for _ in range(4):
        run.gig("approved")
        start = threading.Barrier(3)

        def extend_now(start: threading.Barrier = start) -> None:
            start.wait()
            try:
                catch_up(app.recorder, db, batch_size=3)
            except BaseException as e:
                errors.append(e)

        threads = [threading.Thread(target=extend_now) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    assert errors == []
    head = chain_head(db)
    assert head.length == head.position == app.recorder.max_notification_id()
    assert verify(app.recorder, db).ok
