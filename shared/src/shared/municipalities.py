"""Names of Swedish municipalities by their four-digit code (kommunkod), for pages, messages
and feeds that would otherwise show a bare number.

Holds the municipalities of Jönköping County, where the Värnamo local police area (0683
Värnamo, 0662 Gislaved, 0617 Gnosjö, 0665 Vaggeryd) lies, and the three largest cities. A code
not listed reads as itself.
"""

NAMES: dict[str, str] = {
    "0180": "Stockholm",
    "0604": "Aneby",
    "0617": "Gnosjö",
    "0642": "Mullsjö",
    "0643": "Habo",
    "0662": "Gislaved",
    "0665": "Vaggeryd",
    "0680": "Jönköping",
    "0682": "Nässjö",
    "0683": "Värnamo",
    "0684": "Sävsjö",
    "0685": "Vetlanda",
    "0686": "Eksjö",
    "0687": "Tranås",
    "1280": "Malmö",
    "1480": "Göteborg",
}


def name(code: str | None) -> str | None:
    """The municipality's name, or None for a code not listed."""
    return NAMES.get(code) if code else None


def name_or_code(code: str) -> str:
    """The municipality's name, falling back to its code."""
    return NAMES.get(code, code)
