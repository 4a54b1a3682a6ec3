"""The public view of a week's picture: places and categories with every small count left
out, by the rules of suppression.py."""

from patrols.situation.schemas import CategoryFigure, LocalityFigure, PublicCategory, PublicPlace
from patrols.situation.suppression import disclose


def _previous_hidden(
    parts: dict[str, int], previous: dict[str, int], threshold: int
) -> frozenset[str]:
    """The parts the previous week's view hid: a change would give their count back."""
    before = disclose(previous, threshold)
    return frozenset(key for key, count in previous.items() if count and key not in before.shown)


def _categories(
    categories: list[CategoryFigure], threshold: int
) -> tuple[int | None, list[PublicCategory]]:
    parts = {c.category: c.count for c in categories}
    previous = {c.category: c.previous for c in categories}
    now = disclose(parts, threshold, _previous_hidden(parts, previous, threshold))
    shown = [
        PublicCategory(category=c.category, count=c.count, change=c.change)
        for c in categories
        if c.category in now.shown
    ]
    return now.total, shown


def public_places(
    localities: list[LocalityFigure], threshold: int
) -> tuple[int | None, list[PublicPlace]]:
    """The week's total and its places as far as they may be shown. Incidents with no known
    locality are never listed, so they are withheld from the difference too."""
    parts = {place.locality or "": place.count for place in localities}
    previous = {place.locality or "": place.previous for place in localities}
    by_place = {
        place.locality or "": _categories(place.categories, threshold) for place in localities
    }
    # A place whose categories cannot be shown beside its total (two hidden 1s of a total of 2
    # could only be 1 and 1) is hidden, and guarded so that no difference gives its total back.
    forced = frozenset(key for key, (total, _) in by_place.items() if total is None)
    withheld = _previous_hidden(parts, previous, threshold) | {""}
    week = disclose(parts, threshold, withheld, sensitive=forced)
    places = []
    for place in localities:
        if place.locality is None or place.locality not in week.shown:
            continue
        _, categories = by_place[place.locality]
        places.append(
            PublicPlace(locality=place.locality, total=place.count, categories=categories)
        )
    return week.total, places
