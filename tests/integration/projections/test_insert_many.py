"""`insert_many`: the same rows on both dialects whichever way they travel (a batch of INSERTs,
or on PostgreSQL a COPY, through a staging table for an upsert)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from projections.database import COPY_FROM_ROWS, Connection, Database, values_of

SIZES = [3, COPY_FROM_ROWS, COPY_FROM_ROWS * 5]
FORMS = ["dicts", "values"]
"""Rows as mappings (`insert_many`) or as tuples of values (`insert_values`, what a page written
behind sends)."""


def insert(
    conn: Connection,
    form: str,
    table: str,
    columns: Sequence[str],
    given: list[dict[str, object]],
    key: Sequence[str] = (),
) -> None:
    if form == "values":
        conn.insert_values(table, columns, values_of(columns, given), key=key)
    else:
        conn.insert_many(table, columns, given, key=key)


@pytest.fixture
def table(db: Database) -> str:
    with db.transaction() as conn:
        conn.execute("DROP TABLE IF EXISTS things")
        conn.execute(
            "CREATE TABLE things"
            " (id TEXT PRIMARY KEY, name TEXT NOT NULL, n INTEGER, note TEXT DEFAULT 'kept')"
        )
    return "things"


def rows(count: int, name: str, start: int = 0) -> list[dict[str, object]]:
    return [
        {"id": f"t{i:05d}", "name": f"{name} {i}", "n": i if i % 3 else None}
        for i in range(start, start + count)
    ]


def everything(db: Database) -> list[tuple[object, ...]]:
    with db.read() as conn:
        found = conn.fetchall("SELECT id, name, n, note FROM things ORDER BY id")
    return [(r["id"], r["name"], r["n"], r["note"]) for r in found]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("count", SIZES)
def test_inserts_every_row_with_nulls_and_defaults(db: Database, table: str, count: int, form: str) -> None:
    with db.transaction() as conn:
        insert(conn, form, table, ("id", "name", "n"), rows(count, "first"))
    assert everything(db) == [(r["id"], r["name"], r["n"], "kept") for r in rows(count, "first")]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("count", SIZES)
def test_upsert_updates_the_rows_that_exist_and_adds_the_rest(
    db: Database, table: str, count: int, form: str
) -> None:
    with db.transaction() as conn:
        insert(conn, form, table, ("id", "name", "n"), rows(count, "first"))
    with db.transaction() as conn:
        # Half the rows exist, half are new; twice in one transaction, so staged rows of the
        # first upsert must not be applied again by the second.
        insert(conn, form, table, ("id", "name", "n"), rows(count, "second", start=count // 2), ("id",))
        insert(conn, form, table, ("id", "name", "n"), rows(count, "third", start=count), ("id",))
        insert(conn, form, table, ("id", "name"), rows(count, "fourth", start=count * 2), ("id",))
    expected = {r["id"]: (r["name"], r["n"]) for r in rows(count, "first")}
    expected |= {r["id"]: (r["name"], r["n"]) for r in rows(count, "second", start=count // 2)}
    expected |= {r["id"]: (r["name"], r["n"]) for r in rows(count, "third", start=count)}
    fourth = {r["id"]: r["name"] for r in rows(count, "fourth", start=count * 2)}
    expected |= {k: (name, expected[k][1] if k in expected else None) for k, name in fourth.items()}
    assert everything(db) == [(k, name, n, "kept") for k, (name, n) in sorted(expected.items())]


def test_an_upsert_after_a_rolled_back_one_still_works(db: Database, table: str) -> None:
    """A staging table created in a transaction that rolled back is gone; the next one makes it again."""
    many = COPY_FROM_ROWS * 2
    with pytest.raises(RuntimeError), db.transaction() as conn:
        conn.insert_many(table, ("id", "name", "n"), rows(many, "lost"), key=("id",))
        raise RuntimeError("crash before commit")
    assert everything(db) == []
    with db.transaction() as conn:
        conn.insert_many(table, ("id", "name", "n"), rows(many, "kept"), key=("id",))
    assert [r[1] for r in everything(db)] == [r["name"] for r in rows(many, "kept")]


def test_a_failing_row_fails_the_whole_insert(db: Database, table: str) -> None:
    bad = rows(COPY_FROM_ROWS * 2, "ok")
    bad[-1]["name"] = None  # NOT NULL
    with pytest.raises(Exception), db.transaction() as conn:  # noqa: B017 - each driver raises its own
        conn.insert_many(table, ("id", "name", "n"), bad)
    assert everything(db) == []
