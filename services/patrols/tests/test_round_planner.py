"""Every round plan keeps every rule: stays, travel, the revisit window, the shift; and its
order is random.

The checks measure travel on their own (the haversine distance over the speed, without the
planner's rounding), so a planner that under-counted travel would fail them. Whether a plan
exists at all is decided by brute force over the orders of the spots.
"""

import itertools
import math
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from patrols.config import RoundSettings
from patrols.rounds.planner import PlanImpossible, PlannedVisit, Spot, plan_round, travel_minutes

pytestmark = pytest.mark.unit

FORSHEDA = (13.8262, 57.1661)
START = datetime(2027, 3, 1, 17, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Case:
    spots: list[Spot]
    start: datetime
    end: datetime
    rules: RoundSettings
    seed: int


def minutes(delta: timedelta) -> float:
    return delta.total_seconds() / 60


def shortest_travel(a: Spot, b: Spot, rules: RoundSettings) -> float:
    """Travel as the rules define it, measured here: great-circle distance over the speed."""
    if a == b:
        return rules.travel_min_minutes
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin(math.radians(b.lon - a.lon) / 2) ** 2
    )
    km = 2 * 6371.0088 * math.asin(math.sqrt(h))
    return max(rules.travel_min_minutes, km / rules.speed_kmh * 60)


def shortest_route(case: Case, closed: bool) -> int:
    """The fewest travel minutes through every spot once, by trying every order."""

    def length(order: tuple[Spot, ...]) -> int:
        stops = [*order, order[0]] if closed else list(order)
        return sum(travel_minutes(a, b, case.rules) for a, b in itertools.pairwise(stops))

    return min(length(order) for order in itertools.permutations(case.spots))


def shift_minutes(case: Case) -> int:
    return int(minutes(case.end - case.start))


def first_pass_fits(case: Case) -> bool:
    """Whether the last spot of a first pass can be reached in time, at the least cost."""
    rules, n = case.rules, len(case.spots)
    latest_first_arrival = min(
        rules.revisit_max_minutes, shift_minutes(case) - rules.dwell_min_minutes
    )
    cheapest = (n - 1) * rules.dwell_min_minutes + shortest_route(case, closed=False)
    return cheapest <= latest_first_arrival


def circuit_fits(case: Case) -> bool:
    rules, n = case.rules, len(case.spots)
    away = (n - 1) * rules.dwell_min_minutes + shortest_route(case, closed=True)
    return away <= rules.revisit_max_minutes


# --- Generated cases ----------------------------------------------------------------------------


@st.composite
def spots(draw: st.DrawFn) -> list[Spot]:
    """1-6 spots within a few kilometres of a place somewhere in Sweden."""
    lon = draw(st.floats(11.5, 23.5))
    lat = draw(st.floats(55.5, 67.5))
    offsets = st.tuples(st.floats(-0.04, 0.04), st.floats(-0.02, 0.02))
    chosen = draw(st.lists(offsets, min_size=1, max_size=6))
    return [Spot(uuid.uuid4(), lon + dx, lat + dy) for dx, dy in chosen]


@st.composite
def rules(draw: st.DrawFn, generous: bool = False) -> RoundSettings:
    dwell_min = draw(st.integers(1, 20))
    revisit_min = draw(st.integers(0, 90))
    widest = 600 if generous else 180
    return RoundSettings(
        dwell_min_minutes=dwell_min,
        dwell_max_minutes=dwell_min + draw(st.integers(0, 10)),
        revisit_min_minutes=revisit_min,
        revisit_max_minutes=revisit_min + draw(st.integers(300 if generous else 0, widest)),
        speed_kmh=draw(st.floats(5, 80)),
        travel_min_minutes=draw(st.integers(0, 5)),
    )


@st.composite
def cases(draw: st.DrawFn, generous: bool = False) -> Case:
    start = START + timedelta(seconds=draw(st.integers(0, 7 * 86400)))
    length = timedelta(seconds=draw(st.integers(3600, 12 * 3600)))
    return Case(
        spots=draw(spots()),
        start=start,
        end=start + length,
        rules=draw(rules(generous)),
        seed=draw(st.integers(0, 2**31 - 1)),
    )


def plan(case: Case) -> list[PlannedVisit]:
    return plan_round(case.spots, case.start, case.end, case.rules, random.Random(case.seed))


# --- The rules, one check each ------------------------------------------------------------------


def check_stays(case: Case, visits: list[PlannedVisit]) -> None:
    rules = case.rules
    for visit in visits:
        stay = minutes(visit.departure - visit.arrival)
        assert stay == int(stay), "a stay lasts whole minutes"
        assert rules.dwell_min_minutes <= stay <= rules.dwell_max_minutes


def check_shift(case: Case, visits: list[PlannedVisit]) -> None:
    assert visits, "a plan visits something"
    for visit in visits:
        assert case.start <= visit.arrival < visit.departure <= case.end


def check_travel(case: Case, visits: list[PlannedVisit]) -> None:
    where = {spot.id: spot for spot in case.spots}
    for before, after in itertools.pairwise(visits):
        if len(case.spots) > 1:
            assert before.spot_id != after.spot_id, "never the same spot twice in a row"
        travel = shortest_travel(where[before.spot_id], where[after.spot_id], case.rules)
        assert minutes(after.arrival - before.departure) >= travel - 1e-6


