"""Students claim, withdraw, check in, submit and dispute."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, post

from api.auth import requires
from api.bootstrap import Container
from api.http import actor_of, command_response, expected_version, parse_gig_id
from api.schemas import CheckIn, CommandResult, Reason, SubmissionBody


class GigWorkController(Controller):
    path = "/gigs/{gig_id:str}"
    tags = ["gigs (student)"]
    guards = [requires("student")]

    @post("/claim", operation_id="claimGig", sync_to_thread=True, status_code=200)
    def claim(
        self, gig_id: str, request: Request[Any, Any, Any], container: Container
    ) -> Response[CommandResult]:
        receipt = container.marketplace.claim_gig(
            actor_of(request), parse_gig_id(gig_id), expected_version(request)
        )
        return command_response(request, container, receipt)

    @post("/withdraw", operation_id="withdrawClaim", sync_to_thread=True, status_code=200)
    def withdraw(
        self, gig_id: str, request: Request[Any, Any, Any], container: Container, data: Reason | None = None
    ) -> Response[CommandResult]:
        reason = data.reason if data else ""
        receipt = container.marketplace.withdraw_claim(
            actor_of(request), parse_gig_id(gig_id), reason, expected_version(request)
        )
        return command_response(request, container, receipt)

    @post("/check-ins", operation_id="checkIn", sync_to_thread=True, status_code=201)
    def check_in(
        self, gig_id: str, data: CheckIn, request: Request[Any, Any, Any], container: Container
    ) -> Response[CommandResult]:
        receipt = container.marketplace.check_in(
            actor_of(request), parse_gig_id(gig_id), data.note, expected_version(request)
        )
        return command_response(request, container, receipt, status_code=201)

    @post("/submission", operation_id="submitWork", sync_to_thread=True, status_code=200)
    def submit(
        self, gig_id: str, data: SubmissionBody, request: Request[Any, Any, Any], container: Container
    ) -> Response[CommandResult]:
        receipt = container.marketplace.submit_work(
            actor_of(request), parse_gig_id(gig_id), data.url, data.notes, expected_version(request)
        )
        return command_response(request, container, receipt)

    @post("/dispute", operation_id="disputeRejection", sync_to_thread=True, status_code=200)
    def dispute(
        self, gig_id: str, data: Reason, request: Request[Any, Any, Any], container: Container
    ) -> Response[CommandResult]:
        receipt = container.marketplace.dispute_rejection(
            actor_of(request), parse_gig_id(gig_id), data.reason, expected_version(request)
        )
        return command_response(request, container, receipt)
