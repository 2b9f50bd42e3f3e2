"""How a gig looks to the people allowed to see it (read from the aggregate until the detail
read model serves it)."""

from __future__ import annotations

from typing import Any

from domain.actors import Actor
from domain.gig import Gig, Status
from domain.money import Money

STAFF = frozenset({"admin", "auditor", "finance"})


def can_see(gig: Gig, actor: Actor) -> bool:
    if gig.status is Status.POSTED or actor.roles & STAFF:
        return True
    return actor.user_id is not None and actor.user_id in (gig.employer_id, gig.claimant_id)


def money(m: Money | None) -> dict[str, Any] | None:
    return None if m is None else {"amount": m.amount, "currency": m.currency}


def gig_view(gig: Gig) -> dict[str, Any]:
    brief = gig.brief
    return {
        "id": str(gig.id),
        "version": gig.version,
        "status": gig.status.value,
        "employer_id": str(gig.employer_id),
        "claimant_id": str(gig.claimant_id) if gig.claimant_id else None,
        "title": brief.title,
        "summary": brief.summary,
        "deliverables": list(brief.deliverables),
        "acceptance_criteria": list(brief.acceptance_criteria),
        "skills": list(brief.skills),
        "estimated_hours": brief.estimated_hours,
        "pay": money(brief.pay),
        "platform_fee": money(gig.fee),
        "deadline": brief.deadline,
        "revision_rounds": brief.revision_rounds,
        "revisions_used": gig.revisions_used,
        "supervisor": {"name": brief.supervisor.name, "email": brief.supervisor.email}
        if brief.supervisor
        else None,
        "check_in_cadence": brief.check_in_cadence,
        "communication_channels": list(brief.communication_channels),
        "jurisdiction": brief.jurisdiction,
        "created_at": gig.created_on,
        "updated_at": gig.modified_on,
        "due": gig.due_timers(),
        "check_ins": gig.check_ins,
        "submissions": gig.submissions,
        "reviews": gig.reviews,
        "ratings": gig.visible_ratings,
        "escrow": {
            "charged": money(gig.charged),
            "held": money(gig.held),
            "paid_to_student": money(gig.paid_to_student),
            "refunded": money(gig.refunded),
            "settlement": None
            if gig.settlement is None
            else {
                "student": money(gig.settlement.student),
                "employer": money(gig.settlement.employer),
                "platform": money(gig.settlement.platform),
            },
            "payout_failures": gig.payout_failures,
        },
    }
