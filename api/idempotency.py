"""Idempotency-Key for every POST, stored durably: a repeat with the same key and body replays the
first response (even after a restart); the same key with another body is refused (422); a repeat
while the first is still running gets 409 rather than running twice.

Keys do not live for ever. An answer is kept for `RETENTION` (a day, as Stripe keeps its keys):
long enough for any client's retries, and the table no longer grows with every POST ever made; a
key used again after that runs as new. A key still without an answer after `IN_FLIGHT_LIMIT` was
left by a request whose server died mid-way (a finished or failed request always stores or
releases its key): a retry takes it over instead of getting 409 for ever. Expired keys are
deleted by the API processes themselves, at most once per `SWEEP_EVERY` each.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

import msgspec
from anyio.to_thread import run_sync
from litestar.types import ASGIApp, Receive, Scope, Send

from domain.clock import Clock
from projections.columns import iso
from projections.database import Connection, Database

RETENTION = timedelta(hours=24)
IN_FLIGHT_LIMIT = timedelta(minutes=5)
SWEEP_EVERY = timedelta(hours=1)

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS idempotency_keys ("
    " scope_key TEXT PRIMARY KEY, request_hash TEXT NOT NULL, status INTEGER,"
    " headers TEXT, body BYTEA, created_at TEXT NOT NULL DEFAULT '')"
)
# Keys stored before keys expired have no time: '' sorts before every time, so they go first.
_ADD_CREATED_AT = "ALTER TABLE idempotency_keys ADD COLUMN created_at TEXT NOT NULL DEFAULT ''"
_INDEX = "CREATE INDEX IF NOT EXISTS idempotency_keys_by_age ON idempotency_keys (created_at)"


class IdempotencyStore:
    def __init__(
        self,
        db: Database,
        *,
        clock: Clock,
        retention: timedelta = RETENTION,
        in_flight_limit: timedelta = IN_FLIGHT_LIMIT,
    ) -> None:
        self.db = db
        self.clock = clock
        self.retention = retention
        self.in_flight_limit = in_flight_limit
        self._next_sweep: datetime | None = None
        with db.transaction() as conn:
            if db.dialect == "postgres":
                # Server workers start together; CREATE TABLE IF NOT EXISTS is not safe to race.
                conn.execute("SELECT pg_advisory_xact_lock(hashtext('fairgig.idempotency_keys'))")
            conn.execute(_SCHEMA if db.dialect == "postgres" else _SCHEMA.replace("BYTEA", "BLOB"))
            if not _has_created_at(conn, db.dialect):
                conn.execute(_ADD_CREATED_AT)
            conn.execute(_INDEX)

    def begin(self, scope_key: str, request_hash: str) -> dict[str, Any] | None:
        """Claim the key (None: run the request), or return the row holding it."""
        now = self.clock()
        if self._next_sweep is None or now >= self._next_sweep:
            self.sweep(now)
            self._next_sweep = now + SWEEP_EVERY
        claim = {"k": scope_key, "h": request_hash, "at": iso(now)}
        with self.db.transaction() as conn:
            # ON CONFLICT: two first requests with one key at once get one claim and one 409, not a
            # unique violation.
            if conn.fetchone(
                "INSERT INTO idempotency_keys (scope_key, request_hash, created_at) VALUES (:k, :h, :at)"
                " ON CONFLICT (scope_key) DO NOTHING RETURNING scope_key",
                claim,
            ):
                return None
            row = conn.fetchone(
                "SELECT request_hash, status, headers, body, created_at FROM idempotency_keys"
                " WHERE scope_key = :k",
                {"k": scope_key},
            )
            if row is None or not self._lapsed(row, now):
                return dict(row) if row is not None else None
            # Taken over only if nobody else took it over first (the time is the row's version).
            taken = conn.fetchone(
                "UPDATE idempotency_keys SET request_hash = :h, status = NULL, headers = NULL,"
                " body = NULL, created_at = :at WHERE scope_key = :k AND created_at = :was"
                " RETURNING scope_key",
                {**claim, "was": row["created_at"]},
            )
            return None if taken else {**row, "status": None}

    def _lapsed(self, row: dict[str, Any], now: datetime) -> bool:
        limit = self.in_flight_limit if row["status"] is None else self.retention
        return bool(row["created_at"] < iso(now - limit))

    def sweep(self, now: datetime | None = None) -> None:
        """Delete the answers kept longer than the retention."""
        cutoff = iso((now or self.clock()) - self.retention)
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM idempotency_keys WHERE created_at < :cutoff", {"cutoff": cutoff})

    def finish(self, scope_key: str, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "UPDATE idempotency_keys SET status = :s, headers = :hd, body = :b WHERE scope_key = :k",
                {"k": scope_key, "s": status, "hd": msgspec.json.encode(headers).decode(), "b": body},
            )

    def abandon(self, scope_key: str) -> None:
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM idempotency_keys WHERE scope_key = :k", {"k": scope_key})


def _has_created_at(conn: Connection, dialect: str) -> bool:
    if dialect == "postgres":
        found = conn.fetchone(
            "SELECT 1 AS found FROM information_schema.columns WHERE table_schema = current_schema()"
            " AND table_name = 'idempotency_keys' AND column_name = 'created_at'"
        )
    else:
        found = conn.fetchone(
            "SELECT 1 AS found FROM pragma_table_info('idempotency_keys') WHERE name = 'created_at'"
        )
    return found is not None


def _header(scope: Scope, name: bytes) -> bytes | None:
    return next((v for k, v in scope.get("headers", []) if k.lower() == name), None)


async def _send_problem(send: Send, status: int, code: str, detail: str) -> None:
    body = msgspec.json.encode(
        {
            "type": f"/problems/{code}",
            "title": "Idempotency",
            "status": status,
            "detail": detail,
            "code": code,
        }
    )
    headers = [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, store: IdempotencyStore, max_body_bytes: int) -> None:
        self.app = app
        self.store = store
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Only POSTs are replayed: every other request passes before its headers are read.
        key = _header(scope, b"idempotency-key") if scope.get("method") == "POST" else None
        if key is None:
            await self.app(scope, receive, send)
            return
        body = await self._read_body(receive)
        if body is None:
            await _send_problem(
                send, 413, "request.too_large", f"bodies are limited to {self.max_body_bytes} bytes"
            )
            return
        principal = hashlib.sha256(_header(scope, b"authorization") or b"").hexdigest()
        scope_key = f"{principal}:{key.decode('latin-1')}"
        request_hash = hashlib.sha256(scope["path"].encode() + b"\n" + body).hexdigest()
        # The store's calls block on the database: they run in a worker thread, off the event loop.
        existing = await run_sync(self.store.begin, scope_key, request_hash)
        if existing is not None:
            await self._replay(existing, request_hash, send)
            return
        await self._run_and_store(scope, body, scope_key, send)

    async def _read_body(self, receive: Receive) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        while True:
            message: Any = await receive()
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _replay(self, row: dict[str, Any], request_hash: str, send: Send) -> None:
        if row["request_hash"] != request_hash:
            await _send_problem(
                send,
                422,
                "idempotency.key_reused",
                "this Idempotency-Key was used with a different request body",
            )
            return
        if row["status"] is None:
            await _send_problem(
                send,
                409,
                "idempotency.in_progress",
                "a request with this Idempotency-Key is still being processed",
            )
            return
        headers = [(k.encode(), v.encode()) for k, v in msgspec.json.decode(row["headers"])]
        headers.append((b"idempotent-replayed", b"true"))
        await send({"type": "http.response.start", "status": row["status"], "headers": headers})
        await send({"type": "http.response.body", "body": bytes(row["body"]), "more_body": False})

    async def _run_and_store(self, scope: Scope, body: bytes, scope_key: str, send: Send) -> None:
        sent_body = False

        async def replay_receive() -> Any:
            nonlocal sent_body
            if sent_body:
                return {"type": "http.disconnect"}
            sent_body = True
            return {"type": "http.request", "body": body, "more_body": False}

        status = 500
        headers: list[tuple[str, str]] = []
        parts: list[bytes] = []

        async def capture(message: Any) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in message.get("headers", [])]
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay_receive, capture)
        except BaseException:
            self.store.abandon(scope_key)  # rare, and possibly cancelled: no await here
            raise
        if status >= 500:
            await run_sync(self.store.abandon, scope_key)  # a server failure is not worth replaying
        else:
            await run_sync(self.store.finish, scope_key, status, headers, b"".join(parts))
