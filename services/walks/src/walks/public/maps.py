"""Small maps drawn as inline SVG: no tile server, no script, nothing fetched.

Positions are WGS84 [longitude, latitude]. Over the few kilometres a walk or a plan covers, a
local equirectangular projection is exact enough: a degree of longitude is cos(latitude) times
as long as a degree of latitude, so longitudes are scaled by the cosine at the map's middle.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape

Position = tuple[float, float]
Ring = Sequence[Position]

WIDTH = 600
MIN_HEIGHT = 240
MAX_HEIGHT = 600
# Room at the edges, so that a marker on the outline is drawn whole.
PADDING = 28
# About 200 m of latitude: one point, or places along a straight line, still get a map that
# shows some ground around them instead of a division by zero.
MIN_SPAN = 0.002
MARKER_RADIUS = 17


@dataclass(frozen=True)
class Marker:
    """A place on the map: `label` is drawn ("1", "A"), `title` says what it is."""

    position: Position
    label: str
    title: str
    kind: str = "place"


@dataclass(frozen=True)
class Layers:
    """What a map shows: areas (polygons as rings, outline first), lines, and markers."""

    areas: Sequence[Sequence[Ring]] = ()
    lines: Sequence[Sequence[Position]] = ()
    markers: Sequence[Marker] = ()

    def positions(self) -> list[Position]:
        rings = [p for polygon in self.areas for ring in polygon for p in ring]
        return rings + [p for line in self.lines for p in line] + [m.position for m in self.markers]


@dataclass(frozen=True)
class Projection:
    """From [longitude, latitude] to the SVG's user units, north up."""

    west: float
    north: float
    cos_lat: float
    scale: float
    offset_x: float
    offset_y: float
    height: float

    def __call__(self, position: Position) -> tuple[float, float]:
        lon, lat = position
        x = self.offset_x + (lon - self.west) * self.cos_lat * self.scale
        y = self.offset_y + (self.north - lat) * self.scale
        return round(x, 1), round(y, 1)


def _widened(low: float, high: float) -> tuple[float, float]:
    if high - low >= MIN_SPAN:
        return low, high
    middle = (low + high) / 2
    return middle - MIN_SPAN / 2, middle + MIN_SPAN / 2


def fit(positions: Sequence[Position]) -> Projection:
    """The projection that fits the positions into the map's width, centred, with padding."""
    lons = [p[0] for p in positions]
    lats = [p[1] for p in positions]
    south, north = _widened(min(lats), max(lats))
    cos_lat = max(math.cos(math.radians((south + north) / 2)), 1e-6)
    # Widened in projected units, so that near a pole a narrow span still becomes a map.
    x_low, x_high = _widened(min(lons) * cos_lat, max(lons) * cos_lat)
    span_x, span_y = x_high - x_low, north - south
    inner = WIDTH - 2 * PADDING
    scale = min(inner / span_x, (MAX_HEIGHT - 2 * PADDING) / span_y)
    height = min(max(span_y * scale + 2 * PADDING, MIN_HEIGHT), MAX_HEIGHT)
    return Projection(
        west=x_low / cos_lat,
        north=north,
        cos_lat=cos_lat,
        scale=scale,
        offset_x=(WIDTH - span_x * scale) / 2,
        offset_y=(height - span_y * scale) / 2,
        height=round(height),
    )


def _path(points: Iterable[tuple[float, float]]) -> str:
    return " ".join(f"{x:g},{y:g}" for x, y in points)


def _area(polygon: Sequence[Ring], project: Projection) -> str:
    # Holes are further rings of the same path; evenodd leaves them unfilled.
    rings = [f"M{_path(project(p) for p in ring)}Z" for ring in polygon if ring]
    return f'<path class="area" d="{" ".join(rings)}"/>' if rings else ""


def _line(line: Sequence[Position], project: Projection) -> str:
    if len(line) < 2:
        return ""
    return f'<polyline class="route" points="{_path(project(p) for p in line)}"/>'


def _marker(marker: Marker, project: Projection) -> str:
    x, y = project(marker.position)
    return (
        f'<g class="marker {escape(marker.kind)}"><title>{escape(marker.title)}</title>'
        f'<circle cx="{x:g}" cy="{y:g}" r="{MARKER_RADIUS}"/>'
        f'<text x="{x:g}" y="{y:g}">{escape(marker.label)}</text></g>'
    )


def svg_map(layers: Layers, title: str) -> str:
    """The layers as an inline SVG titled for screen readers; nothing when there is no place."""
    positions = layers.positions()
    if not positions:
        return ""
    project = fit(positions)
    shapes = [_area(polygon, project) for polygon in layers.areas]
    shapes += [_line(line, project) for line in layers.lines]
    shapes += [_marker(marker, project) for marker in layers.markers]
    return (
        f'<svg class="map" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {WIDTH} {project.height}" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>{''.join(shapes)}</svg>"
    )


def letter(index: int) -> str:
    """The label of the index-th (from 0) item of an `<ol type="A">`: A…Z, AA, AB…"""
    label = ""
    number = index + 1
    while number:
        number, rest = divmod(number - 1, 26)
        label = chr(ord("A") + rest) + label
    return label
