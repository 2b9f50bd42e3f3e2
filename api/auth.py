"""Authentication: argon2 password hashes, JWT bearer tokens carrying the account's roles, and
guards that check a role before a handler runs."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, ClassVar
from uuid import UUID

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.authentication import AuthenticationResult
from litestar.security.jwt import JWTAuth, JWTAuthenticationMiddleware, Token

from domain.actors import Actor

PUBLIC_PATHS = ["/auth/signup", "/auth/token", "/health", "/ready", "/metrics", "/schema", "/webhooks/"]

VERIFIED_TOKENS = 10_000
"""How many verified tokens each process keeps; past that the memory starts over."""

_hasher = PasswordHasher()
# Verified against when the email is unknown, so a login for a missing account costs the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True, slots=True)
class Principal:
    account_id: UUID
    roles: frozenset[str]

    @property
    def actor(self) -> Actor:
        return Actor(self.account_id, self.roles)


def _principal_from_token(token: Token, connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    try:
        return Principal(UUID(token.sub), frozenset(token.extras.get("roles", ())))
    except ValueError:
        return None


class VerifiedTokenMiddleware(JWTAuthenticationMiddleware):
    """Checks a token's signature and claims once per distinct token string, not on every
    request: a client sends the same token each time, and neither its claims nor the principal
    made from them can change without changing the string. Expiry is checked on every use; a
    token that fails verification is never remembered, so a bad signature is refused each time."""

    _verified: ClassVar[dict[tuple[str, str], tuple[float, AuthenticationResult]]] = {}

    async def authenticate_token(
        self, encoded_token: str, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        # The secret is part of the key: apps with different secrets may share a process.
        key = (self.token_secret, encoded_token)
        known = self._verified.get(key)
        if known is not None:
            expires, result = known
            if not self.verify_expiry or time.time() < expires:
                return result
            self._verified.pop(key, None)
        # An expired token fails here with the same 401 as one never seen before.
        result = await super().authenticate_token(encoded_token, connection)
        if len(self._verified) >= VERIFIED_TOKENS:
            self._verified.clear()  # forgetting only costs a verification
        self._verified[key] = (result.auth.exp.timestamp(), result)
        return result


def jwt_auth(secret: str) -> JWTAuth[Principal, Token]:
    return JWTAuth[Principal, Token](
        retrieve_user_handler=_principal_from_token,
        token_secret=secret,
        exclude=PUBLIC_PATHS,
        authentication_middleware_class=VerifiedTokenMiddleware,
    )


def principal_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    user = connection.scope.get("user")
    if not isinstance(user, Principal):
        raise NotAuthorizedException("sign in first")
    return user


def requires(*roles: str) -> Any:
    """A guard admitting callers who hold at least one of `roles`."""

    # A coroutine, though it never waits: litestar runs a plain function guard in its thread
    # pool, a hand-off to another thread and back on every request for a set intersection.
    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if not principal_of(connection).roles.intersection(roles):
            raise PermissionDeniedException(f"this needs the role {' or '.join(roles)}")

    return guard
