"""Cursor pagination per API.md: `limit` (default 50, max 500) and an opaque `next_cursor`.

A cursor is the sort key and id of the last item served, so a page never repeats or skips a row
when rows before it come and go (keyset pagination)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import msgspec

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class InvalidQuery(ValueError):
    """A query parameter the read model cannot honour; `field` names it for a 400/422."""

    def __init__(self, detail: str, *, field: str) -> None:
        super().__init__(detail)
        self.field = field


def checked_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidQuery(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    return limit


def encode_cursor(*parts: Any) -> str:
    raw = msgspec.json.encode(parts)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int, types: tuple[type, ...] = ()) -> list[Any]:
    """The parts of a cursor from `encode_cursor`; `types`, when given, the type of each part."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        parts = msgspec.json.decode(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, msgspec.DecodeError):
        raise InvalidQuery("the cursor is not one this server issued", field="cursor") from None
    if not isinstance(parts, list) or len(parts) != arity:
        raise InvalidQuery("the cursor is not one this server issued", field="cursor")
    # JSON's true and false are ints to Python, never a number this server put in a cursor.
    if types and not all(
        isinstance(part, kind) and (kind is object or not isinstance(part, bool))
        for part, kind in zip(parts, types, strict=True)
    ):
        raise InvalidQuery("the cursor is not one this server issued", field="cursor")
    return parts
