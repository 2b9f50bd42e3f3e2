"""The command cache: bounded, never regresses to an older version, hands out copies that take
commands without touching what it keeps, and inside the Marketplace stays equal to the store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from domain.errors import DomainError
from domain.gig import Gig, Status
from domain.gig_cache import GigCache, working_copy
from domain.marketplace import GIG_CACHE_ENV, Marketplace
from domain.money import Money
from tests.conftest import CODEC_ENV, FakeClock
from tests.unit.domain.factories import PAY, POLICY, START, Cast, charge_for, make_brief


def _app(clock: FakeClock, **env: str) -> Marketplace:
    return Marketplace({"PERSISTENCE_MODULE": "eventsourcing.popo", **CODEC_ENV, **env}, clock=clock)


def _saved_gig(cast: Cast) -> Gig:
    gig = Gig.create(UUID(int=1), cast.employer, make_brief(pay=PAY), START)
    gig.publish(cast.employer, START, POLICY)
    gig.record_funding(cast.payments, "pi_1", charge_for(PAY), START)
    gig.collect_events()
    return gig


def _state(gig: Gig) -> dict[str, Any]:
    return {k: v for k, v in vars(gig).items() if k != "_pending_events"}


def test_a_working_copy_takes_commands_without_changing_the_original() -> None:
    cast = Cast.new()
    original = _saved_gig(cast)
    before = _state(working_copy(original))

    copy = working_copy(original)
    copy.claim(cast.claimant, START, POLICY)
    copy.check_in(cast.claimant, "halfway", START, POLICY)
    copy.submit(cast.claimant, "https://example.org/v1", "done", START, POLICY)

    assert _state(original) == before
    assert original.status is Status.POSTED and original.check_ins == [] and original.submissions == []
    assert original.pending_events == []
    assert (copy.status, len(copy.check_ins), len(copy.pending_events)) == (Status.SUBMITTED, 1, 3)


def test_the_cache_is_bounded_and_forgets_the_least_recently_used_gig() -> None:
    cache = GigCache(maxsize=2)
    gigs = [Gig.create(UUID(int=n), Cast.new().employer, make_brief(), START) for n in range(1, 4)]
    for gig in gigs:
        gig.collect_events()
    cache.put(gigs[0])
    cache.put(gigs[1])
    assert cache.checkout(gigs[0].id) is not None  # now the most recently used
    cache.put(gigs[2])

    assert len(cache) == 2
    assert gigs[0].id in cache and gigs[2].id in cache and gigs[1].id not in cache
    assert cache.checkout(gigs[1].id) is None


def test_the_cache_keeps_the_newer_of_two_versions_and_refuses_unsaved_gigs() -> None:
    cast = Cast.new()
    newer = _saved_gig(cast)
    older = Gig.create(newer.id, cast.employer, make_brief(pay=PAY), START)
    cache = GigCache(maxsize=4)
    cache.put(newer)
    with pytest.raises(ValueError, match="unsaved events"):
        cache.put(older)
    older.collect_events()
    cache.put(older)

    checked_out = cache.checkout(newer.id)
    assert checked_out is not None and checked_out.version == newer.version == 3
    cache.evict(newer.id)
    assert cache.checkout(newer.id) is None


def test_the_marketplace_cache_is_bounded_by_its_setting(clock: FakeClock) -> None:
    app = _app(clock, **{GIG_CACHE_ENV: "3"})
    cast = Cast.new()
    ids = [app.create_gig(cast.employer, make_brief(pay=PAY)).gig_id for _ in range(10)]
    for gig_id in ids:
        app.publish_gig(cast.employer, gig_id)

    assert app.gig_cache is not None and len(app.gig_cache) == 3
    assert all(app.get_gig(gig_id).status is Status.AWAITING_FUNDING for gig_id in ids)
    assert len(app.gig_cache) == 3


def test_the_cache_can_be_turned_off(clock: FakeClock) -> None:
    app = _app(clock, **{GIG_CACHE_ENV: "0"})
    cast = Cast.new()
    gig_id = app.create_gig(cast.employer, make_brief(pay=PAY)).gig_id
    assert app.gig_cache is None
    assert app.publish_gig(cast.employer, gig_id).version == 2


def test_a_refused_command_leaves_the_cached_gig_usable(clock: FakeClock) -> None:
    app = _app(clock)
    cast = Cast.new()
    gig_id = app.create_gig(cast.employer, make_brief(pay=PAY)).gig_id
    app.publish_gig(cast.employer, gig_id)
    app.record_funding(gig_id, "pi_1", charge_for(PAY))
    app.claim_gig(cast.claimant, gig_id)

    with pytest.raises(DomainError):
        app.claim_gig(cast.other_student, gig_id)
    with pytest.raises(DomainError):
        app.submit_work(cast.other_student, gig_id, "https://example.org/x", "not mine")

    receipt = app.submit_work(cast.claimant, gig_id, "https://example.org/v1", "done")
    gig = app.get_gig(gig_id)
    assert (receipt.version, gig.version, gig.status) == (5, 5, Status.SUBMITTED)
    assert gig.claimant_id == cast.claimant.user_id
    assert [s["url"] for s in gig.submissions] == ["https://example.org/v1"]


def test_a_decision_that_fails_halfway_leaves_nothing_behind(clock: FakeClock) -> None:
    """A decision that triggered an event and then failed must leave neither that event nor its
    effects in the cached gig that the next command decides on."""
    app = _app(clock)
    cast = Cast.new()
    gig_id = app.create_gig(cast.employer, make_brief(pay=PAY)).gig_id
    app.publish_gig(cast.employer, gig_id)
    app.record_funding(gig_id, "pi_1", charge_for(PAY))

    def claim_then_fail(gig: Gig, now: datetime) -> None:
        gig.claim(cast.other_student, now, POLICY)
        raise RuntimeError("failed after deciding")

    with pytest.raises(RuntimeError):
        app._command(gig_id, None, claim_then_fail)

    receipt = app.claim_gig(cast.claimant, gig_id)
    gig = app.get_gig(gig_id)
    assert receipt.version == gig.version == 4
    assert gig.claimant_id == cast.claimant.user_id


def _every_command(app: Marketplace, cast: Cast) -> list[Callable[[UUID], object]]:
    settled: list[Money] = []

    def payout(gig_id: UUID) -> object:
        settled.append(app.get_gig(gig_id).student_outstanding)
        return app.record_payout(gig_id, "tr_1", settled[-1])

    return [
        lambda g: app.edit_gig(cast.employer, g, make_brief(pay=PAY, title="Clean two datasets")),
        lambda g: app.publish_gig(cast.employer, g),
        lambda g: app.record_stray_funding(g, "pi_stray", Money(500, "usd")),
        lambda g: app.record_stray_refund(g, "pi_stray", "re_stray", Money(500, "usd")),
        lambda g: app.record_funding(g, "pi_1", charge_for(PAY)),
        lambda g: app.claim_gig(cast.claimant, g),
        lambda g: app.check_in(cast.claimant, g, "halfway"),
        lambda g: app.submit_work(cast.claimant, g, "https://example.org/v1", "first go"),
        lambda g: app.request_changes(cast.employer, g, "add a README"),
        lambda g: app.submit_work(cast.claimant, g, "https://example.org/v2", "with README"),
        lambda g: app.approve_submission(cast.employer, g, "thanks"),
        lambda g: app.record_payout_failure(g, "bank closed", "account_closed"),
        payout,
        lambda g: app.rate(cast.claimant, g, 5, "clear brief"),
        lambda g: app.rate(cast.employer, g, 4, "good work"),
    ]


def test_the_cached_gig_equals_the_stored_gig_after_every_command(clock: FakeClock) -> None:
    """Guards the working copies: if any event's `apply` edited a value shared with the cached
    gig, the cache would drift from what a fresh load gives."""
    app = _app(clock)
    cast = Cast.new()
    brief = make_brief(pay=PAY, deadline=clock.now + timedelta(days=20))
    gig_id = app.create_gig(cast.employer, brief).gig_id

    for command in _every_command(app, cast):
        command(gig_id)
        assert app.gig_cache is not None
        cached = app.gig_cache.checkout(gig_id)
        assert cached is not None
        assert _state(cached) == _state(app.repository.get(gig_id))

    final: Gig = app.repository.get(gig_id)
    assert final.status is Status.PAID
    assert len(final.reviews) == 2 and len(final.submissions) == 2 and final.ratings_revealed
    assert set(final.ratings) == {"employer", "student"}
