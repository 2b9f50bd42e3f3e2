"""The packaged minimum-wage table.

This is the one read of package data in domain/, kept apart from the pure parser in wages.py so
the rules can be tested with any table and a deployment can ship its own.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from domain.fairness.wages import WageTable, load_wage_table


@cache
def default_wage_table() -> WageTable:
    data = resources.files("domain.fairness").joinpath("minimum_wages.json").read_bytes()
    return load_wage_table(data)
