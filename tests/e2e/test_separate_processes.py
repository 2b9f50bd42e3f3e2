"""The processes docker-compose.yml starts, started directly: the API with no embedded workers,
and `fairgig worker projections|escrow|timers` as processes of their own, all on PostgreSQL.
A gig goes from draft to paid, and the read models the API serves are kept by the worker (the
board and the gig detail by its second lane, in a child process of its own)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import POSTGRES_DSN
from tests.e2e.test_readme_walkthrough import _free_port

pytestmark = pytest.mark.postgres
FAIRGIG = str(Path(sys.executable).with_name("fairgig"))


@pytest.fixture
def stack(postgres_schema: str, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    port = _free_port()
    env = {
        **os.environ,
        "FAIRGIG_DATABASE_URL": POSTGRES_DSN,
        "FAIRGIG_DATABASE_SCHEMA": postgres_schema,
        "FAIRGIG_EMBEDDED_WORKERS": "0",
        "FAIRGIG_JWT_SECRET": "processes-test-secret-" + "y" * 24,
        "FAIRGIG_DATA_DIR": str(tmp_path),
    }
    procs = [
        subprocess.Popen(
            [FAIRGIG, "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: httpx.get(base + "/health", timeout=1).status_code == 200)
        for kind in ("projections", "escrow", "timers"):
            # As docker-compose.yml runs it: the read models in two processes, a lane each.
            extra = {"FAIRGIG_PROJECTION_PROCESSES": "2"} if kind == "projections" else {}
            procs.append(
                subprocess.Popen(
                    [FAIRGIG, "worker", kind],
                    env={**env, **extra},
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        yield base, env
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=15)


def _wait(check: Any, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


def _token(base: str, role: str, email: str) -> dict[str, str]:
    body = {"role": role, "email": email, "password": "a long passphrase", "name": role}
    assert httpx.post(base + "/auth/signup", json=body).status_code == 201
    token = httpx.post(base + "/auth/token", json={"email": email, "password": "a long passphrase"})
    return {"Authorization": "Bearer " + token.json()["access_token"]}


def test_a_gig_reaches_paid_with_workers_in_their_own_processes(stack: tuple[str, dict[str, str]]) -> None:
    base, env = stack
    employer = _token(base, "employer", "erin@acme.example")
    student = _token(base, "student", "sam@uni.example")
    brief = {
        "title": "Build a survey dashboard",
        "summary": "A small dashboard of our 2025 survey results for "
        "the board meeting, with filters by region and a short methods note.",
        "deliverables": ["A dashboard notebook", "A one-page methods note"],
        "acceptance_criteria": ["Runs on the survey export"],
        "skills": ["python"],
        "estimated_hours": 12,
        "pay": {"amount": 48000, "currency": "usd"},
        "deadline": (datetime.now(UTC) + timedelta(days=20)).isoformat(),
        "supervisor": {"name": "Dana", "email": "dana@acme.example"},
        "check_in_cadence": "weekly",
        "communication_channels": ["email"],
        "jurisdiction": "US",
    }
    gig = httpx.post(base + "/gigs", json=brief, headers=employer).json()["id"]
    assert httpx.post(f"{base}/gigs/{gig}/publish", headers=employer).json()["status"] == "posted"
    _wait(lambda: any(i["id"] == gig for i in httpx.get(base + "/gigs", headers=student).json()["items"]))
    httpx.post(base + "/students/me/payout-account", headers=student)
    assert httpx.post(f"{base}/gigs/{gig}/claim", headers=student).status_code == 200
    httpx.post(f"{base}/gigs/{gig}/submission", json={"url": "https://git.example/d"}, headers=student)
    httpx.post(f"{base}/gigs/{gig}/review", json={"decision": "approve"}, headers=employer)

    _wait(lambda: httpx.get(f"{base}/gigs/{gig}", headers=employer).json()["status"] == "paid")

    granted = subprocess.run(
        [FAIRGIG, "users", "grant", "erin@acme.example", "auditor"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert granted.returncode == 0, granted.stderr
    assert "auditor" in granted.stdout
    ready = httpx.get(base + "/ready").json()
    assert ready["ready"] is True
    assert {p["name"] for p in ready["projections"]} >= {"board", "gig_detail", "ledger", "escrow"}
