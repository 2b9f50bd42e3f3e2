"""Two Marketplace instances on one store, as two API workers would be: each keeps its own command
cache, so each often decides first on a gig the other has since changed. No update may be lost,
every decision must rest on the other's writes, and If-Match must mean what it says."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from domain.actors import Actor
from domain.brief import Brief
from domain.errors import DomainError
from domain.gig import Status
from domain.gig_errors import AlreadyClaimed
from domain.marketplace import ConcurrentUpdate, Marketplace, VersionMismatch
from domain.money import Money
from tests.conftest import FakeClock, postgres_env

PAY = Money(20000, "usd")


@pytest.fixture
def pair(store_env: dict[str, str], clock: FakeClock) -> Iterator[tuple[Marketplace, Marketplace]]:
    first, second = Marketplace(store_env, clock=clock), Marketplace(store_env, clock=clock)
    yield first, second
    first.close()
    second.close()


def _posted_gig(app: Marketplace, employer: Actor, clock: FakeClock) -> UUID:
    brief = Brief("Tag 300 photos", pay=PAY, deadline=clock.now + timedelta(days=9))
    gig_id = app.create_gig(employer, brief).gig_id
    app.publish_gig(employer, gig_id)
    app.record_funding(gig_id, "pi_1", app.get_gig(gig_id).charge_amount)
    return gig_id


def _stream(app: Marketplace, gig_id: UUID) -> list[tuple[int, str]]:
    return [(e.originator_version, e.topic.rsplit(".", 1)[-1]) for e in app.recorder.select_events(gig_id)]


def _students() -> tuple[Actor, Actor]:
    return Actor.user(uuid4(), "student"), Actor.user(uuid4(), "student")


def test_taking_turns_on_one_gig_loses_no_update_and_decides_on_the_others_writes(
    pair: tuple[Marketplace, Marketplace], clock: FakeClock
) -> None:
    a, b = pair
    employer = Actor.user(uuid4(), "employer")
    claimant, rival = _students()
    gig_id = _posted_gig(a, employer, clock)  # a has the gig cached at version 3

    b.claim_gig(claimant, gig_id)  # b: 4
    with pytest.raises(AlreadyClaimed):  # a's cached gig says posted; the store says claimed
        a.claim_gig(rival, gig_id)
    a.check_in(claimant, gig_id, "started")  # a: 5, on b's claim
    b.decline_claim(employer, gig_id, "we need someone local")  # b: 6, b's cache was at 4
    a.claim_gig(rival, gig_id)  # a: 7; a's cached gig says claimed, the store says posted
    b.submit_work(rival, gig_id, "https://example.org/v1", "done")  # b: 8
    a.request_changes(employer, gig_id, "add a README")  # a: 9
    b.submit_work(rival, gig_id, "https://example.org/v2", "with README")  # b: 10
    a.approve_submission(employer, gig_id, "thanks")  # a: 11

    assert _stream(a, gig_id) == [
        (1, "DraftCreated"),
        (2, "Published"),
        (3, "FundingRecorded"),
        (4, "Claimed"),
        (5, "CheckedIn"),
        (6, "ClaimDeclined"),
        (7, "Claimed"),
        (8, "Submitted"),
        (9, "ChangesRequested"),
        (10, "Submitted"),
        (11, "Approved"),
    ]
    for app in pair:
        gig = app.get_gig(gig_id)
        assert (gig.version, gig.status, gig.claimant_id) == (11, Status.APPROVED, rival.user_id)
        assert [s["url"] for s in gig.submissions] == ["https://example.org/v1", "https://example.org/v2"]
        assert [c["note"] for c in gig.check_ins] == ["started"]


def test_if_match_holds_when_the_cache_is_behind_or_ahead_of_the_caller(
    pair: tuple[Marketplace, Marketplace], clock: FakeClock
) -> None:
    a, b = pair
    employer = Actor.user(uuid4(), "employer")
    claimant, _ = _students()
    gig_id = _posted_gig(a, employer, clock)
    a.claim_gig(claimant, gig_id)  # a: 4
    b.check_in(claimant, gig_id, "one", expected_version=4)  # b: 5; a's cache still at 4

    # The caller saw version 5 (b's write): a's older cached gig must not refuse it.
    assert a.check_in(claimant, gig_id, "two", expected_version=5).version == 6
    # b's cache is at 5, as is the caller, but the store has moved on: refused, not overwritten.
    with pytest.raises(VersionMismatch):
        b.check_in(claimant, gig_id, "stale", expected_version=5)
    # a's cache is ahead of the caller: refused at once.
    with pytest.raises(VersionMismatch):
        a.check_in(claimant, gig_id, "older", expected_version=4)

    assert [c["note"] for c in b.get_gig(gig_id).check_ins] == ["one", "two"]
    assert b.check_in(claimant, gig_id, "three", expected_version=6).version == 7


@pytest.mark.postgres
def test_concurrent_commands_through_two_instances_lose_no_update(
    postgres_schema: str, clock: FakeClock
) -> None:
    env = postgres_env(postgres_schema)
    apps = [Marketplace(env, clock=clock), Marketplace(env, clock=clock)]
    employer = Actor.user(uuid4(), "employer")
    claimant, _ = _students()
    gig_id = _posted_gig(apps[0], employer, clock)
    apps[1].claim_gig(claimant, gig_id)
    saved: list[tuple[int, str]] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        app = apps[n % 2]
        for i in range(15):
            note = f"worker {n} note {i}"
            for _try in range(20):
                try:
                    receipt = app.check_in(claimant, gig_id, note)
                except ConcurrentUpdate:
                    continue
                except DomainError as e:
                    failures.append(e)
                    return
                with lock:
                    saved.append((receipt.version, note))
                break

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert failures == []
        stored = apps[0].get_gig(gig_id)
        assert len(saved) == 8 * 15
        assert sorted(c["note"] for c in stored.check_ins) == sorted(note for _, note in saved)
        versions = [v for v, _ in _stream(apps[0], gig_id)]
        assert versions == list(range(1, stored.version + 1))
        assert sorted(v for v, _ in saved) == list(range(5, stored.version + 1))
    finally:
        for app in apps:
            app.close()
