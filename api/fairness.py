"""The fairness audit as the API uses it: flags on drafts, and the refusal to publish while a
blocking flag stands (with the minimum wage and the effective rate in the problem detail)."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from domain.brief import Brief
from domain.clock import Clock
from domain.fairness import FairnessPolicy, FairnessReport, WageTable, audit_brief
from domain.fairness.wage_data import default_wage_table
from domain.gig_errors import BelowMinimumWage, PublishBlocked
from domain.money import Money


class FairnessService:
    def __init__(self, clock: Clock, platform_floor_per_hour: int = 2000) -> None:
        self.clock = clock
        self.policy = FairnessPolicy(platform_floor=Money(platform_floor_per_hour, "usd"))

    @cached_property
    def wages(self) -> WageTable:
        return default_wage_table()

    def audit(self, brief: Brief) -> FairnessReport:
        return audit_brief(brief, now=self.clock(), wages=self.wages, policy=self.policy)

    def report(self, brief: Brief) -> dict[str, Any]:
        return dict(self.audit(brief).to_dict())

    def check_publishable(self, brief: Brief) -> None:
        report = self.audit(brief)
        if not report.blocking:
            return
        wage = report.first("pay.below_minimum_wage")
        if wage is not None:
            raise BelowMinimumWage(wage.reason, rule=wage.rule, **dict(wage.data), fairness=report.to_dict())
        reasons = "; ".join(f.reason for f in report.flags if f.severity == "blocking")
        raise PublishBlocked(
            f"publishing is blocked until these are fixed: {reasons}",
            rules=list(report.blocking_rules),
            fairness=report.to_dict(),
        )
