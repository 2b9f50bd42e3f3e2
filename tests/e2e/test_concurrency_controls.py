"""ETag / If-Match and Idempotency-Key over HTTP."""

from __future__ import annotations

from tests.e2e.conftest import Api


def test_if_match_with_a_stale_version_is_a_412_and_changes_nothing(sqlite_api: Api) -> None:
    employer = sqlite_api.user("employer")
    created = sqlite_api.client.post("/gigs", json=sqlite_api.brief(), headers=employer)
    gig_id, etag = created.json()["id"], created.headers["etag"]
    edited = sqlite_api.client.patch(
        f"/gigs/{gig_id}", json={"title": "New title"}, headers={**employer, "If-Match": etag}
    )
    assert edited.status_code == 200
    assert edited.headers["etag"] == '"2"'

    stale = sqlite_api.client.patch(
        f"/gigs/{gig_id}", json={"title": "Older idea"}, headers={**employer, "If-Match": etag}
    )

    assert stale.status_code == 412
    assert stale.json()["code"] == "gig.version_mismatch"
    assert sqlite_api.client.get(f"/gigs/{gig_id}", headers=employer).json()["title"] == "New title"


def test_patch_changes_only_the_fields_sent(sqlite_api: Api) -> None:
    employer = sqlite_api.user("employer")
    gig_id = sqlite_api.client.post("/gigs", json=sqlite_api.brief(), headers=employer).json()["id"]
    sqlite_api.client.patch(f"/gigs/{gig_id}", json={"estimated_hours": 12}, headers=employer)
    gig = sqlite_api.client.get(f"/gigs/{gig_id}", headers=employer).json()
    assert gig["estimated_hours"] == 12
    assert gig["pay"] == {"amount": 40000, "currency": "usd"}
    assert gig["supervisor"] == {"name": "Dana Ops", "email": "dana@example.org"}


def test_a_repeated_post_with_the_same_key_replays_the_first_response(sqlite_api: Api) -> None:
    employer = sqlite_api.user("employer")
    headers = {**employer, "Idempotency-Key": "create-1"}
    first = sqlite_api.client.post("/gigs", json=sqlite_api.brief(), headers=headers)
    head = sqlite_api.log_head()

    again = sqlite_api.client.post("/gigs", json=sqlite_api.brief(), headers=headers)

    assert again.status_code == first.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert sqlite_api.log_head() == head


def test_the_same_key_with_another_body_is_a_422(sqlite_api: Api) -> None:
    employer = sqlite_api.user("employer")
    headers = {**employer, "Idempotency-Key": "create-2"}
    sqlite_api.client.post("/gigs", json=sqlite_api.brief(), headers=headers)
    head = sqlite_api.log_head()

    other = sqlite_api.client.post("/gigs", json=sqlite_api.brief(title="Something else"), headers=headers)

    assert other.status_code == 422
    assert other.json()["code"] == "idempotency.key_reused"
    assert sqlite_api.log_head() == head


def test_keys_are_scoped_to_the_caller(sqlite_api: Api) -> None:
    one, two = sqlite_api.user("employer"), sqlite_api.user("employer")
    a = sqlite_api.client.post("/gigs", json=sqlite_api.brief(), headers={**one, "Idempotency-Key": "k"})
    b = sqlite_api.client.post("/gigs", json=sqlite_api.brief(), headers={**two, "Idempotency-Key": "k"})
    assert a.json()["id"] != b.json()["id"]
