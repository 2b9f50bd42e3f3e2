"""Money is integer minor units in one known currency, and every split of an escrow adds back up
to exactly what the employer was charged."""

from __future__ import annotations

from typing import Any

import pytest

from domain.errors import CurrencyMismatch, ValidationFailed
from domain.gig import Status
from domain.money import Money
from tests.unit.domain.factories import charge_for, gig_in, make_brief

USD = Money(1_000, "usd")
EUR = Money(1_000, "eur")


@pytest.mark.parametrize(
    "combine",
    [
        pytest.param(lambda a, b: a + b, id="add"),
        pytest.param(lambda a, b: a - b, id="subtract"),
        pytest.param(lambda a, b: a < b, id="less-than"),
        pytest.param(lambda a, b: a <= b, id="less-or-equal"),
    ],
)
def test_arithmetic_refuses_mixed_currencies(combine: Any) -> None:
    with pytest.raises(CurrencyMismatch) as caught:
        combine(USD, EUR)
    assert caught.value.code == "money.currency_mismatch"
    assert caught.value.data == {"left": "usd", "right": "eur"}


def test_arithmetic_in_one_currency_stays_in_minor_units() -> None:
    assert USD + Money(1, "usd") == Money(1_001, "usd")
    assert USD - Money(1_001, "usd") == Money(-1, "usd")
    assert Money(999, "usd") < USD <= USD


@pytest.mark.parametrize("amount", [10.0, 10.5, True, False, "10", None], ids=repr)
def test_amount_must_be_an_int_of_minor_units(amount: Any) -> None:
    with pytest.raises(ValidationFailed) as caught:
        Money(amount, "usd")
    assert caught.value.field == "amount"


@pytest.mark.parametrize("currency", ["USD", "xxx", "btc", ""])
def test_unknown_currencies_are_refused(currency: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        Money(100, currency)
    assert caught.value.field == "currency"


@pytest.mark.parametrize(
    ("amount", "percent", "share"),
    [(10_001, 25, 2_500), (10_003, 33, 3_300), (1, 50, 0), (99, 99, 98), (10_000, 100, 10_000), (7, 0, 0)],
)
def test_percent_rounds_down_so_the_payer_keeps_the_odd_cent(amount: int, percent: int, share: int) -> None:
    assert Money(amount, "usd").percent(percent) == Money(share, "usd")


def test_platform_fee_in_basis_points_rounds_down() -> None:
    assert Money(10_009, "usd").basis_points(1_000) == Money(1_000, "usd")


def test_amounts_print_in_major_units_with_the_currency() -> None:
    assert str(Money(10_001, "usd")) == "100.01 USD"
    assert str(Money(-5, "eur")) == "-0.05 EUR"
    assert str(Money(1_500, "jpy")) == "1500 JPY"


@pytest.mark.parametrize("pay", [10_001, 10_000, 9_999, 1, 333], ids=lambda p: f"pay-{p}")
def test_kill_fee_split_sums_to_the_charge_and_gives_the_student_a_quarter(pay: int) -> None:
    story = gig_in("claimed", brief=make_brief(pay=Money(pay, "usd"))).cancel()
    settlement = story.gig.settlement
    assert settlement is not None
    assert settlement.student == Money(pay * 25 // 100, "usd")
    assert settlement.total == story.gig.charged == charge_for(Money(pay, "usd"))


@pytest.mark.parametrize("percent", [0, 33, 50, 100], ids=lambda p: f"student-{p}%")
@pytest.mark.parametrize("pay", [10_001, 10_000, 7], ids=lambda p: f"pay-{p}")
def test_dispute_split_sums_to_the_charge_and_keeps_the_odd_cent_with_the_employer(
    pay: int, percent: int
) -> None:
    story = gig_in("disputed", brief=make_brief(pay=Money(pay, "usd"))).resolve(percent)
    settlement = story.gig.settlement
    assert settlement is not None
    assert settlement.student == Money(pay * percent // 100, "usd")
    assert settlement.employer == Money(pay - pay * percent // 100, "usd")
    assert settlement.total == story.gig.charged
    assert story.gig.status is (Status.APPROVED if settlement.student.is_positive else Status.CLOSED)


@pytest.mark.parametrize(
    "scenario", ["approved", "closed", "cancelled_before_claim", "cancelled_after_claim", "expired"]
)
def test_every_settlement_sums_to_what_was_charged(scenario: str) -> None:
    gig = gig_in(scenario, brief=make_brief(pay=Money(10_001, "usd"))).gig
    assert gig.settlement is not None
    assert gig.settlement.total == gig.charged == Money(11_001, "usd")
    assert gig.held == gig.charged - gig.settlement.platform


def test_the_student_always_gets_the_full_pay_and_the_fee_is_on_top() -> None:
    story = gig_in("approved", brief=make_brief(pay=Money(10_001, "usd")))
    assert story.gig.settlement is not None
    assert story.gig.settlement.student == Money(10_001, "usd")
    assert story.gig.settlement.platform == Money(1_000, "usd")
    story.pay_student()
    assert story.gig.held == Money(0, "usd")
