"""The escrow process wired to the Stripe gateway and the local server, with the gig's people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from domain.accounts_app import Accounts
from domain.actors import Actor
from domain.brief import Brief
from domain.gig import Gig
from domain.marketplace import Marketplace
from domain.money import Money
from payments.escrow import EscrowProcess
from payments.payout_queue import PayoutQueue
from payments.stripe_gateway import StripeGateway
from payments.webhooks import FundingSucceeded, PayoutAccountUpdated, read_webhook
from projections.database import SQLiteDatabase
from tests.conftest import FakeClock, sqlite_env
from tests.stripe_server import LocalStripe

PAY = Money(30_000, "usd")
FEE = Money(3_000, "usd")  # the default 10 % platform fee


@dataclass
class EscrowWorld:
    market: Marketplace
    accounts: Accounts
    escrow: EscrowProcess
    stripe: LocalStripe
    clock: FakeClock
    employer: Actor
    student: Actor
    student_account: str

    def funded_gig(self) -> UUID:
        """Draft, publish, pay at Stripe, and let the signed webhook record the funding."""
        brief = Brief(
            "Write a data-cleaning notebook",
            pay=PAY,
            estimated_hours=8,
            deadline=self.clock.now + timedelta(days=10),
            revision_rounds=1,
        )
        gig_id = self.market.create_gig(self.employer, brief).gig_id
        published = self.market.publish_gig(self.employer, gig_id)
        funding = self.escrow.request_funding(gig_id, published.version)
        assert funding is not None and funding.status == "pending"
        self.stripe.pay(funding.reference)
        funded = self.deliver("payment_intent.succeeded", funding.reference)
        assert isinstance(funded, FundingSucceeded)
        self.escrow.record_funding(UUID(funded.gig_id), funded.payment_ref)
        return gig_id

    def deliver(self, event_type: str, object_id: str) -> object:
        """The webhook Stripe sent about an object, verified and translated as the endpoint does."""
        event = next(
            e
            for e in self.stripe.objects("event")
            if e["type"] == event_type and e["data"]["object"]["id"] == object_id
        )
        body, signature = self.stripe.signed_event(event["id"])
        return read_webhook(body, signature, secret=self.stripe.webhook_secret)

    def gig(self, gig_id: UUID) -> Gig:
        return self.market.get_gig(gig_id)

    def at_stripe(self, kind: str, gig_id: UUID) -> list[dict[str, Any]]:
        return [
            o for o in self.stripe.objects(kind) if (o.get("metadata") or {}).get("gig_id") == str(gig_id)
        ]


def build_world(tmp_path: Path, clock: FakeClock, stripe: LocalStripe, gateway: StripeGateway) -> EscrowWorld:
    market = Marketplace(sqlite_env(tmp_path / "events.db"), clock=clock)
    accounts = Accounts(sqlite_env(tmp_path / "accounts.db"), clock=clock)
    escrow = EscrowProcess(market, accounts, gateway, PayoutQueue(SQLiteDatabase(str(tmp_path / "read.db"))))
    signed_up = accounts.sign_up(
        email="sam@students.example", name="Sam", role="student", organization="", password_hash="x"
    )
    opened = gateway.open_payout_account(
        student_id=str(signed_up.id), email=signed_up.email, idempotency_key=f"payout-account:{signed_up.id}"
    )
    accounts.open_payout_account(signed_up.id, opened.reference)
    world = EscrowWorld(
        market,
        accounts,
        escrow,
        stripe,
        clock,
        employer=Actor.user(uuid4(), "employer"),
        student=Actor.user(signed_up.id, "student"),
        student_account=opened.reference,
    )
    stripe.set_payouts_enabled(opened.reference)
    updated = world.deliver("account.updated", opened.reference)
    assert isinstance(updated, PayoutAccountUpdated) and updated.payouts_enabled
    accounts.set_payouts_enabled(signed_up.id, updated.payouts_enabled)
    return world
