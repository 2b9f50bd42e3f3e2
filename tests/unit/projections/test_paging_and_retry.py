from __future__ import annotations

import pytest

from projections.paging import InvalidQuery, checked_limit, decode_cursor, encode_cursor
from projections.supervision import RetryPolicy


def test_a_cursor_round_trips_its_sort_key_and_id() -> None:
    cursor = encode_cursor("pay", 42_000, "b6c1")
    assert decode_cursor(cursor, 3) == ["pay", 42_000, "b6c1"]


@pytest.mark.parametrize("cursor", ["%%%", encode_cursor("pay", 1), "eyJ"])
def test_a_cursor_the_server_did_not_issue_is_refused(cursor: str) -> None:
    with pytest.raises(InvalidQuery) as refused:
        decode_cursor(cursor, 3)
    assert refused.value.field == "cursor"


def test_a_cursor_whose_parts_are_not_of_the_types_asked_is_refused() -> None:
    cursor = encode_cursor(2, "b6c1")
    assert decode_cursor(cursor, 2, (int, str)) == [2, "b6c1"]
    with pytest.raises(InvalidQuery) as refused:
        decode_cursor(cursor, 2, (str, str))
    assert refused.value.field == "cursor"


def test_a_boolean_is_not_a_number_in_a_cursor() -> None:
    with pytest.raises(InvalidQuery):
        decode_cursor(encode_cursor(True, 3), 2, (int, int))
    assert decode_cursor(encode_cursor(True, 3), 2, (object, int)) == [True, 3]


def test_limit_defaults_to_fifty_and_stops_at_five_hundred() -> None:
    assert checked_limit(None) == 50
    assert checked_limit(500) == 500
    for bad in (0, 501):
        with pytest.raises(InvalidQuery):
            checked_limit(bad)


def test_back_off_doubles_up_to_its_ceiling() -> None:
    policy = RetryPolicy(first_delay=0.5, factor=2.0, max_delay=3.0)
    assert [policy.delay(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]
