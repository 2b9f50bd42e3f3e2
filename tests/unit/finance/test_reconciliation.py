from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal

from domain.money import Money
from payments.gateway import Movement
from payments.reconciliation import reconcile

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def movement(
    kind: Literal["charge", "transfer", "refund"],
    ref: str,
    amount: int,
    *,
    gig: str = "g1",
    currency: str = "usd",
    seconds: int = 0,
) -> Movement:
    return Movement(kind, ref, gig, Money(amount, currency), T0 + timedelta(seconds=seconds))


LEDGER = [
    movement("charge", "pi_1", 44_000),
    movement("transfer", "tr_1", 40_000),
    movement("refund", "re_2", 11_000, gig="g2"),
]


def test_identical_sides_are_all_matched_even_when_the_gateway_stamps_them_later() -> None:
    gateway = [movement(m.kind, m.reference, m.amount.amount, gig=m.gig_id, seconds=3) for m in LEDGER]
    result = reconcile(LEDGER, gateway)
    assert result.ok
    assert result.matched == LEDGER
    assert result.totals["matched"].count == 3
    assert result.totals["matched"].ledger == {"usd": 95_000}


def test_each_discrepancy_lands_in_its_own_bucket() -> None:
    gateway = [
        movement("charge", "pi_1", 44_000, currency="eur"),
        movement("transfer", "tr_1", 39_999),
        movement("transfer", "tr_unknown", 5_000, gig="g9"),
    ]
    result = reconcile(LEDGER, gateway)
    assert not result.ok
    assert [m.ledger.reference for m in result.currency_mismatch] == ["pi_1"]
    assert [(m.ledger.amount.amount, m.gateway.amount.amount) for m in result.amount_mismatch] == [
        (40_000, 39_999)
    ]
    assert [m.reference for m in result.missing_in_gateway] == ["re_2"]
    assert [m.reference for m in result.missing_in_ledger] == ["tr_unknown"]
    assert result.matched == []
    totals = result.totals
    assert totals["amount_mismatch"].ledger == {"usd": 40_000}
    assert totals["amount_mismatch"].gateway == {"usd": 39_999}
    assert totals["missing_in_ledger"].ledger == {}
    assert totals["missing_in_ledger"].gateway == {"usd": 5_000}
    assert totals["missing_in_gateway"].gateway == {}


def test_a_movement_listed_twice_by_the_gateway_counts_once() -> None:
    gateway = [movement("transfer", "tr_1", 40_000)] * 2
    result = reconcile([LEDGER[1]], gateway)
    assert result.ok and len(result.matched) == 1


def test_a_funding_recorded_by_payment_intent_matches_the_gigs_one_gateway_charge() -> None:
    result = reconcile([LEDGER[0]], [movement("charge", "ch_9", 44_000)])
    assert result.ok and result.matched == [LEDGER[0]]


def test_a_charge_for_another_gig_is_not_taken_for_ours() -> None:
    result = reconcile([LEDGER[0]], [movement("charge", "ch_9", 44_000, gig="g2")])
    assert [m.reference for m in result.missing_in_gateway] == ["pi_1"]
    assert [m.reference for m in result.missing_in_ledger] == ["ch_9"]


def test_a_reference_booked_to_another_gig_is_a_gig_mismatch() -> None:
    result = reconcile([LEDGER[1]], [movement("transfer", "tr_1", 40_000, gig="g7")])
    assert [(m.ledger.gig_id, m.gateway.gig_id) for m in result.gig_mismatch] == [("g1", "g7")]
