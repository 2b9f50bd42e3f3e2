"""The words the language rules look for, as data. Each list is lemmatised once, on first use."""

from __future__ import annotations

from functools import cache

from domain.fairness.text import PhraseSet, lemma_set, phrase, words

_PAY_TIMING = ("until", "before", "after", "on", "upon", "within", "via", "through", "by")
_PAY_WORDS = ("pay", "payment", "the", "a", "fee", "usd", "eur", "gbp", "money", "compensation")
_PAID = ("pay", "paid", "compensated", "compensate")
_SEEKING = ("look", "seek", "ask", "require", "want", "prefer", "need", "search")
_REQUIREMENT_NEXT = (
    "with", "in", "of", "using", "on", "into", "to", "working", "building", "level", "requirement",
    "required", "needed", "necessary",
)
_FREE_AS_TOPIC = (
    "campaign", "request", "box", "program", "offer", "giveaway", "page", "signup", "kit", "tool", "tools",
    "software", "template", "templates", "resource", "resources", "font", "fonts", "asset", "assets",
)

UNPAID_SPECS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    # (phrase, also cancelled by one of these words just before it, or by one just after it)
    ("unpaid", (), ()),
    ("no|without pay|payment|compensation|salary|wage|fee|remuneration|stipend", (), ()),
    ("compensation|pay|payment|remuneration|stipend none|nil|nothing", (), ()),
    ("compensation|pay|payment|remuneration be? exposure|experience|credit|recommendation|testimonial",
     (), ()),
    ("no|without monetary|financial compensation|pay|payment|reward|remuneration", (), ()),
    ("not be? pay|compensate|remunerate", (), (*_PAY_TIMING, "any", "a", "the", "anything", "fee", "fees")),
    ("be not pay|compensate", (), _PAY_TIMING),
    ("volunteer|voluntary role|position|opportunity|basis|internship|gig|job|project|capacity|work|crew|post",
     (), ()),
    ("as a? volunteer", (), ()),
    ("volunteer your|their|his|her|some time|hour|hours|skill|skills", (), ()),
    ("volunteer with|for us", (), ()),
    ("pro bono", (), ()),
    ("for the? exposure|experience|visibility|credit", _SEEKING, _REQUIREMENT_NEXT),
    ("academic|course|college|school|university credit", (), ()),
    ("in exchange|return for", (), _PAY_WORDS),
    ("in lieu|instead of pay|payment|compensation|wage|salary|money|cash", (), ()),
    ("great|good|valuable|amazing|huge|excellent|fantastic|massive|incredible exposure", (), ("to",)),
    ("exposure only|instead", (), ()),
    ("portfolio piece|item|credit|builder", (), ()),
    ("trial task|project|assignment|period|shift|work|day|week", _PAID, ()),
    ("test task|assignment", _PAID, ()),
    ("free work|labour|labor|help|design|designs|mockup|mockups|article|articles|sample|samples", (),
     _FREE_AS_TOPIC),
    ("spec work", (), ()),
    ("pay|compensate only? if we like|use|choose|select|pick|accept|publish", (), ()),
    ("commission|equity|exposure only", (), ()),
    ("deferred pay|payment|compensation", (), ()),
)

FILLER_SPECS: tuple[str, ...] = (
    "various task|duty|thing|project|assignment|responsibility|activity|request|job|errand",
    "other task|duty|thing|responsibility as? assign|need|require|direct",
    "and other related? task|duty|thing|project|responsibility",
    "other related task|duty|responsibility",
    "not limit to",
    "scope|role|responsibility may|will|can|might change|evolve|grow|expand",
    "wherever|whenever need|needed|required|necessary",
    "where need|needed",
    "etc",
    "and so on|forth",
    "and more",
    "help|pitch out",
    "help with whatever|anything",
    "whatever come up",
    "whatever need|needed|required",
    "ad hoc task|duty|project|request|support|work",
    "miscellaneous|misc task|duty|work|project|support",
    "odd job|jobs",
    "general support|help|assistance|duty|admin",
    "anything and everything",
    "wear many hat",
)

