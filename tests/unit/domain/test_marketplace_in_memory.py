"""The Marketplace application in memory (popo persistence, the project's event codec): a refused
command leaves the log untouched, and a claim race has exactly one winner."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

import pytest

from domain.errors import DomainError
from domain.gig import Status
from domain.gig_errors import AlreadyClaimed, NotYourGig, SettlementMismatch
from domain.marketplace import Marketplace
from domain.money import Money
from tests.conftest import CODEC_ENV, FakeClock
from tests.unit.domain.factories import PAY, Cast, charge_for, make_brief


class InterleavingClock(FakeClock):
    """Runs a rival call the next time a command reads the time: after that command has loaded
    the gig and before it saves, which is exactly where a concurrent writer can slip in."""

    def __init__(self) -> None:
        super().__init__()
        self.rival: Callable[[], object] | None = None

    def __call__(self) -> datetime:
        rival, self.rival = self.rival, None
        if rival is not None:
            rival()
        return super().__call__()


@pytest.fixture
def clock() -> InterleavingClock:
    return InterleavingClock()


@pytest.fixture
def app(clock: InterleavingClock) -> Marketplace:
    return Marketplace({"PERSISTENCE_MODULE": "eventsourcing.popo", **CODEC_ENV}, clock=clock)


@pytest.fixture
def cast() -> Cast:
    return Cast.new()


def _posted_gig(app: Marketplace, cast: Cast) -> UUID:
    gig_id = app.create_gig(cast.employer, make_brief(pay=PAY)).gig_id
    app.publish_gig(cast.employer, gig_id)
    app.record_funding(gig_id, "pi_1", charge_for(PAY))
    return gig_id


def _log_length(app: Marketplace) -> int:
    return app.recorder.max_notification_id() or 0


@pytest.mark.parametrize(
    "refused",
    [
        pytest.param(lambda app, cast, gig_id: app.claim_gig(cast.employer, gig_id), id="employer-claims"),
        pytest.param(lambda app, cast, gig_id: app.publish_gig(cast.employer, gig_id), id="publish-twice"),
        pytest.param(
            lambda app, cast, gig_id: app.cancel_gig(cast.other_employer, gig_id, "mine now"),
            id="another-employer-cancels",
        ),
        pytest.param(
            lambda app, cast, gig_id: app.record_payout(gig_id, "tr_1", Money(10_000, "usd")),
            id="payout-before-settlement",
        ),
    ],
)
def test_a_refused_command_records_nothing_in_the_log(
    app: Marketplace, cast: Cast, refused: Callable[[Marketplace, Cast, UUID], object]
) -> None:
    gig_id = _posted_gig(app, cast)
    log_before, version_before = _log_length(app), app.get_gig(gig_id).version

    with pytest.raises(DomainError):
        refused(app, cast, gig_id)

    assert _log_length(app) == log_before == 3
    assert app.get_gig(gig_id).version == version_before


def test_the_loser_of_a_claim_race_sees_already_claimed(
    app: Marketplace, cast: Cast, clock: InterleavingClock
) -> None:
    gig_id = _posted_gig(app, cast)
    clock.rival = lambda: app.claim_gig(cast.other_student, gig_id)

    with pytest.raises(AlreadyClaimed) as caught:
        app.claim_gig(cast.claimant, gig_id)

    assert caught.value.code == "gig.already_claimed"
    gig = app.get_gig(gig_id)
    assert (gig.status, gig.claimant_id) == (Status.CLAIMED, cast.other_student.user_id)
    claims = [n for n in app.recorder.select_notifications(start=1, limit=100) if n.topic.endswith("Claimed")]
    assert len(claims) == 1


def test_a_claim_after_the_gig_was_claimed_is_refused_without_touching_it(
    app: Marketplace, cast: Cast
) -> None:
    gig_id = _posted_gig(app, cast)
    winner = app.claim_gig(cast.other_student, gig_id)
    with pytest.raises(AlreadyClaimed):
        app.claim_gig(cast.claimant, gig_id)
    assert app.get_gig(gig_id).version == winner.version
    with pytest.raises(NotYourGig):
        app.withdraw_claim(cast.claimant, gig_id, "it was never mine")


def test_a_zero_payout_on_a_gig_cancelled_before_any_claim_is_refused_and_the_gig_stays_readable(
    app: Marketplace, cast: Cast
) -> None:
    gig_id = _posted_gig(app, cast)
    app.cancel_gig(cast.employer, gig_id, "plans changed")
    with pytest.raises(SettlementMismatch):
        app.record_payout(gig_id, "tr_0", Money(0, "usd"))
    assert app.get_gig(gig_id).paid_to_student is None
