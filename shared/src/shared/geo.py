"""GeoJSON geometry (RFC 7946, WGS84) as Pydantic models, checked with shapely, stored in PostGIS.

Input is refused when it is not a geometry a map can draw: rings that do not close, polygons
that cross themselves, coordinates outside WGS84. Rings of either winding are accepted (RFC 7946
§3.1.6 asks parsers not to reject them); output follows the right-hand rule.
"""

from dataclasses import dataclass
from typing import Annotated, Any, Generic, Literal, Self, TypeVar

import shapely.geometry
from fastapi import Query
from geoalchemy2 import WKBElement
from geoalchemy2.shape import from_shape, to_shape
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    WrapValidator,
    model_validator,
)
from pydantic import ValidatorFunctionWrapHandler as Handler
from pydantic_core import InitErrorDetails, PydanticCustomError
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient
from shapely.validation import explain_validity
from sqlalchemy import ColumnElement, func

from shared.problems import InvalidInput, field_error, in_query

SRID = 4326
# Bounds the work one request can ask of shapely and PostGIS.
MAX_POSITIONS = 5000
# An area people draw (a walk's, a plan's, a subscriber's, an organisation's) is at most
# municipality-sized. Kiruna, Sweden's largest municipality, spans some 3.5 degrees of
# longitude by 2 of latitude; 8 by 4 admits it with room to spare (degrees of longitude are short
# that far north). A larger area is no one's local safety work, and the bound keeps PostGIS's
# geography functions on ground they handle: a whole-world polygon has edges 180 degrees long,
# which they refuse ("antipodal edge"), so it failed the audience query.
MAX_AREA_WIDTH = 8  # degrees of longitude
MAX_AREA_HEIGHT = 4  # degrees of latitude

# Strict: a coordinate is a JSON number, never `true` or "13.8".
Longitude = Annotated[float, Strict(), Field(ge=-180, le=180, allow_inf_nan=False)]
Latitude = Annotated[float, Strict(), Field(ge=-90, le=90, allow_inf_nan=False)]
Position = tuple[Longitude, Latitude]
LinearRing = Annotated[list[Position], Field(min_length=4, max_length=MAX_POSITIONS)]


class Geometry(BaseModel):
    """Base of the GeoJSON geometry models."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def to_shape(self) -> BaseGeometry:
        return shapely.geometry.shape(self.model_dump())


def _invalid(message: str, **context: Any) -> PydanticCustomError:
    return PydanticCustomError("invalid_geometry", message, context)


def _check_rings(rings: list[list[Position]]) -> None:
    for i, ring in enumerate(rings):
        if ring[0] != ring[-1]:
            raise _invalid("ring {ring} must end at the position it starts from", ring=i)


def _check_valid(geometry: Geometry, what: str) -> None:
    shape = geometry.to_shape()
    if not shape.is_valid:
        raise _invalid(f"not a valid {what}: {{reason}}", reason=explain_validity(shape))


class Point(Geometry):
    """A GeoJSON Point: [longitude, latitude] in WGS84."""

    type: Literal["Point"]
    coordinates: Position


class LineString(Geometry):
    """A GeoJSON LineString of at least two distinct positions. It may cross itself (a loop)."""

    type: Literal["LineString"]
    coordinates: list[Position] = Field(min_length=2, max_length=MAX_POSITIONS)

    @model_validator(mode="after")
    def _well_formed(self) -> Self:
        if len(set(self.coordinates)) < 2:
            raise _invalid("a line needs at least two distinct positions")
        return self


class Polygon(Geometry):
    """A GeoJSON Polygon: closed rings (the outline, then any holes) that do not cross."""

    type: Literal["Polygon"]
    coordinates: list[LinearRing] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _well_formed(self) -> Self:
        if sum(len(r) for r in self.coordinates) > MAX_POSITIONS:
            raise _invalid("a polygon may have at most {n} positions", n=MAX_POSITIONS)
        _check_rings(self.coordinates)
        _check_valid(self, "polygon")
        return self


def _check_extent(geometry: Geometry) -> None:
    west, south, east, north = geometry.to_shape().bounds
    if east - west > MAX_AREA_WIDTH or north - south > MAX_AREA_HEIGHT:
        raise _invalid(
            "an area may span at most {max_width}° of longitude and {max_height}° of latitude "
            "(a municipality's size); this one spans {width}° by {height}°",
            max_width=MAX_AREA_WIDTH,
            max_height=MAX_AREA_HEIGHT,
            width=round(east - west, 3),
            height=round(north - south, 3),
        )


class MultiPolygon(Geometry):
    """A GeoJSON MultiPolygon: polygons that neither overlap nor cross themselves."""

    type: Literal["MultiPolygon"]
    coordinates: list[Annotated[list[LinearRing], Field(min_length=1, max_length=100)]] = Field(
        min_length=1, max_length=100
    )

    @model_validator(mode="after")
    def _well_formed(self) -> Self:
        if sum(len(r) for p in self.coordinates for r in p) > MAX_POSITIONS:
            raise _invalid("a multipolygon may have at most {n} positions", n=MAX_POSITIONS)
        for polygon in self.coordinates:
            _check_rings(polygon)
        _check_valid(self, "multipolygon")
        return self

    @classmethod
    def of(cls, area: "Polygon | MultiPolygon") -> "MultiPolygon":
        if isinstance(area, MultiPolygon):
            return area
        return cls(type="MultiPolygon", coordinates=[area.coordinates])


class AreaPolygon(Polygon):
    """A GeoJSON Polygon of municipal size: at most 8° of longitude wide and 4° of latitude tall
    (its bounding box)."""

    @model_validator(mode="after")
    def _municipality_sized(self) -> Self:
        _check_extent(self)
        return self


class AreaMultiPolygon(MultiPolygon):
    """A GeoJSON MultiPolygon of municipal size: all its polygons together at most 8° of
    longitude wide and 4° of latitude tall (their bounding box)."""

    @model_validator(mode="after")
    def _municipality_sized(self) -> Self:
        _check_extent(self)
        return self


def errors_at_the_field(tags: set[str]) -> WrapValidator:
    """For a tagged union: report errors at the field, not under the tag (no JSON pointer)."""

    def untagged(value: Any, handler: Handler) -> Any:
        try:
            return handler(value)
        except ValidationError as exc:
            details = [
                InitErrorDetails(
                    type=PydanticCustomError("invalid_value", "{msg}", {"msg": e["msg"]}),
                    loc=e["loc"][1:] if e["loc"] and e["loc"][0] in tags else e["loc"],
                    input=e["input"],
                )
                for e in exc.errors()
            ]
            raise ValidationError.from_exception_data(exc.title, details) from None

    return WrapValidator(untagged)


def errors_at_the_given_field() -> WrapValidator:
    """For a field that may be left out but not nulled (`X | SkipJsonSchema[None]`): a value
    sent is reported with X's errors at the field, not under the union's member labels (no JSON
    pointer names them), and without the None member's "should be None"."""

    def unlabelled(value: Any, handler: Handler) -> Any:
        try:
            return handler(value)
        except ValidationError as exc:
            details = [
                InitErrorDetails(
                    type=PydanticCustomError("invalid_value", "{msg}", {"msg": e["msg"]}),
                    loc=e["loc"][1:],
                    input=e["input"],
                )
                for e in exc.errors()
                if e["loc"][:1] != ("none",)
            ]
            if not details:
                raise
            raise ValidationError.from_exception_data(exc.title, details) from None

    return WrapValidator(unlabelled)


