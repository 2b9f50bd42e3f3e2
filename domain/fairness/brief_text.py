"""A brief's free-text fields, analysed once and shared by every language rule."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from domain.brief import Brief
from domain.fairness.text import Analysed, analyse


@dataclass(frozen=True, slots=True)
class BriefText:
    title: Analysed
    summary: Analysed
    deliverables: tuple[Analysed, ...]
    acceptance_criteria: tuple[Analysed, ...]

    @classmethod
    def of(cls, brief: Brief) -> BriefText:
        return cls(
            analyse(brief.title),
            analyse(brief.summary),
            tuple(analyse(d) for d in brief.deliverables),
            tuple(analyse(c) for c in brief.acceptance_criteria),
        )

    def fields(self, *, title: bool = True) -> Iterator[tuple[str, Analysed]]:
        """(evidence name, text) for each field; list items are named like `deliverables[0]`."""
        if title:
            yield "title", self.title
        yield "summary", self.summary
        for i, d in enumerate(self.deliverables):
            yield f"deliverables[{i}]", d
        for i, c in enumerate(self.acceptance_criteria):
            yield f"acceptance_criteria[{i}]", c
