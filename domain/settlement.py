"""Who gets the escrow once a gig is decided: the student, the employer back, the platform fee."""

from __future__ import annotations

from dataclasses import dataclass

from domain.money import Money


@dataclass(frozen=True, slots=True)
class Settlement:
    student: Money
    employer: Money
    platform: Money

    @property
    def total(self) -> Money:
        return self.student + self.employer + self.platform
