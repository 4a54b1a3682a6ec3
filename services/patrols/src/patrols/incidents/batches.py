"""Reading a batch of incidents from a request body, JSON or CSV, into its rows: each row either
a valid report or the errors that point into it.

Every row is read before anything is refused, so one answer lists every bad row. JSON pointers
follow the body: `#/incidents/17/category` is the 18th element of a JSON batch (arrays count
from 0); `#/rows/18/category` is the 18th record after the header of a CSV batch (records count
from 1, blank lines are skipped, and a quoted value may span lines, so a record is not a line).
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from patrols.incidents.schemas import MAX_BATCH, IncidentCreate
from shared.problems import BadRequest, InvalidInput, validation_error, validation_message

CSV_COLUMNS = ("external_id", "source", "category", "occurred_at", "lon", "lat", "locality")
JSON = "application/json"
CSV = "text/csv"


@dataclass
class Row:
    """One incident of a batch: its place in the body, and the report or what is wrong."""

    pointer: str
    report: IncidentCreate | None = None
    errors: list[dict[str, str]] = field(default_factory=list)

    def refuse(self, name: str | None, detail: str) -> None:
        pointer = self.pointer if name is None else f"{self.pointer}/{name}"
        self.errors.append({"detail": detail, "pointer": pointer})


class _Envelope(BaseModel):
    """The JSON batch before its rows are read: an object with a list of at most 5,000."""

    model_config = ConfigDict(extra="forbid")

    incidents: list[Any] = Field(min_length=1, max_length=MAX_BATCH)


def read(content_type: str | None, body: bytes) -> list[Row]:
    """The batch's rows; refuses (400) a body that is neither JSON nor UTF-8 CSV, and (422) one
    whose outline is wrong: not an object of `incidents`, a CSV header that is not ours, too
    many rows or none."""
    media_type, charset = _media_type(content_type)
    if media_type == JSON:
        return _json_rows(body)
    if media_type == CSV:
        if charset not in (None, "utf-8", "utf8"):
            raise BadRequest("A CSV batch must be UTF-8 (charset=utf-8).")
        return _csv_rows(body)
    raise BadRequest(f"Send the batch as {JSON} or {CSV}.")


def _media_type(content_type: str | None) -> tuple[str, str | None]:
    main, *parameters = (content_type or "").split(";")
    charset = None
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return main.strip().lower(), charset


def _pointer(*parts: int | str) -> str:
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _outline_refused(exc: ValidationError) -> InvalidInput:
    errors = [validation_error({**e, "loc": ("body", *e["loc"])}) for e in exc.errors()]
    return InvalidInput("The batch does not have the shape it must have.", errors=errors)


# --- JSON ---------------------------------------------------------------------------------------


def _json_rows(body: bytes) -> list[Row]:
    try:
        envelope = _Envelope.model_validate_json(body)
    except ValidationError as exc:
        if any(e["type"] == "json_invalid" for e in exc.errors()):
            raise BadRequest("The body is not valid JSON (in UTF-8).") from None
        raise _outline_refused(exc) from None
    return [_json_row(i, item) for i, item in enumerate(envelope.incidents)]


def _json_row(index: int, item: Any) -> Row:
    row = Row(_pointer("incidents", index))
    try:
        row.report = IncidentCreate.model_validate(item)
    except ValidationError as exc:
        for error in exc.errors():
            row.refuse(_pointer(*error["loc"])[1:] or None, validation_message(error["msg"]))
    return row


# --- CSV ----------------------------------------------------------------------------------------


def _csv_rows(body: bytes) -> list[Row]:
    try:
        # A byte order mark is what spreadsheets put first; it is not part of the header.
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"The CSV is not UTF-8: {exc.reason} at byte {exc.start}.") from None
    records = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        columns = _columns(next(records, None))
        rows = [_csv_row(n, columns, record) for n, record in _numbered(records)]
    except csv.Error as exc:
        raise BadRequest(f"The CSV cannot be read: {exc}.") from None
    if not rows:
        raise _refused("/rows", "the CSV has a header but no rows")
    return rows


def _refused(pointer: str, detail: str) -> InvalidInput:
    return InvalidInput(
        detail[0].upper() + detail[1:] + ".", errors=[{"detail": detail, "pointer": pointer}]
    )


def _columns(header: list[str] | None) -> list[str]:
    expected = ",".join(CSV_COLUMNS)
    if header is None:
        raise _refused("/header", f"the CSV is empty: it needs the header {expected}")
    columns = [name.strip().lower() for name in header]
    if sorted(columns) != sorted(CSV_COLUMNS):
        raise _refused("/header", f"the header must name these columns, once each: {expected}")
    return columns


def _numbered(records: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    n = 0
    for record in records:
        if not any(value.strip() for value in record):
            continue
        n += 1
        if n > MAX_BATCH:
            raise _refused("/rows", f"a batch has at most {MAX_BATCH} rows")
        yield n, record


def _csv_row(n: int, columns: list[str], record: list[str]) -> Row:
    row = Row(_pointer("rows", n))
    if len(record) != len(columns):
        row.refuse(None, f"has {len(record)} values; the header names {len(columns)} columns")
        return row
    values = {name: value.strip() for name, value in zip(columns, record, strict=True)}
    fields: dict[str, Any] = {name: values[name] for name in CSV_COLUMNS[:4]}
    fields["locality"] = values["locality"] or None
    fields["location"] = _location(row, values["lon"], values["lat"])
    if row.errors:
        return row
    try:
        row.report = IncidentCreate.model_validate(fields)
    except ValidationError as exc:
        for error in exc.errors():
            row.refuse(_column(error["loc"]), error["msg"])
    return row


def _location(row: Row, lon: str, lat: str) -> dict[str, Any] | None:
    if not lon and not lat:
        return None
    coordinates = []
    for name, value in (("lon", lon), ("lat", lat)):
        try:
            coordinates.append(float(value))
        except ValueError:
            row.refuse(name, "give both lon and lat as decimal degrees (e.g. 13.8262), or neither")
    return {"type": "Point", "coordinates": coordinates}


def _column(loc: tuple[int | str, ...]) -> str | None:
    """The CSV column an error of the report is about: a point's errors are lon's or lat's."""
    if not loc:
        return None
    if loc[0] == "location":
        return "lat" if loc[2:3] == (1,) else "lon"
    return str(loc[0])
