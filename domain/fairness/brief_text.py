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
    vocabulary: frozenset[str]
    """Every lemma in every field: one set test tells a phrase list it has nothing to look for."""

    @classmethod
    def of(cls, brief: Brief) -> BriefText:
        title, summary = analyse(brief.title), analyse(brief.summary)
        deliverables = tuple(analyse(d) for d in brief.deliverables)
        criteria = tuple(analyse(c) for c in brief.acceptance_criteria)
        lists = (t.vocabulary for t in deliverables + criteria)
        vocabulary = title.vocabulary.union(summary.vocabulary, *lists)
        return cls(title, summary, deliverables, criteria, vocabulary)

    def fields(self, *, title: bool = True) -> Iterator[tuple[str, Analysed]]:
        """(evidence name, text) for each field; list items are named like `deliverables[0]`."""
        if title:
            yield "title", self.title
        yield "summary", self.summary
        for i, d in enumerate(self.deliverables):
            yield f"deliverables[{i}]", d
        for i, c in enumerate(self.acceptance_criteria):
            yield f"acceptance_criteria[{i}]", c
