"""Small HTTP helpers shared by the route modules: If-Match in, ETag and positions out."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, Response
from litestar.exceptions import HTTPException

from api.auth import Principal, principal_of
from api.bootstrap import Container
from api.consistency import STALE_HEADER, position_to_wait_for
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
    request: Request[Any, Any, Any],
    container: Container,
    receipt: Receipt,
    *,
    status_code: int = 200,
    settled: bool = False,
    **extra: Any,
) -> Response[CommandResult]:
    """The gig as the command left it, with the log position the caller's next read will wait
    for. After a decision that released money (`settled`), the gig as paying or refunding moved
    it on (see `_settled_gig`)."""
    status, version, position = receipt.status, receipt.version, receipt.position
    if settled:
        status, version = _settled_gig(container, receipt)
        if version > receipt.version:
            position = container.log_head()
    container.writes.remember(principal_of(request).account_id, position)
    container.projections.nudge()
    result = CommandResult(id=receipt.gig_id, status=status, version=version, position=position, **extra)
    headers = {"ETag": f'"{version}"'}
    if position is not None:
        headers[POSITION_HEADER] = str(position)
    return Response(result, status_code=status_code, headers=headers)


def _settled_gig(container: Container, receipt: Receipt) -> tuple[str, int]:
    """(status, version) of the gig once the money moved. The settlement read the gig from the
    store and saved what it recorded through this Marketplace, both of which leave the gig in its
    cache, so the cached gig is as fresh as a read would be unless another process wrote in the
    meantime, a race a read here could lose as well; the store is read only when the cache is
    off or has dropped the gig."""
    cache = container.marketplace.gig_cache
    gig = cache.checkout(receipt.gig_id) if cache is not None else None
    if gig is None or gig.version < receipt.version:
        gig = container.marketplace.get_gig(receipt.gig_id)
    return gig.status.value, gig.version


def wait_for_own_writes(request: Request[Any, Any, Any], container: Container) -> dict[str, str]:
    """Block until the read models include what the caller wrote; headers to add if they do not."""
    user = request.scope.get("user")
    principal = user.account_id if isinstance(user, Principal) else None
    position = position_to_wait_for(request, container.writes, principal)
    if position and not container.wait_for(position):
        return {STALE_HEADER: "true"}
    return {}


def funding_out(funding: Any) -> FundingOut | None:
    if funding is None:
        return None
    return FundingOut(funding.reference, funding.client_secret, funding.status)
