"""Use cases of the Open311 GeoReport v2 endpoint: discovery, the municipality's categories as
services, new requests through the one intake every tip takes, and the public view of tips."""

import hmac
import re
import uuid

from sqlmodel.ext.asyncio.session import AsyncSession

from tips.categories import service as categories
from tips.categories.models import Category
from tips.categories.schemas import Question
from tips.config import Open311Settings, Settings
from tips.domain import CATEGORY_CODE, Divert, QuestionKind, Source
from tips.errors import CategoryNotFound, InvalidField, TipIdTaken
from tips.open311 import queries
from tips.open311.forms import RequestForm, tip_submit
from tips.open311.queries import RequestQuery
from tips.open311.schemas import (
    MEDIA_TYPES,
    SPECIFICATION,
    ApiKeyRefused,
    Attribute,
    AttributeValue,
    Discovery,
    Endpoint,
    InvalidParameter,
    MissingParameter,
    RequestCreated,
    Service,
    ServiceDefinition,
    ServiceNotFound,
    ServiceRequest,
)
from tips.tips import service as intake
from tips.tips.models import Tip, TipContact
from tips.tips.schemas import TipSubmit

DATATYPE = {
    QuestionKind.TEXT: "text",
    QuestionKind.SINGLE: "singlevaluelist",
    QuestionKind.MULTIPLE: "multivaluelist",
}
DATATYPE_DESCRIPTION = {
    QuestionKind.TEXT: "Fritext, högst 1000 tecken.",
    QuestionKind.SINGLE: "Välj ett alternativ (attribute[code]=key).",
    QuestionKind.MULTIPLE: "Välj ett eller flera alternativ (attribute[code][]=key).",
}
SERVICE_CODE = re.compile(CATEGORY_CODE)
# Tip ids of retried requests: derived from the client and its Idempotency-Key.
RETRY_NAMESPACE = uuid.UUID("0b9e4f5c-7d3a-4c1e-9a56-3f1d2b8e6c70")


def discovery(settings: Settings) -> Discovery:
    open311 = settings.open311
    endpoint = Endpoint(
        specification=SPECIFICATION,
        url=f"{settings.public_base_url.rstrip('/')}/open311/v2",
        changeset=open311.changeset,
        type="production",
        formats=MEDIA_TYPES,
    )
    return Discovery(
        changeset=open311.changeset,
        contact=open311.contact,
        key_service=f"An api_key (needed only to POST requests) is given on request: "
        f"{open311.contact}",
        endpoints=[endpoint],
    )


async def list_services(session: AsyncSession, jurisdiction_id: str | None) -> list[Service]:
    """The municipality's categories in use, each parent followed by its subcategories."""
    municipality = await queries.jurisdiction(session, jurisdiction_id)
    rows = await categories.list_categories(session, municipality)
    names = {c.code: c.name_sv for c in rows}
    return [_service(c, names.get(c.parent_code or c.code, c.name_sv)) for c in rows]


def _service(category: Category, group: str) -> Service:
    keywords = [name for name in (category.name_en, group) if name and name != category.name_sv]
    return Service(
        service_code=category.code,
        service_name=category.name_sv,
        description=_described(category),
        metadata=bool(category.questions),
        type="realtime",
        keywords=", ".join(keywords),
        group=group,
    )


def _described(category: Category) -> str:
    # A category that is always urgent is listed so that a client can tell its user whom to
    # call; a request in it is refused with the same words.
    if category.divert:
        return intake.divert_message(Divert(category.divert), "sv")
    return category.description_sv or ""


async def service_definition(
    session: AsyncSession, jurisdiction_id: str | None, code: str
) -> ServiceDefinition:
    municipality = await queries.jurisdiction(session, jurisdiction_id)
    category = await _category(session, municipality, code)
    questions = [Question.model_validate(q) for q in category.questions]
    return ServiceDefinition(
        service_code=category.code,
        attributes=[_attribute(q, order) for order, q in enumerate(questions, start=1)],
    )


