"""Idempotency keys concern POSTs only: a POST with a key runs once and is replayed, any other
method runs every time and leaves nothing stored."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar import Litestar, get, post
from litestar.middleware import DefineMiddleware
from litestar.testing import TestClient

from api.idempotency import IdempotencyMiddleware, IdempotencyStore
from projections.database import SQLiteDatabase
from tests.conftest import FakeClock

_runs = itertools.count(1)


@get("/tick", sync_to_thread=False)
def read_tick() -> dict[str, int]:
    return {"run": next(_runs)}


@post("/tick", sync_to_thread=False)
def write_tick() -> dict[str, int]:
    return {"run": next(_runs)}


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SQLiteDatabase]:
    database = SQLiteDatabase(tmp_path / "keys.db")
    yield database
    database.close()


@pytest.fixture
def client(db: SQLiteDatabase) -> Iterator[TestClient[Litestar]]:
    store = IdempotencyStore(db, clock=FakeClock())
    middleware = DefineMiddleware(IdempotencyMiddleware, store=store, max_body_bytes=1024)
    app = Litestar(route_handlers=[read_tick, write_tick], middleware=[middleware])
    with TestClient(app) as c:
        yield c


def _stored(db: SQLiteDatabase) -> int:
    with db.read() as conn:
        row = conn.fetchone("SELECT COUNT(*) AS n FROM idempotency_keys")
    return int(row["n"]) if row else 0


def test_a_post_with_a_key_runs_once_and_is_replayed(
    client: TestClient[Litestar], db: SQLiteDatabase
) -> None:
    key = {"Idempotency-Key": "same"}

    first = client.post("/tick", headers=key)
    again = client.post("/tick", headers=key)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert _stored(db) == 1


def test_a_get_with_a_key_runs_every_time_and_stores_nothing(
    client: TestClient[Litestar], db: SQLiteDatabase
) -> None:
    key = {"Idempotency-Key": "same"}

    first = client.get("/tick", headers=key)
    again = client.get("/tick", headers=key)

    assert first.status_code == again.status_code == 200
    assert again.json()["run"] == first.json()["run"] + 1
    assert "idempotent-replayed" not in again.headers
    assert _stored(db) == 0
