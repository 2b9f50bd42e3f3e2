from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from api.bootstrap import Container, bootstrap
from api.settings import get_settings
from tests.conftest import POSTGRES_DSN


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def container(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Container]:
    """The application's own composition, from the environment as a process reads it, on each
    backend (child processes it starts read the same environment); one projection process."""
    monkeypatch.setenv("FAIRGIG_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("FAIRGIG_PROJECTION_PROCESSES", raising=False)
    if request.param == "postgres":
        monkeypatch.setenv("FAIRGIG_DATABASE_URL", POSTGRES_DSN)
        monkeypatch.setenv("FAIRGIG_DATABASE_SCHEMA", request.getfixturevalue("postgres_schema"))
    else:
        monkeypatch.delenv("FAIRGIG_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    built = bootstrap(get_settings())
    yield built
    built.close()
    get_settings.cache_clear()
