"""Small HTTP helpers shared by the route modules: If-Match in, ETag and positions out."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, Response
from litestar.exceptions import HTTPException

from api.auth import principal_of
from api.bootstrap import Container
from api.schemas import CommandResult, FundingOut
from domain.actors import Actor
from domain.marketplace import GigNotFound, Receipt

POSITION_HEADER = "Fairgig-Position"


def actor_of(request: Request[Any, Any, Any]) -> Actor:
    return principal_of(request).actor


def expected_version(request: Request[Any, Any, Any]) -> int | None:
    raw = request.headers.get("if-match")
    if raw is None or raw.strip() == "*":
        return None
    try:
        return int(raw.strip().removeprefix("W/").strip('"'))
    except ValueError:
        raise HTTPException(status_code=400, detail='If-Match must be a gig ETag such as "7"') from None


def parse_gig_id(gig_id: str) -> UUID:
    try:
        return UUID(gig_id)
    except ValueError:
        raise GigNotFound(f"no gig {gig_id}", gig_id=gig_id) from None


def command_response(
    container: Container, receipt: Receipt, *, status_code: int = 200, **extra: Any
) -> Response[CommandResult]:
    gig = container.marketplace.get_gig(receipt.gig_id)
    result = CommandResult(
        id=receipt.gig_id, status=gig.status.value, version=gig.version, position=receipt.position, **extra
    )
    headers = {"ETag": f'"{gig.version}"'}
    if receipt.position is not None:
        headers[POSITION_HEADER] = str(receipt.position)
    return Response(result, status_code=status_code, headers=headers)


def funding_out(funding: Any) -> FundingOut | None:
    if funding is None:
        return None
    return FundingOut(funding.reference, funding.client_secret, funding.status)
