"""The LISTEN/NOTIFY wakeup follows the log only once a follower waits on it, and then wakes on
writes made by another process's Marketplace."""

from __future__ import annotations

import time
from typing import Any
from uuid import uuid4

import psycopg
import pytest
from eventsourcing.postgres import PostgresApplicationRecorder

from domain.actors import Actor
from domain.marketplace import Marketplace
from projections.wakeup import SubscriptionWakeup
from tests.conftest import POSTGRES_DSN, FakeClock, postgres_env
from tests.integration.projections.factories import brief

pytestmark = pytest.mark.postgres


def _recorder(app: Marketplace) -> PostgresApplicationRecorder:
    assert isinstance(app.recorder, PostgresApplicationRecorder)
    return app.recorder


def test_a_process_whose_followers_never_wait_does_not_follow_the_log(
    postgres_schema: str, clock: FakeClock
) -> None:
    app = Marketplace(postgres_env(postgres_schema), clock=clock)
    wakeup = SubscriptionWakeup(_recorder(app), interval=30)
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
    wakeup = SubscriptionWakeup(_recorder(ours), interval=30)
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


def test_a_lost_listening_connection_is_replaced_and_writes_wake_followers_again(
    postgres_schema: str, clock: FakeClock
) -> None:
    env = postgres_env(postgres_schema)
    ours, theirs = Marketplace(env, clock=clock), Marketplace(env, clock=clock)
    wakeup = SubscriptionWakeup(_recorder(ours), interval=30, retry_after=0.05)
    try:
        wakeup.wait(wakeup.ticket())  # listening
        lost = wakeup.ticket()
        with psycopg.connect(POSTGRES_DSN, autocommit=True) as admin:
            ended = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%'"
                " AND datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()
        assert ended
        wakeup.wait(lost)  # the failure, then listening again, announce themselves
        assert wakeup.ticket() != lost
        ticket = wakeup.ticket()
        theirs.create_gig(Actor.user(uuid4(), "employer"), brief(clock))
        started = time.monotonic()
        wakeup.wait(ticket)
        assert wakeup.ticket() != ticket and time.monotonic() - started < 10
    finally:
        wakeup.close()
        ours.close()
        theirs.close()
    assert not wakeup.listening


def test_a_wakeup_does_not_read_the_log(
    postgres_schema: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """News of a write is all it takes: the followers read the events themselves."""
    env = postgres_env(postgres_schema)
    ours, theirs = Marketplace(env, clock=clock), Marketplace(env, clock=clock)
    wakeup = SubscriptionWakeup(_recorder(ours), interval=30)
    reads: list[object] = []
    original = ours.recorder.select_notifications

    def counted(*args: Any, **kwargs: Any) -> Any:
        reads.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(ours.recorder, "select_notifications", counted)
    try:
        wakeup.wait(wakeup.ticket())
        for _ in range(3):
            ticket = wakeup.ticket()
            theirs.create_gig(Actor.user(uuid4(), "employer"), brief(clock))
            wakeup.wait(ticket)
            assert wakeup.ticket() != ticket
        assert reads == []
    finally:
        wakeup.close()
        ours.close()
        theirs.close()
