"""An HTTP client against the full app (real stores, simulated payments, a controllable clock)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from api.app import create_app
from api.bootstrap import bootstrap
from api.settings import AuthSettings, DatabaseSettings, Settings
from tests.conftest import POSTGRES_DSN, FakeClock


class Api:
    """A thin client that knows how fairgig's users sign up and sign in."""

    def __init__(self, client: TestClient[Any], clock: FakeClock) -> None:
        self.client = client
        self.clock = clock

    def user(self, role: str, name: str | None = None) -> dict[str, str]:
        """Sign up a fresh account; return headers carrying its bearer token."""
        email = f"{role}-{uuid.uuid4().hex[:8]}@example.org"
        body = {
            "role": role,
            "email": email,
            "password": "correct horse battery",
            "name": name or role.title(),
        }
        assert self.client.post("/auth/signup", json=body).status_code == 201
        return self.token(email)

    def token(self, email: str) -> dict[str, str]:
        res = self.client.post("/auth/token", json={"email": email, "password": "correct horse battery"})
        assert res.status_code == 200, res.text
        return {"Authorization": f"Bearer {res.json()['access_token']}"}

    def brief(self, **overrides: Any) -> dict[str, Any]:
        deadline = (self.clock.now + timedelta(days=14)).isoformat()
        brief: dict[str, Any] = {
            "title": "Clean and chart a year of support-ticket data",
            "summary": "Turn our 2025 ticket export into a tidy dataset and three charts for the ops review.",
            "deliverables": ["A cleaned CSV of 2025 tickets", "A notebook producing three charts"],
            "acceptance_criteria": ["Notebook runs end to end", "Charts match the agreed definitions"],
            "skills": ["python", "pandas"],
            "estimated_hours": 10,
            "pay": {"amount": 40000, "currency": "usd"},
            "deadline": deadline,
            "revision_rounds": 2,
            "supervisor": {"name": "Dana Ops", "email": "dana@example.org"},
            "check_in_cadence": "twice a week",
            "communication_channels": ["email"],
            "jurisdiction": "US-CA",
        }
        brief.update(overrides)
        return brief

    def posted_gig(self, employer: dict[str, str], **overrides: Any) -> str:
        res = self.client.post("/gigs", json=self.brief(**overrides), headers=employer)
        assert res.status_code == 201, res.text
        gig_id: str = res.json()["id"]
        published = self.client.post(f"/gigs/{gig_id}/publish", headers=employer)
        assert published.status_code == 200, published.text
        return gig_id

    def log_head(self) -> int:
        container = self.client.app.state.container
        return int(container.marketplace.recorder.max_notification_id() or 0)


def _settings(tmp_path: Path, backend: str, schema: str) -> Settings:
    url = POSTGRES_DSN if backend == "postgres" else ""
    return Settings(
        database=DatabaseSettings(data_dir=tmp_path, url=url, schema=schema),
        auth=AuthSettings(jwt_secret="test-secret-" + "x" * 32),
    )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def api(request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock) -> Iterator[Api]:
    schema = request.getfixturevalue("postgres_schema") if request.param == "postgres" else ""
    container = bootstrap(_settings(tmp_path, request.param, schema), clock=clock)
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        yield Api(client, clock)


@pytest.fixture
def sqlite_api(tmp_path: Path, clock: FakeClock) -> Iterator[Api]:
    container = bootstrap(_settings(tmp_path, "sqlite", ""), clock=clock)
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        yield Api(client, clock)
