"""Scope rules: is the brief concrete enough for a student to deliver and an employer to judge?"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from domain.brief import Brief
from domain.fairness import lexicon
from domain.fairness import rules as R
from domain.fairness.brief_text import BriefText
from domain.fairness.flag import Flag
from domain.fairness.phrase_rules import phrase_flags
from domain.fairness.policy import FairnessPolicy
from domain.fairness.text import Analysed, analyse

_SECONDS_PER_DAY = 86_400
_TIME_UNITS = frozenset({"hour", "day", "week", "month", "year", "minute", "time", "hr", "h"})


def scope_flags(brief: Brief, text: BriefText, now: datetime, policy: FairnessPolicy) -> Iterator[Flag]:
    yield from _deliverables(text)
    if not any(c.word_count for c in text.acceptance_criteria):
        yield R.NO_ACCEPTANCE_CRITERIA.flag(
            "the brief does not say how the work will be judged", ["acceptance_criteria"]
        )
    yield from _timing(brief, now, policy)
    yield from _people(brief)
    yield from _filler(text)
    words = text.summary.word_count
    if words < policy.min_summary_words:
        yield R.SUMMARY_TOO_SHORT.flag(
            f"the summary has {words} words; at least {policy.min_summary_words} are needed to say what "
            "the project is and why it matters",
            ["summary"],
            {"words": words, "minimum": policy.min_summary_words},
        )


def is_output(item: Analysed) -> bool:
    """Whether a deliverable names something handed over, not only an activity."""
    # "reporting" is work, "report" a thing: a gerund is never read as its noun lemma.
    nouns = {w if w.endswith("ing") else lem for w, lem in zip(item.words, item.lemmas, strict=True)}
    if not nouns.isdisjoint(lexicon.concrete_artefact_words()) or _has_count(item.lemmas):
        return True
    if nouns.isdisjoint(lexicon.ambiguous_artefact_words()):
        return False
    return item.vocabulary.isdisjoint(lexicon.activity_words())


def _has_count(lemmas: tuple[str, ...]) -> bool:
    """"3 blog posts" counts an output; "for 2 weeks" only measures time."""
    last = len(lemmas) - 1
    for i, word in enumerate(lemmas):
        if _is_number(word) and (i == last or lemmas[i + 1] not in _TIME_UNITS):
            return True
    return False


def _is_number(word: str) -> bool:
    return word.isdigit() or word in lexicon.NUMBER_WORDS


def _deliverables(text: BriefText) -> Iterator[Flag]:
    items = [(i, d) for i, d in enumerate(text.deliverables) if d.word_count]
    not_outputs = [(i, d) for i, d in items if not is_output(d)]
    if not items or len(not_outputs) == len(items):
        reason = (
            "no deliverables are listed"
            if not items
            else f"none of the {len(items)} deliverables names something to hand over"
        )
        yield R.NO_DELIVERABLES.flag(reason, ["deliverables"], {"listed": len(items)})
    elif not_outputs:
        quoted = ", ".join(f"'{d.quote(0, len(d.words))}'" for _, d in not_outputs)
        yield R.DELIVERABLE_NOT_OUTPUT.flag(
            f"{quoted} describe{'s' if len(not_outputs) == 1 else ''} an activity, not an output",
            [f"deliverables[{i}]" for i, _ in not_outputs],
        )


def _timing(brief: Brief, now: datetime, policy: FairnessPolicy) -> Iterator[Flag]:
    hours = brief.estimated_hours
    if hours is None:
        yield R.NO_ESTIMATED_HOURS.flag(
            "no estimated hours are given, so the pay per hour cannot be checked", ["estimated_hours"]
        )
    elif not policy.min_hours <= hours <= policy.max_hours:
        yield R.HOURS_OUT_OF_RANGE.flag(
            f"{hours} estimated hours is outside the {policy.min_hours}-{policy.max_hours} hours of a "
            "micro-internship",
            ["estimated_hours"],
            {"estimated_hours": hours, "min": policy.min_hours, "max": policy.max_hours},
        )
    if brief.deadline is None:
        yield R.NO_DEADLINE.flag("no deadline is given", ["deadline"])
        return
    if hours is None:
        return
    seconds = int((_aware(brief.deadline) - _aware(now)).total_seconds())
    # Integer comparison of hours needed against hours available at the policy's daily pace.
    if hours * _SECONDS_PER_DAY > seconds * policy.max_hours_per_day:
        days_needed = -(-hours // policy.max_hours_per_day)
        days_left = max(0, seconds // _SECONDS_PER_DAY)
        yield R.DEADLINE_TOO_TIGHT.flag(
            f"{hours} hours at up to {policy.max_hours_per_day} hours a day need {days_needed} days; "
            f"the deadline leaves {days_left}",
            ["deadline", "estimated_hours"],
            {"days_needed": days_needed, "days_left": days_left, "hours_per_day": policy.max_hours_per_day},
        )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _people(brief: Brief) -> Iterator[Flag]:
    supervisor = brief.supervisor
    name = analyse(supervisor.name) if supervisor is not None else None
    generic = lexicon.generic_supervisor_words()
    if name is None or all(w in generic for w in name.lemmas):
        yield R.NO_SUPERVISOR.flag("no named person supervises the student", ["supervisor"])
    cadence = analyse(brief.check_in_cadence or "")
    says_how_often = not cadence.vocabulary.isdisjoint(lexicon.cadence_words()) or any(
        _is_number(w) for w in cadence.vocabulary
    )
    if not cadence.word_count:
        yield R.NO_CHECK_IN_CADENCE.flag("no check-in cadence is given", ["check_in_cadence"])
    elif not says_how_often:
        yield R.NO_CHECK_IN_CADENCE.flag(
            f"'{brief.check_in_cadence}' does not say how often the student and supervisor meet",
            ["check_in_cadence"],
        )
    if not any(channel.strip() for channel in brief.communication_channels):
        yield R.NO_COMMUNICATION_CHANNEL.flag(
            "no communication channel is given", ["communication_channels"]
        )


def _filler(text: BriefText) -> Iterator[Flag]:
    lead = "filler lets the work grow without the pay"
    return phrase_flags(text, lexicon.filler_phrases(), R.FILLER_PHRASE, lead)
