"""A brief's fingerprint taken from the analysis the audit already made equals the one taken from
the brief itself, so the fairness model can analyse each brief once."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from domain.brief import Brief
from domain.fairness.brief_text import BriefText
from domain.fairness.similarity import fingerprint, fingerprint_of
from tests.unit.fairness.briefs import fair_brief

# Words the lemmatiser changes, stop words, sentence ends, contractions, a literal bar and
# letters outside ASCII: every path `analyse` can take.
_PIECES = st.sampled_from(
    ["design", "designed", "logos", "the", "and", "Report.", "won't", "can't", "isn't", "naïve",
     "Café", "data", "media", "3", "|", "a|b", "Deliverables!", "we'll", "users'", "İstanbul", "x_y", ";"]
)
_TEXT = st.lists(_PIECES, max_size=12).map(" ".join)


@given(title=_TEXT, summary=_TEXT, deliverables=st.lists(_TEXT, max_size=4))
def test_the_fingerprint_of_an_analysed_brief_is_the_briefs_fingerprint(
    title: str, summary: str, deliverables: list[str]
) -> None:
    brief = Brief(title=title or "t", summary=summary, deliverables=tuple(deliverables))
    assert fingerprint_of(BriefText.of(brief)) == fingerprint(brief)


def test_a_real_briefs_fingerprint_names_its_content_words_only() -> None:
    brief = fair_brief()
    prints = fingerprint_of(BriefText.of(brief))
    assert prints == fingerprint(brief)
    assert {"survey", "dataset", "dictionary", "column"} <= prints
    assert prints.isdisjoint({"the", "and", "|", "we"})
