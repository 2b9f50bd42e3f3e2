"""How domain values are stored in read-model columns, the same way in SQLite and PostgreSQL.

Times are fixed-width ISO-8601 UTC text so that string order is time order in both dialects;
money is an integer amount of minor units plus a currency column; lists and records are JSON.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec

from domain.brief import Brief
from domain.money import Money
from domain.settlement import Settlement

NEVER = "9999-12-31T23:59:59.999999Z"
"""Sorts after every real time: a missing deadline goes last in a soonest-first order."""


_RFC3339 = msgspec.to_builtins


def iso(moment: datetime) -> str:
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    # msgspec writes RFC 3339 ten times faster than isoformat (every event of a catch-up dates a
    # row in each model), always with four digits of year and a Z; it leaves the fraction out
    # when it is zero, which the fixed width puts back.
    text: str = _RFC3339(moment)
    return text if moment.microsecond else text[:19] + ".000000Z"


def iso_or_none(moment: datetime | None) -> str | None:
    return None if moment is None else iso(moment)


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


def amount(money: Money | None) -> int | None:
    return None if money is None else money.amount


def pay_columns(brief: Brief) -> dict[str, Any]:
    """The brief's pay as the read models store it: minor units and currency, both null unpaid."""
    pay = brief.pay
    return {
        "pay_amount": None if pay is None else pay.amount,
        "currency": None if pay is None else pay.currency,
    }


def money_dict(amount_: int | None, currency: str | None) -> dict[str, Any] | None:
    if amount_ is None or currency is None:
        return None
    return {"amount": amount_, "currency": currency}


def settlement_json(settlement: Settlement) -> str:
    return to_json(
        {
            "student": settlement.student.amount,
            "employer": settlement.employer.amount,
            "platform": settlement.platform.amount,
            "currency": settlement.student.currency,
        }
    )


_encode = msgspec.json.Encoder(order="sorted").encode
_decode = msgspec.json.Decoder().decode


def to_json(value: Any) -> str:
    return _encode(value).decode()


def from_json(text: str | None) -> Any:
    return None if text is None else _decode(text)
