"""Stripe's webhooks over HTTP, with the app configured for Stripe and pointed at the local
Stripe-compatible server: funding delivered five times records one funding, an older
`account.updated` cannot undo a newer one, and unverifiable deliveries are refused and change
nothing. Then the whole gig through Stripe: funded, claimed, approved, transferred once, paid."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from api.settings import StripeSettings
from projections.status import wait_for
from tests.conftest import FakeClock
from tests.e2e.conftest import Api
from tests.e2e.staff import open_api, sign_up, staff, waiting
from tests.stripe_server import LocalStripe


@dataclass
class StripeApp:
    api: Api
    stripe: LocalStripe
    auditor: dict[str, str]

    def deliver(self, body: bytes, signature: str | None) -> Any:
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["Stripe-Signature"] = signature
        return self.api.client.post("/webhooks/stripe", content=body, headers=headers)

    def event(self, event_type: str, object_id: str) -> dict[str, Any]:
        """The newest event of a type about an object, as the server recorded it."""
        return next(
            e
            for e in self.stripe.objects("event")
            if e["type"] == event_type and e["data"]["object"]["id"] == object_id
        )

    def events_of(self, gig_id: str, event_type: str) -> list[dict[str, Any]]:
        res = self.api.client.get(
            "/audit/events",
            params={"gig": gig_id, "type": event_type},
            headers=waiting(self.auditor, self.api.log_head()),
        )
        assert res.status_code == 200, res.text
        items: list[dict[str, Any]] = res.json()["items"]
        return items

    def recorded_since(self, position: int) -> list[tuple[str, str]]:
        """(gig, event type) of every event after `position`: what a failed check should show."""
        res = self.api.client.get(
            "/audit/events", params={"after": position}, headers=waiting(self.auditor, self.api.log_head())
        )
        return [(e["gig_id"], e["type"]) for e in res.json()["items"]]

    def gig(self, gig_id: str, who: dict[str, str]) -> dict[str, Any]:
        res = self.api.client.get(f"/gigs/{gig_id}", headers=waiting(who, self.api.log_head()))
        assert res.status_code == 200, res.text
        body: dict[str, Any] = res.json()
        return body


@pytest.fixture(scope="module")
def stripe_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StripeApp]:
    """One app and one server for the module; each test works on gigs and people of its own."""
    with LocalStripe() as stripe:
        config = StripeSettings(
            secret_key=stripe.secret_key,
            webhook_secret=stripe.webhook_secret,
            api_base=stripe.url,
            timeout_seconds=2.0,
        )
        with open_api(tmp_path_factory.mktemp("stripe"), FakeClock(), stripe=config) as api:
            yield StripeApp(api, stripe, staff(api, "auditor"))


def _awaiting_funding(app: StripeApp, employer: dict[str, str]) -> tuple[str, str]:
    """Publish a gig; return (gig id, PaymentIntent id) while it waits for the employer's payment."""
    c = app.api.client
    created = c.post("/gigs", json=app.api.brief(), headers=employer)
    assert created.status_code == 201, created.text
    gig_id: str = created.json()["id"]
    published = c.post(f"/gigs/{gig_id}/publish", headers=employer)
    assert published.status_code == 200, published.text
    body = published.json()
    assert body["status"] == "awaiting_funding"
    client_secret: str = body["funding"]["client_secret"]
    intent = client_secret.split("_secret_")[0]
    assert intent.startswith("pi_")
    return gig_id, intent


def _funding_success(app: StripeApp, employer: dict[str, str]) -> tuple[str, bytes, str]:
    gig_id, intent = _awaiting_funding(app, employer)
    app.stripe.pay(intent)
    body, signature = app.stripe.signed_event(app.event("payment_intent.succeeded", intent)["id"])
    return gig_id, body, signature


def test_the_same_funding_webhook_delivered_five_times_records_one_funding(stripe_app: StripeApp) -> None:
    employer, _ = sign_up(stripe_app.api, "employer")
    gig_id, body, signature = _funding_success(stripe_app, employer)

    responses = [stripe_app.deliver(body, signature) for _ in range(5)]

    assert [r.status_code for r in responses] == [200] * 5
    assert [r.json()["acted"] for r in responses] == [True, False, False, False, False]
    assert stripe_app.gig(gig_id, employer)["status"] == "posted"
    funded = stripe_app.events_of(gig_id, "FundingRecorded")
    assert len(funded) == 1
    assert funded[0]["data"]["amount"] == {"amount": 44_000, "currency": "usd"}


def _payout_account(app: StripeApp, student: dict[str, str]) -> str:
    res = app.api.client.post("/students/me/payout-account", headers=student)
    assert res.status_code == 200, res.text
    assert res.json()["onboarding_url"]
    account: str = app.api.client.get("/me", headers=student).json()["payout_account"]
    assert account.startswith("acct_")
    return account


