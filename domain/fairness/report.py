"""A brief's fairness report: its flags in order of severity, and whether publishing is blocked."""

from __future__ import annotations

from dataclasses import dataclass

from domain.fairness.flag import SEVERITY_ORDER, Flag, JsonValue


@dataclass(frozen=True, slots=True)
class FairnessReport:
    flags: tuple[Flag, ...]

    @classmethod
    def of(cls, flags: list[Flag]) -> FairnessReport:
        # Stable sort: blocking first, then each rule family in the order the checks ran.
        return cls(tuple(sorted(flags, key=lambda f: SEVERITY_ORDER[f.severity])))

    @property
    def blocking(self) -> bool:
        return any(f.severity == "blocking" for f in self.flags)

    @property
    def blocking_rules(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f.rule for f in self.flags if f.severity == "blocking"))

    def has(self, rule: str) -> bool:
        return any(f.rule == rule for f in self.flags)

    def first(self, rule: str) -> Flag | None:
        return next((f for f in self.flags if f.rule == rule), None)

    def to_dict(self) -> dict[str, JsonValue]:
        return {"flags": [f.to_dict() for f in self.flags], "blocking": self.blocking}
