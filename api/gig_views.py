"""How a gig from the detail read model is shaped for the API."""

from __future__ import annotations

from typing import Any

from domain.gig import Gig
from domain.money import Money

STAFF = frozenset({"admin", "auditor", "finance"})


def detail_view(gig: dict[str, Any]) -> dict[str, Any]:
    view = {k: v for k, v in gig.items() if k not in ("money", "settlement", "fee")}
    view["platform_fee"] = gig["fee"]
    view["escrow"] = {**gig["money"], "settlement": gig["settlement"]}
    return view


def _money(m: Money | None) -> dict[str, Any] | None:
    return None if m is None else {"amount": m.amount, "currency": m.currency}


def aggregate_view(gig: Gig) -> dict[str, Any]:
    """A gig rebuilt from its events (as of some past moment), in the detail view's terms: what
    was paid out or refunded is zero, not absent, until money moves, as the detail view shows it."""
    brief = gig.brief
    settlement = gig.settlement
    nothing = Money(0, brief.pay.currency) if brief.pay else None
    return {
        "id": str(gig.id),
        "version": gig.version,
        "status": gig.status.value,
        "employer_id": str(gig.employer_id),
        "claimant_id": str(gig.claimant_id) if gig.claimant_id else None,
        "title": brief.title,
        "pay": _money(brief.pay),
        "platform_fee": _money(gig.fee),
        "deadline": brief.deadline,
        "revisions_used": gig.revisions_used,
        "updated_at": gig.modified_on,
        "escrow": {
            "charged": _money(gig.charged),
            "held": _money(gig.held),
            "paid_to_student": _money(gig.paid_to_student or nothing),
            "refunded": _money(gig.refunded or nothing),
            "settlement": None
            if settlement is None
            else {
                "student": settlement.student.amount,
                "employer": settlement.employer.amount,
                "platform": settlement.platform.amount,
                "currency": settlement.student.currency,
            },
        },
    }
