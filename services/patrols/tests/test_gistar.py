"""Gi* and its pseudo p-values, checked by hand and against PySAL esda on the same grid and weights.

esda's `G_Local(y, w, transform="B", star=True)` adds the diagonal (each cell its own neighbour,
weight 1) to binary weights; ours counts the cell itself in its neighbourhood the same way.

Tolerances:
- z-scores: equal to esda's within 1e-9 relative (1e-12 absolute, for z-scores near 0).
- pseudo p-values: the same definition (esda's default p_sim, folded), estimated from other
  random draws, so equal only up to sampling error. With P = 999 permutations the standard error
  of the difference of two independent estimates of p is sqrt(2 p (1 - p) / P): every cell
  within 4.5 of those (plus one step, 1 / (P + 1)), at least half of the cells within 0.02
  (esda draws one set of neighbours per permutation for all cells, so its errors move together
  and the share varies from run to run: 0.61 to 0.94 over 30 seeds), the mean absolute
  difference under 0.02, and the same significance class (99.9 / 99 / 95 / none) for every cell
  whose esda p-value lies more than 4.5 standard errors (taken at the cut-off) from each of the
  cut-offs 0.001, 0.01 and 0.05.
- against exact enumeration of every neighbourhood draw (a 4 x 4 grid): within 4.5 standard
  errors of one estimate, sqrt(p (1 - p) / P), plus one step.
"""

import itertools
import math

import esda
import libpysal
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.typing import NDArray

from patrols.hotspots import gistar
from patrols.hotspots.ranking import significance

pytestmark = [
    pytest.mark.unit,
    # esda warns that its default alternative will change; its default is what we match.
    pytest.mark.filterwarnings("ignore:The alternative hypothesis:DeprecationWarning"),
]

Bools = NDArray[np.bool_]
P = 999
CUTS = (0.001, 0.01, 0.05)
ROWS, COLS = 30, 40


def clustered_grid(seed: int) -> gistar.Floats:
    """Poisson counts over a background rate with three clusters of different strength."""
    rng = np.random.default_rng(seed)
    rr, cc = np.mgrid[0:ROWS, 0:COLS]
    rate = np.full((ROWS, COLS), 0.4)
    for row, col, height in [(5, 6, 6.0), (20, 30, 4.0), (12, 18, 3.0)]:
        rate += height * np.exp(-((rr - row) ** 2 + (cc - col) ** 2) / 6.0)
    counts: gistar.Floats = rng.poisson(rate).astype(np.float64)
    return counts


def esda_gi_star(
    values: gistar.Floats, w: libpysal.weights.W, seed: int, keep: bool = False
) -> esda.G_Local:
    return esda.G_Local(
        values,
        w,
        transform="B",
        star=True,
        permutations=P,
        seed=seed,
        n_jobs=1,
        keep_simulations=keep,
    )


def esda_p(result: esda.G_Local) -> gistar.Floats:
    # esda keeps p_sim in float32 (0.001 becomes 0.0010000000475); back to steps of 1 / (P + 1).
    p: gistar.Floats = np.round(result.p_sim.astype(np.float64) * (P + 1)) / (P + 1)
    return p


def esda_upper(result: esda.G_Local) -> Bools:
    """Whether esda's folded count is of the draws at or above the observed statistic."""
    at_or_above = (result.rGs >= result.Gs[:, None]).sum(axis=1)
    upper: Bools = at_or_above <= P - at_or_above
    return upper


def classes(z: gistar.Floats, p: gistar.Floats, upper: Bools) -> list[str]:
    return [
        significance(float(zi), float(pi), bool(ui)) for zi, pi, ui in zip(z, p, upper, strict=True)
    ]


def assert_p_values_agree(ours: gistar.Floats, theirs: gistar.Floats) -> None:
    difference = np.abs(ours - theirs)
    middle = (ours + theirs) / 2
    bound = 4.5 * np.sqrt(2 * middle * (1 - middle) / P) + 1 / (P + 1)
    assert np.all(difference <= bound), np.max(difference - bound)
    assert np.mean(difference <= 0.02) >= 1 / 2
    assert difference.mean() < 0.02


def far_from_cut_offs(p: gistar.Floats) -> Bools:
    margins = [4.5 * math.sqrt(2 * c * (1 - c) / P) + 1 / (P + 1) for c in CUTS]
    far: Bools = np.all([np.abs(p - c) > m for c, m in zip(CUTS, margins, strict=True)], axis=0)
    return far


