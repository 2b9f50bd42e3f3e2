"""The Accounts application: sign-up, roles and payout accounts, in a log of its own so that
password hashes never enter the marketplace log auditors export."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import EnvType

from domain.account import Account, account_id_for
from domain.clock import Clock
from domain.errors import Conflict, DomainError


class AccountNotFound(DomainError):
    code = "account.not_found"


class EmailTaken(Conflict):
    code = "account.email_taken"


class Accounts(Application[UUID]):
    name = "Accounts"

    def __init__(self, env: EnvType | None = None, *, clock: Clock) -> None:
        super().__init__(env)
        self.clock = clock

    def sign_up(self, *, email: str, name: str, role: str, organization: str, password_hash: str) -> Account:
        account = Account.sign_up(
            email=email,
            name=name,
            role=role,
            organization=organization,
            password_hash=password_hash,
            now=self.clock(),
        )
        try:
            self.save(account)
        except IntegrityError:
            raise EmailTaken("an account with this email already exists", field="email") from None
        return account

    def get(self, account_id: UUID) -> Account:
        try:
            account: Account = self.repository.get(account_id)
        except AggregateNotFoundError:
            raise AccountNotFound(f"no account {account_id}", account_id=str(account_id)) from None
        return account

    def find_by_email(self, email: str) -> Account:
        return self.get(account_id_for(email))

    def grant_roles(self, account_id: UUID, roles: set[str], granted_by: str) -> Account:
        account = self.get(account_id)
        account.grant(roles, granted_by, self.clock())
        self.save(account)
        return account

    def open_payout_account(self, account_id: UUID, account_ref: str) -> Account:
        account = self.get(account_id)
        account.open_payout_account(account_ref, self.clock())
        self.save(account)
        return account

    def set_payouts_enabled(self, account_id: UUID, enabled: bool) -> Account:
        account = self.get(account_id)
        account.set_payouts_enabled(enabled, self.clock())
        self.save(account)
        return account
