"""Scope rules: each fires on the gap it names and stays quiet on a fair brief."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.brief import Supervisor
from domain.fairness.policy import FairnessPolicy
from tests.unit.fairness.briefs import NOW, audit, fair_brief, rules


def test_a_fair_brief_has_no_flags() -> None:
    report = audit(fair_brief())
    assert report.flags == ()
    assert report.to_dict() == {"flags": [], "blocking": False}


def test_missing_deliverables_block_publishing() -> None:
    report = audit(fair_brief(deliverables=()))
    flag = report.first("scope.no_deliverables")
    assert flag is not None and flag.severity == "blocking" and flag.evidence == ("deliverables",)
    assert report.blocking and "scope.no_deliverables" in report.blocking_rules


def test_deliverables_that_are_only_activities_count_as_none() -> None:
    report = audit(fair_brief(deliverables=("Help the marketing team", "Support our social media")))
    flag = report.first("scope.no_deliverables")
    assert flag is not None and "none of the 2 deliverables" in flag.reason


def test_one_activity_among_outputs_is_a_warning_naming_it() -> None:
    report = audit(fair_brief(deliverables=("Cleaned CSV of all responses", "Assist with data analysis")))
    flag = report.first("scope.deliverable_not_output")
    assert flag is not None
    assert flag.severity == "warning"
    assert flag.evidence == ("deliverables[1]",)
    assert "'assist with data analysis'" in flag.reason
    assert "scope.no_deliverables" not in rules(report)


@pytest.mark.parametrize(
    "deliverable",
    ["Support ticket triage report", "Help-center article on refunds", "3 blog posts", "Brand design"],
)
def test_activity_words_with_an_artefact_or_a_count_are_outputs(deliverable: str) -> None:
    assert not rules(audit(fair_brief(deliverables=(deliverable,)))) & {
        "scope.no_deliverables",
        "scope.deliverable_not_output",
    }


def test_gerunds_are_activities_even_when_their_lemma_is_an_artefact() -> None:
    report = audit(fair_brief(deliverables=("Help the sales team with reporting",)))
    assert "scope.no_deliverables" in rules(report)


def test_no_acceptance_criteria() -> None:
    assert "scope.no_acceptance_criteria" in rules(audit(fair_brief(acceptance_criteria=("  ",))))


def test_no_deadline() -> None:
    assert "scope.no_deadline" in rules(audit(fair_brief(deadline=None)))


def test_a_deadline_that_cannot_fit_the_hours_says_how_many_days_are_needed() -> None:
    report = audit(fair_brief(estimated_hours=30, deadline=NOW + timedelta(days=2)))
    flag = report.first("scope.deadline_too_tight")
    assert flag is not None
    assert flag.data == {"days_needed": 5, "days_left": 2, "hours_per_day": 6}
    assert flag.evidence == ("deadline", "estimated_hours")


def test_a_deadline_that_just_fits_at_the_daily_pace_is_fine() -> None:
    brief = fair_brief(estimated_hours=30, deadline=NOW + timedelta(days=5))
    assert "scope.deadline_too_tight" not in rules(audit(brief))
    tighter = fair_brief(estimated_hours=30, deadline=NOW + timedelta(days=5) - timedelta(minutes=1))
    assert "scope.deadline_too_tight" in rules(audit(tighter))


def test_the_deadline_is_measured_from_the_given_now_not_the_clock() -> None:
    brief = fair_brief(estimated_hours=30, deadline=NOW + timedelta(days=10))
    assert "scope.deadline_too_tight" not in rules(audit(brief))
    assert "scope.deadline_too_tight" in rules(audit(brief, now=NOW + timedelta(days=8)))


def test_missing_hours_block_because_the_rate_cannot_be_checked() -> None:
    report = audit(fair_brief(estimated_hours=None))
    assert report.blocking_rules == ("scope.no_estimated_hours",)


@pytest.mark.parametrize(("hours", "flagged"), [(4, True), (5, False), (40, False), (41, True)])
def test_hours_outside_the_micro_internship_range(hours: int, flagged: bool) -> None:
    brief = fair_brief(estimated_hours=hours, pay=None)
    assert ("scope.hours_out_of_range" in rules(audit(brief))) is flagged


def test_the_hour_range_is_configurable() -> None:
    policy = FairnessPolicy(min_hours=2, max_hours=80)
    assert "scope.hours_out_of_range" not in rules(audit(fair_brief(estimated_hours=60, pay=None), policy))


@pytest.mark.parametrize("name", ["The team", "HR", "TBD", "Hiring Manager", " "])
def test_a_generic_supervisor_is_not_a_named_supervisor(name: str) -> None:
    report = audit(fair_brief(supervisor=Supervisor(name, "jobs@example.org")))
    assert "scope.no_supervisor" in rules(report)


def test_no_supervisor() -> None:
    assert "scope.no_supervisor" in rules(audit(fair_brief(supervisor=None)))


@pytest.mark.parametrize("cadence", [None, "", "As needed", "When you have questions", "TBD"])
def test_a_cadence_must_say_how_often(cadence: str | None) -> None:
    assert "scope.no_check_in_cadence" in rules(audit(fair_brief(check_in_cadence=cadence)))


@pytest.mark.parametrize(
    "cadence", ["Weekly", "Every Monday", "Two calls: kickoff and handover", "Daily stand-up"]
)
def test_cadences_that_say_how_often(cadence: str) -> None:
    assert "scope.no_check_in_cadence" not in rules(audit(fair_brief(check_in_cadence=cadence)))


def test_no_communication_channel() -> None:
    assert "scope.no_communication_channel" in rules(audit(fair_brief(communication_channels=("", " "))))


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("You will take on various tasks.", "various tasks"),
        ("Other duties as assigned.", "other duties as assigned"),
        ("Dashboards, reports, etc.", "etc"),
        ("Help out wherever needed.", "help out"),
        ("Helping out the team.", "helping out"),
        ("Extra analysis as needed.", "as needed"),
        ("You'll handle various duties for us.", "various duties"),
        ("Tasks include but are not limited to data entry.", "not limited to"),
        ("Responsibilities may evolve.", "responsibilities may evolve"),
    ],
)
def test_filler_phrases_are_found_by_lemma_and_quoted(text: str, phrase: str) -> None:
    report = audit(fair_brief(deliverables=("Cleaned CSV of all responses", text)))
    flag = report.first("scope.filler_phrase")
    assert flag is not None, text
    phrases = flag.data["phrases"]
    assert isinstance(phrases, list) and phrase in phrases
    assert flag.evidence == ("deliverables[1]",)


@pytest.mark.parametrize(
    "text",
    [
        "Formatted as required by the publisher's template.",
        "A helpful glossary of survey terms.",
        "Compare various pricing models in a spreadsheet.",
        "Needed by the analysts before the board meeting.",
    ],
)
def test_words_near_filler_are_not_filler(text: str) -> None:
    report = audit(fair_brief(summary=fair_brief().summary + " " + text))
    assert "scope.filler_phrase" not in rules(report)


def test_a_summary_too_short_to_act_on() -> None:
    flag = audit(fair_brief(summary="Clean our data.")).first("scope.summary_too_short")
    assert flag is not None and flag.data == {"words": 3, "minimum": 12}