def test_z_scores_of_a_tiny_grid_match_a_hand_computation() -> None:
    # n = 9, mean 2/3, population sd 4/3. Corner (0, 0): its window of 4 holds the 4, so
    # z = (4 - 4 * 2/3) / (4/3 * sqrt((9 * 4 - 16) / 8)) = 1 / sqrt(2.5); corner (2, 2):
    # (6 - 8/3) / (4/3 * sqrt(2.5)) = sqrt(2.5); edge (1, 2), a window of 6 holding 4 and 2:
    # (6 - 4) / (4/3 * sqrt((54 - 36) / 8)) = 1; the centre's window is the whole grid: 0.
    grid = np.array([[0, 0, 0], [0, 4, 0], [0, 0, 2]], dtype=np.float64)
    z = gistar.gi_star_grid(grid, permutations=9, seed=1).z.reshape(3, 3)
    assert z[0, 0] == pytest.approx(1 / math.sqrt(2.5), rel=1e-12)
    assert z[2, 2] == pytest.approx(math.sqrt(2.5), rel=1e-12)
    assert z[1, 2] == pytest.approx(1.0, rel=1e-12)
    assert z[0, 1] == pytest.approx(0.0, abs=1e-12)
    assert z[1, 1] == 0.0


def exact_folded_p(values: gistar.Floats, cell: int, near: gistar.Neighbours) -> float:
    """Every possible draw of the cell's neighbours from the other cells, counted."""
    others = np.delete(values, cell)
    observed = gistar.neighbour_sums(values, near)[cell]
    sums = [sum(c) for c in itertools.combinations(others, int(near.count[cell]))]
    upper = sum(s >= observed for s in sums)
    return min(upper, len(sums) - upper) / len(sums)


def test_p_values_of_a_small_grid_match_exact_enumeration() -> None:
    grid = np.array([[5, 3, 0, 0], [4, 2, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]], dtype=np.float64)
    permutations = 9999
    result = gistar.gi_star_grid(grid, permutations=permutations, seed=7)
    rows, cols = np.divmod(np.arange(16), 4)
    near = gistar.neighbours(cols, rows, 1)
    for cell in range(16):
        exact = exact_folded_p(grid.ravel(), cell, near)
        error = 4.5 * math.sqrt(exact * (1 - exact) / permutations) + 1 / (permutations + 1)
        assert abs(result.p[cell] - exact) <= error, cell


def test_z_scores_match_esda_on_a_clustered_grid() -> None:
    grid = clustered_grid(0)
    theirs = esda_gi_star(grid.ravel(), libpysal.weights.lat2W(ROWS, COLS, rook=False), 11)
    ours = gistar.gi_star_grid(grid, permutations=P, seed=0)
    np.testing.assert_allclose(ours.z, theirs.Zs, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_p_values_agree_with_esda_within_sampling_error(seed: int) -> None:
    grid = clustered_grid(seed)
    w = libpysal.weights.lat2W(ROWS, COLS, rook=False)
    theirs = esda_gi_star(grid.ravel(), w, seed + 11)
    ours = gistar.gi_star_grid(grid, permutations=P, seed=seed)
    assert_p_values_agree(ours.p, esda_p(theirs))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_significance_classes_agree_with_esda_away_from_the_cut_offs(seed: int) -> None:
    grid = clustered_grid(seed)
    w = libpysal.weights.lat2W(ROWS, COLS, rook=False)
    theirs = esda_gi_star(grid.ravel(), w, 5, keep=True)
    ours = gistar.gi_star_grid(grid, permutations=P, seed=seed)
    their_p = esda_p(theirs)
    far = far_from_cut_offs(their_p)
    assert far.sum() > ROWS * COLS / 2  # the check covers most cells
    mine = classes(ours.z, ours.p, ours.upper)
    esdas = classes(theirs.Zs, their_p, esda_upper(theirs))
    assert [m for m, f in zip(mine, far, strict=True) if f] == [
        e for e, f in zip(esdas, far, strict=True) if f
    ]
    assert {"99.9", "99", "95"} <= set(mine)  # the clusters are found


def scattered_cells(seed: int) -> tuple[gistar.Ints, gistar.Ints, gistar.Floats]:
    """A ragged set of cells (as a municipality's localities and incidents give) with counts."""
    rng = np.random.default_rng(seed)
    rows, cols = np.divmod(np.flatnonzero(rng.random(ROWS * COLS) < 0.6), COLS)
    values = clustered_grid(seed)[rows, cols]
    return cols.astype(np.int64), rows.astype(np.int64), values


def chebyshev_weights(cols: gistar.Ints, rows: gistar.Ints, rings: int) -> libpysal.weights.W:
    """Binary weights by brute force: cells at most `rings` columns and rows apart."""
    neighbours = {
        i: [
            j
            for j in range(len(cols))
            if j != i and max(abs(cols[i] - cols[j]), abs(rows[i] - rows[j])) <= rings
        ]
        for i in range(len(cols))
    }
    return libpysal.weights.W(neighbours, silence_warnings=True)


# A ragged set may fall apart in pieces; libpysal warns of it, and Gi* does not mind.
@pytest.mark.filterwarnings("ignore:The weights matrix is not fully connected:UserWarning")
@pytest.mark.parametrize("rings", [1, 2])
def test_a_ragged_set_of_cells_matches_esda_with_the_same_weights(rings: int) -> None:
    cols, rows, values = scattered_cells(rings)
    theirs = esda_gi_star(values, chebyshev_weights(cols, rows, rings), 3)
    ours = gistar.gi_star(values, cols, rows, rings=rings, permutations=P, seed=4)
    np.testing.assert_allclose(ours.z, theirs.Zs, rtol=1e-9, atol=1e-12)
    assert_p_values_agree(ours.p, esda_p(theirs))


@settings(max_examples=60, deadline=None)
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(2, 9), st.integers(2, 9)),
        elements=st.integers(0, 6).map(float),
    )
)
def test_z_scores_match_esda_on_any_grid(grid: gistar.Floats) -> None:
    ours = gistar.gi_star_grid(grid, permutations=1, seed=0)
    w = libpysal.weights.lat2W(*grid.shape, rook=False)
    with np.errstate(all="ignore"):  # esda divides by 0 where Gi* is undefined
        theirs = esda.G_Local(grid.ravel(), w, transform="B", star=True, permutations=0).Zs
    defined = np.isfinite(theirs)
    np.testing.assert_allclose(ours.z[defined], theirs[defined], rtol=1e-9, atol=1e-12)
    assert np.all(ours.z[~defined] == 0)


