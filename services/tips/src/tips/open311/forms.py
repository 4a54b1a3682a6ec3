"""The form of `POST requests`: read as the spec sends it, described for OpenAPI, and turned
into the tip it describes."""

import math
import re
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.datastructures import FormData, UploadFile

from tips.categories.models import Category
from tips.domain import QuestionKind
from tips.open311.schemas import InvalidParameter, MissingParameter
from tips.tips.schemas import TipSubmit

# The spec's POST fields; `attribute[code]` and `attribute[code][]` come besides.
FIELDS = (
    "api_key",
    "jurisdiction_id",
    "service_code",
    "lat",
    "long",
    "address_string",
    "address_id",
    "email",
    "device_id",
    "account_id",
    "first_name",
    "last_name",
    "phone",
    "description",
    "media_url",
)
ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")


class RequestForm(BaseModel):
    """The fields of `POST requests`, an empty one as if not given."""

    model_config = ConfigDict(frozen=True)

    api_key: str | None = None
    jurisdiction_id: str | None = None
    service_code: str | None = None
    lat: str | None = None
    long: str | None = None
    address_string: str | None = None
    address_id: str | None = None
    email: str | None = None
    device_id: str | None = None
    account_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    description: str | None = None
    media_url: str | None = None
    attributes: dict[str, list[str]] = {}

    @classmethod
    def read(cls, form: FormData) -> "RequestForm":
        """The form's fields; refuses unknown, repeated and file fields."""
        fields: dict[str, str] = {}
        attributes: dict[str, list[str]] = {}
        for name in dict.fromkeys(form.keys()):
            values = [_text(name, v) for v in form.getlist(name)]
            if attribute := ATTRIBUTE.match(name):
                attributes.setdefault(attribute.group(1), []).extend(v for v in values if v.strip())
            elif name not in FIELDS:
                raise InvalidParameter(f"{name}: not a parameter of POST requests.")
            elif len(values) > 1:
                raise InvalidParameter(f"{name}: given more than once.")
            elif values[0].strip():
                fields[name] = values[0].strip()
        return cls(**fields, attributes=attributes)


def _text(name: str, value: str | UploadFile) -> str:
    if not isinstance(value, str):
        raise InvalidParameter(f"{name}: files are not accepted.")
    return value


# The spec allows no markup in a description. It is refused rather than stripped, so that what
# staff read is what the resident wrote.
MARKUP = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(\s[^<>]*)?/?>|<!--|&#?[A-Za-z0-9]+;")
ADDRESS_ID = re.compile(r"^[^\x00-\x1f]{1,100}$")
NO_DESCRIPTION = "(Skickat via Open311 utan beskrivning.)"
# Where each field of a tip comes from in the spec's form, for the errors.
FORM_FIELD = {
    "description": "description",
    "address": "address_string",
    "location": "lat/long",
    "email": "email",
    "phone": "phone",
}


def tip_submit(form: RequestForm, category: Category, tip_id: uuid.UUID | None) -> TipSubmit:
    """The tip the form describes, checked as every tip is."""
    location = _point(form.lat, form.long)
    if location is None and form.address_string is None and form.address_id is None:
        raise MissingParameter(
            "A location was not provided: give lat and long, address_string or address_id."
        )
    if form.address_id is not None and not ADDRESS_ID.fullmatch(form.address_id):
        raise InvalidParameter("address_id: at most 100 characters, on one line.")
    if form.description is not None and MARKUP.search(form.description):
        raise InvalidParameter("description: may contain line breaks, but no HTML or code.")
    contact = None
    if form.email is not None or form.phone is not None:
        contact = {"email": form.email, "phone": form.phone, "consent": True}
    body = {
        "id": tip_id,
        "category": category.code,
        "description": form.description or NO_DESCRIPTION,
        "location": location,
        "address": form.address_string,
        "address_id": form.address_id,
        "answers": _answers(form.attributes, category),
        "contact": contact,
        "language": "sv",
    }
    try:
        return TipSubmit.model_validate(body)
    except ValidationError as exc:
        raise InvalidParameter(*[_described(e) for e in exc.errors()]) from None


def _point(lat: str | None, long: str | None) -> dict[str, Any] | None:
    if lat is None and long is None:
        return None
    if lat is None or long is None:
        raise InvalidParameter("lat/long: give both, or neither.")
    return {"type": "Point", "coordinates": [_number("long", long), _number("lat", lat)]}


def _number(name: str, value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise InvalidParameter(f"{name}: not a WGS84 coordinate: {value[:40]!r}.")
    return number


def _answers(attributes: dict[str, list[str]], category: Category) -> dict[str, Any]:
    """Answers shaped as their questions ask: a list for a multivaluelist, else one value."""
    kinds = {q["code"]: q["kind"] for q in category.questions}
    answers: dict[str, Any] = {}
    for code, values in attributes.items():
        if kinds.get(code) in (QuestionKind.TEXT, QuestionKind.SINGLE) and len(values) > 1:
            raise InvalidParameter(f"attribute[{code}]: takes one value.")
        if kinds.get(code) == QuestionKind.MULTIPLE or len(values) > 1:
            answers[code] = values
        elif values:
            answers[code] = values[0]
    return answers


def _described(error: Any) -> str:
    loc = [str(part) for part in error["loc"]]
    if loc[:1] == ["answers"] and len(loc) > 1:
        field = f"attribute[{loc[1]}]"
    else:
        field = next((FORM_FIELD[part] for part in loc if part in FORM_FIELD), "request")
    # Said in words rather than as the pattern that refused it.
    plain = {"email": "not an email address.", "phone": "not a phone number."}
    return f"{field}: {plain.get(field, error['msg'])}"


def _form_property(name: str) -> dict[str, Any]:
    described = {
        "api_key": "The key this client was given. Required.",
        "jurisdiction_id": "The municipality code (kommunkod). Required.",
        "service_code": "The category, from `GET services`. Required.",
        "lat": "WGS84 latitude; with `long`, or give address_string or address_id.",
        "long": "WGS84 longitude.",
        "address_string": "Where it is, most specific first.",
        "address_id": "An address id of the municipality's address register.",
        "description": "At most 4,000 characters; line breaks, but no HTML (refused).",
        "email": "Kept to answer the tipster: the client vouches for their consent.",
        "phone": "Kept to answer the tipster: the client vouches for their consent.",
    }
    return {"type": "string", "description": described.get(name, "Optional; not stored.")}


REQUEST_FORM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["api_key", "jurisdiction_id", "service_code"],
    "properties": {name: _form_property(name) for name in FIELDS},
    "patternProperties": {
        ATTRIBUTE.pattern: {
            "type": "string",
            "description": "An answer: `attribute[code]=key`, or `attribute[code][]=key` once "
            "per key of a multivaluelist.",
        }
    },
    "additionalProperties": False,
}
