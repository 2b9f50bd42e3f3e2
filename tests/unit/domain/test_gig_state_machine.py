"""Random command sequences by random actors, with time passing, against one gig.

Every command either succeeds or is refused with a DomainError that leaves the gig untouched, and
after every step: one claimant at most and only while the status says so, no way out of a
terminal status, escrow conserved to the cent, and the recorded events rebuild the same gig.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import partial, reduce
from typing import Any
from uuid import UUID

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from domain.actors import CLOCK, Actor
from domain.errors import DomainError
from domain.gig import TERMINAL, Gig, Status
from domain.marketplace import PAYMENTS
from domain.money import Money
from tests.unit.domain.factories import (
    ACTOR_KINDS,
    COMMANDS,
    POLICY,
    SCENARIOS,
    STEP,
    Command,
    gig_in,
    make_brief,
    new_ref,
)

USD = "usd"
WITH_CLAIMANT = frozenset(
    {Status.CLAIMED, Status.SUBMITTED, Status.APPROVED, Status.PAID}
    | {Status.REJECTED, Status.DISPUTED, Status.CLOSED}
)
WITHOUT_CLAIMANT = frozenset({Status.DRAFT, Status.AWAITING_FUNDING, Status.POSTED, Status.EXPIRED})
RELEASES_CLAIM = frozenset({"decline_claim", "withdraw", "expire_claim"})
MOVEMENTS = (Gig.FundingRecorded, Gig.PayoutRecorded, Gig.RefundRecorded)

# What the rightful actor would plausibly do next; only steers the search towards deep states.
NEXT_MOVES: dict[Status, tuple[tuple[str, str], ...]] = {
    Status.DRAFT: (("publish", "employer"), ("edit_draft", "employer")),
    Status.AWAITING_FUNDING: (("record_funding", "payments"),),
    Status.POSTED: (("claim", "claimant"), ("claim", "other_student"), ("cancel", "employer")),
    Status.CLAIMED: (
        ("submit", "the_claimant"),
        ("expire_claim", "clock"),
        ("check_in", "the_claimant"),
        ("withdraw", "the_claimant"),
        ("decline_claim", "employer"),
        ("cancel", "employer"),
    ),
    Status.SUBMITTED: (
        ("approve", "employer"),
        ("request_changes", "employer"),
        ("reject", "employer"),
        ("auto_approve", "clock"),
    ),
    Status.APPROVED: (("record_payout", "payments"),),
    Status.PAID: (("rate", "employer"), ("rate", "the_claimant")),
    Status.REJECTED: (("dispute", "the_claimant"), ("close_undisputed", "clock")),
    Status.DISPUTED: (("resolve_dispute", "admin"),),
    Status.CLOSED: (("record_refund", "payments"),),
    Status.CANCELLED: (("record_refund", "payments"), ("record_payout", "payments")),
    Status.EXPIRED: (("record_refund", "payments"),),
}

DELAYS = st.sampled_from(
    [timedelta(minutes=1), timedelta(hours=1), timedelta(days=1), timedelta(days=3), timedelta(days=8)]
)


def _resolve(g: Gig, a: Actor, now: datetime, *, percent: int) -> None:
    g.resolve_dispute(a, percent, now)


def _pay(g: Gig, a: Actor, now: datetime, *, ref: str, off_by: int) -> None:
    owed = g.student_outstanding
    g.record_payout(a, ref, Money(owed.amount + off_by, owed.currency), now, POLICY)


def _refund(g: Gig, a: Actor, now: datetime, *, ref: str, off_by: int) -> None:
    owed = g.employer_outstanding
    g.record_refund(a, ref, Money(owed.amount + off_by, owed.currency), now)


def _fund(g: Gig, a: Actor, now: datetime, *, ref: str, off_by: int) -> None:
    charge = g.charge_amount
    g.record_funding(a, ref, Money(charge.amount + off_by, charge.currency), now)


class GigLifecycle(RuleBasedStateMachine):
    @initialize(scenario=st.sampled_from(SCENARIOS))
    def a_gig_reached_a_state_through_its_commands(self, scenario: str) -> None:
        self.story = gig_in(scenario, brief=make_brief(pay=Money(10_001, USD), revision_rounds=1))
        self.claimant: UUID | None = self.story.gig.claimant_id
        self.terminal: Status | None = None
        self.payout_refs: list[str] = list(self.story.gig.payout_refs)
        # Rebuilt alongside, one event at a time, so every step is checked without replaying
        # the whole history each time; teardown replays it once more from nothing.
        self.rebuilt: Gig = self.story.replayed()
        self.moved: dict[type, Money | None] = dict.fromkeys(MOVEMENTS)
        self._count_movements(self.story.history)

    def _count_movements(self, events: Sequence[Any]) -> None:
        for event in events:
            if type(event) in self.moved:
                total = self.moved[type(event)]
                self.moved[type(event)] = event.amount if total is None else total + event.amount

    @property
    def gig(self) -> Gig:
        return self.story.gig

    def _actor(self, kind: str) -> Actor:
        if kind == "the_claimant":
            kind = (
                "other_student"
                if self.gig.claimant_id == self.story.cast.other_student.user_id
                else "claimant"
            )
        return self.story.cast.actor(kind)

    def _run(self, name: str, command: Command, actor: Actor) -> None:
        """Run one command; a refusal must be a DomainError that recorded nothing (a change made
        without an event would show up as a gig its own history no longer rebuilds)."""
        version = self.gig.version
        try:
            command(self.gig, actor, self.story.now)
        except DomainError:
            assert self.gig.pending_events == []
            assert self.gig.version == version
            return
        new = self.gig.collect_events()
        self.story.history.extend(new)
        self.rebuilt = reduce(lambda agg, event: event.mutate(agg), new, self.rebuilt)
        self._count_movements(new)
        if name == "claim":
            assert self.claimant is None, "a second student won a claim"
            self.claimant = actor.user_id
        elif name in RELEASES_CLAIM:
            self.claimant = None

    # ---- rules -------------------------------------------------------------------------------

    @rule(delay=DELAYS)
    def time_passes(self, delay: timedelta) -> None:
        self.story.now += delay

    @rule(name=st.sampled_from(sorted(COMMANDS)), kind=st.sampled_from(ACTOR_KINDS))
    def anyone_tries_anything(self, name: str, kind: str) -> None:
        self._run(name, COMMANDS[name], self._actor(kind))

    @rule(data=st.data(), moves=st.integers(min_value=1, max_value=4))
    def the_rightful_actors_move_on(self, data: st.DataObject, moves: int) -> None:
        for _ in range(moves):
            name, kind = data.draw(st.sampled_from(NEXT_MOVES[self.gig.status]))
            command: Command = COMMANDS[name]
            if name == "resolve_dispute":
                percent = data.draw(st.sampled_from([0, 33, 50, 100]) | st.integers(0, 100))
                command = partial(_resolve, percent=percent)
            if kind == "clock":
                self.story.now = max(self.story.now, self.gig.due_timers().get(name, self.story.now))
            self._run(name, command, self._actor(kind))
            self.story.now += STEP

    @rule(data=st.data(), late_by=st.sampled_from([timedelta(0), timedelta(seconds=1), timedelta(days=2)]))
    def the_clock_fires_a_due_timer(self, data: st.DataObject, late_by: timedelta) -> None:
        timers = sorted(self.gig.due_timers().items())
        if not timers:
            return
        timer, due = data.draw(st.sampled_from(timers))
        self.story.now = max(self.story.now, due + late_by)
        self._run(timer, COMMANDS[timer], CLOCK)

    @rule(data=st.data(), movement=st.sampled_from(["payout", "refund", "funding", "replay"]))
    def payments_record_a_movement(self, data: st.DataObject, movement: str) -> None:
        """Mostly the exact amount, sometimes a cent off; replays reuse a recorded transfer."""
        off_by = data.draw(st.sampled_from([0, 0, 1, -1]))
        if movement == "replay":
            if not self.payout_refs:
                return
            ref = data.draw(st.sampled_from(self.payout_refs))
            version = self.gig.version
            self._run("record_payout", partial(_pay, ref=ref, off_by=1), PAYMENTS)
            assert self.gig.version == version
            return
        ref = new_ref(movement)
        move = {"payout": _pay, "refund": _refund, "funding": _fund}[movement]
        self._run(f"record_{movement}", partial(move, ref=ref, off_by=off_by), PAYMENTS)
        if ref in self.gig.payout_refs:
            self.payout_refs.append(ref)

    # ---- invariants --------------------------------------------------------------------------

    @invariant()
    def one_claimant_at_most_and_only_while_the_status_says_so(self) -> None:
        assert self.gig.claimant_id == self.claimant
        if self.gig.status in WITH_CLAIMANT:
            assert self.gig.claimant_id is not None
        if self.gig.status in WITHOUT_CLAIMANT:
            assert self.gig.claimant_id is None

    @invariant()
    def nothing_leaves_a_terminal_status(self) -> None:
        if self.terminal is not None:
            assert self.gig.status is self.terminal
        elif self.gig.status in TERMINAL:
            self.terminal = self.gig.status

    @invariant()
    def escrow_is_conserved(self) -> None:
        gig = self.gig
        charged, paid, refunded = (self.moved[kind] for kind in MOVEMENTS)
        assert (gig.charged, gig.paid_to_student, gig.refunded) == (charged, paid, refunded)
        if gig.settlement is None:
            assert paid is None and refunded is None
            assert gig.held == charged
            return
        zero = Money.zero(USD)
        assert gig.settlement.total == (charged or zero)
        assert (paid or zero) <= gig.settlement.student
        assert (refunded or zero) <= gig.settlement.employer
        if charged is not None:
            left = charged - (paid or zero) - (refunded or zero) - gig.settlement.platform
            assert gig.held == left
            assert zero <= left

    @invariant()
    def the_events_rebuild_the_same_gig(self) -> None:
        assert self.gig.version == len(self.story.history)
        assert self.rebuilt == self.gig

    def teardown(self) -> None:
        assert self.story.replayed() == self.gig


GigLifecycle.TestCase.settings = settings(max_examples=200, stateful_step_count=40, deadline=None)
test_gig_lifecycle_holds_its_invariants_under_random_commands = GigLifecycle.TestCase
