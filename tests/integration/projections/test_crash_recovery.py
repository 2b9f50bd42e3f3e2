"""Kill the followers at random instants while events stream in; after restarts the read models
must equal a fresh rebuild and every position must equal the log's head."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from typing import Any

from domain.marketplace import Marketplace
from projections.database import Connection, Database, Query, RowsIn, ValuesIn
from projections.follower import Follower
from projections.rebuild import rebuild
from projections.registry import MODELS
from projections.wakeup import PollingWakeup
from tests.integration.projections.event_stream import stream
from tests.integration.projections.factories import Market

EVENTS = 10_000


class SimulatedCrash(BaseException):
    """Not an Exception: the follower's supervision must not catch it, as it cannot catch a SIGKILL."""


class CrashingDatabase:
    """Crashes inside some transactions after a random number of statements (before, during or
    after the rows of a page, or after the position write, always before the commit)."""

    def __init__(self, db: Database, rng: random.Random, chance: float = 0.3) -> None:
        self.db = db
        self.dialect = db.dialect
        self.rng = rng
        self.chance = chance
        self.crashes = 0

    @contextmanager
    def transaction(self, *, pipeline: bool = False) -> Iterator[Connection]:
        # Pages are written set-based, a few dozen statements each: a budget in that range lands
        # the crash anywhere in a page's write, position write included.
        budget = self.rng.randint(1, 30) if self.rng.random() < self.chance else -1
        with self.db.transaction(pipeline=pipeline) as conn:
            yield _Countdown(conn, self, budget)

    def read(self) -> Any:
        return self.db.read()

    def close(self) -> None:
        self.db.close()


class _Countdown:
    def __init__(self, conn: Connection, owner: CrashingDatabase, budget: int) -> None:
        self._conn = conn
        self._owner = owner
        self._budget = budget

    def _tick(self) -> None:
        self._budget -= 1
        if self._budget == 0:
            self._owner.crashes += 1
            raise SimulatedCrash

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        self._tick()
        self._conn.execute(sql, params)

    def executemany(self, sql: str, rows: Sequence[Mapping[str, Any]]) -> None:
        self._tick()
        self._conn.executemany(sql, rows)

    def insert_many(
        self, table: str, columns: Sequence[str], rows: RowsIn, *, key: Sequence[str] = ()
    ) -> None:
        self._tick()
        self._conn.insert_many(table, columns, rows, key=key)

    def insert_values(
        self, table: str, columns: Sequence[str], values: ValuesIn, *, key: Sequence[str] = ()
    ) -> None:
        self._tick()
        self._conn.insert_values(table, columns, values, key=key)

    def fetchall(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        return self._conn.fetchall(sql, params)

    def fetchone(self, sql: str, params: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
        return self._conn.fetchone(sql, params)

    def fetch_each(self, queries: Sequence[Query]) -> list[list[dict[str, Any]]]:
        return self._conn.fetch_each(queries)


def snapshot(db: Database, tables: Sequence[str]) -> dict[str, list[str]]:
    out = {}
    with db.read() as conn:
        for table in tables:
            if table == "board_fts" and db.dialect != "sqlite":
                continue
            select = "SELECT rowid, * FROM board_fts" if table == "board_fts" else f"SELECT * FROM {table}"
            out[table] = sorted(repr(sorted(row.items())) for row in conn.fetchall(select))
    return out


def follower(app: Marketplace, db: Any, name: str, rng: random.Random) -> Follower:
    model = MODELS[name](db.dialect)
    return Follower(model, app, db, wakeup=PollingWakeup(0.001), page_size=rng.choice([50, 200, 500]))


def test_followers_killed_at_random_converge_to_a_fresh_rebuild(market: Market, db: Database) -> None:
    rng = random.Random(20260302)
    app = market.app
    crashing = CrashingDatabase(db, rng)
    producer = threading.Thread(target=lambda: list(stream(app, EVENTS)))
    producer.start()
    while True:
        finished = not producer.is_alive()
        for name in MODELS:
            with suppress(SimulatedCrash):
                follower(app, crashing, name, rng).catch_up()
        head = app.recorder.max_notification_id()
        positions = [follower(app, db, name, rng) for name in MODELS]
        for f in positions:
            f.prepare()
        if finished and all(f.position == head for f in positions):
            break
    producer.join()

    assert head is not None and head >= EVENTS
    assert crashing.crashes >= 10
    for name, model_class in MODELS.items():
        survived = snapshot(db, model_class.tables)
        rebuilt_follower = follower(app, db, name, rng)
        rebuild(rebuilt_follower)
        assert rebuilt_follower.position == head
        rebuilt = snapshot(db, model_class.tables)
        assert sum(len(rows) for rows in rebuilt.values()) > 0
        assert survived == rebuilt, name
