"""A fairness flag: one rule applied to one brief or one stretch of the log, with its proof."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

Category: TypeAlias = Literal["unpaid", "vague", "conduct"]
Severity: TypeAlias = Literal["info", "warning", "blocking"]
JsonValue: TypeAlias = str | int | float | bool | Mapping[str, "JsonValue"] | Sequence["JsonValue"] | None

SEVERITY_ORDER: Mapping[str, int] = {"blocking": 0, "warning": 1, "info": 2}


@dataclass(frozen=True, slots=True)
class Flag:
    """`evidence` names what proves the flag: brief field names, or event ids from the log.
    `data` carries the numbers behind the reason so an API can put them in a problem detail."""

    rule: str
    category: Category
    severity: Severity
    reason: str
    evidence: tuple[str, ...]
    data: Mapping[str, JsonValue] = field(default_factory=dict, hash=False)

    def to_dict(self) -> dict[str, JsonValue]:
        return {
            "rule": self.rule,
            "category": self.category,
            "severity": self.severity,
            "reason": self.reason,
            "evidence": list(self.evidence),
        }
