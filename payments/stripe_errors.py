"""Stripe's exceptions turned into the gateway's two outcomes: try again later, or refused for good.

The escrow process decides retries from this split alone, so a misclassified error either pays
nobody (a transient error taken as final) or hammers Stripe with a request that cannot succeed."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import stripe

from payments.gateway import GatewayError, GatewayUnavailable

T = TypeVar("T")
TWIN_WAITS = (0.05, 0.1, 0.2, 0.4, 0.8)
"""Seconds to wait before each new attempt while another request holds the same idempotency key."""


def _code_of(error: stripe.StripeError) -> str:
    """Stripe's own error code when it gave one, so callers can match on `card_declined`."""
    code = error.code
    if not code and error.error is not None:
        code = getattr(error.error, "code", None) or getattr(error.error, "type", None)
    return str(code) if code else type(error).__name__.lower()


def _is_transient(error: stripe.StripeError) -> bool:
    if isinstance(error, stripe.APIConnectionError | stripe.RateLimitError):
        return True
    status = error.http_status
    if status is None:
        # Stripe's catch-all for a response it could not read; the request may not have landed.
        return isinstance(error, stripe.APIError)
    # 409 is a concurrent request holding the same idempotency key or a lock: it clears by itself.
    return status >= 500 or status in (409, 429)


@contextmanager
def stripe_outcomes(operation: str) -> Iterator[None]:
    """Run a Stripe call, re-raising its failure as GatewayUnavailable or GatewayError."""
    try:
        yield
    except stripe.StripeError as e:
        message = f"{operation}: {e.user_message or type(e).__name__}"
        if _is_transient(e):
            raise GatewayUnavailable(message) from e
        raise GatewayError(message, code=_code_of(e)) from e


def stripe_call(
    operation: str,
    call: Callable[[], T],
    *,
    waits: tuple[float, ...] = TWIN_WAITS,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """`call` under `stripe_outcomes`, tried again while Stripe answers 409: another request with
    the same idempotency key is still running (the API's inline attempt and the escrow worker
    asking for the same charge at once), or an object is locked. The twin finishes within moments
    and this request then gets its result replayed, so the employer still receives the payment's
    client secret in the answer to publish; only when the conflict outlasts `waits` is it
    GatewayUnavailable, for the escrow process to retry later."""
    for wait in (*waits, None):
        try:
            with stripe_outcomes(operation):
                return call()
        except GatewayUnavailable as e:
            cause = e.__cause__
            conflict = isinstance(cause, stripe.StripeError) and cause.http_status == 409
            if wait is None or not conflict:
                raise
            sleep(wait)
    raise AssertionError("unreachable: the last attempt returns or raises")
