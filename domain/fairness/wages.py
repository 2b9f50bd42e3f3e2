"""Minimum wages by jurisdiction and date, parsed from data (see minimum_wages.json).

Jurisdictions are ISO 3166 codes, with a city appended after a colon: "US", "US-CA", "US-WA:seattle".
A lookup walks city → state → country and returns the highest rate in force among them on the
date, because where a city, a state and a country each set a minimum the worker is owed the highest.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date

from domain.errors import ValidationFailed
from domain.money import Money


class WageDataError(ValueError):
    """The minimum-wage data is malformed; raised at load time, never during an audit."""


@dataclass(frozen=True, slots=True)
class MinimumWage:
    jurisdiction: str
    hourly: Money
    effective: date
    source: str


def parent_jurisdictions(code: str) -> Iterator[str]:
    """"US-WA:seattle" → "US-WA:seattle", "US-WA", "US"."""
    yield code
    if ":" in code:
        code = code.split(":", 1)[0]
        yield code
    if "-" in code:
        yield code.split("-", 1)[0]


class WageTable:
    def __init__(self, entries: Iterable[MinimumWage]) -> None:
        by_place: dict[str, list[MinimumWage]] = {}
        for entry in entries:
            by_place.setdefault(entry.jurisdiction, []).append(entry)
        # Newest first, so a lookup stops at the first entry already in force.
        self._by_place = {k: sorted(v, key=lambda e: e.effective, reverse=True) for k, v in by_place.items()}

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_place.values())

    @property
    def jurisdictions(self) -> frozenset[str]:
        return frozenset(self._by_place)

    def in_force(self, jurisdiction: str, on: date) -> MinimumWage | None:
        """The entry for exactly this jurisdiction in force on the date, without falling back."""
        for entry in self._by_place.get(jurisdiction, ()):
            if entry.effective <= on:
                return entry
        return None

    def minimum_for(self, jurisdiction: str, on: date, currency: str | None = None) -> MinimumWage | None:
        """The rate owed in the jurisdiction on the date: the highest in force along city → state →
        country. With `currency`, levels in another currency are not compared (no exchange rates)."""
        best: MinimumWage | None = None
        for place in parent_jurisdictions(jurisdiction):
            entry = self.in_force(place, on)
            if entry is None or (currency is not None and entry.hourly.currency != currency):
                continue
            if best is None or (
                entry.hourly.currency == best.hourly.currency and entry.hourly.amount > best.hourly.amount
            ):
                best = entry
        return best


def load_wage_table(data: bytes) -> WageTable:
    try:
        document = json.loads(data)
        return WageTable(_entry(raw) for raw in document["entries"])
    except (KeyError, TypeError, ValueError, ValidationFailed) as e:
        raise WageDataError(f"minimum-wage data is malformed: {e}") from e


def _entry(raw: Mapping[str, object]) -> MinimumWage:
    hourly = raw["hourly"]
    if not isinstance(hourly, Mapping):
        raise TypeError(f"hourly must be an object in {raw!r}")
    # Money refuses anything but an int, so a rate written as 16.5 fails here rather than truncating.
    return MinimumWage(
        jurisdiction=str(raw["jurisdiction"]),
        hourly=Money(hourly["amount"], str(hourly["currency"])),
        effective=date.fromisoformat(str(raw["effective"])),
        source=str(raw["source"]),
    )