def test_the_same_seed_gives_the_same_p_values_and_another_seed_others() -> None:
    grid = clustered_grid(3)
    first = gistar.gi_star_grid(grid, permutations=199, seed=42)
    again = gistar.gi_star_grid(grid, permutations=199, seed=42)
    other = gistar.gi_star_grid(grid, permutations=199, seed=43)
    np.testing.assert_array_equal(first.p, again.p)
    assert not np.array_equal(first.p, other.p)


def test_draws_are_distinct_and_every_position_equally_likely() -> None:
    draws = gistar.distinct_draws(np.random.default_rng(0), rows=60_000, pool=12, k=8)
    assert all(len(set(row)) == 8 for row in draws[:2000].tolist())
    assert draws.min() == 0
    assert draws.max() == 11
    # Each position is in 8 / 12 of the draws: 40,000 expected, sd about 115.
    frequencies = np.bincount(draws.ravel(), minlength=12)
    assert np.all(np.abs(frequencies - 40_000) < 600)


def test_a_lone_cell_with_nothing_around_is_not_a_hot_spot() -> None:
    # Every draw of its neighbours is 0, tied with theirs: folded, p is the smallest there is
    # (esda's p_sim says the same), but from the lower tail, so no hot spot.
    grid = np.zeros((7, 7))
    grid[3, 3] = 4
    ours = gistar.gi_star_grid(grid, permutations=P, seed=0)
    with np.errstate(all="ignore"):  # esda's z_sim divides by draws that never vary
        theirs = esda_gi_star(grid.ravel(), libpysal.weights.lat2W(7, 7, rook=False), 0, True)
    lone = 3 * 7 + 3
    assert ours.p[lone] == esda_p(theirs)[lone] == 1 / (P + 1)
    assert ours.z[lone] > 0
    assert not ours.upper[lone]
    assert not esda_upper(theirs)[lone]
    assert significance(ours.z[lone], ours.p[lone], ours.upper[lone]) == "none"


def test_a_grid_without_variation_has_no_hot_spot() -> None:
    result = gistar.gi_star_grid(np.full((5, 5), 2.0), permutations=99, seed=0)
    assert np.all(result.z == 0)
    assert np.all(result.p == 1)


def test_neighbours_are_those_of_the_set_within_the_rings() -> None:
    # An L of five cells: (0,0) (1,0) (2,0) (0,1) (0,2).
    cols = np.array([0, 1, 2, 0, 0])
    rows = np.array([0, 0, 0, 1, 2])
    near = gistar.neighbours(cols, rows, 1)
    assert near.count.tolist() == [2, 3, 1, 3, 1]
    assert sorted(near.index[0][near.index[0] >= 0].tolist()) == [1, 3]
    assert sorted(near.index[1][near.index[1] >= 0].tolist()) == [0, 2, 3]
    assert gistar.neighbours(cols, rows, 2).count.tolist() == [4, 4, 4, 4, 4]
