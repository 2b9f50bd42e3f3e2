"""How alike two briefs are: Jaccard over the content lemmas of title, summary and deliverables.

Lemmas rather than words, so "design a logo" and "logo designed" agree; stop words dropped, so two
unrelated briefs do not look alike for sharing "the" and "and"."""

from __future__ import annotations

from domain.brief import Brief
from domain.fairness.brief_text import BriefText
from domain.fairness.text import BOUNDARY, analyse, words

_STOP = frozenset(
    words(
        "a an the and or of to in on for with by at from as is be are this that it we you our your will "
        "us i they their who what which all any can should must into about per each"
    )
)


def fingerprint(brief: Brief) -> frozenset[str]:
    text = " . ".join((brief.title, brief.summary, *brief.deliverables))
    return frozenset(w for w in analyse(text).lemmas if w != BOUNDARY and w not in _STOP)


def fingerprint_of(text: BriefText) -> frozenset[str]:
    """`fingerprint` of the brief `text` was analysed from, without analysing it again: the
    fields are analysed one by one there, which gives the same lemmas as analysing them joined."""
    fields = (text.title, text.summary, *text.deliverables)
    return frozenset().union(*(f.vocabulary for f in fields)) - _STOP - _BOUNDARY


_BOUNDARY = frozenset({BOUNDARY})


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 0.0
    return len(a & b) / len(a | b)
