"""The plan of a patrol round: which hot spot to visit when, for how long. Pure: no I/O, no
clock; the randomness is the generator passed in, so a seed gives the same plan again.

The rules (after the Koper curve and the Sacramento experiment): each stay lasts a whole number
of minutes in [dwell_min, dwell_max]; the unit travels between spots at `speed_kmh` over the
great-circle distance, rounded up to whole minutes and never under `travel_min_minutes`; it
never stays at one spot twice in a row (with a single spot, it leaves and comes back after at
least `revisit_min` minutes away); between a departure from a spot and the next arrival there
lie at least `revisit_min` and at most `revisit_max` minutes; every spot is first visited within
`revisit_max` of the shift's start, and is visited again as long as the shift leaves room to
keep its window; every visit lies within the shift.

The algorithm, in minutes from the shift's start. A state is the time the unit is free, where
it is, and when it last left each spot. A visit to a spot is *allowed* from a state when it
would not be twice in a row, would arrive no sooner than the spot's `revisit_min` allows (else
the unit waits: it patrols elsewhere first), no later than its `revisit_max`, and would end
within the shift. A *deadline* is binding while a visit arriving at it would still fit in the
shift: a spot must be arrived at by then.

A state is *safe* when a simple deterministic strategy, followed from it with the shortest stays
to the end of the shift, meets every binding deadline: either "earliest deadline first", or
going round the spots in a fixed circuit (the shortest closed tour, or the shortest open path
closed into a circuit). Then the plan is a randomised greedy walk through safe states:

1. If the start is not safe, there is no plan: `PlanImpossible` says why (the shift is too
   short to visit each spot once, or a circuit of the spots is too long for the revisit
   window).
2. Otherwise, while any visit is allowed: among the allowed spots that can be visited without
   waiting (or, when all need a wait, those that can be visited soonest), take them in a random
   order; draw a stay uniformly from the dwell range; take the first spot whose visit leads to
   a safe state, with the drawn stay or else with the shortest. Failing those, the other
   allowed spots are tried the same way.

Step 2 always finds a visit: from a safe state, the strategy that proved it safe takes an
allowed visit with the shortest stay to a state from which the same strategy still succeeds.
So every plan keeps every rule, and each visit is drawn at random from those that keep them,
the ones needing no wait first.
"""

import itertools
import math
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

EARTH_RADIUS_KM = 6371.0088
# Circuits are found by trying every order of the spots: 8! orders stay quick.
MAX_SPOTS = 8


class Rules(Protocol):
    """What a plan is made under (`patrols.config.RoundSettings` is one)."""

    @property
    def dwell_min_minutes(self) -> int: ...
    @property
    def dwell_max_minutes(self) -> int: ...
    @property
    def revisit_min_minutes(self) -> int: ...
    @property
    def revisit_max_minutes(self) -> int: ...
    @property
    def speed_kmh(self) -> float: ...
    @property
    def travel_min_minutes(self) -> int: ...


@dataclass(frozen=True)
class Spot:
    """A hot spot to plan: its id and its centre in WGS84 degrees."""

    id: uuid.UUID
    lon: float
    lat: float


@dataclass(frozen=True)
class PlannedVisit:
    spot_id: uuid.UUID
    arrival: datetime
    departure: datetime


class PlanImpossible(ValueError):
    """No plan keeps the rules for these spots in this shift; `about` says which to change."""

    def __init__(self, reason: str, about: Literal["shift", "spots"]) -> None:
        super().__init__(reason)
        self.about = about


def distance_km(a: Spot, b: Spot) -> float:
    """The great-circle (haversine) distance between two centres."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat, dlon = lat2 - lat1, math.radians(b.lon - a.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def travel_minutes(a: Spot, b: Spot, rules: Rules) -> int:
    """Minutes from one spot to another; from a spot to itself, the shortest way out and back."""
    minutes = distance_km(a, b) / rules.speed_kmh * 60
    # The tolerance keeps float noise (3.0000000001 minutes) from costing a whole minute.
    return max(rules.travel_min_minutes, math.ceil(minutes - 1e-9))


# --- The instance, in minutes from the shift's start --------------------------------------------


@dataclass(frozen=True)
class _Instance:
    n: int
    length: int  # minutes in the shift
    dwell_min: int
    dwell_max: int
    revisit_min: int
    revisit_max: int
    travel: tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class _State:
    now: int  # when the unit is free: its last departure, or the shift's start
    here: int | None
    left: tuple[int | None, ...]  # when the unit last left each spot; None: not visited yet


def _check_rules(rules: Rules, spots: Sequence[Spot]) -> None:
    """Settings that make no sense are a configuration error, not the caller's."""
    if not 1 <= rules.dwell_min_minutes <= rules.dwell_max_minutes:
        raise ValueError("the dwell range must be 1 <= dwell_min <= dwell_max minutes")
    if not 0 <= rules.revisit_min_minutes <= rules.revisit_max_minutes:
        raise ValueError("the revisit window must be 0 <= revisit_min <= revisit_max minutes")
    if not (rules.speed_kmh > 0 and rules.travel_min_minutes >= 0):
        raise ValueError("the speed must be positive and the shortest travel not negative")
    if not 1 <= len(spots) <= MAX_SPOTS:
        raise ValueError(f"a round plans 1 to {MAX_SPOTS} spots")
    if len({spot.id for spot in spots}) != len(spots):
        raise ValueError("the spots must be distinct")


