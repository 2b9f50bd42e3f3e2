"""Every fairness rule as data: id, category, severity, a plain explanation and what it cites.

The checks in scope.py, pay.py and behaviour.py decide *whether* a rule applies; this table decides
how it is named, how serious it is and how it is explained, so docs/fairness.md and the API stay
in step with one edit here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from domain.fairness.flag import Category, Flag, JsonValue, Severity


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    category: Category
    severity: Severity
    explanation: str
    cites: str

    def flag(self, reason: str, evidence: Iterable[str], data: Mapping[str, JsonValue] | None = None) -> Flag:
        return Flag(self.id, self.category, self.severity, reason, tuple(evidence), dict(data or {}))


def _rule(id: str, category: Category, severity: Severity, explanation: str, cites: str) -> Rule:
    return Rule(id, category, severity, explanation, cites)


# ---- scope: is the brief clear enough to deliver and to judge fairly? ------------------------
NO_DELIVERABLES = _rule(
    "scope.no_deliverables", "vague", "blocking",
    "The brief does not list anything concrete to hand over, so nobody can say when the work is done.",
    "deliverables")
DELIVERABLE_NOT_OUTPUT = _rule(
    "scope.deliverable_not_output", "vague", "warning",
    "A deliverable describes an activity (help, support, assist) instead of a thing the student hands "
    "over, such as a report, a design or a script.",
    "deliverables")
NO_ACCEPTANCE_CRITERIA = _rule(
    "scope.no_acceptance_criteria", "vague", "warning",
    "The brief does not say how the work will be judged, so a rejection cannot be checked against "
    "anything agreed in advance.",
    "acceptance_criteria")
NO_DEADLINE = _rule(
    "scope.no_deadline", "vague", "warning",
    "The brief has no deadline, so the student cannot plan the work around their studies.",
    "deadline")
DEADLINE_TOO_TIGHT = _rule(
    "scope.deadline_too_tight", "vague", "warning",
    "The deadline leaves less time than the estimated hours need at a part-time pace.",
    "deadline, estimated_hours")
NO_ESTIMATED_HOURS = _rule(
    "scope.no_estimated_hours", "vague", "blocking",
    "The brief does not say how many hours the work takes, so nobody can check the pay per hour.",
    "estimated_hours")
HOURS_OUT_OF_RANGE = _rule(
    "scope.hours_out_of_range", "vague", "warning",
    "Micro-internships run about 5 to 40 hours; a gig far outside that is either trivial or a job "
    "in disguise.",
    "estimated_hours")
NO_SUPERVISOR = _rule(
    "scope.no_supervisor", "vague", "warning",
    "No named person is responsible for the student, so questions and feedback have nowhere to go.",
    "supervisor")
NO_CHECK_IN_CADENCE = _rule(
    "scope.no_check_in_cadence", "vague", "warning",
    "The brief does not say how often the student and supervisor check in (for example weekly).",
    "check_in_cadence")
NO_COMMUNICATION_CHANNEL = _rule(
    "scope.no_communication_channel", "vague", "warning",
    "The brief does not say where the student can reach the team (email, Slack, a call).",
    "communication_channels")
FILLER_PHRASE = _rule(
    "scope.filler_phrase", "vague", "warning",
    "Phrases like 'various tasks' or 'other duties as assigned' let the work grow without the pay.",
    "title, summary, deliverables, acceptance_criteria")
SUMMARY_TOO_SHORT = _rule(
    "scope.summary_too_short", "vague", "warning",
    "The summary is too short for a student to understand what the project is and why it matters.",
    "summary")

# ---- pay: is the work paid, and paid at least the legal minimum? -----------------------------
PAY_MISSING = _rule(
    "pay.zero_or_missing", "unpaid", "blocking",
    "The gig pays nothing. Every fairgig gig is paid work.",
    "pay")
BELOW_MINIMUM_WAGE = _rule(
    "pay.below_minimum_wage", "unpaid", "blocking",
    "Divided by the estimated hours, the pay is less than the legal minimum wage where the work is done.",
    "pay, estimated_hours, jurisdiction")
BELOW_PLATFORM_FLOOR = _rule(
    "pay.below_platform_floor", "unpaid", "warning",
    "The pay per hour is legal but below the platform's floor for fair micro-internship pay.",
    "pay, estimated_hours")
UNPAID_LANGUAGE = _rule(
    "pay.unpaid_language", "unpaid", "blocking",
    "The brief offers exposure, experience, a portfolio piece, a trial or volunteering instead of pay.",
    "title, summary, deliverables, acceptance_criteria")
NO_WAGE_DATA = _rule(
    "pay.no_minimum_wage_data", "unpaid", "info",
    "fairgig has no minimum wage on file for this place, so only the platform floor was checked.",
    "jurisdiction")
CURRENCY_NOT_COMPARABLE = _rule(
    "pay.currency_not_comparable", "unpaid", "info",
    "The pay is in a different currency from the rate it would be compared with; fairgig does not "
    "guess exchange rates, so that comparison was skipped.",
    "pay, jurisdiction")

# ---- conduct: what the employer did, read from the event log ---------------------------------
PAYOUT_OVERDUE = _rule(
    "conduct.payout_overdue", "unpaid", "warning",
    "Approved work has not been paid within the payout window.",
    "the approval event")
PAYOUT_LATE = _rule(
    "conduct.payout_late", "unpaid", "info",
    "Approved work was paid, but later than the payout window.",
    "the approval and payout events")
REVISIONS_BEYOND_AGREED = _rule(
    "conduct.revisions_beyond_agreed", "unpaid", "warning",
    "The student was asked for more rounds of changes than the brief agreed to, which is unpaid work.",
    "the change-request events")
SPEC_WORK_REPOST = _rule(
    "conduct.spec_work_repost", "unpaid", "warning",
    "Work was rejected and a near-identical gig was posted again soon after: the pattern of getting "
    "work for free by rejecting it.",
    "the rejection event and the repost's publish event")
REPEATED_CLAIM_CANCELLATIONS = _rule(
    "conduct.repeated_claim_cancellations", "conduct", "warning",
    "The employer often declines or cancels gigs after a student has claimed them.",
    "the decline and cancel events")
REPEATED_AUTO_APPROVALS = _rule(
    "conduct.repeated_auto_approvals", "conduct", "warning",
    "The employer often leaves submissions unreviewed until they are approved automatically.",
    "the auto-approval events")

ALL_RULES: tuple[Rule, ...] = (
    NO_DELIVERABLES, DELIVERABLE_NOT_OUTPUT, NO_ACCEPTANCE_CRITERIA, NO_DEADLINE, DEADLINE_TOO_TIGHT,
    NO_ESTIMATED_HOURS, HOURS_OUT_OF_RANGE, NO_SUPERVISOR, NO_CHECK_IN_CADENCE, NO_COMMUNICATION_CHANNEL,
    FILLER_PHRASE, SUMMARY_TOO_SHORT,
    PAY_MISSING, BELOW_MINIMUM_WAGE, BELOW_PLATFORM_FLOOR, UNPAID_LANGUAGE, NO_WAGE_DATA,
    CURRENCY_NOT_COMPARABLE,
    PAYOUT_OVERDUE, PAYOUT_LATE, REVISIONS_BEYOND_AGREED, SPEC_WORK_REPOST,
    REPEATED_CLAIM_CANCELLATIONS, REPEATED_AUTO_APPROVALS,
)
RULES: Mapping[str, Rule] = {rule.id: rule for rule in ALL_RULES}
