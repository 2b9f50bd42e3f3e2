"""Shared fixtures: a controllable clock and event-store environments for SQLite and PostgreSQL.

PostgreSQL tests run in a schema of their own (so parallel workers never share tables), skip with
a visible reason when no server answers, and fail instead when FAIRGIG_REQUIRE_POSTGRES=1 (CI)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from api.settings import DatabaseSettings
from domain.marketplace import Marketplace
from projections.database import Database, PostgresDatabase, SQLiteDatabase

POSTGRES_DSN = os.environ.get("FAIRGIG_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("FAIRGIG_REQUIRE_POSTGRES") == "1"

CODEC_ENV = {
    "TRANSCODER_TOPIC": "api.event_codec:MsgspecTranscoder",
    "MAPPER_TOPIC": "api.event_codec:MsgspecMapper",
}


class FakeClock:
    """Time that only moves when a test moves it."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def _postgres_available() -> str | None:
    try:
        with psycopg.connect(POSTGRES_DSN, connect_timeout=3):
            return None
    except psycopg.Error as e:
        return f"PostgreSQL not reachable at {POSTGRES_DSN}: {e}".strip()


_PG_PROBLEM: list[str | None] = []


def postgres_problem() -> str | None:
    if not _PG_PROBLEM:
        _PG_PROBLEM.append(_postgres_available())
    return _PG_PROBLEM[0]


def require_postgres() -> None:
    problem = postgres_problem()
    if problem is None:
        return
    if REQUIRE_POSTGRES:
        pytest.fail(f"FAIRGIG_REQUIRE_POSTGRES=1 but {problem}")
    pytest.skip(problem)


@contextmanager
def temporary_schema(dsn: str, prefix: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL schema named `prefix` and a random suffix, dropped afterwards."""
    schema = prefix + uuid.uuid4().hex[:12]
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield schema
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def postgres_schema() -> Iterator[str]:
    """A fresh, empty schema, dropped afterwards."""
    require_postgres()
    with temporary_schema(POSTGRES_DSN, "t_") as schema:
        yield schema


def postgres_env(schema: str) -> dict[str, str]:
    """The Marketplace's environment on PostgreSQL, built as the application builds it."""
    return DatabaseSettings(url=POSTGRES_DSN, schema=schema).event_store_env("Marketplace")


def sqlite_env(path: Path) -> dict[str, str]:
    return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path), **CODEC_ENV}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_env(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """Event-store environment for the Marketplace on each backend."""
    if request.param == "sqlite":
        return sqlite_env(tmp_path / "fairgig.db")
    schema: str = request.getfixturevalue("postgres_schema")
    return postgres_env(schema)


def database_for(env: dict[str, str]) -> Database:
    """The read-side database matching an event-store environment from `store_env`."""
    if env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite":
        return SQLiteDatabase(env["SQLITE_DBNAME"])
    return PostgresDatabase(POSTGRES_DSN, schema=env["POSTGRES_SCHEMA"])


@pytest.fixture
def app(store_env: dict[str, str], clock: FakeClock) -> Iterator[Marketplace]:
    """The Marketplace on each backend, on the controllable clock."""
    marketplace = Marketplace(store_env, clock=clock)
    yield marketplace
    marketplace.close()


@pytest.fixture
def db(store_env: dict[str, str]) -> Iterator[Database]:
    """The read-side database on the same backend as `store_env`."""
    database = database_for(store_env)
    yield database
    database.close()
