"""Stripe list objects: newest first, `limit` and `starting_after` paging, `created[...]` ranges,
and equality filters on fields such as `transfer_group` or `payment_intent`."""

from __future__ import annotations

from typing import Any

from tests.stripe_server.errors import invalid
from tests.stripe_server.store import Obj, Store

_RANGE = {
    "gt": lambda v, b: v > b,
    "gte": lambda v, b: v >= b,
    "lt": lambda v, b: v < b,
    "lte": lambda v, b: v <= b,
}


def page(store: Store, kind: str, url: str, params: dict[str, Any], filters: tuple[str, ...] = ()) -> Obj:
    limit = _limit(params.get("limit", "10"))
    rows = [
        o for o in store.all(kind) if _created_in(o, params.get("created")) and _matches(o, params, filters)
    ]
    after = params.get("starting_after")
    if after:
        ids = [o["id"] for o in rows]
        if after not in ids:
            raise invalid(f"No such object: '{after}'", param="starting_after", code="resource_missing")
        rows = rows[ids.index(after) + 1 :]
    return {"object": "list", "url": url, "has_more": len(rows) > limit, "data": rows[:limit]}


def _limit(raw: Any) -> int:
    limit = int(raw)
    if not 1 <= limit <= 100:
        raise invalid("limit must be between 1 and 100", param="limit")
    return limit


def _created_in(obj: Obj, created: Any) -> bool:
    if created is None:
        return True
    if not isinstance(created, dict):
        return bool(obj["created"] == int(created))
    return all(_RANGE[op](obj["created"], int(bound)) for op, bound in created.items())


def _matches(obj: Obj, params: dict[str, Any], filters: tuple[str, ...]) -> bool:
    return all(obj.get(name) == params[name] for name in filters if name in params)