def check_revisits(case: Case, visits: list[PlannedVisit]) -> None:
    rules, length = case.rules, shift_minutes(case)
    for spot in case.spots:
        own = [visit for visit in visits if visit.spot_id == spot.id]
        assert own, "every spot is visited"
        first = minutes(own[0].arrival - case.start)
        assert first <= min(rules.revisit_max_minutes, length - rules.dwell_min_minutes)
        for before, after in itertools.pairwise(own):
            away = minutes(after.arrival - before.departure)
            assert rules.revisit_min_minutes <= away <= rules.revisit_max_minutes
        # Not visited again only when the shift ends before a visit at the deadline would.
        last = minutes(own[-1].departure - case.start)
        assert last + rules.revisit_max_minutes + rules.dwell_min_minutes > length


def check_plan(case: Case, visits: list[PlannedVisit]) -> None:
    check_shift(case, visits)
    check_stays(case, visits)
    check_travel(case, visits)
    check_revisits(case, visits)
    assert visits == sorted(visits, key=lambda visit: visit.arrival)


# --- Properties ---------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(cases())
def test_every_plan_keeps_every_rule_or_there_is_none(case: Case) -> None:
    try:
        visits = plan(case)
    except PlanImpossible:
        assert not (first_pass_fits(case) and circuit_fits(case))
        return
    check_plan(case, visits)


@settings(max_examples=100, deadline=None)
@given(cases(generous=True))
def test_with_a_wide_window_a_plan_is_refused_only_when_one_pass_cannot_fit(case: Case) -> None:
    assert circuit_fits(case), "the generated window is wide enough for any circuit"
    if not first_pass_fits(case):
        with pytest.raises(PlanImpossible) as refused:
            plan(case)
        assert refused.value.about == "shift"
        return
    check_plan(case, plan(case))


@settings(max_examples=50, deadline=None)
@given(cases())
def test_a_seed_gives_the_same_plan_whatever_order_the_spots_come_in(case: Case) -> None:
    try:
        first = plan(case)
    except PlanImpossible:
        return
    shuffled = random.Random(case.seed).sample(case.spots, len(case.spots))
    again = plan_round(shuffled, case.start, case.end, case.rules, random.Random(case.seed))
    assert again == first


# --- Examples -----------------------------------------------------------------------------------


def near(n: int) -> list[Spot]:
    """n spots on a line of 600 m steps eastwards from Forsheda."""
    return [Spot(uuid.uuid4(), FORSHEDA[0] + 0.01 * i, FORSHEDA[1]) for i in range(n)]


def test_the_order_differs_from_seed_to_seed() -> None:
    places = near(4)
    end = START + timedelta(hours=4)
    plans = [plan_round(places, START, end, RoundSettings(), random.Random(s)) for s in range(60)]
    firsts = {p[0].spot_id for p in plans}
    orders = {tuple(v.spot_id for v in p[:4]) for p in plans}
    assert firsts == {spot.id for spot in places}
    assert len(orders) > 6


def test_the_defaults_plan_six_spots_over_twelve_hours() -> None:
    case = Case(near(6), START, START + timedelta(hours=12), RoundSettings(), 7)
    visits = plan(case)
    check_plan(case, visits)
    assert len(visits) > 6 * 12 * 60 // 120, "each spot comes round at least every two hours"


def test_a_single_spot_is_left_and_come_back_to() -> None:
    rules = RoundSettings(revisit_min_minutes=45)
    case = Case(near(1), START, START + timedelta(hours=6), rules, 3)
    visits = plan(case)
    check_plan(case, visits)
    assert len(visits) > 1
    for before, after in itertools.pairwise(visits):
        assert minutes(after.arrival - before.departure) >= 45


def test_two_close_spots_wait_out_the_revisit_minimum() -> None:
    rules = RoundSettings(revisit_min_minutes=60, dwell_min_minutes=10, dwell_max_minutes=10)
    case = Case(near(2), START, START + timedelta(hours=4), rules, 1)
    visits = plan(case)
    check_plan(case, visits)
    # 10 minutes there, 2 on the way, 10 at the other, 2 back: 46 more minutes elsewhere.
    assert minutes(visits[2].arrival - visits[0].departure) == 60


def test_a_shift_too_short_for_one_pass_is_refused_with_the_reason() -> None:
    with pytest.raises(PlanImpossible, match="too short") as refused:
        plan_round(near(6), START, START + timedelta(hours=1), RoundSettings(), random.Random(1))
    assert refused.value.about == "shift"


def test_spots_too_far_apart_for_the_revisit_window_are_refused_with_the_reason() -> None:
    # Six spots 20 km apart at 20 km/h: an hour between each.
    far = [Spot(uuid.uuid4(), FORSHEDA[0] + 0.33 * i, FORSHEDA[1]) for i in range(6)]
    with pytest.raises(PlanImpossible, match="closer together") as refused:
        plan_round(far, START, START + timedelta(hours=12), RoundSettings(), random.Random(1))
    assert refused.value.about == "spots"


def test_travel_is_the_distance_over_the_speed_rounded_up_and_never_under_the_minimum() -> None:
    here = Spot(uuid.uuid4(), *FORSHEDA)
    north = Spot(uuid.uuid4(), FORSHEDA[0], FORSHEDA[1] + 1.5 / 111.195)  # 1.5 km
    rules = RoundSettings(speed_kmh=20, travel_min_minutes=2)
    assert travel_minutes(here, north, rules) == 5  # 4.5 minutes
    assert travel_minutes(here, north, RoundSettings(speed_kmh=7)) == 13  # 12.86 minutes
    assert travel_minutes(here, north, RoundSettings(speed_kmh=60)) == 2  # 1.5: the minimum
    assert travel_minutes(here, here, rules) == 2


def test_nonsense_rules_are_a_configuration_error() -> None:
    wrong = RoundSettings(dwell_min_minutes=20, dwell_max_minutes=10)
    with pytest.raises(ValueError, match="dwell"):
        plan_round(near(2), START, START + timedelta(hours=2), wrong, random.Random(1))
