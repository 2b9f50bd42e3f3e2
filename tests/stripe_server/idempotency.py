"""Idempotency-Key the way Stripe honours it.

A key remembers the request it first came with and the response it got: the same request again
gets that response replayed (with `Idempotent-Replayed: true`), a different request under the same
key is refused with `idempotency_error`, and a request still running under the key makes a second
one wait its turn by failing with 409. Only responses from requests that ran are kept: a 500 or
429 that stopped a request before it started leaves the key free for the retry."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

from tests.stripe_server.errors import StripeApiError


@dataclass(frozen=True)
class Saved:
    fingerprint: str
    status: int
    body: dict[str, Any]


class IdempotencyKeys:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._saved: dict[str, Saved] = {}
        self._running: set[str] = set()

    @staticmethod
    def fingerprint(method: str, path: str, params: dict[str, Any]) -> str:
        return json.dumps([method, path, params], sort_keys=True)

    def begin(self, key: str, fingerprint: str) -> Saved | None:
        """The saved response to replay, or None after marking the key as running."""
        with self._lock:
            saved = self._saved.get(key)
            if saved is not None:
                if saved.fingerprint != fingerprint:
                    raise StripeApiError(
                        400,
                        "idempotency_error",
                        f"Keys for idempotent requests can only be used with the same parameters they "
                        f"were first used with. Try using a key other than '{key}' if you meant to "
                        "execute a different request.",
                    )
                return saved
            if key in self._running:
                raise StripeApiError(
                    409,
                    "idempotency_error",
                    "There is currently another in-progress request using this idempotency key.",
                )
            self._running.add(key)
            return None

    def finish(self, key: str, saved: Saved | None) -> None:
        with self._lock:
            self._running.discard(key)
            if saved is not None:
                self._saved[key] = saved
