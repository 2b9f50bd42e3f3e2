"""Bad input gets a precise problem detail, and nothing is recorded."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.e2e.conftest import Api

PROBLEM = "application/problem+json"


def _assert_problem(res: Any, status: int, code: str, field: str | None = None) -> dict[str, Any]:
    assert res.status_code == status, res.text
    assert res.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = res.json()
    assert body["code"] == code
    assert body["status"] == status
    assert body["type"] and body["title"] and body["detail"]
    if field is not None:
        assert field in str(body.get("field")), body
    return body


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": None}, "title"),
        ({"pay": {"amount": -5, "currency": "usd"}}, "pay.amount"),
        ({"pay": {"amount": 120.5, "currency": "usd"}}, "pay.amount"),
        ({"pay": {"amount": 1000, "currency": "USD"}}, "pay.currency"),
        ({"estimated_hours": 0}, "estimated_hours"),
        ({"revision_rounds": 99}, "revision_rounds"),
        ({"unknown_field": 1}, "unknown_field"),
    ],
    ids=[
        "missing-title",
        "negative-money",
        "float-money",
        "uppercase-currency",
        "zero-hours",
        "too-many-rounds",
        "unknown-field",
    ],
)
def test_malformed_briefs_are_refused_with_the_field_named(
    sqlite_api: Api, change: dict[str, Any], field: str
) -> None:
    employer = sqlite_api.user("employer")
    body = sqlite_api.brief(**change)
    if change.get("title", "") is None:
        del body["title"]
    head = sqlite_api.log_head()

    res = sqlite_api.client.post("/gigs", json=body, headers=employer)

    _assert_problem(res, 400, "validation.failed", field)
    assert sqlite_api.log_head() == head


def test_an_unknown_currency_is_refused(sqlite_api: Api) -> None:
    employer = sqlite_api.user("employer")
    head = sqlite_api.log_head()
    res = sqlite_api.client.post(
        "/gigs", json=sqlite_api.brief(pay={"amount": 100, "currency": "xyz"}), headers=employer
    )
    _assert_problem(res, 422, "validation.failed", "currency")
    assert sqlite_api.log_head() == head


def test_a_deadline_in_the_past_is_refused(sqlite_api: Api) -> None:
    employer = sqlite_api.user("employer")
    past = (sqlite_api.clock.now - timedelta(days=1)).isoformat()
    head = sqlite_api.log_head()
    res = sqlite_api.client.post("/gigs", json=sqlite_api.brief(deadline=past), headers=employer)
    _assert_problem(res, 422, "validation.failed", "deadline")
    assert sqlite_api.log_head() == head


def test_malformed_json_is_a_400(sqlite_api: Api) -> None:
    employer = sqlite_api.user("employer")
    res = sqlite_api.client.post(
        "/gigs", content=b'{"title": "x",', headers={**employer, "content-type": "application/json"}
    )
    _assert_problem(res, 400, "request.malformed")


def test_an_oversized_body_is_a_413(sqlite_api: Api) -> None:
    employer = sqlite_api.user("employer")
    head = sqlite_api.log_head()
    res = sqlite_api.client.post("/gigs", json=sqlite_api.brief(summary="x" * 300_000), headers=employer)
    _assert_problem(res, 413, "request.too_large")
    assert sqlite_api.log_head() == head


def test_a_student_cannot_create_a_gig(sqlite_api: Api) -> None:
    student = sqlite_api.user("student")
    _assert_problem(
        sqlite_api.client.post("/gigs", json=sqlite_api.brief(), headers=student), 403, "auth.forbidden"
    )


def test_no_token_is_a_401(sqlite_api: Api) -> None:
    _assert_problem(sqlite_api.client.post("/gigs", json=sqlite_api.brief()), 401, "auth.unauthenticated")


def test_another_employers_gig_cannot_be_published(sqlite_api: Api) -> None:
    owner, other = sqlite_api.user("employer"), sqlite_api.user("employer")
    gig_id = sqlite_api.client.post("/gigs", json=sqlite_api.brief(), headers=owner).json()["id"]
    head = sqlite_api.log_head()
    res = sqlite_api.client.post(f"/gigs/{gig_id}/publish", headers=other)
    _assert_problem(res, 403, "gig.not_your_gig")
    assert sqlite_api.log_head() == head


def test_a_command_the_state_does_not_allow_is_a_409(sqlite_api: Api) -> None:
    employer, student = sqlite_api.user("employer"), sqlite_api.user("student")
    gig_id = sqlite_api.client.post("/gigs", json=sqlite_api.brief(), headers=employer).json()["id"]
    res = sqlite_api.client.post(f"/gigs/{gig_id}/claim", headers=student)
    _assert_problem(res, 409, "gig.invalid_transition")


def test_a_second_claim_is_a_409_already_claimed(sqlite_api: Api) -> None:
    employer, first, second = (
        sqlite_api.user("employer"),
        sqlite_api.user("student"),
        sqlite_api.user("student"),
    )
    gig_id = sqlite_api.posted_gig(employer)
    assert sqlite_api.client.post(f"/gigs/{gig_id}/claim", headers=first).status_code == 200
    _assert_problem(
        sqlite_api.client.post(f"/gigs/{gig_id}/claim", headers=second), 409, "gig.already_claimed"
    )


def test_an_unknown_gig_is_a_404(sqlite_api: Api) -> None:
    employer = sqlite_api.user("employer")
    _assert_problem(sqlite_api.client.get("/gigs/not-a-uuid", headers=employer), 404, "gig.not_found")
    missing = "00000000-0000-4000-8000-000000000000"
    _assert_problem(sqlite_api.client.get(f"/gigs/{missing}", headers=employer), 404, "gig.not_found")


def test_a_draft_is_invisible_to_others(sqlite_api: Api) -> None:
    employer, student = sqlite_api.user("employer"), sqlite_api.user("student")
    gig_id = sqlite_api.client.post("/gigs", json=sqlite_api.brief(), headers=employer).json()["id"]
    _assert_problem(sqlite_api.client.get(f"/gigs/{gig_id}", headers=student), 404, "gig.not_found")


def test_wrong_password_is_a_401(sqlite_api: Api) -> None:
    sqlite_api.user("student")
    res = sqlite_api.client.post(
        "/auth/token", json={"email": "nobody@example.org", "password": "whatever12"}
    )
    _assert_problem(res, 401, "auth.unauthenticated")


def test_signing_up_twice_with_one_email_is_a_409(sqlite_api: Api) -> None:
    body = {"role": "student", "email": "Same@Example.org", "password": "long enough pw", "name": "S"}
    assert sqlite_api.client.post("/auth/signup", json=body).status_code == 201
    res = sqlite_api.client.post("/auth/signup", json={**body, "email": "same@example.org"})
    _assert_problem(res, 409, "account.email_taken")
