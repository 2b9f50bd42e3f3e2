"""What an approval answers: the gig as settling the approval left it (paid, or approved with the
payout waiting), at a version a read at the answered position sees or has moved past (the escrow
follower may record a movement meanwhile), whether the answer came from the command cache or,
with the cache off, from the store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from api.app import create_app
from api.bootstrap import bootstrap
from domain.marketplace import GIG_CACHE_ENV
from tests.conftest import FakeClock
from tests.e2e.conftest import Api, _settings


@pytest.fixture
def uncached_api(tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    monkeypatch.setenv(GIG_CACHE_ENV, "0")
    container = bootstrap(_settings(tmp_path, "sqlite", ""), clock=clock)
    assert container.marketplace.gig_cache is None
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        yield Api(client, clock)


def _submitted(api: Api, *, onboarded: bool) -> tuple[str, dict[str, str]]:
    employer, student = api.user("employer"), api.user("student")
    if onboarded:
        assert api.client.post("/students/me/payout-account", headers=student).status_code == 200
    gig_id = api.posted_gig(employer)
    assert api.client.post(f"/gigs/{gig_id}/claim", headers=student).status_code == 200
    work = {"url": "https://git.example/x"}
    assert api.client.post(f"/gigs/{gig_id}/submission", json=work, headers=student).status_code == 200
    return gig_id, employer


def _approve_and_read(
    api: Api, gig_id: str, employer: dict[str, str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The approval's answer and a read that waits for the position it answered."""
    approved = api.client.post(f"/gigs/{gig_id}/review", json={"decision": "approve"}, headers=employer)
    assert approved.status_code == 200, approved.text
    assert approved.headers["etag"] == f'"{approved.json()["version"]}"'
    wait = {"Fairgig-Wait-For": approved.headers["fairgig-position"]}
    read = api.client.get(f"/gigs/{gig_id}", headers={**employer, **wait})
    assert read.status_code == 200 and "fairgig-stale" not in read.headers
    answer: dict[str, Any] = approved.json()
    seen: dict[str, Any] = read.json()
    assert seen["version"] >= answer["version"]
    return answer, seen


def _check_paid(api: Api) -> None:
    gig_id, employer = _submitted(api, onboarded=True)
    answer, seen = _approve_and_read(api, gig_id, employer)
    assert answer["status"] == seen["status"] == "paid"
    assert seen["escrow"]["paid_to_student"] == {"amount": 40000, "currency": "usd"}


def test_an_approval_answers_paid_and_a_read_at_its_position_sees_it_paid(api: Api) -> None:
    _check_paid(api)


def test_with_the_gig_cache_off_an_approval_answers_paid_too(uncached_api: Api) -> None:
    _check_paid(uncached_api)


def test_an_approval_whose_payout_waits_answers_approved(api: Api) -> None:
    gig_id, employer = _submitted(api, onboarded=False)
    answer, seen = _approve_and_read(api, gig_id, employer)
    assert answer["status"] == seen["status"] == "approved"
    assert seen["escrow"]["paid_to_student"]["amount"] == 0
