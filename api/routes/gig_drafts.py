"""Employers publish and cancel gigs (drafts are created and edited on the gig resource)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, post

from api.auth import requires
from api.bootstrap import Container
from api.http import actor_of, command_response, expected_version, funding_out, parse_gig_id
from api.schemas import CommandResult, Reason
from payments.gateway import GatewayUnavailable


class GigDraftController(Controller):
    path = "/gigs"
    tags = ["gigs (employer)"]
    guards = [requires("employer")]

    @post("/{gig_id:str}/publish", operation_id="publishGig", sync_to_thread=True, status_code=200)
    def publish(
        self, gig_id: str, request: Request[Any, Any, Any], container: Container
    ) -> Response[CommandResult]:
        gid = parse_gig_id(gig_id)
        brief = container.marketplace.get_gig(gid).brief
        container.fairness.check_publishable(brief)
        receipt = container.marketplace.publish_gig(actor_of(request), gid, (), expected_version(request))
        try:
            funding = container.escrow.request_funding(gid, receipt.version)
        except GatewayUnavailable:
            funding = None  # the escrow follower retries; the gig waits in awaiting_funding
        return command_response(request, container, receipt, settled=True, funding=funding_out(funding))

    @post("/{gig_id:str}/cancel", operation_id="cancelGig", sync_to_thread=True, status_code=200)
    def cancel(
        self, gig_id: str, data: Reason, request: Request[Any, Any, Any], container: Container
    ) -> Response[CommandResult]:
        gid = parse_gig_id(gig_id)
        receipt = container.marketplace.cancel_gig(
            actor_of(request), gid, data.reason, expected_version(request)
        )
        container.settle_soon(gid)
        return command_response(request, container, receipt, settled=True)
