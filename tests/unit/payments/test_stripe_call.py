"""`stripe_call` tries again only while Stripe answers 409 (a twin request holds the key, or an
object is locked), waiting longer each time, and gives up as GatewayUnavailable; every other
failure keeps its one outcome at once."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import stripe

from payments.gateway import GatewayError, GatewayUnavailable
from payments.stripe_errors import stripe_call

WAITS = (0.01, 0.02, 0.04)


def _failing(errors: list[Exception], result: str = "ok") -> tuple[Callable[[], str], list[int]]:
    """A call raising `errors` in turn, then returning `result`; and its count of attempts."""
    attempts = [0]

    def call() -> str:
        attempts[0] += 1
        if errors:
            raise errors.pop(0)
        return result

    return call, attempts


def _twin_in_flight() -> stripe.StripeError:
    return stripe.IdempotencyError("another in-progress request uses this key", http_status=409)


def test_a_conflict_that_clears_returns_the_result_after_growing_waits() -> None:
    slept: list[float] = []
    call, attempts = _failing([_twin_in_flight(), _twin_in_flight()])

    assert stripe_call("create funding", call, waits=WAITS, sleep=slept.append) == "ok"
    assert attempts[0] == 3
    assert slept == [0.01, 0.02]


def test_a_conflict_that_outlasts_the_waits_is_unavailable() -> None:
    slept: list[float] = []
    call, attempts = _failing([_twin_in_flight() for _ in range(10)])

    with pytest.raises(GatewayUnavailable, match="create funding"):
        stripe_call("create funding", call, waits=WAITS, sleep=slept.append)
    assert attempts[0] == len(WAITS) + 1
    assert slept == list(WAITS)


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (stripe.APIError("server error", http_status=500), GatewayUnavailable),
        (stripe.RateLimitError("slow down", http_status=429), GatewayUnavailable),
        (stripe.APIConnectionError("no route"), GatewayUnavailable),
        # The same key with other parameters: a mistake no wait can mend.
        (stripe.IdempotencyError("key reused with other parameters", http_status=400), GatewayError),
        (stripe.CardError("declined", None, "card_declined", http_status=402), GatewayError),
    ],
)
def test_any_other_failure_has_its_outcome_at_once(error: Exception, outcome: type[Exception]) -> None:
    slept: list[float] = []
    call, attempts = _failing([error])

    with pytest.raises(outcome):
        stripe_call("transfer", call, waits=WAITS, sleep=slept.append)
    assert attempts[0] == 1
    assert slept == []
