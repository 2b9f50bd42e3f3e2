"""Audit one brief: the scope and pay rules together, as the employer sees them before publishing."""

from __future__ import annotations

from datetime import datetime

from domain.brief import Brief
from domain.fairness.brief_text import BriefText
from domain.fairness.pay import pay_flags
from domain.fairness.policy import FairnessPolicy
from domain.fairness.report import FairnessReport
from domain.fairness.scope import scope_flags
from domain.fairness.wages import WageTable

_DEFAULT_POLICY = FairnessPolicy()


def audit_brief(
    brief: Brief,
    *,
    now: datetime,
    wages: WageTable,
    policy: FairnessPolicy = _DEFAULT_POLICY,
    text: BriefText | None = None,
) -> FairnessReport:
    """`now` dates the minimum-wage lookup and measures the time left before the deadline;
    `text`: the brief already analysed, when the caller needs the analysis for more."""
    if text is None:
        text = BriefText.of(brief)
    flags = [*pay_flags(brief, text, now, wages, policy), *scope_flags(brief, text, now, policy)]
    return FairnessReport.of(flags)
