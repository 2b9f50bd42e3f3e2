"""Sign-up, tokens, the caller's own account, and students' payout accounts."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotAuthorizedException

from api.auth import hash_password, principal_of, requires, verify_password
from api.bootstrap import Container
from api.http import POSITION_HEADER
from api.schemas import Me, PayoutAccountOut, SignUp, TokenRequest, TokenResponse
from domain.account import Account
from domain.accounts_app import AccountNotFound


def me_of(account: Account) -> Me:
    return Me(
        account.id,
        account.email,
        account.name,
        sorted(account.roles),
        account.organization,
        account.payout_account_id,
        account.payouts_enabled,
    )


class AccountController(Controller):
    tags = ["accounts"]

    @post("/auth/signup", operation_id="signUp", sync_to_thread=True, status_code=201)
    def sign_up(self, data: SignUp, container: Container) -> Me:
        account = container.accounts.sign_up(
            email=data.email,
            name=data.name,
            role=data.role,
            organization=data.organization,
            password_hash=hash_password(data.password),
        )
        return me_of(account)

    @post("/auth/token", operation_id="issueToken", sync_to_thread=True, status_code=200)
    def token(
        self, data: TokenRequest, request: Request[Any, Any, Any], container: Container
    ) -> TokenResponse:
        try:
            account: Account | None = container.accounts.find_by_email(data.email)
        except AccountNotFound:
            account = None
        if not verify_password(account.password_hash if account else None, data.password) or account is None:
            raise NotAuthorizedException("email or password is wrong")
        ttl = container.settings.auth.token_ttl
        token = request.app.state.jwt.create_token(
            identifier=str(account.id), token_expiration=ttl, token_extras={"roles": sorted(account.roles)}
        )
        return TokenResponse(access_token=token, expires_in=int(ttl.total_seconds()))

    @get("/me", operation_id="getMe", sync_to_thread=True)
    def me(self, request: Request[Any, Any, Any], container: Container) -> Me:
        return me_of(container.accounts.get(principal_of(request).account_id))

    @post(
        "/students/me/payout-account",
        operation_id="openPayoutAccount",
        sync_to_thread=True,
        guards=[requires("student")],
        status_code=200,
    )
    def payout_account(
        self, request: Request[Any, Any, Any], container: Container
    ) -> Response[PayoutAccountOut]:
        account = container.accounts.get(principal_of(request).account_id)
        opened = container.gateway.open_payout_account(
            student_id=str(account.id), email=account.email, idempotency_key=f"payout-account:{account.id}"
        )
        container.inbox.remember_account(opened.reference, account.id)
        container.accounts.open_payout_account(account.id, opened.reference)
        container.accounts.set_payouts_enabled(account.id, opened.payouts_enabled)
        if opened.payouts_enabled:
            container.escrow.resume_student(account.id)
        head = container.log_head()
        container.writes.remember(account.id, head)
        body = PayoutAccountOut(opened.onboarding_url, opened.reference, opened.payouts_enabled)
        return Response(body, headers={POSITION_HEADER: str(head)})
