"""The fairness audit: rules that flag gigs unpaid in effect or too vague to deliver fairly.

`audit_brief` checks one brief (scope and pay); `BehaviourAudit` folds the Gig event log into
conduct flags and employer scores. Every rule is data in `rules.py` and documented in docs/fairness.md.
"""

from domain.fairness.audit import audit_brief
from domain.fairness.behaviour import BehaviourAudit, version_event_id
from domain.fairness.employer_score import EmployerScore
from domain.fairness.flag import Category, Flag, JsonValue, Severity
from domain.fairness.policy import FairnessPolicy
from domain.fairness.report import FairnessReport
from domain.fairness.rules import ALL_RULES, RULES, Rule
from domain.fairness.wages import MinimumWage, WageDataError, WageTable, load_wage_table

__all__ = [
    "ALL_RULES",
    "RULES",
    "BehaviourAudit",
    "Category",
    "EmployerScore",
    "FairnessPolicy",
    "FairnessReport",
    "Flag",
    "JsonValue",
    "MinimumWage",
    "Rule",
    "Severity",
    "WageDataError",
    "WageTable",
    "audit_brief",
    "load_wage_table",
    "version_event_id",
]
