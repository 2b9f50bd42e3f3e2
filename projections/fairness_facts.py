"""The behaviour facts as rows of `fairness_facts`, and the fold over them that the report reads.

A row is (seq, gig_id, version, employer_id, kind, at, student_id, number, words): `seq` is the log
order; `number` is the one integer a kind carries (revision rounds on "created" and "edited", the
round on "changes_requested", 1 when a dispute paid the student); `words` is a brief's fingerprint,
space-separated. Plain columns rather than JSON because decoding is on the full report's hot path
(JSON doubled its time), and for the same reason each id is parsed into a UUID once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.fairness import BehaviourAudit, FairnessPolicy
from domain.fairness.behaviour import Fact
from projections.database import Connection
from projections.read_model import iso_at, text_id

SEVERITY_LEVEL: Mapping[str, int] = {"info": 1, "warning": 2, "blocking": 3}
"""Severities as numbers, so "at least a warning" is a comparison in SQL and in Python."""

_NUMBER_OF: Mapping[str, str] = {
    "created": "revision_rounds",
    "edited": "revision_rounds",
    "changes_requested": "round",
    "dispute_resolved": "student_paid",
}


def last_seq(conn: Connection) -> int:
    """The `seq` of the last fact stored (0: none)."""
    found = conn.fetchone("SELECT COALESCE(MAX(seq), 0) AS seq FROM fairness_facts")
    return int(found["seq"]) if found else 0


def fact_row(fact: Fact) -> dict[str, Any]:
    """The parameters of one `fairness_facts` insert (the employer is looked up by gig in SQL)."""
    number = _NUMBER_OF.get(fact.kind)
    return {
        "gig_id": text_id(fact.originator_id),
        "version": fact.originator_version,
        "kind": fact.kind,
        "at": iso_at(fact.timestamp),
        "student_id": None if fact.student_id is None else text_id(fact.student_id),
        "number": None if number is None else int(getattr(fact, number)),
        "words": " ".join(sorted(fact.fingerprint)) if fact.kind in ("created", "edited") else None,
    }


class FactDecoder:
    """Rows back into facts. A gig's id appears in several rows and an employer's in many, so
    each is parsed into a UUID once."""

    def __init__(self) -> None:
        self._ids: dict[str, UUID] = {}

    def uuid(self, text: str) -> UUID:
        found = self._ids.get(text)
        if found is None:
            found = self._ids[text] = UUID(text)
        return found

    def fact(self, row: Mapping[str, Any]) -> Fact:
        kind: str = row["kind"]
        gig_id = self.uuid(row["gig_id"])
        at = datetime.fromisoformat(row["at"])
        student = row["student_id"]
        student_id = None if student is None else self.uuid(student)
        number = row["number"]
        if number is None:
            return Fact(kind, gig_id, row["version"], at, None, student_id)
        if kind == "created" or kind == "edited":
            words = row["words"]
            employer = self.uuid(row["employer_id"]) if kind == "created" else None
            prints = frozenset(words.split()) if words else frozenset()
            return Fact(kind, gig_id, row["version"], at, employer, None, number, prints)
        if kind == "changes_requested":
            return Fact(kind, gig_id, row["version"], at, round=number)
        return Fact(kind, gig_id, row["version"], at, student_paid=bool(number))


_SELECT = "SELECT seq, gig_id, version, employer_id, kind, at, student_id, number, words FROM fairness_facts"


def load_facts(conn: Connection, employer_id: str | None = None) -> list[Fact]:
    """Every stored fact in log order, or only those of one employer's gigs."""
    if employer_id is None:
        rows = conn.fetchall(f"{_SELECT} ORDER BY seq")
    else:
        rows = conn.fetchall(
            f"{_SELECT} WHERE employer_id = :employer_id ORDER BY seq", {"employer_id": employer_id}
        )
    decoder = FactDecoder()
    return [decoder.fact(row) for row in rows]


def facts_after(conn: Connection, seq: int) -> tuple[list[Fact], int]:
    """The facts stored after `seq`, in log order, and the `seq` of the last (`seq` if none)."""
    rows = conn.fetchall(f"{_SELECT} WHERE seq > :seq ORDER BY seq", {"seq": seq})
    decoder = FactDecoder()
    return [decoder.fact(row) for row in rows], int(rows[-1]["seq"]) if rows else seq


def fold(facts: Iterable[Fact], policy: FairnessPolicy | None = None) -> BehaviourAudit:
    audit = BehaviourAudit(policy)
    observe = audit.observe_fact
    for fact in facts:
        observe(fact)
    return audit
