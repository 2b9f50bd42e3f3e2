"""Every (state, command, actor) combination of the gig lifecycle, against a written specification.

The specification has two parts, because that is how the product states its rules: who may issue
each command (checked first, refused with `gig.not_your_gig`), then from which states the command is
allowed and where it leads (anything else refused with the command's conflict error). A refused
command must leave the gig exactly as it was: no pending event, same version, same state.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from domain.errors import DomainError
from domain.gig import Status
from domain.gig_errors import (
    AlreadyClaimed,
    InvalidTransition,
    NotDue,
    NotYourGig,
    SettlementMismatch,
)
from tests.unit.domain.factories import ACTOR_KINDS, COMMANDS, SCENARIOS, STEP, gig_in

LATE = timedelta(days=400)
"""Clock commands run this long after the state was reached: past every timer a gig can have."""

HAS_CLAIMANT = frozenset(
    {"claimed", "submitted", "approved", "paid", "rejected", "disputed", "closed", "cancelled_after_claim"}
)


@dataclass(frozen=True)
class Outcome:
    status: Status | None = None
    error: type[DomainError] | None = None
    xfail: str | None = None


def to(status: Status) -> Outcome:
    return Outcome(status=status)


def refused(error: type[DomainError], *, product_needs_but_code_allows: str | None = None) -> Outcome:
    return Outcome(error=error, xfail=product_needs_but_code_allows)


# ---- who may issue each command -------------------------------------------------------------
# employer: the gig's employer; claimant: the gig's claimant (only once it has one); student: any
# student; party: the gig's employer or claimant; admin, clock, payments: those roles.
GATE: dict[str, str] = {
    "edit_draft": "employer",
    "publish": "employer",
    "record_funding": "payments",
    "expire_funding": "clock",
    "claim": "student",
    "decline_claim": "employer",
    "withdraw": "claimant",
    "expire_claim": "clock",
    "check_in": "claimant",
    "submit": "claimant",
    "request_changes": "employer",
    "approve": "employer",
    "auto_approve": "clock",
    "reject": "employer",
    "dispute": "claimant",
    "close_undisputed": "clock",
    "resolve_dispute": "admin",
    "cancel": "employer",
    "expire_deadline": "clock",
    "record_payout": "payments",
    "record_refund": "payments",
    "rate": "party",
    "reveal_ratings": "clock",
}

# ---- from which states each command is allowed, and where it leads ----------------------------
TRANSITIONS: dict[str, dict[str, Outcome]] = {
    "edit_draft": {"draft": to(Status.DRAFT)},
    "publish": {"draft": to(Status.AWAITING_FUNDING)},
    "record_funding": {"awaiting_funding": to(Status.POSTED)},
    "expire_funding": {"awaiting_funding": to(Status.DRAFT)},
    # A gig that has (or had) a claimant answers every later claim with the race loser's conflict.
    "claim": {"posted": to(Status.CLAIMED), **dict.fromkeys(HAS_CLAIMANT, refused(AlreadyClaimed))},
    "decline_claim": {"claimed": to(Status.POSTED)},
    "withdraw": {"claimed": to(Status.POSTED)},
    "expire_claim": {"claimed": to(Status.POSTED)},
    "check_in": {"claimed": to(Status.CLAIMED)},
    "submit": {"claimed": to(Status.SUBMITTED)},
    "request_changes": {"submitted": to(Status.CLAIMED)},
    "approve": {"submitted": to(Status.APPROVED)},
    "auto_approve": {"submitted": to(Status.APPROVED)},
    "reject": {"submitted": to(Status.REJECTED)},
    "dispute": {"rejected": to(Status.DISPUTED)},
    "close_undisputed": {"rejected": to(Status.CLOSED)},
    "resolve_dispute": {"disputed": to(Status.APPROVED)},
    "cancel": {
        "draft": to(Status.CANCELLED),
        "awaiting_funding": to(Status.CANCELLED),
        "posted": to(Status.CANCELLED),
        "claimed": to(Status.CANCELLED),
    },
    "expire_deadline": {"posted": to(Status.EXPIRED)},
    # Money movements follow the settlement; a terminal status stays where it is.
    "record_payout": {
        "approved": to(Status.PAID),
        "cancelled_after_claim": to(Status.CANCELLED),
        "closed": refused(SettlementMismatch),
        "cancelled_before_claim": refused(SettlementMismatch),
        "expired": refused(SettlementMismatch),
    },
    "record_refund": {
        "closed": to(Status.CLOSED),
        "cancelled_before_claim": to(Status.CANCELLED),
        "cancelled_after_claim": to(Status.CANCELLED),
        "expired": to(Status.EXPIRED),
        "approved": refused(SettlementMismatch),
        "paid": refused(SettlementMismatch),
    },
    "rate": {"paid": to(Status.PAID)},
    "reveal_ratings": {"paid": to(Status.PAID)},
}

OTHERWISE: dict[str, type[DomainError]] = {
    # Before a settlement nothing is owed, so any movement mismatches it.
    "record_payout": SettlementMismatch,
    "record_refund": SettlementMismatch,
    # The rating timer is simply not running outside a paid gig.
    "reveal_ratings": NotDue,
}


def may_issue(gate: str, kind: str, scenario: str) -> bool:
    is_claimant = kind == "claimant" and scenario in HAS_CLAIMANT
    return {
        "employer": kind == "employer",
        "claimant": is_claimant,
        "student": kind in ("claimant", "other_student"),
        "party": kind == "employer" or is_claimant,
        "admin": kind == "admin",
        "clock": kind == "clock",
        "payments": kind == "payments",
    }[gate]


def expected(scenario: str, command: str, kind: str) -> Outcome:
    if not may_issue(GATE[command], kind, scenario):
        return refused(NotYourGig)
    return TRANSITIONS[command].get(scenario, refused(OTHERWISE.get(command, InvalidTransition)))


assert set(COMMANDS) == set(GATE) == set(TRANSITIONS)


def _cases() -> list[Any]:
    cases = []
    for scenario in SCENARIOS:
        for command in COMMANDS:
            for kind in ACTOR_KINDS:
                outcome = expected(scenario, command, kind)
                marks = [pytest.mark.xfail(strict=True, reason=outcome.xfail)] if outcome.xfail else []
                case_id = f"{scenario}-{command}-by-{kind}"
                cases.append(pytest.param(scenario, command, kind, outcome, id=case_id, marks=marks))
    return cases


@pytest.mark.parametrize(("scenario", "command", "kind", "outcome"), _cases())
def test_command_outcome_matches_the_lifecycle_table(
    scenario: str, command: str, kind: str, outcome: Outcome
) -> None:
    story = gig_in(scenario)
    gig = story.gig
    at = story.now + (LATE if GATE[command] == "clock" else STEP)
    before = copy.deepcopy(gig)

    if outcome.error is None:
        COMMANDS[command](gig, story.cast.actor(kind), at)
        assert gig.status is outcome.status
        assert gig.version > before.version
        assert gig.pending_events
    else:
        with pytest.raises(DomainError) as caught:
            COMMANDS[command](gig, story.cast.actor(kind), at)
        assert type(caught.value) is outcome.error
        assert caught.value.code == outcome.error.code
        assert gig.pending_events == []
        assert gig.version == before.version
        assert gig == before


def test_table_covers_every_state_command_and_actor() -> None:
    assert len(SCENARIOS) == 13
    assert {Status(s.split("_before")[0].split("_after")[0]) for s in SCENARIOS} == set(Status)
    assert len(_cases()) == 13 * 23 * 7
