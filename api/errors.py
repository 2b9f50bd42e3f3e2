"""The one place that turns errors into RFC 9457 problem details with a stable `code`."""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException

from api.params import QUERY_NAMES
from domain.accounts_app import AccountNotFound
from domain.errors import Conflict, CurrencyMismatch, DomainError, NotPermitted, ValidationFailed
from domain.gig_errors import PublishBlocked
from domain.marketplace import GigNotFound, VersionMismatch
from projections.paging import InvalidQuery

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"

# Most specific first: the first class an error is an instance of decides its status.
_DOMAIN_STATUS: list[tuple[type[DomainError], int]] = [
    (VersionMismatch, 412),
    (GigNotFound, 404),
    (AccountNotFound, 404),
    (PublishBlocked, 422),
    (ValidationFailed, 422),
    (CurrencyMismatch, 422),
    (NotPermitted, 403),
    (Conflict, 409),
]

_HTTP_CODES = {
    400: "request.malformed",
    401: "auth.unauthenticated",
    403: "auth.forbidden",
    404: "not_found",
    405: "request.method_not_allowed",
    412: "request.precondition_failed",
    413: "request.too_large",
    415: "request.unsupported_media_type",
    422: "validation.failed",
    429: "request.rate_limited",
}

TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    409: "Conflict",
    412: "Precondition failed",
    413: "Payload too large",
    422: "Unprocessable content",
    500: "Internal server error",
    503: "Service unavailable",
}


def problem(status: int, code: str, detail: str, **extra: Any) -> Response[dict[str, Any]]:
    body = {
        "type": f"/problems/{code}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }
    return Response(body, status_code=status, media_type=PROBLEM_JSON)


def domain_error(_: Request[Any, Any, Any], exc: DomainError) -> Response[dict[str, Any]]:
    status = next((s for cls, s in _DOMAIN_STATUS if isinstance(exc, cls)), 400)
    return problem(status, exc.code, exc.detail, **exc.data)


_AT = re.compile(r" - at `\$\.?([^`]*)`")
_NAMED_FIELD = re.compile(r"(?:missing required field|unknown field) `([^`]+)`")


def field_of(message: str, key: str) -> str:
    """The body field a decoding error is about, as a dotted path (`pay.amount`)."""
    path = m.group(1) if (m := _AT.search(message)) else ""
    if named := _NAMED_FIELD.search(message):
        path = f"{path}.{named.group(1)}" if path else named.group(1)
    return path.replace("[", ".").replace("]", "") or key


def validation_error(_: Request[Any, Any, Any], exc: ValidationException) -> Response[dict[str, Any]]:
    errors = exc.extra if isinstance(exc.extra, list) else []
    keys = [(str(e.get("message", "")), str(e.get("key", ""))) for e in errors if isinstance(e, dict)]
    fields = [field_of(message, QUERY_NAMES.get(key, key)) for message, key in keys]
    detail = "; ".join(str(e.get("message", "")) for e in errors if isinstance(e, dict)) or str(exc.detail)
    return problem(400, "validation.failed", detail, field=fields[0] if fields else None, errors=errors)


def invalid_query(_: Request[Any, Any, Any], exc: InvalidQuery) -> Response[dict[str, Any]]:
    return problem(400, "validation.failed", str(exc), field=exc.field)


def http_error(_: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    status = exc.status_code
    response = problem(status, _HTTP_CODES.get(status, f"http.{status}"), str(exc.detail))
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(500, "server.error", "something went wrong on our side; it has been logged")


EXCEPTION_HANDLERS: dict[Any, Any] = {
    DomainError: domain_error,
    ValidationException: validation_error,
    InvalidQuery: invalid_query,
    HTTPException: http_error,
    Exception: unexpected_error,
}

__all__ = ["EXCEPTION_HANDLERS", "PROBLEM_JSON", "MediaType", "problem"]
