"""Bearer tokens are verified once per token string, and a remembered token still expires and
still has to carry the right signature."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import jwt
import pytest
from litestar import Litestar, Request, get
from litestar.security.jwt import Token
from litestar.testing import TestClient

import api.auth
from api.auth import VerifiedTokenMiddleware, jwt_auth, principal_of

SECRET = "unit-secret-" + "s" * 32
OTHER_SECRET = "unit-other-" + "o" * 32


@get("/whoami", sync_to_thread=False)
def whoami(request: Request[Any, Any, Any]) -> dict[str, Any]:
    principal = principal_of(request)
    return {"id": str(principal.account_id), "roles": sorted(principal.roles)}


def _client(secret: str) -> TestClient[Litestar]:
    return TestClient(Litestar(route_handlers=[whoami], on_app_init=[jwt_auth(secret).on_app_init]))


@pytest.fixture(autouse=True)
def _forget_tokens() -> Iterator[None]:
    VerifiedTokenMiddleware._verified.clear()
    yield
    VerifiedTokenMiddleware._verified.clear()


@pytest.fixture
def client() -> Iterator[TestClient[Litestar]]:
    with _client(SECRET) as c:
        yield c


def _token(account: UUID, *, secret: str = SECRET, expires_in: timedelta = timedelta(hours=1)) -> str:
    exp = datetime.now(UTC) + expires_in
    return Token(sub=str(account), exp=exp, extras={"roles": ["student"]}).encode(secret, "HS256")


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_remembered_token_gives_the_same_principal_every_time(client: TestClient[Litestar]) -> None:
    account = uuid4()
    token = _token(account)

    answers = [client.get("/whoami", headers=_bearer(token)) for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 200]
    assert all(a.json() == {"id": str(account), "roles": ["student"]} for a in answers)


def test_a_remembered_token_is_refused_once_it_expires(client: TestClient[Litestar]) -> None:
    # `exp` is whole seconds, so a token made to last one second may be over at once: two leave
    # at least one for the first request, however busy the machine.
    token = _token(uuid4(), expires_in=timedelta(seconds=2))
    assert client.get("/whoami", headers=_bearer(token)).status_code == 200
    expires = jwt.decode(token, options={"verify_signature": False})["exp"]

    time.sleep(max(0.0, expires - time.time()) + 0.05)

    assert client.get("/whoami", headers=_bearer(token)).status_code == 401


def test_an_expired_token_is_refused_the_first_time(client: TestClient[Litestar]) -> None:
    expired = jwt.encode({"sub": str(uuid4()), "exp": int(time.time()) - 10}, SECRET, "HS256")

    assert client.get("/whoami", headers=_bearer(expired)).status_code == 401
    assert client.get("/whoami", headers=_bearer(expired)).status_code == 401


def test_the_claims_of_a_remembered_token_with_another_signature_are_refused(
    client: TestClient[Litestar],
) -> None:
    token = _token(uuid4())
    assert client.get("/whoami", headers=_bearer(token)).status_code == 200
    header_and_claims, _, signature = token.rpartition(".")
    tampered = f"{header_and_claims}.{signature[::-1]}"
    forged = _token(uuid4(), secret=OTHER_SECRET)

    assert client.get("/whoami", headers=_bearer(tampered)).status_code == 401
    assert client.get("/whoami", headers=_bearer(forged)).status_code == 401
    assert client.get("/whoami", headers=_bearer(token)).status_code == 200


def test_a_token_one_app_verified_is_not_accepted_by_an_app_with_another_secret(
    client: TestClient[Litestar],
) -> None:
    token = _token(uuid4())
    assert client.get("/whoami", headers=_bearer(token)).status_code == 200

    with _client(OTHER_SECRET) as other:
        assert other.get("/whoami", headers=_bearer(token)).status_code == 401


def test_the_memory_of_verified_tokens_is_bounded(
    client: TestClient[Litestar], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api.auth, "VERIFIED_TOKENS", 3)
    accounts = [uuid4() for _ in range(10)]

    for account in accounts:
        answer = client.get("/whoami", headers=_bearer(_token(account)))
        assert answer.json()["id"] == str(account)

    assert len(VerifiedTokenMiddleware._verified) <= 3