# Deliverables built on these verbs describe taking part, not handing something over.
_ACTIVITY_WORDS: tuple[str, ...] = words(
    "help helping support supporting assist assisting assistance contribute contributing participate "
    "participation work working learn learning shadow shadowing attend attending join joining be "
    "engage engaging collaborate collaborating aid handle handling do doing get involved involvement "
    "exposure experience familiarise familiarize observe observing various general ongoing"
)

_ARTEFACT_WORDS: tuple[str, ...] = words(
    "report dashboard deck slide slides presentation analysis analyses spreadsheet workbook sheet "
    "script module app application page website site landing design mockup mockups wireframe "
    "wireframes prototype logo video post posts article articles blog copy draft plan strategy "
    "document documentation doc docs guide manual memo summary list database dataset model chart "
    "charts map audit test tests suite pipeline api endpoint feature component integration template "
    "newsletter email emails campaign calendar survey questionnaire transcript transcripts "
    "translation spec specification diagram flowchart playbook checklist catalog catalogue "
    "inventory budget forecast proposal pitch plugin extension bot notebook code repository "
    "pr fix patch recording podcast episode infographic illustration icon icons banner brochure "
    "flyer poster caption captions storyboard thumbnail photo photos image images graphic graphics "
    "asset assets schema query queries tag annotation annotations benchmark writeup readme tutorial "
    "course lesson quiz wiki faq sop roadmap matrix scorecard persona personas file files csv pdf "
    "form tracker table visualization visualisation note notes brief outline mock library "
    "glossary index cli tool workflow automation scraper crawler sitemap audit "
    "recommendation recommendations findings memo evaluation review reel clip clips animation "
    "font palette styleguide kit toolkit invoice contract policy handbook newsletter "
    "screenshot screenshots redesign flow export endpoint changelog post deployment appendix tab ledger "
    "schedule timeline bibliography subtitle subtitles sequence base webhook shortlist directory"
)

# Nouns that name an output in "brand design" but only an activity in "help with design".
_AMBIGUOUS_ARTEFACTS: tuple[str, ...] = words(
    "design analysis code documentation strategy copy draft plan test tests model campaign review "
    "feature integration component map content research marketing writing testing data"
)

NUMBER_WORDS = frozenset(words("one two three four five six seven eight nine ten twelve fifteen twenty"))

_CADENCE_WORDS: tuple[str, ...] = words(
    "daily weekly fortnightly biweekly monthly twice every each per once monday tuesday wednesday "
    "thursday friday saturday sunday morning afternoon evening standup stand sync day week hour "
    "times mid midpoint milestone"
)

# A supervisor "named" only by one of these is not a person the student can turn to.
_GENERIC_SUPERVISOR: tuple[str, ...] = words(
    "team the our staff hr tbd tba tbc na n a manager hiring admin office us someone company department"
)


@cache
def unpaid_phrases() -> PhraseSet:
    return PhraseSet.of(
        p for spec, prev, nxt in UNPAID_SPECS for p in phrase(spec, unless_prev=prev, unless_next=nxt)
    )


@cache
def filler_phrases() -> PhraseSet:
    as_needed = phrase("as need|needed|required|necessary|directed", unless_next=("by", "in", "per", "for"))
    return PhraseSet.of([*as_needed, *(p for spec in FILLER_SPECS for p in phrase(spec))])


@cache
def activity_words() -> frozenset[str]:
    return lemma_set(_ACTIVITY_WORDS)


@cache
def artefact_words() -> frozenset[str]:
    return lemma_set(_ARTEFACT_WORDS)


@cache
def cadence_words() -> frozenset[str]:
    return lemma_set(_CADENCE_WORDS)


@cache
def generic_supervisor_words() -> frozenset[str]:
    return lemma_set(_GENERIC_SUPERVISOR)


@cache
def concrete_artefact_words() -> frozenset[str]:
    return artefact_words() - ambiguous_artefact_words()


@cache
def ambiguous_artefact_words() -> frozenset[str]:
    return lemma_set(_AMBIGUOUS_ARTEFACTS)
