"""Where each projection has got to in the log, and the events it had to park.

Both tables live in the read-side database, next to the rows they vouch for, so that rows and
position are written in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from projections.columns import iso
from projections.database import Connection, Query, Row

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS projection_tracking ("
    " name TEXT PRIMARY KEY, position BIGINT NOT NULL, updated_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS projection_dead_letters ("
    " name TEXT NOT NULL, position BIGINT NOT NULL, topic TEXT NOT NULL,"
    " originator_id TEXT NOT NULL, error TEXT NOT NULL, attempts INTEGER NOT NULL,"
    " failed_at TEXT NOT NULL, PRIMARY KEY (name, position))",
)


class PositionMoved(Exception):
    """Another follower of the same projection committed first; reload and go on from there."""


@dataclass(frozen=True, slots=True)
class DeadLetter:
    name: str
    position: int
    topic: str
    originator_id: str
    error: str
    attempts: int
    failed_at: str


def create(conn: Connection) -> None:
    for statement in SCHEMA:
        conn.execute(statement)


def position(conn: Connection, name: str, *, lock: bool = False) -> int:
    """`lock` (PostgreSQL) holds the row until commit so two followers of one projection queue;
    SQLite needs no clause, its write transactions are already serial."""
    suffix = " FOR UPDATE" if lock else ""
    row = conn.fetchone(
        f"SELECT position FROM projection_tracking WHERE name = :name{suffix}", {"name": name}
    )
    return 0 if row is None else int(row["position"])


def positions(conn: Connection) -> dict[str, int]:
    rows = conn.fetchall("SELECT name, position FROM projection_tracking")
    return {str(row["name"]): int(row["position"]) for row in rows}


def advance(conn: Connection, name: str, expected: int, to: int, now: datetime, *, lock: bool) -> None:
    """Move the position from `expected` to `to`, or refuse if someone else moved it."""
    check_positions(conn, {name: expected}, lock=lock)
    move_positions(conn, {name: (expected, to)}, now)


def check_positions(conn: Connection, expected: Mapping[str, int], *, lock: bool) -> None:
    """Refuse (PositionMoved) unless every named projection is at its expected position; with
    `lock` (PostgreSQL) hold the rows until commit, taken in name order so that two groups
    queue rather than deadlock."""
    verify_positions(conn.fetchall(*positions_query(expected, lock=lock)), expected)


def positions_query(expected: Mapping[str, int], *, lock: bool) -> Query:
    """The query `check_positions` runs, for a caller that sends it along with others (in
    order: with `lock`, statements sent after it run once it holds the rows)."""
    names = sorted(expected)
    params = {f"n{i}": name for i, name in enumerate(names)}
    marks = ", ".join(f":n{i}" for i in range(len(names)))
    suffix = " ORDER BY name FOR UPDATE" if lock else ""
    return f"SELECT name, position FROM projection_tracking WHERE name IN ({marks}){suffix}", params


def verify_positions(rows: Iterable[Row], expected: Mapping[str, int]) -> None:
    """Refuse (PositionMoved) unless `rows` of `positions_query` show every expected position."""
    found = {str(row["name"]): int(row["position"]) for row in rows}
    for name in sorted(expected):
        if found.get(name, 0) != expected[name]:
            raise PositionMoved(name)


def move_positions(conn: Connection, moves: Mapping[str, tuple[int, int]], now: datetime) -> None:
    """Write each projection's new position (after `check_positions` in the same transaction)."""
    at = iso(now)
    conn.executemany(
        "INSERT INTO projection_tracking (name, position, updated_at) VALUES (:name, :position, :at)"
        " ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at",
        [{"name": name, "position": to, "at": at} for name, (_, to) in moves.items()],
    )


def reset(conn: Connection, name: str) -> None:
    conn.execute("DELETE FROM projection_tracking WHERE name = :name", {"name": name})
    conn.execute("DELETE FROM projection_dead_letters WHERE name = :name", {"name": name})


def park(conn: Connection, letter: DeadLetter) -> None:
    conn.execute(
        "INSERT INTO projection_dead_letters"
        " (name, position, topic, originator_id, error, attempts, failed_at)"
        " VALUES (:name, :position, :topic, :originator_id, :error, :attempts, :failed_at)"
        " ON CONFLICT (name, position) DO UPDATE SET error = excluded.error,"
        " attempts = projection_dead_letters.attempts + excluded.attempts, failed_at = excluded.failed_at",
        {
            "name": letter.name,
            "position": letter.position,
            "topic": letter.topic,
            "originator_id": letter.originator_id,
            "error": letter.error,
            "attempts": letter.attempts,
            "failed_at": letter.failed_at,
        },
    )


def dead_letters(conn: Connection, name: str | None = None) -> list[DeadLetter]:
    where = "" if name is None else " WHERE name = :name"
    rows = conn.fetchall(
        "SELECT name, position, topic, originator_id, error, attempts, failed_at"
        f" FROM projection_dead_letters{where} ORDER BY name, position",
        {"name": name},
    )
    return [DeadLetter(**row) for row in rows]


def dead_letter_counts(conn: Connection) -> dict[str, int]:
    rows = conn.fetchall("SELECT name, COUNT(*) AS n FROM projection_dead_letters GROUP BY name")
    return {str(row["name"]): int(row["n"]) for row in rows}
