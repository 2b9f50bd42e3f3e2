"""Tokens, lemmas and phrase matching for the audit's language rules.

This module imports simplemma, the one third-party library in domain/ besides eventsourcing. Why
it is allowed: matching "volunteering", "volunteers" and "a volunteer role" with one rule needs a
lemmatiser, and simplemma is pure Python, maintained, and ships its dictionaries, so the audit
stays deterministic and offline. The library reads its packaged English dictionary once, on the
first lemma; nothing here reads files, the network or the clock.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import simplemma

# Sentence punctuation becomes this marker so phrases and negations never reach across sentences.
BOUNDARY = "|"
_TOKEN = re.compile(r"[^\W_]+|\|")
_SENTENCE_END = str.maketrans({".": " | ", "!": " | ", "?": " | ", ";": " | "})


def _ascii_table() -> bytes:
    """Lower-cases letters, keeps digits, turns sentence ends into BOUNDARY and the rest into spaces."""
    table = bytearray(b" " * 256)
    for code in range(128):
        char = chr(code)
        if char.isalnum():
            table[code] = ord(char.lower())
        elif char in ".!?;":
            table[code] = ord(BOUNDARY)
    return bytes(table)


# Most briefs are ASCII: bytes.translate then split is several times faster than a regex scan.
_ASCII = _ascii_table()
_CONTRACTIONS = re.compile(r"\b(won't|can't|\w+n't)\b")
_CACHE_LIMIT = 200_000
# simplemma's English data lemmatises a few words in ways that would surprise a reader of the rules.
_OVERRIDES: Mapping[str, str] = {"etc": "etc", "data": "data", "media": "media", "ad": "ad"}
def words(text: str) -> tuple[str, ...]:
    """A word list written as one string, which keeps long lexicons readable."""
    return tuple(text.split())


NEGATORS = frozenset({"no", "not", "never", "without", "nor", "non", "neither"})
# Words too frequent to index a phrase by: a phrase is looked up by its first slot free of them.
_COMMON = frozenset(
    words(
        "a an the and or of to in on for with by at from as be is are not no we you our your if only it "
        "this that other all any some their his her"
    )
)

_lemmas: dict[str, str] = {BOUNDARY: BOUNDARY}


def lemma(word: str) -> str:
    """The lemma of one lower-case word, memoised because briefs reuse a small vocabulary."""
    found = _lemmas.get(word)
    if found is None:
        if len(_lemmas) > _CACHE_LIMIT:
            _lemmas.clear()
            _lemmas[BOUNDARY] = BOUNDARY
        found = _OVERRIDES.get(word) or simplemma.lemmatize(word, lang="en").lower()
        _lemmas[word] = found
    return found


def _expand_contraction(match: re.Match[str]) -> str:
    word = match.group(1)
    if word == "won't":
        return "will not"
    if word == "can't":
        return "can not"
    return word[:-3] + " not"


@dataclass(frozen=True, slots=True)
class Analysed:
    """A text as its surface words and their lemmas, position by position."""

    words: tuple[str, ...]
    lemmas: tuple[str, ...]
    vocabulary: frozenset[str]

    def quote(self, start: int, end: int) -> str:
        return " ".join(w for w in self.words[start:end] if w != BOUNDARY)

    @property
    def word_count(self) -> int:
        return len(self.words) - self.words.count(BOUNDARY)


def analyse(text: str) -> Analysed:
    if "'" in text or "\u2019" in text:
        text = _CONTRACTIONS.sub(_expand_contraction, text.lower().replace("\u2019", "'"))
    if text.isascii():
        spaced = text.encode("ascii").translate(_ASCII).replace(b"|", b" | ")
        words = tuple(spaced.decode("ascii").split())
    else:
        words = tuple(_TOKEN.findall(text.lower().translate(_SENTENCE_END)))
    known = _lemmas.get
    lemmas = tuple([known(w) or lemma(w) for w in words])
    return Analysed(words, lemmas, frozenset(lemmas))


def lemma_set(words: Iterable[str]) -> frozenset[str]:
    """Words and their lemmas, so a lexicon matches whichever form the lemmatiser returns."""
    out: set[str] = set()
    for word in words:
        out.add(word)
        out.add(lemma(word))
    return frozenset(out)


@dataclass(frozen=True, slots=True)
class Phrase:
    """A sequence of lemma alternatives; `*` in a slot accepts any one word.

    A match is cancelled by a negator up to three words before it in the same sentence ("no unpaid
    trial"), by a word in `unless_prev` right before it ("paid trial"), or by a word in `unless_next`
    right after it ("exposure to real clients" is learning, not payment)."""

    label: str
    slots: tuple[frozenset[str], ...]
    unless_prev: frozenset[str] = frozenset()
    unless_next: frozenset[str] = frozenset()

    @property
    def anchor(self) -> int:
        """The slot a text is searched for: the first made only of uncommon words."""
        for i, slot in enumerate(self.slots):
            if slot is not _ANY and slot.isdisjoint(_COMMON):
                return i
        return 0


_ANY = frozenset({"*"})


def phrase(spec: str, *, unless_prev: Iterable[str] = (), unless_next: Iterable[str] = ()) -> list[Phrase]:
    """Compile `"for the? exposure|experience"`: `|` separates alternatives, `?` marks an optional slot."""
    choices: list[list[frozenset[str] | None]] = []
    for part in spec.split():
        optional = part.endswith("?")
        alternatives = _ANY if part == "*" else lemma_set(part.rstrip("?").split("|"))
        choices.append([alternatives, None] if optional else [alternatives])
    prev = lemma_set(unless_prev)
    nxt = lemma_set(unless_next)
    out = []
    for combo in itertools.product(*choices):
        slots = tuple(s for s in combo if s is not None)
        out.append(Phrase(spec.replace("?", ""), slots, prev, nxt))
    return out


@dataclass(frozen=True, slots=True)
class Match:
    phrase: Phrase
    text: str


@dataclass(slots=True)
class PhraseSet:
    """Phrases indexed by an uncommon word each, so most texts are ruled out by one set test and
    the rest are scanned once, whatever the size of the lexicon."""

    _by_anchor: dict[str, list[tuple[int, Phrase]]] = field(default_factory=dict)
    _anchors: frozenset[str] = frozenset()

    @classmethod
    def of(cls, phrases: Iterable[Phrase]) -> PhraseSet:
        index: dict[str, list[tuple[int, Phrase]]] = {}
        for p in phrases:
            anchor = p.anchor
            for word in p.slots[anchor]:
                index.setdefault(word, []).append((anchor, p))
        return cls(index, frozenset(index))

    def may_match(self, vocabulary: frozenset[str]) -> bool:
        return not self._anchors.isdisjoint(vocabulary)

    def find(self, text: Analysed) -> list[Match]:
        if self._anchors.isdisjoint(text.vocabulary):
            return []
        found: list[Match] = []
        lemmas = text.lemmas
        for i, word in enumerate(lemmas):
            for anchor, p in self._by_anchor.get(word, ()):
                start = i - anchor
                end = _match_at(p, lemmas, start) if start >= 0 else None
                if end is not None:
                    found.append(Match(p, text.quote(start, end)))
        return found


def _match_at(p: Phrase, lemmas: Sequence[str], start: int) -> int | None:
    end = start + len(p.slots)
    if end > len(lemmas):
        return None
    for slot, word in zip(p.slots, lemmas[start:end], strict=True):
        if word == BOUNDARY or (slot is not _ANY and word not in slot):
            return None
    if start > 0 and lemmas[start - 1] in p.unless_prev:
        return None
    for word in reversed(lemmas[max(0, start - 3) : start]):
        if word == BOUNDARY:
            break
        if word in NEGATORS:
            return None
    if end < len(lemmas) and lemmas[end] in p.unless_next:
        return None
    return end
