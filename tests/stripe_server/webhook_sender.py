"""Signed webhook deliveries, in order, from a thread of their own (Stripe never delivers inside
the API call that caused the event).

The signature is computed here from the documented scheme, independently of the SDK, so the
SDK's verification in payments/webhooks.py is tested against a second implementation."""

from __future__ import annotations

import hashlib
import hmac
import json
import queue
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any


def sign(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header: t=<unix time>,v1=<hex HMAC-SHA256 of "t.payload">."""
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def payload_of(event: dict[str, Any]) -> str:
    return json.dumps(event, sort_keys=True)


@dataclass
class WebhookSender:
    secret: str
    url: str | None = None
    deliveries: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._idle = threading.Condition()
        self._outstanding = 0
        self._thread = threading.Thread(target=self._run, name="stripe-webhooks", daemon=True)
        self._thread.start()

    def enqueue(self, event: dict[str, Any]) -> None:
        if self.url is None:
            return
        with self._idle:
            self._outstanding += 1
        self._queue.put(json.loads(json.dumps(event)))  # a snapshot, as Stripe sends

    def wait_idle(self, timeout: float = 5.0) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: self._outstanding == 0, timeout)

    def stop(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while (event := self._queue.get()) is not None:
            self.deliveries.append({"event": event["id"], "type": event["type"], **self._deliver(event)})
            with self._idle:
                self._outstanding -= 1
                self._idle.notify_all()

    def _deliver(self, event: dict[str, Any]) -> dict[str, Any]:
        body = payload_of(event)
        request = urllib.request.Request(
            str(self.url),
            data=body.encode(),
            method="POST",
            headers={"Content-Type": "application/json", "Stripe-Signature": sign(body, self.secret)},
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return {"status": response.status}
        except urllib.error.HTTPError as e:
            return {"status": e.code}
        except OSError as e:
            return {"status": None, "error": str(e)}
