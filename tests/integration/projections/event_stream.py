"""Many gigs' worth of events, made fast: aggregates built in memory and saved in batches."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from uuid import uuid4

from domain.actors import CLOCK, Actor
from domain.gig import Gig
from domain.marketplace import PAYMENTS, Marketplace
from domain.money import Money
from domain.policy import LifecyclePolicy
from tests.conftest import FakeClock
from tests.integration.projections.factories import brief


def gig_story(rng: random.Random, now: datetime, policy: LifecyclePolicy) -> Gig:
    """One gig taken down one of several paths, so every read model has work to do."""
    employer = Actor.user(uuid4(), "employer")
    student = Actor.user(uuid4(), "student")
    pay = Money(rng.randrange(10_000, 200_000, 500), rng.choice(["usd", "eur"]))
    gig = Gig.create(
        uuid4(), employer, brief(FakeClock(now), pay=pay, estimated_hours=rng.randint(5, 40)), now
    )
    gig.publish(employer, now, policy)
    path = rng.randrange(5)
    if path == 0:
        return gig
    gig.record_funding(PAYMENTS, "pi_" + gig.id.hex[:8], gig.charge_amount, now)
    if path == 1:
        gig.cancel(employer, "changed plans", now, policy)
        return gig
    gig.claim(student, now, policy)
    gig.check_in(student, "halfway there", now, policy)
    if path == 2:
        gig.withdraw(student, "exams", now)
        return gig
    gig.submit(student, "https://example.org/work", "done", now, policy)
    if path == 3:
        gig.reject(employer, "not what we asked", now, policy)
        gig.close_undisputed(CLOCK, now + policy.dispute_window)
        return gig
    gig.approve(employer, "great work", now)
    gig.record_payout(PAYMENTS, "tr_" + gig.id.hex[:8], gig.student_outstanding, now, policy)
    gig.rate(employer, 5, "reliable", now)
    gig.rate(student, 4, "clear brief", now)
    return gig


def stream(app: Marketplace, events: int, *, batch: int = 40, seed: int = 7) -> Iterator[int]:
    """Save gigs in batches until at least `events` events are recorded; yield the head after each."""
    rng = random.Random(seed)
    now = app.clock()
    recorded = 0
    while recorded < events:
        gigs = [gig_story(rng, now + timedelta(seconds=recorded), app.policy) for _ in range(batch)]
        recordings = app.save(*gigs)
        recorded += len(recordings)
        yield recordings[-1].notification.id
