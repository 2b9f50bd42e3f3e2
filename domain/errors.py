"""Domain errors with stable codes. The API maps each code to a problem detail."""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    """Base of every refusal the domain makes; `code` is stable and part of the API contract."""

    code: ClassVar[str] = "domain.error"

    def __init__(self, detail: str, **data: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.data = data


class ValidationFailed(DomainError):
    code = "validation.failed"

    def __init__(self, detail: str, *, field: str, **data: Any) -> None:
        super().__init__(detail, field=field, **data)
        self.field = field


class CurrencyMismatch(DomainError):
    code = "money.currency_mismatch"


class NotPermitted(DomainError):
    """The actor may not do this (wrong role, or not their gig)."""

    code = "auth.forbidden"


class Conflict(DomainError):
    """The state of the world does not allow the command."""

    code = "conflict"
