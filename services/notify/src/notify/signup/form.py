"""The subscribe form's fields as typed, and the subscription they make.

The form is read as text, so that a refused form comes back with what the resident typed.
What it makes is the same `SubscriptionCreate` the JSON route takes, validated the same way;
the form only adds what a page must say itself (which field, in which language).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from notify.domain import Channel, Language, Topic
from notify.subscriptions.schemas import SubscriptionCreate
from shared import localities

DEFAULT_RADIUS_M = "300"
TEXT_FIELDS = ("locality", "latitude", "longitude", "radius_m", "channel", "email", "phone")


@dataclass(frozen=True)
class SignupForm:
    """What the resident typed or chose, as text."""

    locality: str = ""
    latitude: str = ""
    longitude: str = ""
    radius_m: str = DEFAULT_RADIUS_M
    topics: tuple[str, ...] = tuple(t.value for t in Topic)
    channel: str = Channel.EMAIL.value
    email: str = ""
    phone: str = ""
    language: str = Language.SV.value

    @classmethod
    def blank(cls, municipality: str, lang: str, locality: str | None) -> "SignupForm":
        """A new form in the page's language, with the named locality chosen if it is one of
        the municipality's."""
        found = localities.find(locality, municipality) if locality else None
        return cls(locality=found.name if found else "", language=lang)

    @classmethod
    def read(cls, fields: FormData) -> "SignupForm":
        def text(name: str) -> str:
            value = fields.get(name)
            return value.strip() if isinstance(value, str) else ""

        topics = tuple(t for t in fields.getlist("topic") if isinstance(t, str))
        language = text("language") or Language.SV.value
        return cls(**{n: text(n) for n in TEXT_FIELDS}, topics=topics, language=language)


@dataclass(frozen=True)
class FormRefused(Exception):
    """The form cannot make a subscription; `errors` names each field that is wrong."""

    form: SignupForm
    errors: tuple[str, ...] = field(default_factory=tuple)


def _decimal(text: str) -> float | None:
    """A number as a Swedish or English keyboard writes it: 57,16 or 57.16."""
    try:
        return float(text.replace(",", ".").replace("\N{MINUS SIGN}", "-"))
    except ValueError:
        return None


def _place(form: SignupForm, municipality: str) -> tuple[dict[str, Any] | None, list[str]]:
    if form.locality:
        found = localities.find(form.locality, municipality)
        if found is None:
            return None, ["locality"]
        return {"kind": "locality", "name": found.name}, []
    if not (form.latitude or form.longitude):
        return None, ["place"]
    lat, lon = _decimal(form.latitude), _decimal(form.longitude)
    radius = form.radius_m or DEFAULT_RADIUS_M
    errors = [] if lat is not None and lon is not None else ["latitude"]
    errors += [] if radius.isdecimal() else ["radius_m"]
    if errors:
        return None, errors
    center = {"type": "Point", "coordinates": [lon, lat]}
    return {"kind": "point", "center": center, "radius_m": int(radius)}, []


def _reach(form: SignupForm) -> tuple[dict[str, Any], list[str]]:
    """The topics and the one contact of the chosen channel: the other is not kept."""
    if form.channel not in (Channel.EMAIL, Channel.SMS):
        return {}, ["channel"]
    errors = [] if form.topics else ["topics"]
    name = "email" if form.channel == Channel.EMAIL else "phone"
    value = getattr(form, name)
    if not value:
        errors.append(name)
    return {name: value, "topics": dict.fromkeys(form.topics, form.channel)}, errors


def field_of(location: Iterable[int | str]) -> str:
    """The form field a validation error's location (or a problem's pointer) is about."""
    parts = [str(p) for p in location]
    if "radius_m" in parts:
        return "radius_m"
    if parts[:1] == ["place"]:
        return "locality" if "name" in parts else "latitude"
    known = {"email", "phone", "topics", "language"}
    return next((p for p in parts if p in known), "place")


def subscription(form: SignupForm, municipality: str) -> SubscriptionCreate:
    """The subscription the form asks for, to the page's municipality only."""
    place, errors = _place(form, municipality)
    reach, more = _reach(form)
    errors += more
    if form.language not in (Language.SV, Language.EN):
        errors.append("language")
    if errors or place is None:
        raise FormRefused(form, tuple(dict.fromkeys(errors)))
    body = {**reach, "place": place, "municipality_code": municipality, "language": form.language}
    try:
        return SubscriptionCreate.model_validate(body)
    except ValidationError as invalid:
        found = (field_of(e["loc"]) for e in invalid.errors())
        raise FormRefused(form, tuple(dict.fromkeys(found))) from None


def refused(form: SignupForm, pointer: str) -> FormRefused:
    """A refusal from the use case, whose RFC 6901 pointer (`/place/locality`) names the field."""
    return FormRefused(form, (field_of(pointer.split("/")[1:]),))
