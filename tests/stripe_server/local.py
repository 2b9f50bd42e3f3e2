"""`LocalStripe`: the server started on a free port in a thread, with a small client for the
`/_test` controls so a test reads as what it does (`inject_fault`, `count`, `pay`)."""

from __future__ import annotations

import threading
from typing import Any

import httpx

from tests.stripe_server.server import StripeHttpServer

SECRET_KEY = "sk_test_fairgig_local"
WEBHOOK_SECRET = "whsec_fairgig_local"


class StripeControl:
    """The `/_test` API of a server at `url`, which may also be one started by hand."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._http = httpx.Client(base_url=url, timeout=10)

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self._http.request(method, "/_test" + path, json=body)
        response.raise_for_status()
        return response.json()

    def inject_fault(
        self, path: str, kind: str, *, times: int = 1, method: str | None = None, delay: float | None = None
    ) -> None:
        fault: dict[str, Any] = {"path": path, "kind": kind, "times": times, "method": method}
        self._call("POST", "/faults", fault | ({"delay": delay} if delay is not None else {}))

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def count(self, kind: str) -> int:
        return int(self._call("GET", "/state")["counts"][kind])

    def objects(self, kind: str) -> list[dict[str, Any]]:
        """Every object of a kind (`transfer`, `refund`, `event`...), newest first."""
        return list(self._call("GET", f"/objects/{kind}")["data"])

    def requests(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/requests")["data"])

    def deliveries(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/deliveries")["data"])

    def set_webhook_url(self, url: str | None) -> None:
        self._call("POST", "/webhook", {"url": url})

    def set_clock(self, *, now: int | None = None, advance: int = 0) -> int:
        body: dict[str, Any] = {"advance": advance} | ({"now": now} if now is not None else {})
        return int(self._call("POST", "/clock", body)["now"])

    def pay(self, intent_id: str, *, decline: bool = False) -> dict[str, Any]:
        """Confirm a PaymentIntent as the employer's browser would; returns the intent."""
        return dict(self._call("POST", f"/payment_intents/{intent_id}/pay", {"decline": decline}))

    def set_payouts_enabled(self, account_id: str, enabled: bool = True) -> None:
        self._call("POST", f"/accounts/{account_id}/payouts", {"enabled": enabled})

    def close_account(self, account_id: str) -> None:
        self._call("POST", f"/accounts/{account_id}/close", {})

    def delete_transfer(self, transfer_id: str) -> None:
        self._call("DELETE", f"/transfers/{transfer_id}")

    def change_amount(self, object_id: str, amount: int) -> None:
        self._call("POST", f"/objects/{object_id}/amount", {"amount": amount})

    def add_unknown_transfer(self, **fields: Any) -> dict[str, Any]:
        return dict(self._call("POST", "/transfers", fields))

    def signed_event(
        self, event_id: str, *, timestamp: int | None = None, secret: str | None = None
    ) -> tuple[bytes, str]:
        """An event's webhook body and `Stripe-Signature`, to deliver by hand (twice, late, altered)."""
        query = {k: v for k, v in {"timestamp": timestamp, "secret": secret}.items() if v is not None}
        response = self._http.get(f"/_test/events/{event_id}/signed", params=query)
        response.raise_for_status()
        signed = response.json()
        return signed["payload"].encode(), signed["signature"]

    def close(self) -> None:
        self._http.close()


class LocalStripe(StripeControl):
    def __init__(
        self,
        *,
        secret_key: str = SECRET_KEY,
        webhook_secret: str = WEBHOOK_SECRET,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.server = StripeHttpServer((host, port), secret_key=secret_key, webhook_secret=webhook_secret)
        self.secret_key = secret_key
        self.webhook_secret = webhook_secret
        super().__init__(self.server.base_url)
        self._thread = threading.Thread(target=self._serve, name="local-stripe", daemon=True)

    def _serve(self) -> None:
        # A short poll keeps shutdown (once per test) from costing half a second.
        self.server.serve_forever(poll_interval=0.02)

    def start(self) -> LocalStripe:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.stopping.set()  # releases requests held by a timeout fault
        self.server.shutdown()
        self.server.server_close()
        self.server.webhooks.stop()
        self.close()

    def wait_for_webhooks(self, timeout: float = 5.0) -> None:
        if not self.server.webhooks.wait_idle(timeout):
            raise TimeoutError("webhook deliveries still outstanding")

    def __enter__(self) -> LocalStripe:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
