"""The minimum-wage table: parsing, the city → state → country walk, and dates."""

from __future__ import annotations

import json
from datetime import date

import pytest

from domain.fairness.wage_data import default_wage_table
from domain.fairness.wages import MinimumWage, WageDataError, load_wage_table, parent_jurisdictions


def _table(*entries: tuple[str, int, str, str]) -> bytes:
    return json.dumps(
        {
            "entries": [
                {"jurisdiction": j, "hourly": {"amount": a, "currency": c}, "effective": d, "source": "test"}
                for j, a, c, d in entries
            ]
        }
    ).encode()


def _wage(found: MinimumWage | None) -> MinimumWage:
    assert found is not None
    return found


def test_parent_jurisdictions_walk_from_city_to_country() -> None:
    assert list(parent_jurisdictions("US-WA:seattle")) == ["US-WA:seattle", "US-WA", "US"]
    assert list(parent_jurisdictions("GB")) == ["GB"]


def test_the_latest_entry_in_force_on_the_date_wins() -> None:
    table = load_wage_table(
        _table(("US-CA", 1600, "usd", "2024-01-01"), ("US-CA", 1650, "usd", "2025-01-01"))
    )
    assert _wage(table.minimum_for("US-CA", date(2024, 12, 31))).hourly.amount == 1600
    assert _wage(table.minimum_for("US-CA", date(2025, 1, 1))).hourly.amount == 1650
    assert table.minimum_for("US-CA", date(2023, 12, 31)) is None


def test_a_city_falls_back_to_its_state_then_its_country() -> None:
    table = load_wage_table(_table(("US", 725, "usd", "2009-07-24"), ("US-WA", 1666, "usd", "2025-01-01")))
    assert _wage(table.minimum_for("US-WA:spokane", date(2026, 1, 1))).jurisdiction == "US-WA"
    assert _wage(table.minimum_for("US-TX:austin", date(2026, 1, 1))).jurisdiction == "US"


def test_the_highest_rate_along_the_chain_applies() -> None:
    """A state below the federal minimum does not lower it: the worker is owed the higher one."""
    table = load_wage_table(_table(("US", 725, "usd", "2009-07-24"), ("US-GA", 515, "usd", "2001-01-01")))
    assert _wage(table.minimum_for("US-GA", date(2026, 1, 1))).jurisdiction == "US"


def test_a_city_rate_not_yet_in_force_is_ignored() -> None:
    table = load_wage_table(
        _table(("US-WA", 1713, "usd", "2026-01-01"), ("US-WA:seattle", 2200, "usd", "2027-01-01"))
    )
    assert _wage(table.minimum_for("US-WA:seattle", date(2026, 6, 1))).jurisdiction == "US-WA"


@pytest.mark.parametrize(
    "data",
    [
        b"not json",
        b'{"rows": []}',
        _table(("US", 725, "xyz", "2009-07-24")),
        _table(("US", 725, "usd", "24/07/2009")),
        json.dumps(
            {
                "entries": [
                    {
                        "jurisdiction": "US",
                        "hourly": {"amount": 7.25, "currency": "usd"},
                        "effective": "2009-07-24",
                        "source": "x",
                    }
                ]
            }
        ).encode(),
    ],
)
def test_malformed_data_is_refused_at_load(data: bytes) -> None:
    with pytest.raises(WageDataError):
        load_wage_table(data)


def test_the_packaged_table_covers_the_required_places() -> None:
    table = default_wage_table()
    places = table.jurisdictions
    assert "US" in places
    assert len({p for p in places if p.startswith("US-") and ":" not in p}) >= 6
    assert len({p for p in places if p.startswith("US-") and ":" in p}) >= 3
    assert len({p.split("-")[0] for p in places if not p.startswith("US")}) >= 5
    assert _wage(table.minimum_for("US-CA", date(2026, 3, 2))).hourly.amount == 1690
    assert _wage(table.minimum_for("GB", date(2026, 3, 2))).hourly.currency == "gbp"
