"""Pay rules: nothing, under the legal minimum, under the platform floor, or something instead of pay."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.brief import Brief
from domain.fairness.policy import FairnessPolicy
from domain.money import Money
from tests.unit.fairness.briefs import audit, fair_brief, rules


@pytest.mark.parametrize("pay", [None, Money(0, "usd")])
def test_no_pay_blocks(pay: Money | None) -> None:
    report = audit(fair_brief(pay=pay))
    assert report.blocking_rules == ("pay.zero_or_missing",)
    flag = report.first("pay.zero_or_missing")
    assert flag is not None and flag.evidence == ("pay",)


def test_under_the_california_minimum_is_blocking_with_the_minimum_and_the_rate() -> None:
    report = audit(fair_brief(pay=Money(25_000, "usd"), estimated_hours=40, jurisdiction="US-CA"))
    flag = report.first("pay.below_minimum_wage")
    assert flag is not None
    assert flag.severity == "blocking" and flag.category == "unpaid"
    assert flag.reason.startswith(
        "pays 6.25 USD per hour (250.00 USD for 40 hours); the minimum in US-CA is 16.90 USD"
    )
    assert flag.data["minimum"] == {"amount": 1690, "currency": "usd"}
    assert flag.data["effective_hourly"] == {"amount": 625, "currency": "usd"}
    assert flag.data["minimum_jurisdiction"] == "US-CA"
    assert flag.evidence == ("pay", "estimated_hours", "jurisdiction")
    assert "pay.below_platform_floor" not in rules(report), "the floor adds nothing once the law is broken"


def test_the_minimum_in_force_on_the_audit_date_applies() -> None:
    brief = fair_brief(pay=Money(33_400, "usd"), estimated_hours=20, jurisdiction="US-CA")  # 16.70 an hour
    assert "pay.below_minimum_wage" not in rules(audit(brief, now=datetime(2025, 12, 31, tzinfo=UTC)))
    assert "pay.below_minimum_wage" in rules(audit(brief, now=datetime(2026, 1, 1, 12, tzinfo=UTC)))


def test_pay_exactly_at_the_minimum_is_legal_but_under_the_floor() -> None:
    report = audit(fair_brief(pay=Money(16_900, "usd"), estimated_hours=10, jurisdiction="US-CA"))
    assert "pay.below_minimum_wage" not in rules(report)
    floor = report.first("pay.below_platform_floor")
    assert floor is not None and floor.severity == "warning"
    assert floor.data == {
        "floor": {"amount": 2000, "currency": "usd"},
        "effective_hourly": {"amount": 1690, "currency": "usd"},
    }


def test_a_city_minimum_overrides_its_state() -> None:
    def paying_20_50_in(jurisdiction: str) -> Brief:
        return fair_brief(pay=Money(20_500, "usd"), estimated_hours=10, jurisdiction=jurisdiction)

    assert "pay.below_minimum_wage" not in rules(audit(paying_20_50_in("US-WA")))
    flag = audit(paying_20_50_in("US-WA:seattle")).first("pay.below_minimum_wage")
    assert flag is not None
    assert flag.data["minimum"] == {"amount": 2130, "currency": "usd"}
    assert "the minimum in US-WA:seattle is 21.30 USD per hour" in flag.reason


def test_a_city_without_its_own_rate_falls_back_to_its_state() -> None:
    brief = fair_brief(pay=Money(15_000, "usd"), estimated_hours=10, jurisdiction="US-CA:fresno")
    flag = audit(brief).first("pay.below_minimum_wage")
    assert flag is not None and flag.data["minimum_jurisdiction"] == "US-CA"


def test_the_platform_floor_is_configurable() -> None:
    brief = fair_brief(pay=Money(50_000, "usd"), estimated_hours=20)  # 25.00 an hour
    assert "pay.below_platform_floor" not in rules(audit(brief))
    policy = FairnessPolicy(platform_floor=Money(3000, "usd"))
    assert "pay.below_platform_floor" in rules(audit(brief, policy))


def test_pay_in_another_currency_skips_the_floor_with_an_info_note_instead_of_converting() -> None:
    report = audit(fair_brief(pay=Money(40_000, "gbp"), estimated_hours=20, jurisdiction="GB"))
    assert [(f.rule, f.severity) for f in report.flags] == [("pay.currency_not_comparable", "info")]
    assert not report.blocking


def test_pay_in_a_currency_the_local_minimum_is_not_in_is_noted_not_converted() -> None:
    report = audit(fair_brief(pay=Money(10_000, "eur"), estimated_hours=20, jurisdiction="US-CA"))
    assert "pay.below_minimum_wage" not in rules(report)
    notes = [f for f in report.flags if f.rule == "pay.currency_not_comparable"]
    assert len(notes) == 2 and all(f.severity == "info" for f in notes)


def test_a_jurisdiction_without_data_is_noted() -> None:
    report = audit(fair_brief(jurisdiction="BR"))
    flag = report.first("pay.no_minimum_wage_data")
    assert flag is not None and flag.severity == "info" and flag.evidence == ("jurisdiction",)


@pytest.mark.parametrize(
    "sentence",
    [
        "This is an unpaid opportunity.",
        "Great exposure for a student designer.",
        "A volunteer role with our team.",
        "Start with an unpaid trial task.",
        "Perfect for someone who wants to work for the experience.",
        "It will make a great portfolio piece.",
        "Offered in exchange for exposure on our channels.",
        "You will be paid only if we use your design.",
        "Compensation: equity only.",
        "We offer no monetary compensation.",
        "Students volunteering their time make this possible.",
        "The student will not be paid.",
        "This project is for academic credit.",
        "Begin with a trial period of one week.",
    ],
)
def test_unpaid_language_blocks(sentence: str) -> None:
    report = audit(fair_brief(summary=fair_brief().summary + " " + sentence))
    flag = report.first("pay.unpaid_language")
    assert flag is not None, sentence
    assert flag.severity == "blocking" and flag.evidence == ("summary",)


@pytest.mark.parametrize(
    "sentence",
    [
        "No unpaid trial tasks: every hour is paid.",
        "This is a paid trial task of five photos.",
        "You will get exposure to real customer research.",
        "We are looking for experience with PostgreSQL.",
        "Build a volunteer sign-up form for the garden.",
        "The fee will not be paid until you submit.",
        "Our product offers a free trial for new teams.",
    ],
)
def test_words_near_unpaid_language_are_not_flagged(sentence: str) -> None:
    report = audit(fair_brief(summary=fair_brief().summary + " " + sentence))
    assert "pay.unpaid_language" not in rules(report), sentence


def test_unpaid_language_in_the_title_cites_the_title() -> None:
    flag = audit(fair_brief(title="Volunteer position: survey cleanup")).first("pay.unpaid_language")
    assert flag is not None and flag.evidence == ("title",)
