"""Named localities a resident can subscribe to, and municipality names for messages.

The list ships with the shared library (`data/localities.geojson`): approximate localities of the
Värnamo local police area, 12-sided circles around their centres, not official boundaries.
"""

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shared import geo

DATA = Path(__file__).parent / "data" / "localities.geojson"


@dataclass(frozen=True)
class Locality:
    name: str
    municipality_code: str
    municipality: str
    area: geo.Polygon


@functools.cache
def all_localities() -> tuple[Locality, ...]:
    features: list[dict[str, Any]] = json.loads(DATA.read_text())["features"]
    return tuple(
        Locality(
            f["properties"]["locality"],
            f["properties"]["municipality_code"],
            f["properties"]["municipality"],
            geo.Polygon.model_validate(f["geometry"]),
        )
        for f in features
    )


def find(name: str, municipality_code: str | None = None) -> Locality | None:
    """The locality by name (any case), within the municipality when one is given."""
    wanted = name.strip().casefold()
    for locality in all_localities():
        if locality.name.casefold() == wanted and municipality_code in (
            None,
            locality.municipality_code,
        ):
            return locality
    return None


def containing(point: geo.Point, municipality_code: str) -> Locality | None:
    """The municipality's locality whose area holds the point, if any."""
    shape = point.to_shape()
    for locality in all_localities():
        if locality.municipality_code == municipality_code and locality.area.to_shape().covers(
            shape
        ):
            return locality
    return None


def of_municipality(municipality_code: str) -> list[Locality]:
    return [x for x in all_localities() if x.municipality_code == municipality_code]
