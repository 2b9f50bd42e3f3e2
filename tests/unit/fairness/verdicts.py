"""What counts as a "vague" or an "unpaid" verdict when a report is scored against the corpus labels.

vague: any vague-category flag at warning or blocking severity (info never decides a verdict).
unpaid: any unpaid-category flag at blocking severity; a pay rate that is legal but under the
platform floor is a warning about fairness, not a finding that the work is unpaid.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.fairness import FairnessReport


def is_vague(report: FairnessReport) -> bool:
    return any(f.category == "vague" and f.severity in ("warning", "blocking") for f in report.flags)


def is_unpaid(report: FairnessReport) -> bool:
    return any(f.category == "unpaid" and f.severity == "blocking" for f in report.flags)


@dataclass(frozen=True)
class Score:
    true_positive: int
    false_positive: int
    false_negative: int

    @classmethod
    def of(cls, pairs: list[tuple[bool, bool]]) -> Score:
        """`pairs` are (label, prediction)."""
        return cls(
            sum(1 for label, said in pairs if label and said),
            sum(1 for label, said in pairs if not label and said),
            sum(1 for label, said in pairs if label and not said),
        )

    @property
    def precision(self) -> float:
        flagged = self.true_positive + self.false_positive
        return self.true_positive / flagged if flagged else 0.0

    @property
    def recall(self) -> float:
        actual = self.true_positive + self.false_negative
        return self.true_positive / actual if actual else 0.0
