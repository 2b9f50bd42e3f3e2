"""Fairness audit benchmarks: briefs audited per second on one core, over a mix drawn from the
labelled corpus, and the time to fold 100,000 gigs' events through BehaviourAudit and compute the
per-employer report.

    .venv/bin/python -m bench.fairness_bench [GIGS]

Each figure is the best of a few rounds, because a shared machine's noise only ever adds time.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from bench.harness import Context, Figure, Target
from domain.actors import CLOCK, Actor
from domain.fairness import BehaviourAudit, audit_brief
from domain.fairness.wage_data import default_wage_table
from domain.gig import Gig
from domain.marketplace import PAYMENTS
from domain.policy import LifecyclePolicy
from tests.unit.fairness.briefs import fair_brief
from tests.unit.fairness.corpus import load_corpus

LIFECYCLE = LifecyclePolicy()
EMPLOYERS = 5_000
ROUNDS = 3


def best_of(rounds: int, work: Callable[[], int]) -> tuple[float, int]:
    """(fastest seconds, units of work) over `rounds` runs."""
    best, units = float("inf"), 0
    for _ in range(rounds):
        started = time.perf_counter()
        units = work()
        best = min(best, time.perf_counter() - started)
    return best, units


def briefs_per_second(seconds_per_round: float = 1.0) -> float:
    now, corpus = load_corpus()
    wages = default_wage_table()
    mix = [item.brief for item in corpus]
    random.Random(7).shuffle(mix)
    audit_brief(mix[0], now=now, wages=wages)  # the lemmatiser loads its dictionary on first use

    def round_() -> int:
        done, deadline = 0, time.perf_counter() + seconds_per_round
        while time.perf_counter() < deadline:
            for brief in mix:
                audit_brief(brief, now=now, wages=wages)
            done += len(mix)
        return done

    seconds, done = best_of(ROUNDS, round_)
    return done / seconds


# ---- a synthetic log: real aggregates driven once per path, then cloned per gig ----------------


def _path(kind: str, start: datetime) -> list[Any]:
    owner, worker = Actor.user(uuid4(), "employer"), Actor.user(uuid4(), "student")
    now = start
    gig = Gig.create(uuid4(), owner, fair_brief(deadline=start + timedelta(days=60)), now)
    gig.publish(owner, now, LIFECYCLE)
    gig.record_funding(PAYMENTS, "pi_bench", gig.charge_amount, now)
    gig.claim(worker, now + timedelta(hours=5), LIFECYCLE)
    now += timedelta(days=2)
    if kind == "declined":
        gig.decline_claim(owner, "changed plans", now)
        return list(gig.collect_events())
    if kind == "cancelled":
        gig.cancel(owner, "budget", now, LIFECYCLE)
        return list(gig.collect_events())
    gig.submit(worker, "https://example.org/w", "", now, LIFECYCLE)
    if kind == "revised":
        gig.request_changes(owner, "more", now + timedelta(days=1), LIFECYCLE)
        now += timedelta(days=3)
        gig.submit(worker, "https://example.org/w2", "", now, LIFECYCLE)
    if kind == "rejected":
        gig.reject(owner, "no", now + timedelta(days=2), LIFECYCLE)
        gig.close_undisputed(CLOCK, now + timedelta(days=9))
        return list(gig.collect_events())
    if kind == "auto":
        now += LIFECYCLE.review_window
        gig.auto_approve(CLOCK, now)
    else:
        now += timedelta(days=1)
        gig.approve(owner, "thanks", now)
    if kind != "unpaid":
        pay_after = timedelta(days=5 if kind == "late" else 1)
        gig.record_payout(PAYMENTS, "tr_bench", gig.student_outstanding, now + pay_after, LIFECYCLE)
    return list(gig.collect_events())


PATHS = ("paid",) * 10 + ("revised", "auto", "auto", "late", "unpaid", "rejected", "declined", "cancelled")


def synthetic_log(gigs: int, start: datetime) -> list[Any]:
    """`gigs` gigs' events for EMPLOYERS employers, spread over a year, in timestamp order."""
    templates = {kind: _path(kind, start) for kind in set(PATHS)}
    rng = random.Random(11)
    employers = [uuid4() for _ in range(EMPLOYERS)]
    events: list[Any] = []
    spread = timedelta(days=365) / gigs
    for n in range(gigs):
        kind = PATHS[rng.randrange(len(PATHS))]
        events.extend(_clone(templates[kind], uuid4(), employers[rng.randrange(EMPLOYERS)], spread * n))
    events.sort(key=lambda e: e.timestamp)
    return events


def _clone(template: list[Any], gig_id: UUID, employer_id: UUID, shift: timedelta) -> Iterator[Any]:
    for event in template:
        changes: dict[str, Any] = {"originator_id": gig_id, "timestamp": event.timestamp + shift}
        if isinstance(event, Gig.DraftCreated):
            changes["employer_id"] = employer_id
        yield replace(event, **changes)


def fold_report(events: list[Any], now: datetime) -> tuple[float, int, int]:
    """(best seconds to fold and score, employers scored, gigs flagged)."""
    results: dict[str, int] = {}

    def round_() -> int:
        audit = BehaviourAudit()
        for event in events:
            audit.observe(event)
        scores = audit.employer_scores(now)
        results["flagged"] = len(audit.flags(now))
        return len(scores)

    seconds, employers = best_of(ROUNDS, round_)
    return seconds, employers, results["flagged"]


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    gigs = int(args[0]) if args else 100_000
    rate = briefs_per_second()
    print(f"brief audit: {rate:,.0f} briefs/s on one core (mix of {len(load_corpus()[1])} corpus briefs)")
    start = datetime.fromisoformat("2025-03-01T09:00:00+00:00")
    built = time.perf_counter()
    events = synthetic_log(gigs, start)
    built = time.perf_counter() - built
    print(f"synthetic log: {len(events):,} events for {gigs:,} gigs ({built:.1f} s to build)")
    seconds, employers, flagged = fold_report(events, start + timedelta(days=400))
    print(
        f"behaviour report: {seconds:.2f} s to fold {len(events):,} events and score {employers:,} employers "
        f"({len(events) / seconds:,.0f} events/s; {flagged:,} gigs flagged)"
    )


def run(ctx: Context) -> list[Figure]:
    """The harness's entry: briefs/s against the target, and the behaviour fold (no I/O, so
    no backend and no ceiling)."""
    rate = briefs_per_second(ctx.sizes.fairness_seconds)
    gigs = 20_000 if ctx.sizes.quick else 100_000
    start = datetime.fromisoformat("2025-03-01T09:00:00+00:00")
    events = synthetic_log(gigs, start)
    seconds, employers, _flagged = fold_report(events, start + timedelta(days=400))
    ctx.notes.append(
        f"behaviour report: {len(events):,} events of {gigs:,} gigs, {employers:,} employers scored"
    )
    return [
        Figure(
            "fairness",
            "none",
            "brief audit (corpus mix), one core",
            rate,
            "briefs/s",
            targets=(Target("≥ 5,000 briefs/s", minimum=5_000),),
        ),
        Figure("fairness", "none", "behaviour fold + employer scores", len(events) / seconds, "events/s"),
    ]


if __name__ == "__main__":
    main()
