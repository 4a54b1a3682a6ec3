"""A promise's public pages in Swedish, and its yearly figures as CSV, built from the public
models (which hold no personal data). Plain string building with every value escaped."""

import csv
import io
from datetime import datetime
from html import escape

from patrols.domain import LOCAL_TIME
from patrols.promises.schemas import ActivityRead, CommitmentRead, PublicPromise, YearReport
from shared.dates import spelled_day

STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:40rem;margin:1rem auto;padding:0 1rem;"
    "line-height:1.5}table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;"
    "padding:.3rem;text-align:left}progress{width:100%}"
)
INDICATORS = {
    "walks_held": "trygghetsvandringar genomförda",
    "rounds_done": "trygghetsrundor genomförda",
    "dialogues_held": "medborgardialoger hållna",
    "weekly_pictures_approved": "veckolägesbilder godkända",
    "measures_done_on_time": "åtgärder genomförda i tid",
    "manual": "redovisat",
}


def moment(value: datetime) -> str:
    local = value.astimezone(LOCAL_TIME)
    return f"{spelled_day(local.date())} kl. {local:%H:%M}"


def _page(title: str, *sections: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="sv"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><main><h1>{escape(title)}</h1>{''.join(sections)}</main></body></html>\n"
    )


def _section(heading: str, content: str) -> str:
    return f"<section><h2>{escape(heading)}</h2>{content}</section>"


def _figure(c: CommitmentRead) -> str:
    counted = f"{c.achieved} {INDICATORS.get(c.indicator, '')}"
    if c.target is None:
        return escape(counted)
    bar = f'<progress max="{c.target}" value="{min(c.achieved, c.target)}"></progress>'
    return f"{escape(counted)} av {c.target} {bar}"


def _commitment(c: CommitmentRead) -> str:
    text = f"<p>{escape(c.description)}</p>" if c.description else ""
    return f"<li><strong>{escape(c.title)}</strong>{text}<p>{_figure(c)}</p></li>"


def _activity(a: ActivityRead) -> str:
    title = escape(a.title)
    if a.link:
        title = f'<a href="{escape(a.link)}">{title}</a>'
    return f"<li>{escape(moment(a.occurred_at))}: {title}</li>"


def _about(promise: PublicPromise) -> str:
    period = f"{spelled_day(promise.period_start)} till {spelled_day(promise.period_end)}"
    areas = ", ".join(promise.focus_areas) or "inga angivna"
    return (
        f"<p>Parter: {escape(' och '.join(promise.parties))}</p><p>Period: {escape(period)}</p>"
        f"<p>Fokusområden: {escape(areas)}</p>"
        f"<p>Undertecknat {escape(moment(promise.signed_at))}</p>"
    )


def promise_page(promise: PublicPromise) -> str:
    commitments = "".join(_commitment(c) for c in promise.commitments)
    activities = "".join(_activity(a) for a in promise.activities) or "<li>Inga ännu.</li>"
    follow_ups = "".join(
        f"<li>{escape(moment(f.created_at))}: {escape(f.summary or 'Uppföljning')}</li>"
        for f in promise.follow_ups
    )
    return _page(
        promise.title,
        _about(promise),
        _section("Vi lovar", f"<ol>{commitments}</ol>"),
        _section("Senaste aktiviteter", f"<ul>{activities}</ul>"),
        _section("Uppföljningar", f"<ul>{follow_ups}</ul>") if follow_ups else "",
    )


def report_page(report: YearReport) -> str:
    head = (
        "<tr><th>Löfte</th><th>K1</th><th>K2</th><th>K3</th><th>K4</th><th>År</th><th>Mål</th></tr>"
    )
    rows = "".join(
        f"<tr><td>{escape(f.title)}</td>"
        + "".join(f"<td>{n}</td>" for n in f.quarters)
        + f"<td>{f.year}</td><td>{'' if f.target is None else f.target}</td></tr>"
        for f in report.figures
    )
    follow_ups = "".join(
        f"<li>{escape(moment(f.created_at))}: {escape(f.summary or 'Uppföljning')}</li>"
        for f in report.follow_ups
    )
    return _page(
        f"Uppföljning {report.year}: {report.promise.title}",
        _about(report.promise),
        _section("Per kvartal", f"<table>{head}{rows}</table>"),
        _section("Publicerade uppföljningar", f"<ul>{follow_ups or '<li>Inga.</li>'}</ul>"),
    )


def report_csv(report: YearReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["commitment_id", "title", "indicator", "q1", "q2", "q3", "q4", "year", "target"]
    )
    for f in report.figures:
        target = "" if f.target is None else f.target
        writer.writerow([f.commitment_id, f.title, f.indicator, *f.quarters, f.year, target])
    return out.getvalue()