def test_an_older_account_update_delivered_after_a_newer_one_changes_nothing(stripe_app: StripeApp) -> None:
    app, stripe = stripe_app, stripe_app.stripe
    student, _ = sign_up(app.api, "student")
    account = _payout_account(app, student)
    stripe.set_payouts_enabled(account, False)
    older = app.event("account.updated", account)
    stripe.set_clock(advance=60)
    stripe.set_payouts_enabled(account, True)
    newer = app.event("account.updated", account)
    assert (older["data"]["object"]["payouts_enabled"], newer["data"]["object"]["payouts_enabled"]) == (
        False,
        True,
    )
    assert newer["created"] > older["created"]

    assert app.deliver(*stripe.signed_event(newer["id"])).json()["acted"] is True
    assert app.api.client.get("/me", headers=student).json()["payouts_enabled"] is True
    late = app.deliver(*stripe.signed_event(older["id"]))

    assert late.status_code == 200
    assert app.api.client.get("/me", headers=student).json()["payouts_enabled"] is True


@pytest.mark.parametrize("fault", ["tampered body", "wrong secret", "stale timestamp", "no signature"])
def test_an_unverifiable_delivery_is_refused_and_changes_nothing(stripe_app: StripeApp, fault: str) -> None:
    app, stripe = stripe_app, stripe_app.stripe
    employer, _ = sign_up(app.api, "employer")
    gig_id, intent = _awaiting_funding(app, employer)
    stripe.pay(intent)
    event_id = app.event("payment_intent.succeeded", intent)["id"]
    body, signature = stripe.signed_event(event_id)
    delivery: tuple[bytes, str | None]
    if fault == "tampered body":
        delivery = (body.replace(b'"amount": 44000', b'"amount": 1'), signature)
        assert delivery[0] != body
    elif fault == "wrong secret":
        delivery = stripe.signed_event(event_id, secret="whsec_someone_else")
    elif fault == "stale timestamp":
        delivery = stripe.signed_event(event_id, timestamp=int(time.time()) - 3600)
    else:
        delivery = (body, None)
    head = app.api.log_head()

    res = app.deliver(*delivery)

    assert res.status_code == 400
    assert res.headers["content-type"].startswith("application/problem+json")
    assert res.json()["status"] == 400 and res.json()["code"] and res.json()["detail"]
    assert app.api.log_head() == head, f"recorded since the delivery: {app.recorded_since(head)}"
    assert app.gig(gig_id, employer)["status"] == "awaiting_funding"
    # The genuine delivery still works afterwards: the refused one was not remembered.
    assert app.deliver(body, signature).json()["acted"] is True
    assert app.gig(gig_id, employer)["status"] == "posted"


def test_a_gig_goes_from_funding_to_paid_through_stripe_with_one_transfer(stripe_app: StripeApp) -> None:
    app, stripe, c = stripe_app, stripe_app.stripe, stripe_app.api.client
    employer, _ = sign_up(app.api, "employer")
    student, _ = sign_up(app.api, "student")
    account = _payout_account(app, student)
    stripe.set_payouts_enabled(account, True)
    assert app.deliver(*stripe.signed_event(app.event("account.updated", account)["id"])).status_code == 200
    assert c.get("/me", headers=student).json()["payouts_enabled"] is True
    gig_id, body, signature = _funding_success(app, employer)
    assert app.deliver(body, signature).status_code == 200
    assert app.gig(gig_id, employer)["status"] == "posted"

    assert c.post(f"/gigs/{gig_id}/claim", headers=student).status_code == 200
    submitted = c.post(f"/gigs/{gig_id}/submission", json={"url": "https://git.example/x"}, headers=student)
    assert submitted.status_code == 200, submitted.text
    approved = c.post(f"/gigs/{gig_id}/review", json={"decision": "approve"}, headers=employer)
    assert approved.status_code == 200, approved.text

    gig = app.gig(gig_id, employer)
    assert gig["status"] == "paid"
    assert gig["escrow"]["paid_to_student"] == {"amount": 40_000, "currency": "usd"}
    assert gig["escrow"]["held"] == {"amount": 0, "currency": "usd"}
    container = app.api.client.app.state.container
    # Once the escrow follower has seen the whole log too, there is still only the one transfer.
    assert wait_for(container.escrow_follower.db, app.api.log_head(), ["escrow"], timeout=5)
    transfers = [t for t in stripe.objects("transfer") if t["destination"] == account]
    assert stripe.count("transfer") == 1
    assert [(t["amount"], t["transfer_group"]) for t in transfers] == [(40_000, gig_id)]
    assert len(app.events_of(gig_id, "PayoutRecorded")) == 1


def test_a_declined_payment_is_shown_to_the_employer_and_the_gig_can_still_be_paid(
    stripe_app: StripeApp,
) -> None:
    app = stripe_app
    employer, _ = sign_up(app.api, "employer")
    gig_id, intent = _awaiting_funding(app, employer)
    assert app.stripe.pay(intent, decline=True)["status"] == "requires_payment_method"
    notice = app.stripe.signed_event(app.event("payment_intent.payment_failed", intent)["id"])

    deliveries = [app.deliver(*notice) for _ in range(2)]

    assert [r.json()["acted"] for r in deliveries] == [True, False]
    gig = app.gig(gig_id, employer)
    assert gig["status"] == "awaiting_funding"
    [declined] = [h for h in gig["history"] if h["kind"] == "funding_declined"]
    assert (declined["ref"], declined["code"]) == (intent, "card_declined")
    assert declined["reason"]
    assert len(app.events_of(gig_id, "FundingDeclined")) == 1

    app.stripe.pay(intent)  # another card, the same PaymentIntent
    app.deliver(*app.stripe.signed_event(app.event("payment_intent.succeeded", intent)["id"]))
    assert app.gig(gig_id, employer)["status"] == "posted"
