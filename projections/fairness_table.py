"""`fairgig audit fairness`: the fairness report as plain-text tables for a terminal or a file."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from projections.columns import iso
from projections.database import Database
from projections.fairness_report import fairness_report
from projections.paging import MAX_LIMIT


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[n]) for row in (header, *rows)) for n in range(len(header) - 1)]

    def line(cells: Sequence[str]) -> str:
        # The last column (a reason, a rule list) is left ragged: padding it only adds trailing blanks.
        padded = (cell.ljust(width) for cell, width in zip(cells, widths, strict=False))
        return "  ".join([*padded, cells[-1]])

    return [line(header), line(["-" * len(h) for h in header]), *map(line, rows)]


def _pages(db: Database, now: datetime, **query: Any) -> Iterator[dict[str, Any]]:
    cursor = None
    while True:
        page = fairness_report(db, now=now, limit=MAX_LIMIT, cursor=cursor, **query)
        yield page
        cursor = page["next_cursor"]
        if cursor is None:
            return


def main_report(
    db: Database, now: datetime, *, severity: str | None = None, employer: str | UUID | None = None
) -> str:
    """Every employer's score and every flagged gig (all pages), at `severity` or above."""
    employers: list[dict[str, Any]] = []
    gigs: list[list[str]] = []
    for page in _pages(db, now, severity=severity, employer=employer):
        employers.extend(page["employers"])
        for item in page["items"]:
            for flag in item["flags"]:
                gigs.append([item["gig_id"], item["employer_id"], item["status"], flag["severity"],
                             flag["rule"], flag["reason"]])
    out = [f"Fairness report at {iso(now)}, flags at {severity or 'info'} or above", ""]
    if employers:
        out += ["Employers, lowest score first", *_table(
            ["employer", "score", "flags", "rules"],
            [[e["employer_id"], str(e["score"]), str(len(e["flags"])),
              ", ".join(sorted({f["rule"] for f in e["flags"]})) or "-"] for e in employers],
        ), ""]
    else:
        out += ["No employer has flags at this level.", ""]
    if gigs:
        header = ["gig", "employer", "status", "severity", "rule", "reason"]
        out += ["Gigs, worst first", *_table(header, gigs)]
    else:
        out.append("There are no flagged gigs at this level.")
    return "\n".join(out) + "\n"
