"""An employer's fairness score: 100 less a fixed penalty per flag from the log, with the counts behind it.

Penalties follow severity rather than rule, so the score stays explainable from the flag list alone:
a warning costs 10 points, an info note 2, and a blocking flag 30.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from uuid import UUID

from domain.fairness.flag import Flag, JsonValue

PENALTY: Mapping[str, int] = {"blocking": 30, "warning": 10, "info": 2}
COUNTS = (
    "gigs", "published", "approvals", "auto_approvals", "rejections", "claim_cancellations",
    "revision_overruns", "spec_reposts", "payouts_late", "payouts_overdue",
)


@dataclass(frozen=True, slots=True)
class EmployerScore:
    employer_id: UUID
    score: int
    counts: Mapping[str, int]
    flags: tuple[Flag, ...]

    def to_dict(self) -> dict[str, JsonValue]:
        return {
            "employer_id": str(self.employer_id),
            "score": self.score,
            "counts": dict(self.counts),
            "flags": [f.to_dict() for f in self.flags],
        }


def score_employer(
    employer_id: UUID, counts: Mapping[str, int], flags: Iterable[Flag], payouts_overdue: int
) -> EmployerScore:
    flags = tuple(flags)
    score = max(0, 100 - sum(PENALTY[f.severity] for f in flags))
    all_counts = {name: counts.get(name, 0) for name in COUNTS} | {"payouts_overdue": payouts_overdue}
    return EmployerScore(employer_id, score, all_counts, flags)
