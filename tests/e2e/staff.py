"""Finance and audit callers over HTTP: an app of their own, staff accounts, reads that wait for a
position in the log, and a money scenario every finance path runs through."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

from litestar.testing import TestClient

from api.app import create_app
from api.bootstrap import bootstrap
from api.settings import AuthSettings, DatabaseSettings, Settings, StripeSettings
from payments.gateway import PaymentGateway
from tests.conftest import FakeClock
from tests.e2e.conftest import Api

PASSWORD = "correct horse battery"


def settings(data_dir: Path, stripe: StripeSettings | None = None) -> Settings:
    return Settings(
        database=DatabaseSettings(data_dir=data_dir),
        auth=AuthSettings(jwt_secret="test-secret-" + "x" * 32),
        stripe=stripe or StripeSettings(),
    )


@contextmanager
def open_api(
    data_dir: Path,
    clock: FakeClock,
    *,
    stripe: StripeSettings | None = None,
    gateway: PaymentGateway | None = None,
) -> Iterator[Api]:
    """The full app on SQLite under `data_dir`, workers running."""
    container = bootstrap(settings(data_dir, stripe), clock=clock, gateway=gateway)
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        yield Api(client, clock)


def sign_up(api: Api, role: str) -> tuple[dict[str, str], str]:
    """A fresh employer or student: (bearer headers, account id)."""
    email = f"{role}-{uuid.uuid4().hex[:8]}@example.org"
    body = {"role": role, "email": email, "password": PASSWORD, "name": role.title()}
    created = api.client.post("/auth/signup", json=body)
    assert created.status_code == 201, created.text
    headers = api.token(email)
    return headers, str(api.client.get("/me", headers=headers).json()["id"])


def staff(api: Api, role: str) -> dict[str, str]:
    """An account holding only `role` beyond sign-up's employer role, with a token that carries it."""
    email = f"{role}-{uuid.uuid4().hex[:8]}@example.org"
    body = {"role": "employer", "email": email, "password": PASSWORD, "name": role.title()}
    assert api.client.post("/auth/signup", json=body).status_code == 201
    account_id = api.client.get("/me", headers=api.token(email)).json()["id"]
    api.client.app.state.container.accounts.grant_roles(UUID(account_id), {role}, granted_by="test")
    return api.token(email)


def waiting(headers: dict[str, str], position: int) -> dict[str, str]:
    """Headers for a read that must include the log up to `position`."""
    return {**headers, "Fairgig-Wait-For": str(position)}


@dataclass
class MoneyScenario:
    """One employer and one onboarded student; a gig paid, a claimed gig cancelled (kill fee) and
    a posted gig cancelled before anyone claimed it (full refund)."""

    api: Api
    employer: dict[str, str]
    employer_id: str
    student: dict[str, str]
    student_id: str
    paid: str
    kill_fee: str
    refunded: str
    position: int
    gigs: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Each gig as GET /gigs/{id} returned it at the end."""

    def get(self, path: str, headers: dict[str, str], **params: Any) -> Any:
        return self.api.client.get(path, params=params or None, headers=waiting(headers, self.position))


def run_money_scenario(api: Api) -> MoneyScenario:
    c = api.client
    employer, employer_id = sign_up(api, "employer")
    student, student_id = sign_up(api, "student")
    assert c.post("/students/me/payout-account", headers=student).status_code == 200

    paid = api.posted_gig(employer)
    assert c.post(f"/gigs/{paid}/claim", headers=student).status_code == 200
    submitted = c.post(f"/gigs/{paid}/submission", json={"url": "https://git.example/x"}, headers=student)
    assert submitted.status_code == 200, submitted.text
    approved = c.post(f"/gigs/{paid}/review", json={"decision": "approve"}, headers=employer)
    assert approved.status_code == 200, approved.text

    kill_fee = api.posted_gig(employer)
    assert c.post(f"/gigs/{kill_fee}/claim", headers=student).status_code == 200
    cancelled = c.post(f"/gigs/{kill_fee}/cancel", json={"reason": "project shelved"}, headers=employer)
    assert cancelled.status_code == 200, cancelled.text

    refunded = api.posted_gig(employer)
    cancelled = c.post(f"/gigs/{refunded}/cancel", json={"reason": "budget cut"}, headers=employer)
    assert cancelled.status_code == 200, cancelled.text

    scenario = MoneyScenario(
        api, employer, employer_id, student, student_id, paid, kill_fee, refunded, api.log_head()
    )
    for gig_id in (paid, kill_fee, refunded):
        scenario.gigs[gig_id] = scenario.get(f"/gigs/{gig_id}", employer).json()
    assert [scenario.gigs[g]["status"] for g in (paid, kill_fee, refunded)] == [
        "paid",
        "cancelled",
        "cancelled",
    ]
    return scenario
