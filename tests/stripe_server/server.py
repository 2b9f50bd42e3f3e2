"""The HTTP side: a threaded stdlib server on 127.0.0.1 that speaks Stripe's `/v1` wire format
(form-encoded in, JSON out, Bearer secret key, Idempotency-Key) plus the `/_test` controls."""

from __future__ import annotations

import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from tests.stripe_server.control import Controls, control
from tests.stripe_server.errors import StripeApiError
from tests.stripe_server.faults import Fault, Faults, refusal
from tests.stripe_server.forms import decode
from tests.stripe_server.idempotency import IdempotencyKeys, Saved
from tests.stripe_server.routes import Call, serve
from tests.stripe_server.store import Store
from tests.stripe_server.webhook_sender import WebhookSender

DROP = object()  # the response is never sent: the caller sees a timeout or a dropped connection


class StripeHttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], *, secret_key: str, webhook_secret: str) -> None:
        super().__init__(address, _Handler)
        self.secret_key = secret_key
        self.store = Store()
        self.faults = Faults()
        self.keys = IdempotencyKeys()
        self.webhooks = WebhookSender(webhook_secret)
        self.store.on_event.append(self.webhooks.enqueue)
        self.requests: list[dict[str, Any]] = []
        self.controls = Controls(self.store, self.faults, self.webhooks, self.requests)
        self.stopping = threading.Event()

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def handle_api(self, method: str, path: str, params: dict[str, Any], key: str | None) -> Any:
        self.requests.append({"method": method, "path": path, "idempotency_key": key, "params": params})
        fault = self.faults.take(method, path)
        if fault and fault.kind == "timeout":
            return self._hold(fault)
        error = refusal(fault, path) if fault else None
        if error:
            return error.status, error.body, {}
        status, body, headers = self._idempotent(method, path, params, key, fault)
        return self._hold(fault) if fault and fault.kind == "timeout_after" else (status, body, headers)

    def _idempotent(
        self, method: str, path: str, params: dict[str, Any], key: str | None, fault: Fault | None
    ) -> tuple[int, Any, dict[str, str]]:
        if method != "POST" or not key:
            return (*self._run(method, path, params, key, fault), {})
        fingerprint = self.keys.fingerprint(method, path, params)
        replay = self.keys.begin(key, fingerprint)
        if replay is not None:
            return replay.status, replay.body, {"Idempotent-Replayed": "true"}
        status: int = 500  # a request that crashed the server frees its key instead of keeping it
        body: Any = None
        try:
            status, body = self._run(method, path, params, key, fault)
        finally:
            # Stripe keeps results of requests that ran (including a decline), not validation errors.
            keep = status < 400 or status == 402
            self.keys.finish(key, Saved(fingerprint, status, body) if keep else None)
        return status, body, {}

    def _run(
        self, method: str, path: str, params: dict[str, Any], key: str | None, fault: Fault | None
    ) -> tuple[int, Any]:
        if fault and fault.kind == "slow":
            self.stopping.wait(fault.delay)
        call = Call(
            self.store, params, key, self.base_url, force_decline=bool(fault and fault.kind == "decline")
        )
        with self.store.lock:
            try:
                return 200, json.loads(json.dumps(serve(method, path, call)))
            except StripeApiError as e:
                return e.status, e.body

    def _hold(self, fault: Fault) -> object:
        self.stopping.wait(fault.delay)
        return DROP


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes; Nagle would stall each reply
    server: StripeHttpServer

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the request log at /_test/requests is the useful record

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        try:
            if url.path.startswith("/_test/"):
                body = json.loads(raw) if raw.strip() else decode(url.query)
                self._reply(200, control(self.server.controls, method, url.path, body), {})
                return
            self._authenticate()
            params = decode(raw if method == "POST" else url.query)
            result = self.server.handle_api(method, url.path, params, self.headers.get("Idempotency-Key"))
        except StripeApiError as e:
            self._reply(e.status, e.body, {})
            return
        if result is DROP:
            self.close_connection = True
            return
        self._reply(*result)

    def _authenticate(self) -> None:
        if self.headers.get("Authorization") != f"Bearer {self.server.secret_key}":
            raise StripeApiError(401, "invalid_request_error", "Invalid API Key provided.")

    def _reply(self, status: int, body: Any, headers: dict[str, str]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Request-Id", f"req_{secrets.token_hex(7)}")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
