"""The tip form as a resident filled it in: every value as typed, so that a refused form can be
shown again with nothing lost, and the errors that point at its fields."""

import uuid
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData, UploadFile

ANSWER = "answer."  # the prefix of the fields that answer the category's questions


@dataclass(frozen=True)
class TipForm:
    # A random id rendered into the form: sending it twice stores one tip.
    id: str
    category: str = ""
    description: str = ""
    locality: str = ""
    address: str = ""
    latitude: str = ""
    longitude: str = ""
    occurred_date: str = ""
    occurred_time: str = ""
    # Question code -> the values given (one for text and single choice, any for multiple).
    answers: dict[str, list[str]] = field(default_factory=dict)
    email: str = ""
    phone: str = ""
    consent: bool = False

    @classmethod
    def blank(cls, category: str) -> "TipForm":
        return cls(id=str(uuid.uuid4()), category=category)

    @classmethod
    def read(cls, form: FormData) -> "TipForm":
        """The form's fields; anything else sent along is left out."""

        def value(name: str) -> str:
            found = form.get(name)
            return found.strip() if isinstance(found, str) else ""

        answers: dict[str, list[str]] = {}
        for name, given in form.multi_items():
            if name.startswith(ANSWER) and isinstance(given, str) and given.strip():
                answers.setdefault(name.removeprefix(ANSWER), []).append(given.strip())
        return cls(
            id=_uuid_or_new(value("id")),
            category=value("category"),
            description=value("description"),
            locality=value("locality"),
            address=value("address"),
            latitude=value("latitude"),
            longitude=value("longitude"),
            occurred_date=value("occurred_date"),
            occurred_time=value("occurred_time"),
            answers=answers,
            email=value("email"),
            phone=value("phone"),
            consent=value("consent") == "yes",
        )


def _uuid_or_new(given: str) -> str:
    # Only a form that was tampered with lacks a valid id; it is no retry of anything.
    try:
        return str(uuid.UUID(given))
    except ValueError:
        return str(uuid.uuid4())


@dataclass(frozen=True)
class PhotoFile:
    name: str
    content: bytes
    content_type: str


async def read_photos(form: FormData, name: str = "photos") -> list[PhotoFile]:
    """The files chosen; a browser sends an empty, nameless part when none was."""
    photos = []
    for given in form.getlist(name):
        if isinstance(given, UploadFile):
            content = await given.read()
            if given.filename or content:
                photos.append(PhotoFile(given.filename or "", content, given.content_type or ""))
    return photos


@dataclass(frozen=True)
class FormError:
    """What is wrong (a kind of `texts.ERRORS`, with its parameters), and in which field: its
    name in the form, or `place` or `when` for a group of fields."""

    name: str
    kind: str
    params: dict[str, Any] = field(default_factory=dict)
