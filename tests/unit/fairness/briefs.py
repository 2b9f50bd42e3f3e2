"""A fair brief to start from; each test changes only what it is about."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.brief import Brief, Supervisor
from domain.fairness import FairnessReport, audit_brief
from domain.fairness.policy import FairnessPolicy
from domain.fairness.wage_data import default_wage_table
from domain.money import Money

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def fair_brief(**overrides: Any) -> Brief:
    brief = Brief(
        title="Clean up a customer survey dataset",
        summary=(
            "We ran a customer survey with 2,000 responses and the export is messy. We want it "
            "deduplicated and documented so our analysts can trust the numbers."
        ),
        deliverables=("Cleaned CSV of all responses", "Data dictionary for every column"),
        acceptance_criteria=("No duplicate respondent ids", "Every column is described"),
        skills=("python", "pandas"),
        estimated_hours=20,
        pay=Money(60_000, "usd"),
        deadline=NOW + timedelta(days=21),
        revision_rounds=2,
        supervisor=Supervisor("Ada Byron", "ada@example.org"),
        check_in_cadence="Twice a week over video",
        communication_channels=("email",),
        jurisdiction="US",
    )
    return replace(brief, **overrides)


def audit(brief: Brief, policy: FairnessPolicy | None = None, now: datetime = NOW) -> FairnessReport:
    return audit_brief(brief, now=now, wages=default_wage_table(), policy=policy or FairnessPolicy())


def rules(report: FairnessReport) -> set[str]:
    return {f.rule for f in report.flags}