def _attribute(question: Question, order: int) -> Attribute:
    return Attribute(
        variable=True,
        code=question.code,
        datatype=DATATYPE[question.kind],
        required=question.required,
        datatype_description=DATATYPE_DESCRIPTION[question.kind],
        order=order,
        description=question.label_sv,
        values=[AttributeValue(key=o.key, name=o.name_sv) for o in question.options],
    )


async def _category(session: AsyncSession, municipality: str, code: str | None) -> Category:
    if code is None:
        raise MissingParameter("service_code was not provided.")
    not_found = ServiceNotFound(
        f"service_code {code[:40]!r} was not found in jurisdiction {municipality}."
    )
    # A code no category can have is not looked up (PostgreSQL text cannot even hold a NUL).
    if not SERVICE_CODE.fullmatch(code):
        raise not_found
    try:
        return await categories.get_active(session, municipality, code)
    except CategoryNotFound:
        raise not_found from None


def client_of(settings: Open311Settings, api_key: str | None) -> str:
    """The name of the client whose key this is; 403 for a missing or unknown key."""
    given = (api_key or "").encode()
    found = None
    # Every key is compared, each in constant time, so the time taken tells nothing.
    for client, key in settings.api_keys.items():
        if hmac.compare_digest(given, key.get_secret_value().encode()) and given:
            found = client
    if found is None:
        raise ApiKeyRefused("Missing or invalid api_key: cannot create the request.")
    return found


async def submit_request(
    session: AsyncSession, settings: Open311Settings, form: RequestForm, retry_key: str | None
) -> RequestCreated:
    """Files the request as a tip through the intake every source takes; see the route."""
    client = client_of(settings, form.api_key)
    municipality = await queries.jurisdiction(session, form.jurisdiction_id)
    category = await _category(session, municipality, form.service_code)
    tip_id = uuid.uuid5(RETRY_NAMESPACE, f"{client}\n{retry_key}") if retry_key else None
    body = tip_submit(form, category, tip_id)
    # The route answers failures itself, so the request's transaction commits even then: the
    # savepoint takes back whatever a refused request wrote.
    async with session.begin_nested():
        submitted = await _submit(session, municipality, body)
        if submitted.created:
            await _note_client(session, submitted.tip, client)
    notice = " ".join(filter(None, [intake.receipt_message("sv"), category.notice_sv]))
    return RequestCreated(service_request_id=str(submitted.tip.id), service_notice=notice)


async def _submit(session: AsyncSession, municipality: str, body: TipSubmit) -> intake.Submitted:
    try:
        return await intake.submit_tip(session, municipality, body, intake.Origin(Source.OPEN311))
    except InvalidField as exc:
        raise InvalidParameter(*_open311_fields(exc)) from None
    except TipIdTaken:
        raise InvalidParameter(
            "Idempotency-Key: already used for another request; use a new key."
        ) from None


def _open311_fields(exc: InvalidField) -> list[str]:
    found = []
    for error in exc.extensions.get("errors", []):
        pointer = str(error.get("pointer") or error.get("parameter", {}).get("name"))
        field = f"attribute[{pointer.rsplit('/', 1)[-1]}]" if "/answers/" in pointer else pointer
        found.append(f"{field}: {error['detail']}")
    return found


async def _note_client(session: AsyncSession, tip: Tip, client: str) -> None:
    # The spec has no consent field: the client vouches for its user's consent to be answered,
    # and the stored consent says so.
    contact = await session.get(TipContact, tip.id)
    if contact is not None:
        contact.consent_text = f"Open311 client {client}: {contact.consent_text}"
        session.add(contact)
    await session.flush()


async def list_requests(session: AsyncSession, query: RequestQuery) -> list[ServiceRequest]:
    municipality = await queries.jurisdiction(session, query.jurisdiction_id)
    return await queries.public_requests(session, municipality, query)


async def get_request(
    session: AsyncSession, jurisdiction_id: str | None, request_id: str
) -> list[ServiceRequest]:
    municipality = await queries.jurisdiction(session, jurisdiction_id)
    return [await queries.public_request(session, municipality, request_id)]
