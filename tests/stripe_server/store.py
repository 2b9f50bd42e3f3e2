"""The server's memory: Stripe-shaped objects by id, newest-first lists, events, and a clock.

One lock guards it all; the server is for tests, and a single lock makes every request atomic
the way Stripe's idempotency and balance checks need."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from typing import Any

from tests.stripe_server.errors import StripeApiError

Obj = dict[str, Any]
Listener = Callable[[Obj], None]


class Store:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.objects: dict[str, Obj] = {}
        self.by_kind: dict[str, list[str]] = {}
        self.hidden: dict[str, Obj] = {}  # server-side facts Stripe does not show (a closed account)
        self._fixed_now: int | None = None
        self._offset = 0
        self.on_event: list[Listener] = []

    # ---- time ---------------------------------------------------------------------------------

    def now(self) -> int:
        return self._fixed_now if self._fixed_now is not None else int(time.time()) + self._offset

    def set_clock(self, *, now: int | None = None, advance: int = 0) -> int:
        if now is not None:
            self._fixed_now = now
        elif self._fixed_now is not None:
            self._fixed_now += advance
        else:
            self._offset += advance
        return self.now()

    # ---- objects ------------------------------------------------------------------------------

    def add(self, kind: str, prefix: str, fields: Obj, *, created: int | None = None) -> Obj:
        obj_id = f"{prefix}_{secrets.token_hex(12)}"
        obj = {"id": obj_id, "object": kind, "created": created or self.now(), "livemode": False, **fields}
        self.objects[obj_id] = obj
        self.by_kind.setdefault(kind, []).append(obj_id)
        return obj

    def get(self, kind: str, obj_id: str, *, param: str = "id") -> Obj:
        obj = self.objects.get(obj_id)
        if obj is None or obj["object"] != kind:
            raise StripeApiError(
                404,
                "invalid_request_error",
                f"No such {kind}: '{obj_id}'",
                code="resource_missing",
                param=param,
            )
        return obj

    def remove(self, obj: Obj) -> Obj:
        del self.objects[obj["id"]]
        self.by_kind[obj["object"]].remove(obj["id"])
        return obj

    def all(self, kind: str) -> list[Obj]:
        """Newest first, the order Stripe lists in."""
        return [self.objects[i] for i in reversed(self.by_kind.get(kind, []))]

    def count(self, kind: str) -> int:
        return len(self.by_kind.get(kind, []))

    # ---- events -------------------------------------------------------------------------------

    def emit(self, event_type: str, obj: Obj, *, idempotency_key: str | None = None) -> Obj:
        event = self.add(
            "event",
            "evt",
            {
                "api_version": "2025-01-27.acacia",
                "type": event_type,
                "data": {"object": dict(obj)},
                "pending_webhooks": 1,
                "request": {"id": None, "idempotency_key": idempotency_key},
            },
        )
        for listener in self.on_event:
            listener(event)
        return event
