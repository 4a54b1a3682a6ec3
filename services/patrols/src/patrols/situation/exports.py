"""A frozen version as CSV, GeoJSON and an HTML page for the EST group's meeting."""

import csv
import io
import json
from html import escape

from patrols.situation.models import SituationReport
from patrols.situation.schemas import Trend, WeekPicture

CSV_COLUMNS = ["level", "locality", "cell", "category", "count", "previous", "change", "mean_4w"]


def _row(level: str, locality: str, cell: str, category: str, trend: Trend) -> list[object]:
    return [
        level,
        locality,
        cell,
        category,
        trend.count,
        trend.previous,
        trend.change,
        trend.mean_4w,
    ]


def as_csv(report: SituationReport) -> str:
    """One row per locality, locality and category, category, and grid cell ("column:row")."""
    figures = WeekPicture.model_validate(report.figures)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for place in figures.localities:
        name = place.locality or ""
        writer.writerow(_row("locality", name, "", "", place))
        for category in place.categories:
            writer.writerow(_row("locality_category", name, "", category.category, category))
    for category in figures.categories:
        writer.writerow(_row("category", "", "", category.category, category))
    for cell in figures.cells:
        writer.writerow(_row("cell", "", f"{cell.column}:{cell.row}", "", cell))
    return out.getvalue()


def as_geojson(report: SituationReport) -> str:
    """The grid cells as polygons with their counts."""
    figures = WeekPicture.model_validate(report.figures)
    features = [
        {
            "type": "Feature",
            "geometry": cell.outline.model_dump(mode="json"),
            "properties": cell.model_dump(mode="json", exclude={"outline"}),
        }
        for cell in figures.cells
    ]
    return json.dumps({"type": "FeatureCollection", "features": features})


def _table(headers: list[str], rows: list[list[object]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


TREND = ["Antal", "Veckan före", "Förändring", "Snitt 4 v"]


def _trend(trend: Trend) -> list[object]:
    return [trend.count, trend.previous, trend.change, trend.mean_4w]


def as_html(report: SituationReport) -> str:
    """A plain page of the version for the group's meeting (internal: counts are not suppressed)."""
    f = WeekPicture.model_validate(report.figures)
    title = f"Lägesbild {f.municipality_code} vecka {f.week} {f.year}, version {report.version}"
    sections = [
        f"<h1>{escape(title)}</h1>",
        f"<p>{escape(str(f.first_day))} - {escape(str(f.last_day))}</p>",
        f"<section><h2>EST-gruppens text</h2><p>{escape(report.text)}</p></section>",
        "<h2>Totalt</h2>" + _table(TREND, [_trend(f.total)]),
        "<h2>Orter</h2>"
        + _table(["Ort", *TREND], [[p.locality or "(okänd)", *_trend(p)] for p in f.localities]),
        "<h2>Kategorier</h2>"
        + _table(["Kategori", *TREND], [[c.category, *_trend(c)] for c in f.categories]),
        "<h2>Rutor</h2>"
        + _table(["Ruta", *TREND], [[f"{c.column}:{c.row}", *_trend(c)] for c in f.cells]),
        "<h2>Hot spots och dos</h2>"
        + _table(
            ["Plats", "Ort", "Besök", "Minuter"],
            [[h.name, h.locality or "", h.visits_done, h.minutes] for h in f.hot_spots],
        ),
        f"<p>Genomförda rundor: {f.rounds_completed}</p>",
        "<h2>Källor</h2>" + _table(["Källa", "Antal"], [[k, v] for k, v in f.by_source.items()]),
    ]
    body = "\n".join(sections)
    return (
        '<!DOCTYPE html>\n<html lang="sv"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head><body>\n{body}\n</body></html>\n"
    )
