"""Accounts: employers, students and staff. One aggregate per email, so sign-up is race-free:
the id is derived from the normalised email and a second sign-up collides on version 1."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.actors import ROLES
from domain.errors import NotPermitted, ValidationFailed

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SIGNUP_ROLES = frozenset({"employer", "student"})


def normalise_email(email: str) -> str:
    return email.strip().lower()


def account_id_for(email: str) -> UUID:
    return uuid5(NAMESPACE_URL, "fairgig:account:" + normalise_email(email))


class Account(Aggregate):
    def __init__(self, email: str, name: str, role: str, organization: str, password_hash: str) -> None:
        self.email = email
        self.name = name
        self.roles: set[str] = {role}
        self.organization = organization
        self.password_hash = password_hash
        self.payout_account_id: str | None = None
        self.payouts_enabled = False

    @classmethod
    def sign_up(
        cls, *, email: str, name: str, role: str, organization: str, password_hash: str, now: datetime
    ) -> Account:
        email = normalise_email(email)
        if not _EMAIL.match(email) or len(email) > 254:
            raise ValidationFailed("email is not a valid address", field="email")
        if role not in SIGNUP_ROLES:
            raise ValidationFailed("role must be employer or student", field="role")
        if not name.strip() or len(name) > 200:
            raise ValidationFailed("name must be 1..200 characters", field="name")
        return cls._create(
            cls.SignedUp,
            id=account_id_for(email),
            timestamp=now,
            email=email,
            name=name.strip(),
            role=role,
            organization=organization.strip(),
            password_hash=password_hash,
        )

    class SignedUp(Aggregate.Created):
        email: str
        name: str
        role: str
        organization: str
        password_hash: str

    def grant(self, roles: set[str], granted_by: str, now: datetime) -> None:
        unknown = roles - ROLES
        if unknown:
            raise ValidationFailed(f"unknown roles: {sorted(unknown)}", field="roles")
        new = roles - self.roles
        if new:
            self.trigger_event(self.RolesGranted, timestamp=now, roles=sorted(new), granted_by=granted_by)

    class RolesGranted(Aggregate.Event):
        roles: list[str]
        granted_by: str

        def apply(self, account: Any) -> None:
            account.roles.update(self.roles)

    def open_payout_account(self, account_ref: str, now: datetime) -> None:
        if "student" not in self.roles:
            raise NotPermitted("only students receive payouts", account_id=str(self.id))
        if self.payout_account_id != account_ref:
            self.trigger_event(self.PayoutAccountOpened, timestamp=now, account_ref=account_ref)

    class PayoutAccountOpened(Aggregate.Event):
        account_ref: str

        def apply(self, account: Any) -> None:
            account.payout_account_id = self.account_ref

    def set_payouts_enabled(self, enabled: bool, now: datetime) -> None:
        if enabled != self.payouts_enabled:
            self.trigger_event(self.PayoutsEnabledChanged, timestamp=now, enabled=enabled)

    class PayoutsEnabledChanged(Aggregate.Event):
        enabled: bool

        def apply(self, account: Any) -> None:
            account.payouts_enabled = self.enabled
