"""Behaviour rules read from the log, as an incremental fold a projection can drive event by event.

`observe` takes the Gig aggregate's own domain events in log order. State is kept only while a
rule can still need it: a gig's brief until the gig ends, an approval until it is paid, and per
employer only the events inside each rule's time window.

`observe_fact` takes the same events reduced to a `Fact`: only what the rules read, with the brief
already turned into its fingerprint, so a projection can store the relevant part of the log in a
few columns and fold it again whenever it is asked. Both paths run the same handlers.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple
from uuid import UUID

from domain.brief import Brief
from domain.fairness import rules as R
from domain.fairness.employer_score import EmployerScore, score_employer
from domain.fairness.flag import Flag
from domain.fairness.policy import FairnessPolicy
from domain.fairness.similarity import fingerprint, jaccard
from domain.gig import Gig

EventId = Callable[[Any], str]


def version_event_id(event: Any) -> str:
    """`<gig id>:<version>`: unique in the log and stable across rebuilds of a projection."""
    return f"{event.originator_id}:{event.originator_version}"


class Fact(NamedTuple):
    """One event of the Gig log as the behaviour rules see it.

    A tuple rather than a frozen dataclass: a report folds hundreds of thousands of them, and a
    tuple is several times cheaper to build.

    Attribute names are the events' own, so the fold's handlers read a fact as they read an event.
    Which fields are set depends on `kind` (see `FACT_KINDS`): `employer_id` on "created";
    `revision_rounds` and `fingerprint` on "created" and "edited"; `student_id` on "claimed", the
    released claims and "cancelled" (None when nobody had claimed the gig); `round` on
    "changes_requested"; `student_paid` on "dispute_resolved"."""

    kind: str
    originator_id: UUID
    originator_version: int
    timestamp: datetime
    employer_id: UUID | None = None
    student_id: UUID | None = None
    revision_rounds: int = 0
    fingerprint: frozenset[str] = frozenset()
    round: int = 0
    student_paid: bool = False

    @classmethod
    def of(cls, event: Any, prints: frozenset[str] | None = None) -> Fact | None:
        """The fact an event stands for, or None when no behaviour rule reads that event.
        `prints`: the brief's fingerprint, when the caller has it already."""
        kind = FACT_KINDS.get(type(event))
        if kind is None:
            return None
        fields: dict[str, Any] = {}
        if isinstance(event, (Gig.DraftCreated, Gig.DraftEdited)):
            if prints is None:
                prints = fingerprint(event.brief)
            fields = {"revision_rounds": event.brief.revision_rounds, "fingerprint": prints}
            if isinstance(event, Gig.DraftCreated):
                fields["employer_id"] = event.employer_id
        elif isinstance(event, (Gig.Claimed, Gig.ClaimReleased, Gig.Cancelled)):
            fields = {"student_id": event.student_id}
        elif isinstance(event, Gig.ChangesRequested):
            fields = {"round": event.round}
        elif isinstance(event, Gig.DisputeResolved):
            fields = {"student_paid": event.settlement.student.is_positive}
        return cls(kind, event.originator_id, event.originator_version, event.timestamp, **fields)


FACT_KINDS: dict[type, str] = {
    Gig.DraftCreated: "created",
    Gig.DraftEdited: "edited",
    Gig.Published: "published",
    Gig.Claimed: "claimed",
    Gig.ClaimDeclined: "declined",
    Gig.Withdrawn: "withdrawn",
    Gig.ClaimExpired: "claim_expired",
    Gig.ChangesRequested: "changes_requested",
    Gig.Approved: "approved",
    Gig.AutoApproved: "auto_approved",
    Gig.Rejected: "rejected",
    Gig.DisputeResolved: "dispute_resolved",
    Gig.RejectionFinal: "rejection_final",
    Gig.Cancelled: "cancelled",
    Gig.DeadlineExpired: "deadline_expired",
    Gig.PayoutRecorded: "paid",
}
"""Every event type a behaviour rule reads, with the name its facts carry."""


@dataclass(slots=True)
class _Gig:
    employer: UUID
    revision_rounds: int
    # The brief is fingerprinted only when a repost rule compares it, and then once.
    brief: Brief | None = None
    prints: frozenset[str] | None = None
    claimant: UUID | None = None
    # Per student, because a decline resets the aggregate's round counter but not the work done.
    change_requests: dict[UUID, list[str]] = field(default_factory=dict)

    def fingerprint(self) -> frozenset[str]:
        if self.prints is None:
            self.prints = frozenset() if self.brief is None else fingerprint(self.brief)
        return self.prints


