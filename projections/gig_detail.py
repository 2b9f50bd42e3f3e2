"""The gig as its employer, its student and everyone else see it: one row per gig plus a
timeline of entries (check-ins, submissions, reviews, disputes, money moved, ratings).

The row carries the aggregate's version, so the API can answer with an ETag from the read model.
"""

from __future__ import annotations

from typing import Any

from domain.brief import Brief
from domain.gig import Gig
from projections.columns import iso, iso_or_none, pay_columns, settlement_json, to_json
from projections.database import Connection
from projections.read_model import BufferedReadModel, Dialect, NewRows, Rows, handles, iso_at, text_id

_DUE = (
    "funding_expires_at TEXT, claim_expires_at TEXT, review_due_at TEXT, dispute_due_at TEXT,"
    " ratings_due_at TEXT"
)
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS gig_details (gig_id TEXT PRIMARY KEY, employer_id TEXT NOT NULL,"
    " claimant_id TEXT, status TEXT NOT NULL, version BIGINT NOT NULL, brief TEXT NOT NULL,"
    " pay_amount BIGINT, currency TEXT, fee_amount BIGINT, charged_amount BIGINT, payment_ref TEXT,"
    " paid_to_student BIGINT NOT NULL, refunded BIGINT NOT NULL, settlement TEXT,"
    " revisions_used INTEGER NOT NULL, ratings_revealed INTEGER NOT NULL, cancel_reason TEXT,"
    f" created_at TEXT NOT NULL, updated_at TEXT NOT NULL, claimed_at TEXT, {_DUE})",
    "CREATE TABLE IF NOT EXISTS gig_detail_entries (gig_id TEXT NOT NULL, version BIGINT NOT NULL,"
    " kind TEXT NOT NULL, at TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (gig_id, version))",
)


def brief_json(brief: Brief) -> str:
    supervisor = brief.supervisor
    return to_json(
        {
            "title": brief.title,
            "summary": brief.summary,
            "deliverables": list(brief.deliverables),
            "acceptance_criteria": list(brief.acceptance_criteria),
            "skills": list(brief.skills),
            "estimated_hours": brief.estimated_hours,
            "deadline": iso_or_none(brief.deadline),
            "revision_rounds": brief.revision_rounds,
            "supervisor": None
            if supervisor is None
            else {"name": supervisor.name, "email": supervisor.email},
            "check_in_cadence": brief.check_in_cadence,
            "communication_channels": list(brief.communication_channels),
            "jurisdiction": brief.jurisdiction,
        }
    )


_GIG_COLUMNS = (
    "gig_id", "employer_id", "claimant_id", "status", "version", "brief", "pay_amount", "currency",
    "fee_amount", "charged_amount", "payment_ref", "paid_to_student", "refunded", "settlement",
    "revisions_used", "ratings_revealed", "cancel_reason", "created_at", "updated_at", "claimed_at",
    "funding_expires_at", "claim_expires_at", "review_due_at", "dispute_due_at", "ratings_due_at",
)  # fmt: skip
_ENTRY_COLUMNS = ("gig_id", "version", "kind", "at", "data")


