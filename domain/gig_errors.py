"""The ways a gig command can be refused. Codes are stable: clients switch on them."""

from __future__ import annotations

from domain.errors import Conflict, DomainError, NotPermitted


class GigError(DomainError):
    code = "gig.error"


class InvalidTransition(GigError, Conflict):
    code = "gig.invalid_transition"


class NotYourGig(GigError, NotPermitted):
    code = "gig.not_your_gig"


class AlreadyClaimed(GigError, Conflict):
    code = "gig.already_claimed"


class RevisionLimitReached(GigError, Conflict):
    code = "gig.revision_limit_reached"


class NotDue(GigError, Conflict):
    """A timer fired before its time (or its subject moved on)."""

    code = "gig.timer_not_due"


class AlreadyRated(GigError, Conflict):
    code = "gig.already_rated"


class PublishBlocked(GigError, Conflict):
    """The brief has blocking fairness flags (or lacks what funding needs)."""

    code = "gig.publish_blocked"


class BelowMinimumWage(PublishBlocked):
    code = "fairness.below_minimum_wage"


class SettlementMismatch(GigError, Conflict):
    code = "gig.settlement_mismatch"