Area = Annotated[
    AreaPolygon | AreaMultiPolygon,
    Field(discriminator="type"),
    errors_at_the_field({"Polygon", "MultiPolygon"}),
]
"""A Polygon or a MultiPolygon of municipal size (input: output areas are plain geometry)."""


# --- PostGIS ------------------------------------------------------------------------------------


def to_db(geometry: Geometry) -> WKBElement:
    return from_shape(geometry.to_shape(), srid=SRID)


def from_db(value: Any) -> Any:
    """A stored geometry as a GeoJSON mapping, exterior rings counterclockwise (RFC 7946 §3.1.6)."""
    if not isinstance(value, WKBElement):
        return value
    shape = to_shape(value)
    if shape.geom_type == "Polygon":
        shape = orient(shape, 1.0)
    elif shape.geom_type == "MultiPolygon":
        shape = shapely.geometry.MultiPolygon([orient(p, 1.0) for p in shape.geoms])
    return shapely.geometry.mapping(shape)


FromDB = BeforeValidator(from_db)
"""Lets an output model read a geometry column of an ORM row directly."""


# --- Features -----------------------------------------------------------------------------------

G = TypeVar("G", bound=Geometry)
P = TypeVar("P", bound=BaseModel)
F = TypeVar("F", bound=BaseModel)


class Feature(BaseModel, Generic[G, P]):
    """A GeoJSON Feature."""

    type: Literal["Feature"] = "Feature"
    id: str
    geometry: G
    properties: P


class FeatureCollection(BaseModel, Generic[F]):
    """A GeoJSON FeatureCollection."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[F]


# --- Bounding-box filter ------------------------------------------------------------------------


@dataclass(frozen=True)
class BBox:
    """A WGS84 bounding box: west, south, east, north."""

    west: float
    south: float
    east: float
    north: float

    @classmethod
    def parse(cls, text: str) -> "BBox":
        try:
            west, south, east, north = (float(part) for part in text.split(","))
        except ValueError:
            raise ValueError("give four numbers: west,south,east,north") from None
        if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
            raise ValueError("west < east within ±180 and south < north within ±90 are required")
        return cls(west, south, east, north)

    def envelope(self) -> ColumnElement[Any]:
        return func.ST_MakeEnvelope(self.west, self.south, self.east, self.north, SRID)


# async: FastAPI runs a plain function dependency in its threadpool, a thread hop per request.
async def bbox_param(
    bbox: Annotated[
        str | None,
        Query(
            max_length=100,
            description="Only places meeting this box: west,south,east,north (WGS84 degrees).",
            examples=["13.80,57.15,13.86,57.18"],
        ),
    ] = None,
) -> BBox | None:
    """The `bbox` query parameter, refused with a problem naming it when malformed."""
    if bbox is None:
        return None
    try:
        return BBox.parse(bbox)
    except ValueError as exc:
        raise InvalidInput(
            "The bounding box is not valid.",
            errors=[field_error(str(exc), in_query("bbox"))],
        ) from None
