"""Precision and recall of the brief audit against the labelled corpus."""

from __future__ import annotations

import pytest

from domain.fairness import audit_brief
from domain.fairness.wage_data import default_wage_table
from tests.unit.fairness.corpus import Labelled, load_corpus
from tests.unit.fairness.verdicts import Score, is_unpaid, is_vague

THRESHOLD = 0.9


@pytest.fixture(scope="module")
def scored() -> list[tuple[Labelled, bool, bool]]:
    now, corpus = load_corpus()
    wages = default_wage_table()
    out = []
    for item in corpus:
        report = audit_brief(item.brief, now=now, wages=wages)
        out.append((item, is_vague(report), is_unpaid(report)))
    return out


def test_corpus_is_large_and_covers_every_label_combination(
    scored: list[tuple[Labelled, bool, bool]],
) -> None:
    labels = {(item.vague, item.unpaid) for item, _, _ in scored}
    assert len(scored) >= 80
    assert labels == {(False, False), (True, False), (False, True), (True, True)}


@pytest.mark.parametrize("label", ["vague", "unpaid"])
def test_precision_and_recall_are_at_least_ninety_percent(
    scored: list[tuple[Labelled, bool, bool]], label: str
) -> None:
    pairs = [(getattr(item, label), vague if label == "vague" else unpaid) for item, vague, unpaid in scored]
    score = Score.of(pairs)
    misses = [item.id for (item, *_), (truth, said) in zip(scored, pairs, strict=True) if truth != said]
    print(
        f"\n{label}: precision {score.precision:.3f} recall {score.recall:.3f} "
        f"(tp {score.true_positive}, fp {score.false_positive}, fn {score.false_negative}) misses: {misses}"
    )
    assert score.precision >= THRESHOLD, misses
    assert score.recall >= THRESHOLD, misses
