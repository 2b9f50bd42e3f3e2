"""GET /employers/me/gigs pages like every list of API.md: `limit`, `cursor`, `next_cursor`."""

from __future__ import annotations

from tests.e2e.conftest import Api


def test_an_employer_pages_through_their_gigs_with_the_dashboard_over_all_of_them(sqlite_api: Api) -> None:
    employer = sqlite_api.user("employer")
    made = []
    for i in range(3):
        created = sqlite_api.client.post("/gigs", json=sqlite_api.brief(title=f"Gig {i}"), headers=employer)
        made.append(created.json()["id"])
    first = sqlite_api.client.get("/employers/me/gigs", params={"limit": 2}, headers=employer)
    assert first.status_code == 200
    body = first.json()
    assert len(body["items"]) == 2
    assert body["next_cursor"]
    assert body["dashboard"]["by_status"] == {"draft": 3}
    rest = sqlite_api.client.get(
        "/employers/me/gigs", params={"limit": 2, "cursor": body["next_cursor"]}, headers=employer
    ).json()
    assert rest["next_cursor"] is None
    assert sorted(g["id"] for g in body["items"] + rest["items"]) == sorted(made)


def test_a_bad_cursor_or_limit_is_a_problem_naming_the_parameter(sqlite_api: Api) -> None:
    employer = sqlite_api.user("employer")
    bad_cursor = sqlite_api.client.get("/employers/me/gigs", params={"cursor": "nope"}, headers=employer)
    assert bad_cursor.status_code == 400
    assert (bad_cursor.json()["code"], bad_cursor.json()["field"]) == ("validation.failed", "cursor")
    too_many = sqlite_api.client.get("/employers/me/gigs", params={"limit": 501}, headers=employer)
    assert too_many.status_code == 400
    assert too_many.json()["code"] == "validation.failed"
    assert "limit" in too_many.text
