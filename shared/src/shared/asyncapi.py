"""The event catalogue as an AsyncAPI 3.0 document, generated from the registered contracts.

`python -m shared.asyncapi write` rewrites docs/asyncapi.json; a unit test fails while the
committed document and the contracts differ, and another has the official AsyncAPI parser
check it.
"""

import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic.json_schema import models_json_schema

from shared.events import CONTENT_TYPE, Contract
from shared.schemas import production_contracts, schema_id
from shared.settings import events_topic

DOCUMENT = Path(__file__).resolve().parents[3] / "docs" / "asyncapi.json"
SCHEMA_REF = "#/components/schemas/{model}"

TRACEPARENT = {
    "type": ["string", "null"],
    # Version 00's layout; a later version may append fields, hence no end anchor.
    "pattern": "^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}",
    "description": (
        "The W3C Trace Context `traceparent` of the work that emitted the event (the CloudEvents "
        "distributed-tracing extension attribute). Absent when that work was not traced."
    ),
    "examples": ["00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"],
}


def _message_name(contract: type[Contract]) -> str:
    return contract.wire_type.removeprefix("se.trygg.").replace(".", "_")


def _envelope(contract: type[Contract], data: dict[str, Any]) -> dict[str, Any]:
    """The CloudEvent around one contract's data: every attribute `shared.events.envelope` sets."""
    data_schema = schema_id(contract.wire_type)
    return {
        "type": "object",
        "required": [
            "specversion",
            "id",
            "source",
            "type",
            "subject",
            "time",
            "datacontenttype",
            "data",
        ],
        "properties": {
            "specversion": {"const": "1.0", "description": "The CloudEvents version."},
            "id": {
                "type": "string",
                "format": "uuid",
                "description": "Unique per event; a redelivered or replayed record keeps it.",
            },
            "source": {"const": contract.source, "description": "The producing service."},
            "type": {"const": contract.wire_type, "description": "The contract's wire type."},
            "subject": {"type": "string", "description": "The aggregate id; the Kafka key."},
            "time": {
                "type": "string",
                "format": "date-time",
                "description": "When the event was emitted, with its UTC offset.",
            },
            "datacontenttype": {
                "const": "application/json",
                "description": "The media type of data.",
            },
            "traceparent": TRACEPARENT,
            "data": {
                "description": f"The event's facts; its JSON Schema is {data_schema}.",
                "allOf": [data],
            },
        },
    }


def _headers() -> dict[str, Any]:
    """The Kafka headers the relay puts on every record."""
    return {
        "type": "object",
        "required": ["id", "content-type"],
        "properties": {
            "id": {"type": "string", "description": "The CloudEvent id, repeated."},
            "content-type": {"const": CONTENT_TYPE},
            "traceparent": {
                **TRACEPARENT,
                "type": "string",
                "description": "The envelope's traceparent, repeated; only when it has one.",
            },
        },
    }


def _message(contract: type[Contract], data: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": contract.wire_type,
        "title": contract.__name__,
        "summary": (contract.__doc__ or "").strip().splitlines()[0],
        "contentType": CONTENT_TYPE,
        "headers": _headers(),
        "payload": _envelope(contract, data),
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": "The aggregate id."},
                "bindingVersion": "0.5.0",
            }
        },
    }


def _schemas(contracts: list[type[Contract]]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Each contract's reference, and every model they use under one name in components/schemas.

    Pydantic names the definitions of all contracts together: one model used by many is one
    entry, and two different models of the same name get their module-qualified names.
    """
    refs, combined = models_json_schema(
        [(c, "validation") for c in contracts], ref_template=SCHEMA_REF
    )
    definitions = combined.get("$defs", {})
    return [refs[(c, "validation")] for c in contracts], {
        name: _draft_07(schema) for name, schema in definitions.items()
    }


# Keywords whose value is a subschema, a list of them, or a map from names to them.
_SUBSCHEMA = ("items", "additionalItems", "additionalProperties", "not", "contains")
_SUBSCHEMA_LISTS = ("anyOf", "oneOf", "allOf")
_SUBSCHEMA_MAPS = ("properties", "patternProperties")


def _draft_07(schema: Any) -> Any:
    """Pydantic writes JSON Schema 2020-12; an AsyncAPI schema is draft-07. The one keyword of
    theirs that differs is the tuple: 2020-12's `prefixItems` is draft-07's list of `items`."""
    if not isinstance(schema, dict):
        return schema
    return {key: _subschemas(key, value) for key, value in _tuple_as_items(schema).items()}


def _tuple_as_items(schema: dict[str, Any]) -> dict[str, Any]:
    # Pydantic's tuples are fixed (it has min/maxItems beside prefixItems), so no `items` to keep.
    out = dict(schema)
    if "prefixItems" in out:
        out["items"] = out.pop("prefixItems")
    return out


def _subschemas(keyword: str, value: Any) -> Any:
    if keyword in _SUBSCHEMA_MAPS:
        return {name: _draft_07(s) for name, s in value.items()}
    if keyword not in _SUBSCHEMA + _SUBSCHEMA_LISTS:
        return value
    return [_draft_07(s) for s in value] if isinstance(value, list) else _draft_07(value)


def _channel(service: str) -> dict[str, Any]:
    return {
        "address": events_topic(service),
        "description": f"Events the {service} service publishes, keyed by aggregate id.",
        "messages": {},
    }


def catalogue(contracts: Iterable[type[Contract]]) -> dict[str, Any]:
    """The AsyncAPI document of these contracts, each on its producer's topic."""
    ordered = sorted(contracts, key=lambda c: c.wire_type)
    data_refs, schemas = _schemas(ordered)
    channels: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for contract, data in zip(ordered, data_refs, strict=True):
        service = contract.source.strip("/")
        name = _message_name(contract)
        messages[name] = _message(contract, data)
        channel = channels.setdefault(service, _channel(service))
        channel["messages"][name] = {"$ref": f"#/components/messages/{name}"}
    operations = {
        f"publish_{service}": {
            "action": "send",
            "channel": {"$ref": f"#/channels/{service}"},
            "messages": [
                {"$ref": f"#/channels/{service}/messages/{m}"} for m in channel["messages"]
            ],
        }
        for service, channel in channels.items()
    }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Trygg events",
            "version": "1.0.0",
            "description": "CloudEvents 1.0 in structured JSON mode, one per Kafka record.",
        },
        "defaultContentType": CONTENT_TYPE,
        "servers": {"local": {"host": "127.0.0.1:9092", "protocol": "kafka"}},
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


def document() -> dict[str, Any]:
    return catalogue(production_contracts().values())


def rendered() -> str:
    return json.dumps(document(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


if __name__ == "__main__":
    if sys.argv[1:] != ["write"]:
        sys.stderr.write("usage: python -m shared.asyncapi write\n")
        sys.exit(2)
    DOCUMENT.parent.mkdir(exist_ok=True)
    DOCUMENT.write_text(rendered())