def _instance(spots: Sequence[Spot], start: datetime, end: datetime, rules: Rules) -> _Instance:
    return _Instance(
        n=len(spots),
        length=int((end - start).total_seconds() // 60),
        dwell_min=rules.dwell_min_minutes,
        dwell_max=rules.dwell_max_minutes,
        revisit_min=rules.revisit_min_minutes,
        revisit_max=rules.revisit_max_minutes,
        travel=tuple(tuple(travel_minutes(a, b, rules) for b in spots) for a in spots),
    )


def _deadline(problem: _Instance, state: _State, spot: int) -> tuple[int, bool]:
    """When the spot must be arrived at next, and whether that binds (a visit then still fits)."""
    left = state.left[spot]
    if left is None:
        # Every spot is visited once at least, and the first time within the window too.
        return min(problem.revisit_max, problem.length - problem.dwell_min), True
    deadline = left + problem.revisit_max
    return deadline, deadline + problem.dwell_min <= problem.length


def _earliest_arrival(problem: _Instance, state: _State, spot: int) -> int:
    leg = 0 if state.here is None else problem.travel[state.here][spot]
    left = state.left[spot]
    if left is None:
        return state.now + leg
    return max(state.now + leg, left + problem.revisit_min)


def _allowed(problem: _Instance, state: _State) -> list[tuple[int, int]]:
    """The spots a next visit may go to, each with its earliest arrival."""
    allowed = []
    for spot in range(problem.n):
        if problem.n > 1 and spot == state.here:
            continue
        arrival = _earliest_arrival(problem, state, spot)
        left = state.left[spot]
        too_late = left is not None and arrival > left + problem.revisit_max
        if not too_late and arrival + problem.dwell_min <= problem.length:
            allowed.append((spot, arrival))
    return allowed


def _visit(problem: _Instance, state: _State, spot: int, arrival: int, dwell: int) -> _State | None:
    """The state after the visit, or None if it misses a deadline or leaves one unreachable."""
    departure = arrival + dwell
    if departure > problem.length or arrival > _deadline(problem, state, spot)[0]:
        return None
    for other in range(problem.n):
        if other == spot:
            continue
        deadline, binding = _deadline(problem, state, other)
        if binding and departure + problem.travel[spot][other] > deadline:
            return None
    left = (*state.left[:spot], departure, *state.left[spot + 1 :])
    return _State(departure, spot, left)


def _finished(problem: _Instance, state: _State) -> bool:
    """No deadline is left binding: every spot was visited and the rest of the shift is short."""
    return all(
        state.left[spot] is not None and not _deadline(problem, state, spot)[1]
        for spot in range(problem.n)
    )


# --- The strategies that prove a state safe -----------------------------------------------------

Strategy = Callable[[_Instance, _State, list[tuple[int, int]]], tuple[int, int]]


def _earliest_deadline_first(
    problem: _Instance, state: _State, allowed: list[tuple[int, int]]
) -> tuple[int, int]:
    return min(allowed, key=lambda option: (_deadline(problem, state, option[0])[0], option[1]))


def _circuit(order: Sequence[int]) -> Strategy:
    """Go round the spots in this order, from wherever the unit is."""
    position = {spot: i for i, spot in enumerate(order)}

    def choose(
        problem: _Instance, state: _State, allowed: list[tuple[int, int]]
    ) -> tuple[int, int]:
        arrivals = dict(allowed)
        start = 0 if state.here is None else position[state.here] + 1
        for step in range(len(order)):
            spot = order[(start + step) % len(order)]
            if spot in arrivals:
                return spot, arrivals[spot]
        return allowed[0]

    return choose


def _follows_through(problem: _Instance, state: _State, strategy: Strategy) -> bool:
    """Whether the strategy, with the shortest stays, keeps every deadline to the shift's end."""
    while allowed := _allowed(problem, state):
        spot, arrival = strategy(problem, state, allowed)
        after = _visit(problem, state, spot, arrival, problem.dwell_min)
        if after is None:
            return False
        state = after
    return _finished(problem, state)


def _tour_length(problem: _Instance, order: Sequence[int], closed: bool) -> int:
    legs = zip(order, [*order[1:], order[0]] if closed else order[1:], strict=False)
    return sum(problem.travel[a][b] for a, b in legs)


def _shortest(problem: _Instance, closed: bool) -> tuple[int, ...]:
    return min(
        itertools.permutations(range(problem.n)),
        key=lambda order: _tour_length(problem, order, closed),
    )


def _after_longest_leg(problem: _Instance, tour: tuple[int, ...]) -> tuple[int, ...]:
    """The closed tour begun after its longest leg, so that its first pass is the shortest."""
    legs = [problem.travel[tour[i - 1]][tour[i]] for i in range(len(tour))]
    start = max(range(len(tour)), key=lambda i: legs[i])
    return tour[start:] + tour[:start]


def _strategies(problem: _Instance) -> list[Strategy]:
    if problem.n == 1:
        return [_earliest_deadline_first]
    tour = _after_longest_leg(problem, _shortest(problem, closed=True))
    path = _shortest(problem, closed=False)
    return [_earliest_deadline_first, _circuit(tour), _circuit(path)]


def _safe(problem: _Instance, state: _State, strategies: list[Strategy]) -> bool:
    return any(_follows_through(problem, state, strategy) for strategy in strategies)


# --- Why there is no plan -----------------------------------------------------------------------


def _impossible(problem: _Instance) -> PlanImpossible:
    one_pass = problem.n * problem.dwell_min + _tour_length(
        problem, _shortest(problem, closed=False), closed=False
    )
    if one_pass > problem.length:
        return PlanImpossible(
            f"The shift is too short: visiting each of the {problem.n} hot spots once takes at "
            f"least {one_pass} minutes with the shortest stays and route.",
            "shift",
        )
    circuit = problem.n * problem.dwell_min + _tour_length(
        problem, _shortest(problem, closed=True), closed=True
    )
    if problem.n > 1 and circuit - problem.dwell_min > problem.revisit_max:
        return PlanImpossible(
            f"A circuit of these {problem.n} hot spots takes at least {circuit} minutes, too "
            f"long to come back to each within {problem.revisit_max}: choose fewer hot spots, "
            "or ones closer together.",
            "spots",
        )
    return PlanImpossible(
        f"These hot spots cannot each be visited within {problem.revisit_max} minutes of the "
        "shift's start and again within the revisit window: choose fewer hot spots, ones "
        "closer together, or another shift.",
        "spots",
    )


# --- The randomised greedy ----------------------------------------------------------------------


def _waits(problem: _Instance, state: _State, spot: int, arrival: int) -> bool:
    leg = 0 if state.here is None else problem.travel[state.here][spot]
    return arrival > state.now + leg


def _candidates(problem: _Instance, state: _State, rng: random.Random) -> list[tuple[int, int]]:
    """The allowed spots that need no wait (or, when all do, the soonest) in a random order;
    then the rest, the soonest first."""
    allowed = _allowed(problem, state)
    first = [option for option in allowed if not _waits(problem, state, *option)]
    if not first and allowed:
        soonest = min(arrival for _, arrival in allowed)
        first = [option for option in allowed if option[1] == soonest]
    rest = sorted((option for option in allowed if option not in first), key=lambda o: o[1])
    return rng.sample(first, len(first)) + rest


def _next_visit(
    problem: _Instance, state: _State, strategies: list[Strategy], rng: random.Random
) -> tuple[int, int, _State]:
    for spot, arrival in _candidates(problem, state, rng):
        longest = min(problem.dwell_max, problem.length - arrival)
        drawn = rng.randint(problem.dwell_min, longest)
        for dwell in dict.fromkeys((drawn, problem.dwell_min)):
            after = _visit(problem, state, spot, arrival, dwell)
            if after is not None and _safe(problem, after, strategies):
                return spot, arrival, after
    raise AssertionError("a safe state always has a safe next visit")


def plan_round(
    spots: Sequence[Spot],
    shift_start: datetime,
    shift_end: datetime,
    rules: Rules,
    rng: random.Random,
) -> list[PlannedVisit]:
    """The visits of a round in order; raises `PlanImpossible` when no plan keeps the rules."""
    _check_rules(rules, spots)
    # The spots in a fixed order, so the plan depends on the set and the seed only.
    spots = sorted(spots, key=lambda spot: str(spot.id))
    problem = _instance(spots, shift_start, shift_end, rules)
    strategies = _strategies(problem)
    state = _State(0, None, (None,) * problem.n)
    if problem.length < problem.dwell_min or not _safe(problem, state, strategies):
        raise _impossible(problem)
    visits = []
    while _allowed(problem, state):
        spot, arrival, state = _next_visit(problem, state, strategies, rng)
        visits.append(
            PlannedVisit(
                spot_id=spots[spot].id,
                arrival=shift_start + timedelta(minutes=arrival),
                departure=shift_start + timedelta(minutes=state.now),
            )
        )
    return visits
