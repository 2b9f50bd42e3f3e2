"""Faults a test asks for: the next `times` requests matching a path (glob) and method misbehave.

Kinds:
- `timeout`: hold the request for `delay` seconds without doing it, then drop the connection;
- `timeout_after`: do the request, then hold and drop, so the side effect happened but the
  caller never heard of it (the case idempotency keys exist for);
- `slow`: hold the request for `delay` seconds with its idempotency key in use, then do it and
  answer (a twin request with the same key meanwhile gets Stripe's 409);
- `500`, `429`: refuse before doing anything, as Stripe's edge does;
- `decline`: the card is declined (a confirm fails as a real decline would, with its webhook);
- `account_closed`: the destination account is closed."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from fnmatch import fnmatchcase

from tests.stripe_server.errors import StripeApiError, account_closed, card_declined

KINDS = {"timeout", "timeout_after", "slow", "500", "429", "decline", "account_closed"}
DEFAULT_DELAY = 2.0


@dataclass
class Fault:
    path: str
    kind: str
    times: int = 1
    method: str | None = None
    delay: float = DEFAULT_DELAY

    def matches(self, method: str, path: str) -> bool:
        return fnmatchcase(path, self.path) and (self.method is None or self.method == method)


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[Fault] = []

    def add(self, fault: Fault) -> None:
        if fault.kind not in KINDS:
            raise ValueError(f"unknown fault kind {fault.kind!r}; one of {sorted(KINDS)}")
        with self._lock:
            self._pending.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()

    def take(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._pending:
                if fault.matches(method, path):
                    fault.times -= 1
                    if fault.times <= 0:
                        self._pending.remove(fault)
                    return fault
        return None

    def pending(self) -> list[dict[str, object]]:
        with self._lock:
            return [vars(f).copy() for f in self._pending]


def refusal(fault: Fault, path: str) -> StripeApiError | None:
    """The error a fault answers with instead of serving, if it is that kind of fault."""
    if fault.kind == "500":
        return StripeApiError(500, "api_error", "An unknown error occurred (injected).")
    if fault.kind == "429":
        return StripeApiError(
            429, "invalid_request_error", "Too many requests hit the API too quickly.", code="rate_limit"
        )
    if fault.kind == "decline" and not path.endswith("/confirm"):
        return card_declined()
    if fault.kind == "account_closed":
        return account_closed("destination")
    return None
