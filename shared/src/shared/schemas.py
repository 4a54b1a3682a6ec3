"""The committed JSON Schema of every event contract, and the check that they are current.

`python -m shared.schemas write` rewrites them after a reviewed contract change; the unit tests
fail while a contract and its committed schema differ.
"""

import json
import sys
from pathlib import Path

import shared.contracts  # noqa: F401  (registers every contract)
from shared.events import Contract, registered

SCHEMA_DIR = Path(__file__).parent / "contracts" / "schemas"
# Pydantic writes JSON Schema 2020-12. Each schema's id is a URL under this base, ending in the
# wire type: a stable name to refer to it by, not an address anything is served from.
DIALECT = "https://json-schema.org/draft/2020-12/schema"
ID_BASE = "https://trygg.se/schemas/events/"


def production_contracts() -> dict[str, type[Contract]]:
    return {t: c for t, c in registered().items() if not t.startswith("se.trygg.test.")}


def schema_id(wire_type: str) -> str:
    return f"{ID_BASE}{wire_type}.json"


def schema_of(contract: type[Contract]) -> str:
    """The JSON Schema of the event's `data` (the envelope is in docs/asyncapi.json)."""
    schema = contract.model_json_schema()
    schema["$schema"] = DIALECT
    schema["$id"] = schema_id(contract.wire_type)
    schema["x-source"] = contract.source
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def schema_path(wire_type: str) -> Path:
    return SCHEMA_DIR / f"{wire_type}.json"


def stale_schemas() -> list[str]:
    """Wire types whose committed schema is missing or differs, and schemas without a contract."""
    contracts = production_contracts()
    stale = [
        t
        for t, c in contracts.items()
        if not schema_path(t).exists() or schema_path(t).read_text() != schema_of(c)
    ]
    orphans = [p.stem for p in SCHEMA_DIR.glob("*.json") if p.stem not in contracts]
    return sorted(stale + orphans)


def write() -> None:
    SCHEMA_DIR.mkdir(parents=True, exist_ok=True)
    contracts = production_contracts()
    for path in SCHEMA_DIR.glob("*.json"):
        if path.stem not in contracts:
            path.unlink()
    for wire_type, contract in contracts.items():
        schema_path(wire_type).write_text(schema_of(contract))


if __name__ == "__main__":
    if sys.argv[1:] == ["write"]:
        write()
    else:
        sys.stderr.write("usage: python -m shared.schemas write\n")
        sys.exit(2)
