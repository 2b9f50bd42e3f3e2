"""The README's walk-through over HTTP: sign up both sides, create, publish, claim, submit,
approve, and see the student paid."""

from __future__ import annotations

from tests.e2e.conftest import Api


def test_a_gig_goes_from_draft_to_paid_over_http(api: Api) -> None:
    employer, student = api.user("employer"), api.user("student")
    c = api.client

    created = c.post("/gigs", json=api.brief(), headers=employer)
    assert created.status_code == 201
    gig_id = created.json()["id"]
    assert created.json()["status"] == "draft"
    assert created.headers["etag"] == '"1"'

    published = c.post(f"/gigs/{gig_id}/publish", headers=employer).json()
    assert published["funding"]["client_secret"]
    assert published["status"] == "posted"  # the simulated gateway settles funding at once

    assert c.post("/students/me/payout-account", headers=student).json()["payouts_enabled"] is True
    assert c.post(f"/gigs/{gig_id}/claim", headers=student).json()["status"] == "claimed"
    assert (
        c.post(f"/gigs/{gig_id}/check-ins", json={"note": "Cleaned Q1"}, headers=student).status_code == 201
    )
    submitted = c.post(f"/gigs/{gig_id}/submission", json={"url": "https://git.example/x"}, headers=student)
    assert submitted.json()["status"] == "submitted"
    approved = c.post(
        f"/gigs/{gig_id}/review", json={"decision": "approve", "feedback": "Great"}, headers=employer
    )
    assert approved.status_code == 200

    gig = c.get(f"/gigs/{gig_id}", headers=employer).json()
    assert gig["status"] == "paid"
    assert gig["escrow"]["paid_to_student"] == {"amount": 40000, "currency": "usd"}
    assert gig["escrow"]["held"] == {"amount": 0, "currency": "usd"}
    assert gig["escrow"]["charged"] == {"amount": 44000, "currency": "usd"}


def test_payout_waits_for_onboarding_and_resumes_by_itself(sqlite_api: Api) -> None:
    api = sqlite_api
    employer, student = api.user("employer"), api.user("student")
    gig_id = api.posted_gig(employer)
    api.client.post(f"/gigs/{gig_id}/claim", headers=student)
    api.client.post(f"/gigs/{gig_id}/submission", json={"url": "https://git.example/x"}, headers=student)
    api.client.post(f"/gigs/{gig_id}/review", json={"decision": "approve"}, headers=employer)
    assert api.client.get(f"/gigs/{gig_id}", headers=employer).json()["status"] == "approved"

    onboarded = api.client.post("/students/me/payout-account", headers=student)

    wait = {"Fairgig-Wait-For": onboarded.headers["fairgig-position"]}
    assert api.client.get(f"/gigs/{gig_id}", headers={**employer, **wait}).json()["status"] == "paid"


def test_cancelling_a_claimed_gig_pays_the_kill_fee_and_refunds_the_rest(sqlite_api: Api) -> None:
    api = sqlite_api
    employer, student = api.user("employer"), api.user("student")
    api.client.post("/students/me/payout-account", headers=student)
    gig_id = api.posted_gig(employer)
    api.client.post(f"/gigs/{gig_id}/claim", headers=student)

    res = api.client.post(f"/gigs/{gig_id}/cancel", json={"reason": "project shelved"}, headers=employer)

    assert res.json()["status"] == "cancelled"
    escrow = api.client.get(f"/gigs/{gig_id}", headers=employer).json()["escrow"]
    assert escrow["paid_to_student"]["amount"] == 10000
    assert escrow["refunded"]["amount"] == 30000
    assert escrow["held"]["amount"] == 0