class GigDetail(BufferedReadModel):
    """Each page folds every gig's events into its row in memory (`Rows`) and writes each changed
    row once at the end of the page, with the page's timeline entries, in two statements."""

    name = "gig_detail"
    writes_behind = True
    tables = ("gig_detail_entries", "gig_details")

    def __init__(self, dialect: Dialect) -> None:
        super().__init__(dialect)
        self.gigs = Rows(dialect, "gig_details", ("gig_id",), _GIG_COLUMNS)
        self.entries = NewRows("gig_detail_entries", _ENTRY_COLUMNS)

    def schema(self) -> list[str]:
        return list(SCHEMA)

    def buffers(self) -> list[Rows]:
        return [self.gigs]

    def additions(self) -> list[NewRows]:
        return [self.entries]

    # ---- helpers ---------------------------------------------------------------------------

    def _update(self, conn: Connection, event: Any, **values: Any) -> dict[str, Any] | None:
        return self.gigs.update(
            conn,
            text_id(event.originator_id),
            version=event.originator_version,
            updated_at=iso_at(event.timestamp),
            **values,
        )

    def _entry(self, conn: Connection, event: Any, kind: str, **data: Any) -> None:
        self.entries.add(
            {
                "gig_id": text_id(event.originator_id),
                "version": event.originator_version,
                "kind": kind,
                "at": iso_at(event.timestamp),
                "data": to_json(data),
            }
        )

    # ---- drafting and funding --------------------------------------------------------------

    @handles(Gig.DraftCreated)
    def on_draft_created(self, conn: Connection, event: Gig.DraftCreated) -> None:
        at = iso_at(event.timestamp)
        row: dict[str, Any] = dict.fromkeys(_GIG_COLUMNS)
        row.update(
            gig_id=text_id(event.originator_id),
            employer_id=text_id(event.employer_id),
            status="draft",
            version=event.originator_version,
            brief=brief_json(event.brief),
            **pay_columns(event.brief),
            paid_to_student=0,
            refunded=0,
            revisions_used=0,
            ratings_revealed=0,
            created_at=at,
            updated_at=at,
        )
        self.gigs.put(row)

    @handles(Gig.DraftEdited)
    def on_draft_edited(self, conn: Connection, event: Gig.DraftEdited) -> None:
        self._update(conn, event, brief=brief_json(event.brief), **pay_columns(event.brief))

    @handles(Gig.Published)
    def on_published(self, conn: Connection, event: Gig.Published) -> None:
        self._update(
            conn,
            event,
            status="awaiting_funding",
            pay_amount=event.pay.amount,
            currency=event.pay.currency,
            fee_amount=event.fee.amount,
            funding_expires_at=iso(event.funding_expires_at),
        )

    @handles(Gig.FundingRecorded)
    def on_funded(self, conn: Connection, event: Gig.FundingRecorded) -> None:
        self._update(
            conn,
            event,
            status="posted",
            charged_amount=event.amount.amount,
            payment_ref=event.payment_ref,
            funding_expires_at=None,
        )

    @handles(Gig.FundingExpired)
    def on_funding_expired(self, conn: Connection, event: Gig.FundingExpired) -> None:
        self._update(conn, event, status="draft", funding_expires_at=None)

    # ---- claiming and working --------------------------------------------------------------

    @handles(Gig.Claimed)
    def on_claimed(self, conn: Connection, event: Gig.Claimed) -> None:
        self._update(
            conn,
            event,
            status="claimed",
            claimant_id=text_id(event.student_id),
            claimed_at=iso_at(event.timestamp),
            claim_expires_at=iso(event.claim_expires_at),
        )

    @handles(Gig.ClaimReleased)
    def on_claim_released(self, conn: Connection, event: Gig.ClaimReleased) -> None:
        self._update(
            conn,
            event,
            status="posted",
            claimant_id=None,
            claimed_at=None,
            claim_expires_at=None,
            revisions_used=0,
        )
        how = {Gig.ClaimDeclined: "declined", Gig.Withdrawn: "withdrawn"}.get(type(event), "expired")
        self._entry(
            conn,
            event,
            "claim_released",
            student_id=text_id(event.student_id),
            how=how,
            reason=getattr(event, "reason", ""),
        )

    @handles(Gig.CheckedIn)
    def on_checked_in(self, conn: Connection, event: Gig.CheckedIn) -> None:
        self._update(conn, event, claim_expires_at=iso(event.claim_expires_at))
        self._entry(conn, event, "check_in", note=event.note)

    @handles(Gig.Submitted)
    def on_submitted(self, conn: Connection, event: Gig.Submitted) -> None:
        self._update(
            conn, event, status="submitted", claim_expires_at=None, review_due_at=iso(event.review_due_at)
        )
        self._entry(conn, event, "submission", url=event.url, notes=event.notes)

    # ---- review, disputes and settlement ---------------------------------------------------

    @handles(Gig.ChangesRequested)
    def on_changes_requested(self, conn: Connection, event: Gig.ChangesRequested) -> None:
        self._update(
            conn,
            event,
            status="claimed",
            revisions_used=event.round,
            review_due_at=None,
            claim_expires_at=iso(event.claim_expires_at),
        )
        self._entry(
            conn, event, "review", decision="request_changes", feedback=event.feedback, round=event.round
        )

    @handles(Gig.Rejected)
    def on_rejected(self, conn: Connection, event: Gig.Rejected) -> None:
        self._update(
            conn, event, status="rejected", review_due_at=None, dispute_due_at=iso(event.dispute_due_at)
        )
        self._entry(conn, event, "review", decision="reject", feedback=event.feedback)

    @handles(Gig.Disputed)
    def on_disputed(self, conn: Connection, event: Gig.Disputed) -> None:
        self._update(conn, event, status="disputed", dispute_due_at=None)
        self._entry(conn, event, "dispute", reason=event.reason)

    def _settle(self, conn: Connection, event: Gig.Settled, status: str, **values: Any) -> None:
        self._update(
            conn,
            event,
            status=status,
            settlement=settlement_json(event.settlement),
            review_due_at=None,
            dispute_due_at=None,
            funding_expires_at=None,
            claim_expires_at=None,
            **values,
        )

    @handles(Gig.Approved)
    def on_approved(self, conn: Connection, event: Gig.Approved) -> None:
        self._settle(conn, event, "approved")
        self._entry(conn, event, "review", decision="approve", feedback=event.feedback)

    @handles(Gig.AutoApproved)
    def on_auto_approved(self, conn: Connection, event: Gig.AutoApproved) -> None:
        self._settle(conn, event, "approved")
        self._entry(conn, event, "review", decision="auto_approve", feedback="")

    @handles(Gig.RejectionFinal)
    def on_rejection_final(self, conn: Connection, event: Gig.RejectionFinal) -> None:
        self._settle(conn, event, "closed")

    @handles(Gig.DisputeResolved)
    def on_dispute_resolved(self, conn: Connection, event: Gig.DisputeResolved) -> None:
        self._settle(conn, event, "approved" if event.settlement.student.is_positive else "closed")
        self._entry(conn, event, "dispute_resolved", student_share_percent=event.student_share_percent)

    @handles(Gig.Cancelled)
    def on_cancelled(self, conn: Connection, event: Gig.Cancelled) -> None:
        self._settle(conn, event, "cancelled", cancel_reason=event.reason)

    @handles(Gig.DeadlineExpired)
    def on_deadline_expired(self, conn: Connection, event: Gig.DeadlineExpired) -> None:
        self._settle(conn, event, "expired")

    # ---- money moved and ratings -----------------------------------------------------------

    @handles(Gig.PayoutRecorded)
    def on_payout(self, conn: Connection, event: Gig.PayoutRecorded) -> None:
        row = self.gigs.get(conn, text_id(event.originator_id))
        if row is not None:
            approved = row["status"] == "approved"
            self._update(
                conn,
                event,
                paid_to_student=row["paid_to_student"] + event.amount.amount,
                ratings_due_at=iso(event.ratings_due_at) if approved else row["ratings_due_at"],
                status="paid" if approved else row["status"],
            )
        self._entry(conn, event, "payout", ref=event.transfer_ref, amount=event.amount.amount)

    @handles(Gig.FundingDeclined)
    def on_funding_declined(self, conn: Connection, event: Gig.FundingDeclined) -> None:
        self._update(conn, event)
        why = {"code": event.failure_code, "reason": event.reason}
        self._entry(conn, event, "funding_declined", ref=event.payment_ref, **why)

    @handles(Gig.PayoutFailed)
    def on_payout_failed(self, conn: Connection, event: Gig.PayoutFailed) -> None:
        self._update(conn, event)
        self._entry(conn, event, "payout_failure", reason=event.reason, code=event.failure_code)

    @handles(Gig.RefundRecorded)
    def on_refund(self, conn: Connection, event: Gig.RefundRecorded) -> None:
        row = self.gigs.get(conn, text_id(event.originator_id))
        if row is not None:
            self._update(conn, event, refunded=row["refunded"] + event.amount.amount)
        self._entry(conn, event, "refund", ref=event.refund_ref, amount=event.amount.amount)

    @handles(Gig.Rated)
    def on_rated(self, conn: Connection, event: Gig.Rated) -> None:
        self._update(conn, event)
        self._entry(conn, event, "rating", side=event.side, stars=event.stars, comment=event.comment)

    @handles(Gig.RatingsRevealed)
    def on_ratings_revealed(self, conn: Connection, event: Gig.RatingsRevealed) -> None:
        self._update(conn, event, ratings_revealed=1, ratings_due_at=None)