@dataclass(frozen=True, slots=True)
class _Rejection:
    at: datetime
    gig_id: UUID
    event_id: str
    fingerprint: frozenset[str]


@dataclass(slots=True)
class _Employer:
    counts: Counter[str] = field(default_factory=Counter)
    claim_cancellations: deque[tuple[datetime, str]] = field(default_factory=deque)
    auto_approvals: deque[tuple[datetime, str]] = field(default_factory=deque)
    rejections: deque[_Rejection] = field(default_factory=deque)
    flags: dict[str, Flag] = field(default_factory=dict)


class BehaviourAudit:
    def __init__(self, policy: FairnessPolicy | None = None, event_id: EventId = version_event_id) -> None:
        self.policy = policy or FairnessPolicy()
        self._event_id = event_id
        self._gigs: dict[UUID, _Gig] = {}
        self._employers: dict[UUID, _Employer] = {}
        self._gig_flags: dict[UUID, dict[str, Flag]] = {}
        self._owner: dict[UUID, UUID] = {}
        self._unpaid_approvals: dict[UUID, tuple[datetime, str]] = {}
        self._handlers: dict[type, Callable[[Any, str | None], None]] = {
            Gig.DraftCreated: self._created,
            Gig.DraftEdited: self._edited,
            Gig.Published: self._published,
            Gig.Claimed: self._claimed,
            Gig.ClaimDeclined: self._declined,
            Gig.Withdrawn: self._released,
            Gig.ClaimExpired: self._released,
            Gig.ChangesRequested: self._changes_requested,
            Gig.Approved: self._approved,
            Gig.AutoApproved: self._auto_approved,
            Gig.Rejected: self._rejected,
            Gig.DisputeResolved: self._dispute_resolved,
            Gig.RejectionFinal: self._ended,
            Gig.Cancelled: self._cancelled,
            Gig.DeadlineExpired: self._ended,
            Gig.PayoutRecorded: self._paid,
        }
        by_kind = {FACT_KINDS[cls]: handler for cls, handler in self._handlers.items()}
        self._fact_handlers: dict[str, Callable[[Any, str | None], None]] = by_kind | {
            "created": self._created_fact,
            "edited": self._edited_fact,
            "dispute_resolved": self._dispute_fact,
        }

    # ---- feeding the fold ------------------------------------------------------------------

    def observe(self, event: object, event_id: str | None = None) -> None:
        handler = self._handlers.get(type(event))
        if handler is not None:
            handler(event, event_id)

    def observe_fact(self, fact: Fact, event_id: str | None = None) -> None:
        handler = self._fact_handlers.get(fact.kind)
        if handler is not None:
            handler(fact, event_id)

    def _id(self, event: Any, given: str | None) -> str:
        # Named only when a rule keeps it: formatting a UUID costs more than most handlers.
        return given if given is not None else self._event_id(event)

    def observe_all(self, events: Iterable[object]) -> None:
        for event in events:
            self.observe(event)

    # ---- reading it ------------------------------------------------------------------------

    @property
    def live_gigs(self) -> int:
        """How many gigs the fold still holds state for: those that have not ended yet."""
        return len(self._gigs)

    def flags(self, now: datetime) -> dict[UUID, list[Flag]]:
        out = {gig: list(flags.values()) for gig, flags in self._gig_flags.items()}
        for gig, flag in self._overdue(now):
            out.setdefault(gig, []).append(flag)
        return out

    def employer_flags(self, now: datetime) -> dict[UUID, list[Flag]]:
        return {e: list(s.flags.values()) for e, s in self._employers.items() if s.flags}

    def employer_scores(self, now: datetime) -> dict[UUID, EmployerScore]:
        by_employer: dict[UUID, list[Flag]] = {e: list(s.flags.values()) for e, s in self._employers.items()}
        for gig, flags in self.flags(now).items():
            by_employer[self._owner[gig]].extend(flags)
        overdue = Counter(self._owner[gig] for gig, _ in self._overdue(now))
        return {
            e: score_employer(e, state.counts, by_employer[e], overdue[e])
            for e, state in self._employers.items()
        }

    def _overdue(self, now: datetime) -> Iterable[tuple[UUID, Flag]]:
        window = self.policy.payout_window
        for gig, (approved_at, event_id) in self._unpaid_approvals.items():
            if now > approved_at + window:
                days = (now - approved_at).days
                yield gig, R.PAYOUT_OVERDUE.flag(
                    f"approved {days} days ago and still unpaid; the payout window is {window.days} days",
                    [event_id],
                    {"approved_at": approved_at.isoformat(), "days_unpaid": days, "window_days": window.days},
                )

    # ---- handlers, one per event type ------------------------------------------------------

    def _created(self, e: Gig.DraftCreated, eid: str | None) -> None:
        self._create(e.originator_id, _Gig(e.employer_id, e.brief.revision_rounds, brief=e.brief))

    def _created_fact(self, f: Fact, eid: str | None) -> None:
        if f.employer_id is not None:
            self._create(f.originator_id, _Gig(f.employer_id, f.revision_rounds, prints=f.fingerprint))

    def _create(self, gig_id: UUID, gig: _Gig) -> None:
        self._gigs[gig_id] = gig
        self._owner[gig_id] = gig.employer
        self._employer(gig.employer).counts["gigs"] += 1

    def _edited(self, e: Gig.DraftEdited, eid: str | None) -> None:
        if (gig := self._gigs.get(e.originator_id)) is not None:
            gig.brief, gig.prints, gig.revision_rounds = e.brief, None, e.brief.revision_rounds

    def _edited_fact(self, f: Fact, eid: str | None) -> None:
        if (gig := self._gigs.get(f.originator_id)) is not None:
            gig.brief, gig.prints, gig.revision_rounds = None, f.fingerprint, f.revision_rounds

    def _published(self, e: Gig.Published, eid: str | None) -> None:
        gig = self._gigs.get(e.originator_id)
        if gig is None:
            return
        employer = self._employer(gig.employer)
        employer.counts["published"] += 1
        _expire(employer.rejections, e.timestamp - self.policy.repost_window)
        if employer.rejections:
            self._check_repost(e, self._id(e, eid), gig, employer)

    def _check_repost(self, e: Gig.Published, eid: str, gig: _Gig, employer: _Employer) -> None:
        mine = gig.fingerprint()
        others = [r for r in employer.rejections if r.gig_id != e.originator_id]
        scored = [(jaccard(mine, r.fingerprint), r) for r in others]
        similarity, rejection = max(scored, key=lambda pair: pair[0], default=(0.0, None))
        if rejection is None or similarity < self.policy.repost_similarity:
            return
        days = (e.timestamp - rejection.at).days
        employer.counts["spec_reposts"] += 1
        self._flag_gig(e.originator_id, R.SPEC_WORK_REPOST.flag(
            f"reposted {days} days after rejecting gig {rejection.gig_id}, with {similarity:.0%} of the same "
            "wording",
            [rejection.event_id, eid],
            {"rejected_gig": str(rejection.gig_id), "similarity": round(similarity, 2), "days_after": days},
        ))

    def _claimed(self, e: Gig.Claimed, eid: str | None) -> None:
        if (gig := self._gigs.get(e.originator_id)) is not None:
            gig.claimant = e.student_id

    def _released(self, e: Gig.ClaimReleased, eid: str | None) -> None:
        if (gig := self._gigs.get(e.originator_id)) is not None:
            gig.claimant = None

    def _declined(self, e: Gig.ClaimDeclined, eid: str | None) -> None:
        self._released(e, eid)
        self._claim_cancelled(self._owner.get(e.originator_id), e.timestamp, self._id(e, eid))

    def _cancelled(self, e: Gig.Cancelled, eid: str | None) -> None:
        if e.student_id is not None:
            self._claim_cancelled(self._owner.get(e.originator_id), e.timestamp, self._id(e, eid))
        self._ended(e, eid)

    def _claim_cancelled(self, employer_id: UUID | None, at: datetime, eid: str) -> None:
        if employer_id is None:
            return
        employer = self._employer(employer_id)
        employer.counts["claim_cancellations"] += 1
        self._pattern(employer, employer.claim_cancellations, at, eid, R.REPEATED_CLAIM_CANCELLATIONS,
                      self.policy.claim_cancellations_threshold, "declined or cancelled claimed gigs")

    def _changes_requested(self, e: Gig.ChangesRequested, eid: str | None) -> None:
        gig = self._gigs.get(e.originator_id)
        if gig is None or gig.claimant is None:
            return
        requests = gig.change_requests.setdefault(gig.claimant, [])
        requests.append(self._id(e, eid))
        agreed = gig.revision_rounds
        if len(requests) > agreed or e.round > agreed:
            if len(requests) == agreed + 1:
                self._employer(gig.employer).counts["revision_overruns"] += 1
            self._flag_gig(e.originator_id, R.REVISIONS_BEYOND_AGREED.flag(
                f"the same student was asked for changes {len(requests)} times; the brief agreed to {agreed}",
                list(requests),
                {"requested": len(requests), "agreed": agreed, "student": str(gig.claimant)},
            ))

    def _approved(self, e: Gig.Approved, eid: str | None) -> None:
        self._approval(e.originator_id, e.timestamp, self._id(e, eid), "approvals")

    def _auto_approved(self, e: Gig.AutoApproved, eid: str | None) -> None:
        eid = self._id(e, eid)
        self._approval(e.originator_id, e.timestamp, eid, "auto_approvals")
        if (employer_id := self._owner.get(e.originator_id)) is not None:
            employer = self._employer(employer_id)
            self._pattern(employer, employer.auto_approvals, e.timestamp, eid, R.REPEATED_AUTO_APPROVALS,
                          self.policy.auto_approvals_threshold, "submissions left to auto-approval")

    def _approval(self, gig_id: UUID, at: datetime, eid: str, count: str) -> None:
        self._unpaid_approvals[gig_id] = (at, eid)
        if (employer_id := self._owner.get(gig_id)) is not None:
            self._employer(employer_id).counts[count] += 1

    def _rejected(self, e: Gig.Rejected, eid: str | None) -> None:
        gig = self._gigs.get(e.originator_id)
        if gig is None:
            return
        employer = self._employer(gig.employer)
        employer.counts["rejections"] += 1
        rejection = _Rejection(e.timestamp, e.originator_id, self._id(e, eid), gig.fingerprint())
        employer.rejections.append(rejection)

    def _dispute_resolved(self, e: Gig.DisputeResolved, eid: str | None) -> None:
        self._dispute_settled(e, eid, e.settlement.student.is_positive)

    def _dispute_fact(self, f: Fact, eid: str | None) -> None:
        self._dispute_settled(f, eid, f.student_paid)

    def _dispute_settled(self, e: Gig.DisputeResolved | Fact, eid: str | None, student_paid: bool) -> None:
        if not student_paid:
            self._ended(e, eid)
            return
        # The student was paid for the rejected work, so a repost of it is not free spec work.
        if (employer_id := self._owner.get(e.originator_id)) is not None:
            rejections = self._employer(employer_id).rejections
            kept = [r for r in rejections if r.gig_id != e.originator_id]
            rejections.clear()
            rejections.extend(kept)
        self._approval(e.originator_id, e.timestamp, self._id(e, eid), "approvals")

    def _paid(self, e: Gig.PayoutRecorded, eid: str | None) -> None:
        approval = self._unpaid_approvals.pop(e.originator_id, None)
        window = self.policy.payout_window
        if approval is not None and e.timestamp > approval[0] + window:
            days = (e.timestamp - approval[0]).days
            self._employer(self._owner[e.originator_id]).counts["payouts_late"] += 1
            self._flag_gig(e.originator_id, R.PAYOUT_LATE.flag(
                f"paid {days} days after approval; the payout window is {window.days} days",
                [approval[1], self._id(e, eid)],
                {"days_to_pay": days, "window_days": window.days},
            ))
        self._ended(e, eid)

    def _ended(self, e: Any, eid: str | None) -> None:
        self._gigs.pop(e.originator_id, None)
        if e.originator_id not in self._gig_flags and e.originator_id not in self._unpaid_approvals:
            self._owner.pop(e.originator_id, None)

    # ---- helpers ---------------------------------------------------------------------------

    def _employer(self, employer_id: UUID) -> _Employer:
        state = self._employers.get(employer_id)
        if state is None:
            state = self._employers[employer_id] = _Employer()
        return state

    def _flag_gig(self, gig_id: UUID, flag: Flag) -> None:
        self._gig_flags.setdefault(gig_id, {})[flag.rule] = flag

    def _pattern(
        self, employer: _Employer, window: deque[tuple[datetime, str]], at: datetime, eid: str,
        rule: R.Rule, threshold: int, what: str,
    ) -> None:
        window.append((at, eid))
        while window and window[0][0] < at - self.policy.pattern_window:
            window.popleft()
        if len(window) >= threshold:
            days = self.policy.pattern_window.days
            employer.flags[rule.id] = rule.flag(
                f"{len(window)} {what} within {days} days (from {window[0][0].date().isoformat()} to "
                f"{at.date().isoformat()}); {threshold} or more is a pattern",
                [event_id for _, event_id in window],
                {"count": len(window), "threshold": threshold, "window_days": days},
            )


def _expire(rejections: deque[_Rejection], before: datetime) -> None:
    while rejections and rejections[0].at < before:
        rejections.popleft()
