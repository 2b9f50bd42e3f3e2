"""The whole money lifecycle: the escrow process, the Stripe gateway, the real SDK, the local server.

Each scenario checks both sides: what the gig's event log says moved, and what exists at Stripe,
and that per gig charged = transferred + refunded + platform fee + still held."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from domain.actors import Actor
from domain.gig import Status
from domain.money import Money
from payments.gateway import GatewayUnavailable
from payments.stripe_gateway import StripeGateway
from tests.conftest import FakeClock
from tests.integration.payments.escrow_world import FEE, PAY, EscrowWorld, build_world
from tests.stripe_server import LocalStripe

ADMIN = Actor.user(UUID(int=1), "admin")


@pytest.fixture
def world(
    tmp_path: Path, clock: FakeClock, stripe_server: LocalStripe, stripe_gateway: StripeGateway
) -> EscrowWorld:
    return build_world(tmp_path, clock, stripe_server, stripe_gateway)


def _amounts(world: EscrowWorld, kind: str, gig_id: UUID) -> list[Any]:
    return [o["amount"] for o in world.at_stripe(kind, gig_id)]


def _assert_balanced(world: EscrowWorld, gig_id: UUID) -> None:
    gig = world.gig(gig_id)
    zero = Money.zero("usd")
    moved = (gig.paid_to_student or zero) + (gig.refunded or zero)
    assert gig.charged == moved + FEE + (gig.held or zero)
    [charge] = world.at_stripe("charge", gig_id)
    at_stripe = sum(_amounts(world, "transfer", gig_id)) + sum(_amounts(world, "refund", gig_id))
    assert charge["amount"] == at_stripe + FEE.amount + (gig.held or zero).amount


def test_approved_work_is_transferred_in_full_and_the_gig_is_paid(world: EscrowWorld) -> None:
    gig_id = world.funded_gig()
    assert world.gig(gig_id).status is Status.POSTED
    world.market.claim_gig(world.student, gig_id)
    world.market.submit_work(world.student, gig_id, "https://example.org/notebook", "done")
    world.market.approve_submission(world.employer, gig_id, "great work")

    world.escrow.settle(gig_id)
    world.escrow.settle(gig_id)  # a second run (a redelivered event) moves nothing

    gig = world.gig(gig_id)
    assert gig.status is Status.PAID
    assert gig.paid_to_student == PAY
    [transfer] = world.at_stripe("transfer", gig_id)
    [charge] = world.at_stripe("charge", gig_id)
    assert (transfer["amount"], transfer["destination"]) == (30_000, world.student_account)
    assert transfer["source_transaction"] == charge["id"]
    assert transfer["transfer_group"] == str(gig_id)
    assert world.at_stripe("refund", gig_id) == []
    _assert_balanced(world, gig_id)


def test_cancelling_before_a_claim_refunds_everything_the_employer_paid(world: EscrowWorld) -> None:
    gig_id = world.funded_gig()

    world.market.cancel_gig(world.employer, gig_id, "plans changed")
    world.escrow.settle(gig_id)

    gig = world.gig(gig_id)
    assert gig.status is Status.CANCELLED
    assert gig.refunded == PAY + FEE
    assert _amounts(world, "refund", gig_id) == [33_000]
    assert world.at_stripe("transfer", gig_id) == []


def test_cancelling_a_claimed_gig_pays_the_kill_fee_and_refunds_the_rest(world: EscrowWorld) -> None:
    gig_id = world.funded_gig()
    world.market.claim_gig(world.student, gig_id)

    world.market.cancel_gig(world.employer, gig_id, "project shelved")
    world.escrow.settle(gig_id)

    gig = world.gig(gig_id)
    assert (gig.paid_to_student, gig.refunded) == (Money(7_500, "usd"), Money(22_500, "usd"))
    assert _amounts(world, "transfer", gig_id) == [7_500]
    assert _amounts(world, "refund", gig_id) == [22_500]
    _assert_balanced(world, gig_id)


def test_a_dispute_split_moves_exactly_the_split(world: EscrowWorld) -> None:
    gig_id = world.funded_gig()
    world.market.claim_gig(world.student, gig_id)
    world.market.submit_work(world.student, gig_id, "https://example.org/notebook", "done")
    world.market.reject_submission(world.employer, gig_id, "does not run")
    world.market.dispute_rejection(world.student, gig_id, "it runs on the stated Python")

    world.market.resolve_dispute(ADMIN, gig_id, 60)
    world.escrow.settle(gig_id)

    assert _amounts(world, "transfer", gig_id) == [18_000]
    assert _amounts(world, "refund", gig_id) == [12_000]
    _assert_balanced(world, gig_id)


def test_a_crash_between_the_transfer_and_its_record_pays_once_after_restart(
    world: EscrowWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    gig_id = world.funded_gig()
    world.market.claim_gig(world.student, gig_id)
    world.market.submit_work(world.student, gig_id, "https://example.org/notebook", "done")
    world.market.approve_submission(world.employer, gig_id, "great work")

    def crash(*args: object) -> None:
        raise SystemExit("killed after the Stripe call, before recording it")

    with monkeypatch.context() as patched:
        patched.setattr(world.market, "record_payout", crash)
        with pytest.raises(SystemExit):
            world.escrow.settle(gig_id)
    assert world.stripe.count("transfer") == 1
    assert world.gig(gig_id).status is Status.APPROVED

    world.escrow.settle(gig_id)  # the restarted process handles the same event again

    [transfer] = world.at_stripe("transfer", gig_id)
    assert world.gig(gig_id).status is Status.PAID
    assert world.gig(gig_id).paid_to_student == Money(transfer["amount"], "usd")


@pytest.mark.parametrize("kind", ["timeout", "500", "429"])
def test_under_transient_faults_the_retry_still_ends_paid_with_one_transfer(
    world: EscrowWorld, kind: str
) -> None:
    gig_id = world.funded_gig()
    world.market.claim_gig(world.student, gig_id)
    world.market.submit_work(world.student, gig_id, "https://example.org/notebook", "done")
    world.market.approve_submission(world.employer, gig_id, "great work")
    world.stripe.inject_fault("/v1/transfers", kind, method="POST")

    with pytest.raises(GatewayUnavailable):
        world.escrow.settle(gig_id)
    world.escrow.settle(gig_id)  # the follower's retry

    assert world.gig(gig_id).status is Status.PAID
    assert _amounts(world, "transfer", gig_id) == [30_000]
