"""Stored times: fixed-width ISO-8601 UTC text, so that string order is time order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from projections.columns import iso, parse_iso
from projections.database import values_of

moments = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
)


@given(moments)
def test_iso_is_fixed_width_utc_and_round_trips(moment: datetime) -> None:
    text = iso(moment)
    assert len(text) == 27
    assert text.endswith("Z")
    assert text == moment.isoformat(timespec="microseconds")[:26] + "Z"
    assert parse_iso(text) == moment


@given(moments, moments)
def test_string_order_is_time_order(a: datetime, b: datetime) -> None:
    assert (iso(a) < iso(b)) == (a < b)


def test_whole_seconds_keep_their_fraction() -> None:
    assert iso(datetime(2026, 11, 22, 5, 0, 0, tzinfo=UTC)) == "2026-11-22T05:00:00.000000Z"


def test_other_zones_are_written_in_utc() -> None:
    paris = timezone(timedelta(hours=1))
    assert iso(datetime(2026, 11, 22, 6, 30, 0, 250, tzinfo=paris)) == "2026-11-22T05:30:00.000250Z"


def test_values_of_takes_each_rows_values_in_the_columns_order_and_snapshots_them() -> None:
    rows = [{"b": 2, "a": 1, "c": [3]}, {"a": 4, "b": 5, "c": None}]
    assert values_of(("a", "b"), rows) == [(1, 2), (4, 5)]
    assert values_of(("c",), rows) == [([3],), (None,)]
    taken = values_of(("a",), rows)
    rows[0]["a"] = 99  # the page's handlers go on changing their rows
    assert taken == [(1,), (4,)]
