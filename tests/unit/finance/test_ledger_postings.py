from __future__ import annotations

from collections import Counter
from typing import Any
from uuid import uuid4

import pytest

from domain.actors import Actor
from domain.money import Money
from projections.ledger import (
    ESCROW,
    FEES_HELD,
    PLATFORM_FEES,
    GigBook,
    LedgerError,
    Posting,
    employer,
    fold,
    payable,
    post,
    student,
)
from tests.unit.finance.stories import GigStory

PAY, FEE = 40_000, 4_000  # the default policy charges a 10 % fee on top of the pay


def balances(postings: list[Posting]) -> dict[str, int]:
    totals: Counter[str] = Counter()
    for p in postings:
        totals[p.account] += p.amount
    return {account: amount for account, amount in totals.items() if amount}


def accounts(story: GigStory) -> dict[str, str]:
    return {
        "employer": employer(story.employer.user_id),
        "student": student(story.student.user_id),
        "payable_employer": payable("employer", story.employer.user_id),
        "payable_student": payable("student", story.student.user_id),
    }


def test_the_charge_puts_pay_in_escrow_and_holds_the_fee_apart() -> None:
    story = GigStory().funded()
    a = accounts(story)
    postings = fold(story.events)
    assert balances(postings) == {a["employer"]: -(PAY + FEE), ESCROW: PAY, FEES_HELD: FEE}
    assert {p.reference for p in postings} == {f"pi_{story.gig_id.hex[:8]}"}
    assert {p.kind for p in postings} == {"charge"}


def test_approved_and_paid_work_leaves_pay_with_the_student_and_fee_with_the_platform() -> None:
    story = GigStory().funded().claimed().submitted().approved().paid_out()
    a = accounts(story)
    assert balances(fold(story.events)) == {
        a["employer"]: -(PAY + FEE),
        a["student"]: PAY,
        PLATFORM_FEES: FEE,
    }


def test_approval_alone_makes_the_pay_payable_but_moves_no_money_out() -> None:
    story = GigStory().funded().claimed().submitted().approved()
    a = accounts(story)
    assert balances(fold(story.events)) == {
        a["employer"]: -(PAY + FEE),
        a["payable_student"]: PAY,
        PLATFORM_FEES: FEE,
    }


@pytest.mark.parametrize("ending", ["cancelled", "deadline_expired"])
def test_an_unclaimed_gig_that_ends_refunds_pay_and_fee_in_full(ending: str) -> None:
    story = getattr(GigStory().funded(), ending)().refunded()
    assert balances(fold(story.events)) == {}


def test_cancelling_a_claimed_gig_pays_the_kill_fee_and_refunds_the_rest_of_the_pay() -> None:
    story = GigStory().funded().claimed().cancelled().paid_out().refunded()
    a = accounts(story)
    kill = PAY * 25 // 100
    assert balances(fold(story.events)) == {
        a["employer"]: -(kill + FEE),
        a["student"]: kill,
        PLATFORM_FEES: FEE,
    }


def test_a_dispute_split_rounds_the_student_share_down_and_the_employer_keeps_the_odd_cent() -> None:
    story = GigStory(pay=Money(10_001, "eur")).funded().claimed().submitted().rejected()
    story.disputed_and_resolved(33).paid_out().refunded()
    a = accounts(story)
    fee = 1_000  # 10 % of 100.01 rounded down
    assert balances(fold(story.events)) == {
        a["employer"]: -(3_300 + fee),
        a["student"]: 3_300,
        PLATFORM_FEES: fee,
    }
    assert {p.currency for p in fold(story.events)} == {"eur"}


def test_a_final_rejection_refunds_the_pay_and_the_platform_keeps_the_fee() -> None:
    story = GigStory().funded().claimed().submitted().rejected().rejection_final().refunded()
    a = accounts(story)
    assert balances(fold(story.events)) == {a["employer"]: -FEE, PLATFORM_FEES: FEE}


def test_a_failed_payout_moves_no_money_and_the_retry_completes_it() -> None:
    story = GigStory().funded().claimed().submitted().approved()
    before = fold(story.events)
    story.payout_failed()
    assert fold(story.events) == before
    story.paid_out()
    assert balances(fold(story.events))[accounts(story)["student"]] == PAY


def test_cancelling_before_funding_posts_nothing() -> None:
    assert fold(GigStory().published().cancelled().events) == []


def test_a_claim_released_and_taken_by_another_student_pays_the_second_student() -> None:
    story = GigStory().funded().claimed().withdrawn()
    first = accounts(story)
    story.claimed(Actor.user(uuid4(), "student")).submitted().approved().paid_out()
    second = accounts(story)
    assert second["student"] != first["student"]
    totals = balances(fold(story.events))
    assert totals[second["student"]] == PAY
    assert first["student"] not in totals and first["payable_student"] not in totals


def test_every_event_balances_to_zero_on_its_own() -> None:
    story = GigStory().funded().claimed().cancelled().payout_failed().paid_out().refunded()
    book = GigBook()
    for event in story.events:
        book, postings = post(book, event)
        assert sum(p.amount for p in postings) == 0, type(event).__name__
        assert all(p.amount != 0 for p in postings)


def test_money_without_a_known_employer_is_refused_rather_than_posted_to_nobody() -> None:
    events: list[Any] = GigStory().funded().events
    with pytest.raises(LedgerError):
        fold([e for e in events if type(e).__name__ != "DraftCreated"])
