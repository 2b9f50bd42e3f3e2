"""Shared fixtures: a controllable clock and event-store environments for SQLite and PostgreSQL.

PostgreSQL tests run in a schema of their own (so parallel workers never share tables), skip with
a visible reason when no server answers, and fail instead when FAIRGIG_REQUIRE_POSTGRES=1 (CI)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

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


@pytest.fixture
def postgres_schema() -> Iterator[str]:
    """A fresh, empty schema, dropped afterwards."""
    require_postgres()
    schema = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(POSTGRES_DSN, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield schema
    finally:
        with psycopg.connect(POSTGRES_DSN, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def postgres_env(schema: str) -> dict[str, str]:
    info = psycopg.conninfo.conninfo_to_dict(POSTGRES_DSN)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": str(info.get("dbname", "test")),
        "POSTGRES_HOST": str(info.get("host", "127.0.0.1")),
        "POSTGRES_PORT": str(info.get("port", "5432")),
        "POSTGRES_USER": str(info.get("user", "postgres")),
        "POSTGRES_PASSWORD": str(info.get("password", "")),
        "POSTGRES_SCHEMA": schema,
        **CODEC_ENV,
    }


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
