"""The fairness projection stores events as facts and folds them again: the facts, stored and read
back, must give exactly the flags and scores the events themselves give."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bench.fairness_bench import synthetic_log
from domain.fairness import BehaviourAudit
from domain.fairness.behaviour import FACT_KINDS, Fact
from domain.gig import Gig
from projections.fairness_facts import FactDecoder, fact_row, fold
from tests.unit.fairness.briefs import NOW, fair_brief
from tests.unit.fairness.gig_script import Log, employer, reworded, student


def stored_and_read_back(events: list[Any]) -> list[Fact]:
    """Each event as the projection writes it, then as the report reads it (employer column
    filled the way the INSERT ... SELECT fills it, from the gig's creation)."""
    owners: dict[Any, str] = {}
    decoder = FactDecoder()
    facts = []
    for event in events:
        fact = Fact.of(event)
        if fact is None:
            continue
        if fact.employer_id is not None:
            owners[fact.originator_id] = str(fact.employer_id)
        row = fact_row(fact) | {"employer_id": owners[fact.originator_id]}
        facts.append(decoder.fact(row))
    return facts


def edited_disputed_and_reposted() -> Log:
    """The paths the synthetic log does not take: an edited draft, a dispute split, a repost."""
    log, owner, worker = Log(), employer(), student()
    first = log.gig(owner)
    first.gig.edit_draft(owner, fair_brief(revision_rounds=1, deadline=log.now + timedelta(days=50)), log.now)
    # A claim that lapses resets the gig's round counter, not the rounds this student has done.
    first.posted().claimed_by(worker).submitted().changes_requested().claim_expired()
    first.claimed_by(worker).submitted().changes_requested().submitted().rejected()
    log.advance(days=1)
    first.disputed_and_split(student_share_percent=50)
    second = log.gig(owner).posted().claimed_by(student()).submitted().rejected()
    log.advance(days=5)
    log.gig(owner, reworded(second.gig.brief)).posted()
    log.advance(days=10)
    return log


def test_every_field_survives_the_row_and_back() -> None:
    log = edited_disputed_and_reposted()
    originals = [f for f in map(Fact.of, log.events) if f is not None]
    assert stored_and_read_back(log.events) == originals
    kinds = {f.kind for f in originals}
    assert {"created", "edited", "changes_requested", "rejected", "dispute_resolved", "published"} <= kinds
    edited = next(f for f in originals if f.kind == "edited")
    assert edited.revision_rounds == 1 and "survey" in edited.fingerprint
    assert next(f for f in originals if f.kind == "dispute_resolved").student_paid is True


def test_events_no_rule_reads_become_no_fact() -> None:
    log = Log()
    log.gig(employer()).posted().claimed_by(student()).submitted()
    ignored = [e for e in log.events if Fact.of(e) is None]
    assert {type(e) for e in ignored} == {Gig.FundingRecorded, Gig.Submitted}
    assert all(type(e) not in FACT_KINDS for e in ignored)


@pytest.mark.parametrize("source", ["scripted", "synthetic"])
def test_folding_the_stored_facts_gives_the_same_flags_and_scores_as_the_events(source: str) -> None:
    if source == "scripted":
        log = edited_disputed_and_reposted()
        events, now = sorted(log.events, key=lambda e: e.timestamp), log.now
    else:
        events = synthetic_log(3_000, NOW)
        now = NOW + timedelta(days=400)
    from_events = BehaviourAudit()
    from_events.observe_all(events)
    from_facts = fold(stored_and_read_back(events))

    expected = from_events.flags(now)
    assert expected, "the history must raise flags for the comparison to mean anything"
    assert from_facts.flags(now) == expected
    assert from_facts.employer_flags(now) == from_events.employer_flags(now)
    assert from_facts.employer_scores(now) == from_events.employer_scores(now)
    rules = {f.rule for flags in expected.values() for f in flags}
    if source == "scripted":
        assert {"conduct.revisions_beyond_agreed", "conduct.spec_work_repost"} <= rules
    else:
        assert {"conduct.payout_overdue", "conduct.payout_late", "conduct.spec_work_repost"} <= rules
