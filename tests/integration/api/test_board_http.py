"""GET /gigs over HTTP: the JSON each item has, paging by cursor, and problems for bad input."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from api.app import create_app
from api.bootstrap import bootstrap
from tests.conftest import FakeClock
from tests.e2e.conftest import Api, _settings


@pytest.fixture
def api(tmp_path: Path, clock: FakeClock) -> Iterator[Api]:
    container = bootstrap(_settings(tmp_path, "sqlite", ""), clock=clock)
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        yield Api(client, clock)


def test_a_board_item_carries_the_brief_as_json(api: Api) -> None:
    employer = api.user("employer")
    deliverables = ['A cleaned CSV of "tickets" for Zürich', "A notebook producing three charts"]
    gig_id = api.posted_gig(employer, deliverables=deliverables, skills=["Python", "Données", "python"])

    res = api.client.get("/gigs", headers=employer)

    assert res.status_code == 200, res.text
    body = res.json()
    assert body["next_cursor"] is None
    [item] = body["items"]
    assert item == {
        "id": gig_id,
        "employer_id": item["employer_id"],
        "title": "Clean and chart a year of support-ticket data",
        "summary": "Turn our 2025 ticket export into a tidy dataset and three charts for the ops review.",
        "deliverables": deliverables,
        "skills": ["données", "python"],
        "estimated_hours": 10,
        "pay": {"amount": 40000, "currency": "usd"},
        "pay_per_hour": {"amount": 4000, "currency": "usd"},
        "deadline": item["deadline"],
        "jurisdiction": "US-CA",
        "posted_at": item["posted_at"],
    }
    assert item["employer_id"] and item["deadline"] > item["posted_at"]


@pytest.mark.parametrize("sort", ["pay", "newest", "deadline"])
def test_the_board_pages_by_cursor_with_filters_and_ties(api: Api, sort: str) -> None:
    employer = api.user("employer")
    # Two amounts only: pages end inside runs of equal pay.
    amounts = [40000 + 1000 * (i % 2) for i in range(5)]
    posted = {api.posted_gig(employer, pay={"amount": a, "currency": "usd"}) for a in amounts}
    api.posted_gig(employer, pay={"amount": 10000, "currency": "usd"}, estimated_hours=2)

    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(5):
        params: dict[str, Any] = {"sort": sort, "limit": 2, "min_pay": 40000}
        if cursor:
            params["cursor"] = cursor
        page = api.client.get("/gigs", params=params, headers=employer).json()
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert {item["id"] for item in seen} == posted
    assert len(seen) == len(posted)
    if sort == "pay":
        shown = [item["pay"]["amount"] for item in seen]
        assert shown == sorted(shown, reverse=True)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("sort=random", "sort"),
        ("cursor=not-a-cursor", "cursor"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
    ],
)
def test_bad_board_queries_are_problems(api: Api, query: str, field: str) -> None:
    employer = api.user("employer")

    res = api.client.get(f"/gigs?{query}", headers=employer)

    assert res.status_code == 400, res.text
    assert res.headers["content-type"].startswith("application/problem+json")
    body = res.json()
    assert body["code"] == "validation.failed"
    assert field in str(body.get("field") or body.get("detail")), body


def test_a_cursor_from_another_sort_is_refused(api: Api) -> None:
    employer = api.user("employer")
    for _ in range(3):
        api.posted_gig(employer)
    cursor = api.client.get("/gigs?limit=1", headers=employer).json()["next_cursor"]

    res = api.client.get(f"/gigs?sort=pay&cursor={cursor}", headers=employer)

    assert res.status_code == 400
    assert res.json()["field"] == "cursor"
