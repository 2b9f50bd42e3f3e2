"""Employers decide on claims and submissions; either side rates once the gig is paid."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, post

from api.auth import requires
from api.bootstrap import Container
from api.http import actor_of, command_response, expected_version, parse_gig_id
from api.schemas import CommandResult, RatingBody, Reason, Review


class GigReviewController(Controller):
    path = "/gigs/{gig_id:str}"
    tags = ["gigs (employer)"]

    @post(
        "/decline-claim",
        operation_id="declineClaim",
        sync_to_thread=True,
        status_code=200,
        guards=[requires("employer")],
    )
    def decline_claim(
        self, gig_id: str, data: Reason, request: Request[Any, Any, Any], container: Container
    ) -> Response[CommandResult]:
        receipt = container.marketplace.decline_claim(
            actor_of(request), parse_gig_id(gig_id), data.reason, expected_version(request)
        )
        return command_response(request, container, receipt)

    @post(
        "/review",
        operation_id="reviewSubmission",
        sync_to_thread=True,
        status_code=200,
        guards=[requires("employer")],
    )
    def review(
        self, gig_id: str, data: Review, request: Request[Any, Any, Any], container: Container
    ) -> Response[CommandResult]:
        gid, actor, version = parse_gig_id(gig_id), actor_of(request), expected_version(request)
        market = container.marketplace
        decide = {
            "approve": market.approve_submission,
            "request_changes": market.request_changes,
            "reject": market.reject_submission,
        }[data.decision]
        receipt = decide(actor, gid, data.feedback, version)
        settled = data.decision == "approve"
        if settled:
            container.settle_soon(gid)
        return command_response(request, container, receipt, settled=settled)

    @post(
        "/rating",
        operation_id="rateGig",
        sync_to_thread=True,
        status_code=200,
        guards=[requires("employer", "student")],
    )
    def rate(
        self, gig_id: str, data: RatingBody, request: Request[Any, Any, Any], container: Container
    ) -> Response[CommandResult]:
        receipt = container.marketplace.rate(
            actor_of(request), parse_gig_id(gig_id), data.stars, data.comment, expected_version(request)
        )
        return command_response(request, container, receipt)
