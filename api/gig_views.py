"""How a gig from the detail read model is shaped for the API."""

from __future__ import annotations

from typing import Any

STAFF = frozenset({"admin", "auditor", "finance"})


def detail_view(gig: dict[str, Any]) -> dict[str, Any]:
    view = {k: v for k, v in gig.items() if k not in ("money", "settlement", "fee")}
    view["platform_fee"] = gig["fee"]
    view["escrow"] = {**gig["money"], "settlement": gig["settlement"]}
    return view
