"""Fifty students claim one gig at once on PostgreSQL, through separate application instances
(as separate API workers would): exactly one wins."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from threading import Barrier
from uuid import uuid4

import pytest

from domain.actors import Actor
from domain.brief import Brief
from domain.errors import DomainError
from domain.marketplace import PAYMENTS, Marketplace
from domain.money import Money
from tests.conftest import FakeClock, postgres_env

CLAIMANTS = 50


@pytest.mark.postgres
def test_fifty_concurrent_claims_have_exactly_one_winner(postgres_schema: str, clock: FakeClock) -> None:
    env = {**postgres_env(postgres_schema), "POSTGRES_POOL_SIZE": "2"}
    setup = Marketplace(env, clock=clock)
    employer = Actor.user(uuid4(), "employer")
    brief = Brief("Label 500 images", pay=Money(25000, "usd"), deadline=clock.now + timedelta(days=5))
    gig_id = setup.create_gig(employer, brief).gig_id
    setup.publish_gig(employer, gig_id)
    setup.record_funding(gig_id, "pi_race", setup.get_gig(gig_id).charge_amount)
    assert PAYMENTS.roles == {"payments"}

    workers = [Marketplace(env, clock=clock) for _ in range(10)]
    barrier = Barrier(CLAIMANTS)

    def claim(i: int) -> str:
        app = workers[i % len(workers)]
        barrier.wait()
        try:
            app.claim_gig(Actor.user(uuid4(), "student"), gig_id)
        except DomainError as e:
            return e.code
        return "ok"

    with ThreadPoolExecutor(max_workers=CLAIMANTS) as pool:
        outcomes = list(pool.map(claim, range(CLAIMANTS)))

    assert outcomes.count("ok") == 1
    assert outcomes.count("gig.already_claimed") == CLAIMANTS - 1
    stream = setup.recorder.select_events(gig_id)
    assert [e.topic.rsplit(".", 1)[-1] for e in stream].count("Claimed") == 1
    for app in [setup, *workers]:
        app.close()
