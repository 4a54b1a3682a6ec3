"""What a tipster is told, in the tip's language: that the tip arrived, and how it was closed.

The texts are built from what does not change once the tip is stored or closed, so a retried
hand-over carries the same text and notify recognises it by its Idempotency-Key.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from shared.dates import spelled_day
from tips.domain import LOCAL_TIME, Outcome

ACKNOWLEDGEMENT = {
    "sv": (
        "Tack för ditt tips",
        "Tack för ditt tips om {category}, mottaget {date}. Referens: {reference}. "
        "Vid akuta händelser ring 112.",
    ),
    "en": (
        "Thank you for your tip",
        "Thank you for your tip about {category}, received {date}. Reference: {reference}. "
        "In an emergency, call 112.",
    ),
}
CLOSING = {
    "sv": (
        "Ditt tips är avslutat",
        "Ditt tips om {category}, mottaget {date} (referens {reference}), är nu avslutat. "
        "{outcome}",
    ),
    "en": (
        "Your tip has been closed",
        "Your tip about {category}, received {date} (reference {reference}), is now closed. "
        "{outcome}",
    ),
}
OUTCOMES = {
    "sv": {
        Outcome.FIXED: "Det du tipsade om är åtgärdat.",
        Outcome.NOT_OURS: "Det du tipsade om är inte något som kommunen eller polisen kan åtgärda.",
        Outcome.NO_ACTION: "Vi har tagit del av tipset men gör ingen åtgärd just nu. Det ingår i "
        "vår bild av läget i området.",
        None: "Tipset har gåtts igenom.",
    },
    "en": {
        Outcome.FIXED: "What you told us about has been dealt with.",
        Outcome.NOT_OURS: "What you told us about is not something the municipality or the "
        "police can deal with.",
        Outcome.NO_ACTION: "We have read your tip but are taking no action for now. It is part "
        "of our picture of the area.",
        None: "Your tip has been looked into.",
    },
}


@dataclass(frozen=True)
class About:
    """What the texts say about the tip: nothing the tipster did not send or may not know."""

    tip_id: uuid.UUID
    language: str
    category: str  # the category's name in the tip's language
    received_at: datetime
    outcome: str | None = None
    public_note: str | None = None


@dataclass(frozen=True)
class Text:
    subject: str
    body: str


def reference(tip_id: uuid.UUID) -> str:
    """The short reference a tipster can quote: the start of the tip's id."""
    return tip_id.hex[:8].upper()


def day(moment: datetime, language: str) -> str:
    return spelled_day(moment.astimezone(LOCAL_TIME).date(), language)


def _lower_first(name: str) -> str:
    # "Otrygg plats" reads "otrygg plats" mid-sentence; an acronym keeps its capitals.
    return name[:1].lower() + name[1:] if name[1:2].islower() else name


def _fields(about: About, language: str) -> dict[str, str]:
    return {
        "category": _lower_first(about.category),
        "date": day(about.received_at, language),
        "reference": reference(about.tip_id),
    }


def language_of(about: About) -> str:
    return about.language if about.language in ACKNOWLEDGEMENT else "sv"


def acknowledgement(about: About) -> Text:
    language = language_of(about)
    subject, body = ACKNOWLEDGEMENT[language]
    return Text(subject, body.format(**_fields(about, language)))


def closing(about: About) -> Text:
    language = language_of(about)
    subject, body = CLOSING[language]
    outcome = OUTCOMES[language][_outcome(about.outcome)]
    text = body.format(**_fields(about, language), outcome=outcome)
    if about.public_note:
        text = f"{text}\n\n{about.public_note}"
    return Text(subject, text)


def _outcome(value: str | None) -> Outcome | None:
    try:
        return Outcome(value) if value is not None else None
    except ValueError:  # an outcome this text does not know yet: said in general words
        return None


def compose(kind: str, about: About) -> Text:
    return closing(about) if kind == "closing" else acknowledgement(about)
