"""Rules that fire on phrases found in a brief's free text, quoting each phrase and its field."""

from __future__ import annotations

from collections.abc import Iterator

from domain.fairness.brief_text import BriefText
from domain.fairness.flag import Flag
from domain.fairness.rules import Rule
from domain.fairness.text import PhraseSet


def phrase_flags(text: BriefText, phrases: PhraseSet, rule: Rule, lead: str) -> Iterator[Flag]:
    """One flag of `rule` citing every phrase of `phrases` found, or none."""
    if not phrases.may_match(text.vocabulary):
        return
    found = [(name, m.text) for name, field in text.fields() for m in phrases.find(field)]
    if found:
        quoted = ", ".join(f"'{phrase}' ({name})" for name, phrase in found)
        yield rule.flag(
            f"{lead}: {quoted}",
            list(dict.fromkeys(name for name, _ in found)),
            {"phrases": [phrase for _, phrase in found]},
        )
