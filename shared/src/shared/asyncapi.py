"""The event catalogue as an AsyncAPI 3.0 document, generated from the registered contracts.

`python -m shared.asyncapi write` rewrites docs/asyncapi.json; a unit test fails while the
committed document and the contracts differ.
"""

import json
import sys
from pathlib import Path
from typing import Any

from shared.events import Contract
from shared.schemas import production_contracts
from shared.settings import events_topic

DOCUMENT = Path(__file__).resolve().parents[3] / "docs" / "asyncapi.json"


def _message_name(contract: type[Contract]) -> str:
    return contract.wire_type.removeprefix("se.trygg.").replace(".", "_")


def _message(contract: type[Contract]) -> dict[str, Any]:
    data = contract.model_json_schema(ref_template="#/components/schemas/{model}")
    definitions = data.pop("$defs", {})
    return {
        "name": contract.wire_type,
        "title": contract.__name__,
        "summary": (contract.__doc__ or "").strip().splitlines()[0],
        "contentType": "application/cloudevents+json",
        "headers": {
            "type": "object",
            "properties": {
                "id": {
                    "type": "string",
                    "description": "The CloudEvent id, repeated as a Kafka header.",
                }
            },
        },
        "payload": {
            "type": "object",
            "required": ["specversion", "id", "source", "type", "subject", "time", "data"],
            "properties": {
                "specversion": {"const": "1.0"},
                "id": {"type": "string", "format": "uuid"},
                "source": {"const": contract.source},
                "type": {"const": contract.wire_type},
                "subject": {"type": "string", "description": "The aggregate id; the Kafka key."},
                "time": {"type": "string", "format": "date-time"},
                "datacontenttype": {"const": "application/json"},
                "data": data,
            },
        },
        "x-definitions": definitions,
    }


def document() -> dict[str, Any]:
    contracts = production_contracts()
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for contract in sorted(contracts.values(), key=lambda c: c.wire_type):
        service = contract.source.strip("/")
        channel = channels.setdefault(
            service,
            {
                "address": events_topic(service),
                "description": f"Events the {service} service publishes, keyed by aggregate id.",
                "messages": {},
            },
        )
        name = _message_name(contract)
        messages[name] = _message(contract)
        channel["messages"][name] = {"$ref": f"#/components/messages/{name}"}
    for service in channels:
        operations[f"publish_{service}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{service}"},
            "messages": [
                {"$ref": f"#/channels/{service}/messages/{m}"}
                for m in channels[service]["messages"]
            ],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Trygg events",
            "version": "1.0.0",
            "description": "CloudEvents 1.0 in structured JSON mode, one per Kafka record.",
        },
        "defaultContentType": "application/cloudevents+json",
        "servers": {"local": {"host": "127.0.0.1:9092", "protocol": "kafka"}},
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


def rendered() -> str:
    return json.dumps(document(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


if __name__ == "__main__":
    if sys.argv[1:] != ["write"]:
        sys.stderr.write("usage: python -m shared.asyncapi write\n")
        sys.exit(2)
    DOCUMENT.parent.mkdir(exist_ok=True)
    DOCUMENT.write_text(rendered())
