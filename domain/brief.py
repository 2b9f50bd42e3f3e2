"""The brief: what an employer asks for, for how much, by when, and with whom."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from domain.errors import ValidationFailed
from domain.money import Money

_JURISDICTION = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?(:[a-z][a-z0-9_-]*)?$")


@dataclass(frozen=True, slots=True)
class Supervisor:
    name: str
    email: str


@dataclass(frozen=True, slots=True)
class Brief:
    """A gig's scope. Every field but the title may be missing in a draft: the fairness audit
    explains what is missing, and publishing is what demands a fair brief."""

    title: str
    summary: str = ""
    deliverables: tuple[str, ...] = ()
    acceptance_criteria: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()
    estimated_hours: int | None = None
    pay: Money | None = None
    deadline: datetime | None = None
    revision_rounds: int = 1
    supervisor: Supervisor | None = None
    check_in_cadence: str | None = None
    communication_channels: tuple[str, ...] = ()
    jurisdiction: str = "US"

    def validate(self, now: datetime) -> None:
        """Refuse what cannot be a brief at all (as opposed to what is merely unfair)."""
        if not self.title.strip():
            raise ValidationFailed("title must not be empty", field="title")
        if len(self.title) > 200:
            raise ValidationFailed("title is longer than 200 characters", field="title")
        if self.pay is not None and self.pay.amount < 0:
            raise ValidationFailed("pay must not be negative", field="pay.amount")
        if self.estimated_hours is not None and not 0 < self.estimated_hours <= 2000:
            raise ValidationFailed("estimated_hours must be between 1 and 2000", field="estimated_hours")
        if self.deadline is not None and self.deadline <= now:
            raise ValidationFailed("deadline must be in the future", field="deadline")
        if not 0 <= self.revision_rounds <= 10:
            raise ValidationFailed("revision_rounds must be between 0 and 10", field="revision_rounds")
        if not _JURISDICTION.match(self.jurisdiction):
            raise ValidationFailed(
                "jurisdiction must be ISO 3166 (US, US-CA, GB) or a city as US-WA:seattle",
                field="jurisdiction",
            )
