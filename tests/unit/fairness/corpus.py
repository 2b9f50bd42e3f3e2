"""The labelled brief corpus (tests/fairness_corpus/briefs.json) as Brief values with their labels."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from domain.brief import Brief, Supervisor
from domain.money import Money

CORPUS = Path(__file__).resolve().parents[2] / "fairness_corpus" / "briefs.json"


@dataclass(frozen=True)
class Labelled:
    id: str
    brief: Brief
    vague: bool
    unpaid: bool
    why: str


def load_corpus() -> tuple[datetime, list[Labelled]]:
    document = json.loads(CORPUS.read_text(encoding="utf-8"))
    now = datetime.fromisoformat(document["now"])
    return now, [_labelled(raw, now) for raw in document["briefs"]]


def _labelled(raw: dict[str, Any], now: datetime) -> Labelled:
    pay, supervisor, days = raw["pay"], raw["supervisor"], raw["deadline_in_days"]
    brief = Brief(
        title=raw["title"],
        summary=raw["summary"],
        deliverables=tuple(raw["deliverables"]),
        acceptance_criteria=tuple(raw["acceptance_criteria"]),
        skills=tuple(raw["skills"]),
        estimated_hours=raw["estimated_hours"],
        pay=None if pay is None else Money(pay["amount"], pay["currency"]),
        deadline=None if days is None else now + timedelta(days=days),
        revision_rounds=raw["revision_rounds"],
        supervisor=None if supervisor is None else Supervisor(supervisor["name"], supervisor["email"]),
        check_in_cadence=raw["check_in_cadence"],
        communication_channels=tuple(raw["communication_channels"]),
        jurisdiction=raw["jurisdiction"],
    )
    return Labelled(raw["id"], brief, raw["vague"], raw["unpaid"], raw["why"])
