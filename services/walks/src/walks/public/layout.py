"""The frame of the public pages: one style sheet, the page, its sections, facts and cards.

Every stored text goes through `escape` here or in the caller; nothing stored is markup. The
pages lay out as one column of cards on a phone and never scroll sideways: lists rather than
wide tables, no fixed widths, and long words break where they must.
"""

from collections.abc import Iterable
from html import escape

STYLE = (
    "*,*::before,*::after{box-sizing:border-box}"
    "html{-webkit-text-size-adjust:100%;text-size-adjust:100%}"
    "body{margin:0;font-family:system-ui,sans-serif;font-size:1.0625rem;line-height:1.5;"
    "color:#1b1b1b;background:#fff;overflow-wrap:anywhere;hyphens:auto}"
    "main{max-width:48rem;margin:0 auto;padding:1rem}"
    "h1{font-size:1.6rem;line-height:1.25;margin:.5rem 0 1rem}"
    "h2{font-size:1.3rem;line-height:1.3;margin:2rem 0 .5rem}"
    "h3{font-size:1.1rem;line-height:1.3;margin:0 0 .4rem}"
    "a{color:#0b5394}"
    "dl{display:grid;grid-template-columns:minmax(0,1fr);margin:0}"
    "dt{font-weight:600}dd{margin:0 0 .5rem}"
    "@media (min-width:36rem){dl{grid-template-columns:minmax(auto,12rem) minmax(0,1fr);"
    "column-gap:1rem}dd{margin-bottom:.3rem}}"
    ".cards{list-style:none;padding:0;margin:0;display:grid;gap:.75rem}"
    ".cards>li{min-width:0;border:1px solid #c8c8c8;border-radius:.5rem;padding:.75rem 1rem}"
    ".cards p{margin:0 0 .5rem}"
    ".number{display:inline-block;min-width:1.9rem;margin-right:.4rem;padding:0 .3rem;"
    "border-radius:1rem;background:#1b1b1b;color:#fff;text-align:center;font-size:.95rem}"
    ".banner{border:3px solid #a4262c;border-radius:.5rem;background:#fdecea;"
    "padding:.75rem 1rem;margin:0 0 1.25rem}.banner h2{margin:0 0 .4rem;color:#7a1c20}"
    ".banner p{margin:0 0 .4rem}"
    ".cards>li.struck{background:#f3f3f3;color:#555}"
    "del{text-decoration:line-through;text-decoration-thickness:2px}"
    ".will-not{font-weight:600;color:#7a1c20}"
    ".follow{border-top:1px solid #c8c8c8;margin-top:2rem}"
    ".button{display:inline-block;margin:.25rem 0;padding:.6rem 1rem;border-radius:.4rem;"
    "background:#0b5394;color:#fff;text-decoration:none;font-weight:600}"
    ".map{display:block;width:100%;height:auto;margin:.5rem 0 1rem;border:1px solid #c8c8c8;"
    "border-radius:.5rem;background:#f4f7f1}"
    ".map .area{fill:#2a6f97;fill-opacity:.14;fill-rule:evenodd;stroke:#2a6f97;stroke-width:3}"
    ".map .route{fill:none;stroke:#c0392b;stroke-width:5;stroke-linejoin:round;"
    "stroke-linecap:round}"
    ".map circle{fill:#fff;stroke:#1b1b1b;stroke-width:3}"
    ".map .negative circle{fill:#fdecea;stroke:#a4262c}"
    ".map .positive circle{fill:#e6f4ea;stroke:#1e7e34}"
    ".map .meeting circle{fill:#1b1b1b}.map .meeting text{fill:#fff}"
    ".map text{font:bold 19px system-ui,sans-serif;text-anchor:middle;"
    "dominant-baseline:central;fill:#1b1b1b}"
)


def page(title: str, *sections: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="sv"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><main><h1>{escape(title)}</h1>{''.join(sections)}</main></body></html>\n"
    )


def section(heading: str, content: str, css_class: str | None = None) -> str:
    if not content:
        return ""
    attribute = f' class="{css_class}"' if css_class else ""
    return f"<section{attribute}><h2>{escape(heading)}</h2>{content}</section>"


def facts(pairs: Iterable[tuple[str, str | None]]) -> str:
    """Labels and plain-text values, escaped; pairs without a value are left out."""
    return marked_facts((label, escape(value)) for label, value in pairs if value is not None)


def marked_facts(pairs: Iterable[tuple[str, str]]) -> str:
    """Labels and values that are markup already, every stored part of them escaped."""
    items = "".join(f"<dt>{escape(label)}</dt><dd>{value}</dd>" for label, value in pairs)
    return f"<dl>{items}</dl>" if items else ""


def cards(items: Iterable[str], numbered: bool = False) -> str:
    """Items as a column of cards, each the markup it is given."""
    tag = "ol" if numbered else "ul"
    body = "".join(items)
    return f'<{tag} class="cards">{body}</{tag}>' if body else ""


def paragraph(text: str | None, css_class: str | None = None) -> str:
    if not text:
        return ""
    attribute = f' class="{css_class}"' if css_class else ""
    return f"<p{attribute}>{escape(text)}</p>"


def link(url: str | None, text: str, css_class: str | None = None) -> str:
    if not url:
        return ""
    attribute = f' class="{css_class}"' if css_class else ""
    return f'<p><a{attribute} href="{escape(url)}">{escape(text)}</a></p>'
