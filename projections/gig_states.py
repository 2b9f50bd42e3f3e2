"""The status a gig is in after each event, as the read models see it (mirrors `Gig`'s applies).

`PayoutRecorded` is missing on purpose: it turns an approved gig into a paid one but leaves any
other status alone, so each model writes that as a conditional update.
"""

from __future__ import annotations

from typing import Any

from domain.gig import Gig

STATUS_AFTER: dict[type, str] = {
    Gig.DraftCreated: "draft",
    Gig.Published: "awaiting_funding",
    Gig.FundingRecorded: "posted",
    Gig.FundingExpired: "draft",
    Gig.Claimed: "claimed",
    Gig.ClaimDeclined: "posted",
    Gig.Withdrawn: "posted",
    Gig.ClaimExpired: "posted",
    Gig.Submitted: "submitted",
    Gig.ChangesRequested: "claimed",
    Gig.Approved: "approved",
    Gig.AutoApproved: "approved",
    Gig.Rejected: "rejected",
    Gig.Disputed: "disputed",
    Gig.RejectionFinal: "closed",
    Gig.Cancelled: "cancelled",
    Gig.DeadlineExpired: "expired",
}
SETTLED = (
    Gig.Approved,
    Gig.AutoApproved,
    Gig.RejectionFinal,
    Gig.DisputeResolved,
    Gig.Cancelled,
    Gig.DeadlineExpired,
)
RELEASED_HOW: dict[type, str] = {
    Gig.ClaimDeclined: "declined",
    Gig.Withdrawn: "withdrawn",
    Gig.ClaimExpired: "expired",
}


def status_after(event: Any) -> str:
    if isinstance(event, Gig.DisputeResolved):
        return "approved" if event.settlement.student.is_positive else "closed"
    return STATUS_AFTER[type(event)]
