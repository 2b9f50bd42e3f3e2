"""Pay rules: is the gig paid, at least the legal minimum per hour, and at least the platform floor?"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from domain.brief import Brief
from domain.fairness import lexicon
from domain.fairness import rules as R
from domain.fairness.brief_text import BriefText
from domain.fairness.flag import Flag, JsonValue
from domain.fairness.phrase_rules import phrase_flags
from domain.fairness.policy import FairnessPolicy
from domain.fairness.wages import MinimumWage, WageTable
from domain.money import Money


def money_data(money: Money) -> dict[str, JsonValue]:
    return {"amount": money.amount, "currency": money.currency}


def pay_flags(
    brief: Brief, text: BriefText, now: datetime, wages: WageTable, policy: FairnessPolicy
) -> Iterator[Flag]:
    yield from _unpaid_language(text)
    pay = brief.pay
    if pay is None or not pay.is_positive:
        yield R.PAY_MISSING.flag("the gig pays nothing" if pay else "no pay is given", ["pay"])
        return
    hours = brief.estimated_hours
    if hours is None or hours <= 0:
        return  # scope.no_estimated_hours already explains why the rate cannot be checked
    minimum = wages.minimum_for(brief.jurisdiction, now.date(), currency=pay.currency)
    if minimum is not None and pay.amount < minimum.hourly.amount * hours:
        yield _below_minimum(brief, pay, hours, minimum)
        return
    if minimum is None:
        yield from _no_minimum(brief, pay, wages, now)
    yield from _floor(pay, hours, policy)


def _below_minimum(brief: Brief, pay: Money, hours: int, minimum: MinimumWage) -> Flag:
    effective = Money(pay.amount // hours, pay.currency)
    return R.BELOW_MINIMUM_WAGE.flag(
        f"pays {effective} per hour ({pay} for {hours} hours); the minimum in "
        f"{minimum.jurisdiction} is {minimum.hourly} per hour "
        f"(since {minimum.effective.isoformat()}, {minimum.source})",
        ["pay", "estimated_hours", "jurisdiction"],
        {
            "minimum": money_data(minimum.hourly),
            "effective_hourly": money_data(effective),
            "pay": money_data(pay),
            "estimated_hours": hours,
            "jurisdiction": brief.jurisdiction,
            "minimum_jurisdiction": minimum.jurisdiction,
            "minimum_effective": minimum.effective.isoformat(),
            "minimum_source": minimum.source,
        },
    )


def _no_minimum(brief: Brief, pay: Money, wages: WageTable, now: datetime) -> Iterator[Flag]:
    other = wages.minimum_for(brief.jurisdiction, now.date())
    if other is None:
        yield R.NO_WAGE_DATA.flag(
            f"no minimum wage for {brief.jurisdiction} is on file", ["jurisdiction"],
            {"jurisdiction": brief.jurisdiction},
        )
    else:
        yield R.CURRENCY_NOT_COMPARABLE.flag(
            f"pay is in {pay.currency.upper()} but the minimum in {other.jurisdiction} is in "
            f"{other.hourly.currency.upper()}; the minimum-wage check was skipped",
            ["pay", "jurisdiction"],
            {"pay_currency": pay.currency, "minimum": money_data(other.hourly)},
        )


def _floor(pay: Money, hours: int, policy: FairnessPolicy) -> Iterator[Flag]:
    floor = policy.platform_floor
    if floor.currency != pay.currency:
        yield R.CURRENCY_NOT_COMPARABLE.flag(
            f"pay is in {pay.currency.upper()} but the platform floor is in {floor.currency.upper()}; "
            "the floor check was skipped",
            ["pay"],
            {"pay_currency": pay.currency, "floor": money_data(floor)},
        )
    elif pay.amount < floor.amount * hours:
        effective = Money(pay.amount // hours, pay.currency)
        yield R.BELOW_PLATFORM_FLOOR.flag(
            f"pays {effective} per hour; the platform floor is {floor} per hour",
            ["pay", "estimated_hours"],
            {"floor": money_data(floor), "effective_hourly": money_data(effective)},
        )


def _unpaid_language(text: BriefText) -> Iterator[Flag]:
    lead = "the brief offers something other than pay"
    return phrase_flags(text, lexicon.unpaid_phrases(), R.UNPAID_LANGUAGE, lead)
