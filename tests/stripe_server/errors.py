"""Stripe-shaped error responses: `{"error": {"type", "code", "message", "param"}}` and a status."""

from __future__ import annotations

from typing import Any


class StripeApiError(Exception):
    def __init__(
        self,
        status: int,
        error_type: str,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {
            "error": {
                "type": error_type,
                "message": message,
                **({"code": code} if code else {}),
                **({"param": param} if param else {}),
                **(extra or {}),
            }
        }


def invalid(message: str, *, param: str | None = None, code: str | None = None) -> StripeApiError:
    return StripeApiError(400, "invalid_request_error", message, param=param, code=code)


def missing(param: str) -> StripeApiError:
    return invalid(f"Missing required param: {param}.", param=param, code="parameter_missing")


def card_declined(extra: dict[str, Any] | None = None) -> StripeApiError:
    return StripeApiError(
        402,
        "card_error",
        "Your card was declined.",
        code="card_declined",
        extra={"decline_code": "generic_decline", **(extra or {})},
    )


def account_closed(account: str) -> StripeApiError:
    return invalid(
        f"The destination account {account} is closed.", param="destination", code="account_closed"
    )
