"""Small-count suppression: for any counts, no public output holds a count of 1 to
threshold-1, and no hidden small count can be worked back from a total minus the shown parts."""

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from patrols.situation.public import public_places
from patrols.situation.schemas import CategoryFigure, LocalityFigure
from patrols.situation.suppression import disclose

pytestmark = pytest.mark.unit

counts = st.integers(min_value=0, max_value=30)
thresholds = st.integers(min_value=2, max_value=10)
parts = st.dictionaries(st.sampled_from("abcdefgh"), counts, max_size=8)


def recoverable(values: dict[str, int], shown: frozenset[str], threshold: int) -> bool:
    """Whether total minus the shown parts pins down a hidden small count: it does when one
    nonzero part is hidden, or the hidden ones could only be all 1s, or sum to a small count."""
    hidden = [values[k] for k in values if k not in shown and values[k] > 0]
    if not any(0 < v < threshold for v in hidden):
        return False
    difference = sum(hidden)
    return len(hidden) < 2 or difference == len(hidden) or difference < threshold


@settings(max_examples=500)
@given(parts, thresholds)
def test_a_shown_group_never_shows_a_small_count_nor_gives_one_back(
    values: dict[str, int], threshold: int
) -> None:
    disclosure = disclose(values, threshold)
    shown = [values[k] for k in disclosure.shown]
    assert not any(0 < v < threshold for v in shown)
    if disclosure.total is not None:
        assert disclosure.total == sum(values.values())
        assert not 0 < disclosure.total < threshold
        assert not recoverable(values, disclosure.shown, threshold)
    else:
        assert not disclosure.shown


@given(parts, thresholds, st.sets(st.sampled_from("abcdefgh")))
def test_withheld_parts_are_never_shown(
    values: dict[str, int], threshold: int, withheld: set[str]
) -> None:
    disclosure = disclose(values, threshold, withheld)
    assert not disclosure.shown & withheld
    if disclosure.total is not None:
        assert not recoverable(values, disclosure.shown, threshold)


def test_one_hidden_part_takes_the_smallest_shown_with_it() -> None:
    disclosure = disclose({"a": 6, "b": 5, "c": 2}, 5)
    assert disclosure == type(disclosure)(13, frozenset({"a"}))


def test_two_hidden_ones_are_not_enough() -> None:
    # 1 + 1 = total - shown: the two could only be 1 each.
    disclosure = disclose({"a": 9, "b": 8, "c": 1, "d": 1}, 5)
    assert (disclosure.total, disclosure.shown) == (19, frozenset({"a"}))


def test_a_small_total_hides_everything() -> None:
    assert disclose({"a": 3, "b": 0}, 5).total is None


category_figures = st.lists(
    st.tuples(st.sampled_from(["vandalism", "littering", "graffiti", "noise"]), counts, counts),
    max_size=4,
    unique_by=lambda item: item[0],
)
localities = st.lists(
    st.tuples(st.sampled_from(["Forsheda", "Bredaryd", "Bor", "Rydaholm", None]), category_figures),
    max_size=5,
    unique_by=lambda item: item[0],
)


def as_figures(places: list[tuple[str | None, list[tuple[str, int, int]]]]) -> list[LocalityFigure]:
    figures = []
    for locality, categories in places:
        cats = [
            CategoryFigure(category=c, count=n, previous=p, change=n - p, mean_4w=0.0)
            for c, n, p in categories
        ]
        count, previous = sum(c.count for c in cats), sum(c.previous for c in cats)
        figures.append(
            LocalityFigure(
                locality=locality,
                categories=cats,
                count=count,
                previous=previous,
                change=count - previous,
                mean_4w=0.0,
            )
        )
    return figures


@settings(max_examples=500)
@given(localities, thresholds)
def test_the_public_places_hold_no_small_count_and_give_none_back(
    places: list[tuple[str | None, list[tuple[str, int, int]]]], threshold: int
) -> None:
    figures = as_figures(places)
    total, shown = public_places(figures, threshold)
    small = [n for n in numbers(total, shown) if 0 < n < threshold]
    assert not small
    by_name = {figure.locality: figure for figure in figures}
    week = {figure.locality or "": figure.count for figure in figures}
    if total is not None:
        assert not recoverable(week, frozenset(p.locality for p in shown), threshold)
    for place in shown:
        figure = by_name[place.locality]
        assert place.total == figure.count
        values = {c.category: c.count for c in figure.categories}
        assert not recoverable(values, frozenset(c.category for c in place.categories), threshold)
        for category in place.categories:
            # The change gives the week before back; that must not be a small count either.
            previous = category.count - category.change
            assert not 0 < previous < threshold


def numbers(total: int | None, places: Any) -> list[int]:
    found = [] if total is None else [total]
    for place in places:
        found.append(place.total)
        found.extend(c.count for c in place.categories)
    return found


def test_a_place_whose_categories_could_only_be_ones_keeps_its_total_back() -> None:
    # Two categories of one incident each: a total of 2 beside them would say 1 and 1.
    figures = as_figures(
        [("Forsheda", [("vandalism", 1, 0), ("littering", 1, 0)]), ("Bredaryd", [("theft", 9, 0)])]
    )
    total, shown = public_places(figures, 2)
    assert [place.locality for place in shown] == []
    assert total == 11, "with both places hidden, the week's total gives neither back"
