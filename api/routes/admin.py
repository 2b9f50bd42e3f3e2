"""Admins resolve disputes and grant roles."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, post

from api.auth import principal_of, requires
from api.bootstrap import Container
from api.http import actor_of, command_response, expected_version, parse_gig_id
from api.routes.accounts import me_of
from api.schemas import CommandResult, DisputeResolution, Me, RolesBody
from domain.accounts_app import AccountNotFound


class AdminController(Controller):
    path = "/admin"
    tags = ["admin"]
    guards = [requires("admin")]

    @post(
        "/disputes/{gig_id:str}/resolve", operation_id="resolveDispute", sync_to_thread=True, status_code=200
    )
    def resolve(
        self, gig_id: str, data: DisputeResolution, request: Request[Any, Any, Any], container: Container
    ) -> Response[CommandResult]:
        gid = parse_gig_id(gig_id)
        receipt = container.marketplace.resolve_dispute(
            actor_of(request), gid, data.student_share_percent, expected_version(request)
        )
        container.settle_soon(gid)
        return command_response(request, container, receipt, settled=True)

    @post("/users/{user_id:str}/roles", operation_id="grantRoles", sync_to_thread=True, status_code=200)
    def grant(
        self, user_id: str, data: RolesBody, request: Request[Any, Any, Any], container: Container
    ) -> Me:
        try:
            account_id = UUID(user_id)
        except ValueError:
            raise AccountNotFound(f"no account {user_id}") from None
        granted_by = str(principal_of(request).account_id)
        return me_of(container.accounts.grant_roles(account_id, set(data.roles), granted_by))
