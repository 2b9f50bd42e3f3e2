"""The gig resource: the board, one gig, its fairness report, editing a draft, an employer's own
gigs. Reads come from the read models; an aggregate is loaded only to decide a command."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, patch, post
from litestar.params import Parameter

from api.auth import principal_of, requires
from api.bootstrap import Container
from api.gig_views import STAFF, detail_view
from api.http import actor_of, command_response, expected_version, parse_gig_id, wait_for_own_writes
from api.schemas import CommandResult, GigCreate, GigUpdate
from domain.marketplace import GigNotFound
from projections.board_page import BoardPage, board_view
from projections.employer_dashboard import employer_dashboard, employer_gigs
from projections.fairness_report import gig_fairness
from projections.gig_view import gig_detail
from projections.student_portfolio import student_portfolio

Limit = Annotated[int | None, Parameter(ge=1, le=500)]


class GigController(Controller):
    tags = ["gigs"]

    @get("/gigs", operation_id="listBoard", sync_to_thread=True)
    def board(
        self,
        request: Request[Any, Any, Any],
        container: Container,
        q: str | None = None,
        skill: str | None = None,
        min_pay: int | None = None,
        max_pay: int | None = None,
        max_hours: int | None = None,
        currency: str | None = None,
        sort: str = "newest",
        limit: Limit = None,
        cursor: str | None = None,
    ) -> Response[BoardPage]:
        stale = wait_for_own_writes(request, container)
        page = board_view(
            container.db,
            q=q,
            skill=skill,
            min_pay=min_pay,
            max_pay=max_pay,
            max_hours=max_hours,
            currency=currency,
            sort=sort,
            limit=limit,
            cursor=cursor,
        )
        return Response(page, headers=stale)

    @post("/gigs", operation_id="createGig", sync_to_thread=True, guards=[requires("employer")])
    def create(
        self, data: GigCreate, request: Request[Any, Any, Any], container: Container
    ) -> Response[CommandResult]:
        brief = data.to_brief()
        receipt = container.marketplace.create_gig(actor_of(request), brief)
        return command_response(
            request, container, receipt, status_code=201, fairness=container.fairness.report(brief)
        )

    @get("/gigs/{gig_id:str}", operation_id="getGig", sync_to_thread=True)
    def get_gig(
        self, gig_id: str, request: Request[Any, Any, Any], container: Container
    ) -> Response[dict[str, Any]]:
        stale = wait_for_own_writes(request, container)
        gig = self._visible(gig_id, request, container)
        return Response(detail_view(gig), headers={"ETag": f'"{gig["version"]}"', **stale})

    @patch("/gigs/{gig_id:str}", operation_id="editGig", sync_to_thread=True, guards=[requires("employer")])
    def edit(
        self, gig_id: str, data: GigUpdate, request: Request[Any, Any, Any], container: Container
    ) -> Response[CommandResult]:
        gid = parse_gig_id(gig_id)
        brief = data.apply_to(container.marketplace.get_gig(gid).brief)
        receipt = container.marketplace.edit_gig(actor_of(request), gid, brief, expected_version(request))
        return command_response(request, container, receipt, fairness=container.fairness.report(brief))

    @get("/gigs/{gig_id:str}/fairness", operation_id="getGigFairness", sync_to_thread=True)
    def fairness(self, gig_id: str, request: Request[Any, Any, Any], container: Container) -> dict[str, Any]:
        wait_for_own_writes(request, container)
        gig = self._visible(gig_id, request, container)
        now, policy = container.clock(), container.fairness.policy
        return gig_fairness(container.db, gig["id"], now=now, policy=policy) or {
            "flags": [],
            "blocking": False,
        }

    @get("/employers/me/gigs", operation_id="listMyGigs", sync_to_thread=True, guards=[requires("employer")])
    def my_gigs(
        self,
        request: Request[Any, Any, Any],
        container: Container,
        status: str | None = None,
        limit: Limit = None,
        cursor: str | None = None,
    ) -> Response[dict[str, Any]]:
        stale = wait_for_own_writes(request, container)
        me = str(principal_of(request).account_id)
        items, next_cursor = employer_gigs(container.db, me, status, limit=limit, cursor=cursor)
        body = {
            "items": items,
            "next_cursor": next_cursor,
            "dashboard": employer_dashboard(container.db, me),
        }
        return Response(body, headers=stale)

    @get(
        "/students/me/portfolio",
        operation_id="getMyPortfolio",
        sync_to_thread=True,
        guards=[requires("student")],
    )
    def portfolio(self, request: Request[Any, Any, Any], container: Container) -> Response[dict[str, Any]]:
        stale = wait_for_own_writes(request, container)
        return Response(student_portfolio(container.db, str(principal_of(request).account_id)), headers=stale)

    @staticmethod
    def _visible(gig_id: str, request: Request[Any, Any, Any], container: Container) -> dict[str, Any]:
        gig = gig_detail(container.db, str(parse_gig_id(gig_id)))
        actor = actor_of(request)
        parties = (gig["employer_id"], gig["claimant_id"]) if gig else ()
        mine = actor.user_id is not None and str(actor.user_id) in parties
        if gig is None or not (gig["status"] == "posted" or actor.roles & STAFF or mine):
            raise GigNotFound(f"no gig {gig_id}", gig_id=gig_id)  # not 403: do not confirm it exists
        return gig
