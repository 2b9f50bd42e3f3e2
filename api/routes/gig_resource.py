"""The gig resource: read it, edit its draft, its fairness report, an employer's own gigs."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, patch

from api.auth import principal_of, requires
from api.bootstrap import Container
from api.gig_views import can_see, gig_view
from api.http import actor_of, command_response, expected_version, parse_gig_id
from api.schemas import CommandResult, GigUpdate
from domain.gig import Gig
from domain.marketplace import GigNotFound


class GigController(Controller):
    tags = ["gigs"]

    @get("/gigs/{gig_id:str}", operation_id="getGig", sync_to_thread=True)
    def get_gig(
        self, gig_id: str, request: Request[Any, Any, Any], container: Container
    ) -> Response[dict[str, Any]]:
        gig = self._visible(gig_id, request, container)
        return Response(gig_view(gig), headers={"ETag": f'"{gig.version}"'})

    @patch("/gigs/{gig_id:str}", operation_id="editGig", sync_to_thread=True, guards=[requires("employer")])
    def edit(
        self, gig_id: str, data: GigUpdate, request: Request[Any, Any, Any], container: Container
    ) -> Response[CommandResult]:
        gid = parse_gig_id(gig_id)
        brief = data.apply_to(container.marketplace.get_gig(gid).brief)
        receipt = container.marketplace.edit_gig(actor_of(request), gid, brief, expected_version(request))
        return command_response(container, receipt, fairness=container.fairness(brief))

    @get("/gigs/{gig_id:str}/fairness", operation_id="getGigFairness", sync_to_thread=True)
    def fairness(self, gig_id: str, request: Request[Any, Any, Any], container: Container) -> dict[str, Any]:
        gig = self._visible(gig_id, request, container)
        return container.fairness(gig.brief)

    @get("/employers/me/gigs", operation_id="listMyGigs", sync_to_thread=True, guards=[requires("employer")])
    def my_gigs(
        self, request: Request[Any, Any, Any], container: Container, status: str | None = None
    ) -> dict[str, Any]:
        gigs = container.employer_gigs(principal_of(request).account_id)
        items = [gig_view(g) for g in gigs if status is None or g.status.value == status]
        return {"items": items, "next_cursor": None}

    @staticmethod
    def _visible(gig_id: str, request: Request[Any, Any, Any], container: Container) -> Gig:
        gig = container.marketplace.get_gig(parse_gig_id(gig_id))
        if not can_see(gig, actor_of(request)):
            raise GigNotFound(f"no gig {gig_id}", gig_id=gig_id)  # not 403: do not confirm it exists
        return gig
