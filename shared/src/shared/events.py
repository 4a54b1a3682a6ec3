"""Event contracts, the CloudEvents 1.0 envelope they travel in, and the registry by wire type."""

import re
import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

CONTENT_TYPE = "application/cloudevents+json"
WIRE_TYPE = re.compile(r"^se\.trygg\.[a-z_]+\.[a-z_]+\.[a-z_]+\.v[0-9]+$")


class Contract(BaseModel):
    """Base of every event payload. Subclasses name their wire type explicitly."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    wire_type: ClassVar[str]
    source: ClassVar[str]
    aggregate_type: ClassVar[str]

    def aggregate_id(self) -> str:
        raise NotImplementedError


class CloudEvent(BaseModel):
    """A CloudEvents 1.0 envelope in structured JSON mode."""

    model_config = ConfigDict(extra="allow")

    specversion: Literal["1.0"]
    id: str = Field(min_length=1)
    source: str = Field(min_length=1)
    type: str = Field(min_length=1)
    subject: str | None = None
    time: AwareDatetime
    datacontenttype: Literal["application/json"] = "application/json"
    # CloudEvents' distributed tracing extension: the W3C trace context the event was made in.
    traceparent: str | None = None
    data: dict[str, Any]


class InvalidEvent(Exception):
    """A record that is not a valid CloudEvent, or whose data breaks its contract."""


C = TypeVar("C", bound=type[Contract])
_registry: dict[str, type[Contract]] = {}


def register(cls: C) -> C:
    """Class decorator: make a contract known by its wire type."""
    if not WIRE_TYPE.match(cls.wire_type):
        raise ValueError(f"bad wire type {cls.wire_type!r}")
    if _registry.setdefault(cls.wire_type, cls) is not cls:
        raise ValueError(f"wire type {cls.wire_type!r} registered twice")
    return cls


def contract_for(wire_type: str) -> type[Contract] | None:
    return _registry.get(wire_type)


def registered() -> dict[str, type[Contract]]:
    return dict(_registry)


def envelope(contract: Contract, traceparent: str | None = None) -> CloudEvent:
    return CloudEvent(
        specversion="1.0",
        id=str(uuid.uuid4()),
        source=contract.source,
        type=contract.wire_type,
        subject=contract.aggregate_id(),
        time=datetime.now(UTC),
        traceparent=traceparent,
        data=contract.model_dump(mode="json"),
    )


def parse_envelope(raw: bytes | None) -> CloudEvent:
    if raw is None:
        raise InvalidEvent("empty record")
    try:
        return CloudEvent.model_validate_json(raw)
    except ValidationError as exc:
        raise InvalidEvent(f"not a CloudEvent: {_summary(exc)}") from exc


def parse_data(event: CloudEvent, contract: type[Contract]) -> Contract:
    try:
        return contract.model_validate(event.data)
    except ValidationError as exc:
        raise InvalidEvent(f"data breaks {event.type}: {_summary(exc)}") from exc


def _summary(exc: ValidationError) -> str:
    return "; ".join(
        f"{'/'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in exc.errors()[:5]
    )
