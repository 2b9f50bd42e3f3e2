"""The LISTEN/NOTIFY wakeup follows the log only once a follower waits on it, and then wakes on
writes made by another process's Marketplace."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain.actors import Actor
from domain.marketplace import Marketplace
from projections.wakeup import SubscriptionWakeup
from tests.conftest import FakeClock, postgres_env
from tests.integration.projections.factories import brief

pytestmark = pytest.mark.postgres


def test_a_process_whose_followers_never_wait_does_not_follow_the_log(
    postgres_schema: str, clock: FakeClock
) -> None:
    app = Marketplace(postgres_env(postgres_schema), clock=clock)
    wakeup = SubscriptionWakeup(app.recorder, interval=30)
    try:
        app.create_gig(Actor.user(uuid4(), "employer"), brief(clock))
        assert not wakeup.listening
    finally:
        wakeup.close()
        app.close()
    assert not wakeup.listening


def test_once_a_follower_takes_a_ticket_another_process_s_write_wakes_it(
    postgres_schema: str, clock: FakeClock
) -> None:
    env = postgres_env(postgres_schema)
    ours, theirs = Marketplace(env, clock=clock), Marketplace(env, clock=clock)
    # Only a notification can end a wait before the (long) safety-net poll.
    wakeup = SubscriptionWakeup(ours.recorder, interval=30)
    try:
        first = wakeup.ticket()
        wakeup.wait(first)  # the subscription announces itself once it listens
        assert wakeup.listening
        ticket = wakeup.ticket()
        theirs.create_gig(Actor.user(uuid4(), "employer"), brief(clock))
        wakeup.wait(ticket)
        assert wakeup.ticket() != ticket
    finally:
        wakeup.close()
        ours.close()
        theirs.close()
    assert not wakeup.listening
