"""Getis-Ord Gi* on a grid of incident counts, with pseudo p-values by conditional permutation.

Pure numpy, no I/O. The cells are given by column and row (any set of cells of one grid, or a
dense 2-D array); a cell's neighbours are the cells within `rings` columns and rows of it
(queen's case for rings=1), binary weights, and Gi* counts the cell itself too.

The z-score is Getis and Ord's (1995) with the mean and the population standard deviation of
all n cells, as PySAL esda's `G_Local(star=True, transform="B")` computes it:

    z_i = (sum of y over i's neighbourhood, i included - mean * w_i)
          / (sd * sqrt((n * w_i - w_i**2) / (n - 1)))

where w_i is the number of cells in the neighbourhood, i included.

Pseudo p-values by conditional permutation: the cell keeps its own value and its neighbours'
values are drawn at random, without replacement, from the other n - 1 cells, `permutations`
times. `larger` counts the draws whose neighbourhood sum reaches the cell's own (ties count as
extreme); p = (larger + 1) / (permutations + 1), folded as esda's default p_sim (its
"directed" alternative): when fewer draws lie below the observed sum than at or above it, that
lower count takes larger's place, and `upper` is false. A small p with `upper` false says the
neighbours are low, not high: with counts, most of whose cells are 0, a cell with nothing
around it has every draw tied at or above its neighbours' 0, the lower count is 0, and the
folded p is the smallest there is. Only a small p with `upper` true marks a hot spot.

What the draws depend on is only the cell's own value (which one value leaves the pool) and how
many neighbours it has, so cells sharing both share one reference distribution: counts take few
distinct values, and a grid of 20,000 cells needs a few hundred sets of draws rather than
20,000. esda shares one set of draws among all cells; each cell's p-value is a valid
permutation p-value either way.
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
Bools = NDArray[np.bool_]

# Draws (cells' groups x permutations x neighbours) held at once: about 32 MB of int64.
BLOCK_DRAWS = 4_000_000


@dataclass(frozen=True)
class Neighbours:
    """Binary weights: each cell's neighbours, itself not among them."""

    index: Ints  # (n, offsets): the neighbour's position, or -1 where the set has no such cell
    count: Ints  # (n,): how many neighbours each cell has


@dataclass(frozen=True)
class GiStar:
    z: Floats
    p: Floats  # folded pseudo p-values, as esda's p_sim
    extreme: Ints  # draws as extreme as the cell's neighbours' sum, in the tail it lies in
    upper: Bools  # that tail is the upper one: draws at or above the cell's neighbours' sum


def ring_offsets(rings: int) -> list[tuple[int, int]]:
    """(column, row) offsets of the neighbours within `rings`, the cell itself left out."""
    span = range(-rings, rings + 1)
    return [(dc, dr) for dc in span for dr in span if (dc, dr) != (0, 0)]


def neighbours(cols: Ints, rows: Ints, rings: int = 1) -> Neighbours:
    """Each cell's neighbours within `rings` among the given cells (each cell given once)."""
    cols, rows = np.asarray(cols, np.int64), np.asarray(rows, np.int64)
    # One integer key per cell, so a neighbour is found by binary search in the sorted keys.
    base_col, base_row = (cols.min(), rows.min()) if len(cols) else (0, 0)
    height = int(rows.max() - base_row) + 2 * rings + 1 if len(rows) else 1

    def key(c: Ints, r: Ints) -> Ints:
        keyed: Ints = (c - base_col + rings) * height + (r - base_row + rings)
        return keyed

    keys = key(cols, rows)
    order = np.argsort(keys)
    sorted_keys = keys[order]
    offsets = ring_offsets(rings)
    index = np.full((len(cols), len(offsets)), -1, dtype=np.int64)
    for j, (dc, dr) in enumerate(offsets):
        wanted = key(cols + dc, rows + dr)
        at = np.minimum(np.searchsorted(sorted_keys, wanted), max(len(keys) - 1, 0))
        found = sorted_keys[at] == wanted if len(keys) else np.zeros(0, dtype=bool)
        index[found, j] = order[at[found]]
    return Neighbours(index, (index >= 0).sum(axis=1))


def neighbour_sums(values: Floats, near: Neighbours) -> Floats:
    """The sum of each cell's neighbours' values, its own left out."""
    gathered = np.where(near.index >= 0, values[near.index], 0.0)
    summed: Floats = gathered.sum(axis=1)
    return summed


def z_scores(values: Floats, near: Neighbours) -> Floats:
    """Gi* z-scores; 0 where they are undefined (no variation, or every cell in the window)."""
    n = len(values)
    mean = values.mean()
    variance = max(float((values**2).mean() - mean**2), 0.0)
    weight = near.count + 1.0
    local = neighbour_sums(values, near) + values
    spread = np.sqrt(variance * weight * (n - weight) / max(n - 1, 1))
    z: Floats = np.divide(local - mean * weight, spread, out=np.zeros(n), where=spread > 0)
    return z


def distinct_draws(rng: np.random.Generator, rows: int, pool: int, k: int) -> Ints:
    """`rows` draws of k distinct positions in range(pool), by Floyd's algorithm (each a
    uniformly random k-subset), vectorised over the rows."""
    chosen = np.empty((rows, k), dtype=np.int64)
    for t, top in enumerate(range(pool - k, pool)):
        pick = rng.integers(0, top + 1, size=rows)
        taken = (chosen[:, :t] == pick[:, None]).any(axis=1)
        chosen[:, t] = np.where(taken, top, pick)
    return chosen


@dataclass(frozen=True)
class _Groups:
    """Cells that share a reference distribution: the same own value and neighbour count."""

    value: Floats
    count: Ints
    members: list[Ints]


def _groups(values: Floats, counts: Ints) -> _Groups:
    keys, inverse = np.unique(np.column_stack([values, counts]), axis=0, return_inverse=True)
    inverse = inverse.ravel()
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(len(keys) + 1))
    members = [order[bounds[g] : bounds[g + 1]] for g in range(len(keys))]
    return _Groups(keys[:, 0], keys[:, 1].astype(np.int64), members)


def _reference_sums(
    rng: np.random.Generator, pool: Floats, own: Floats, k: int, permutations: int
) -> Floats:
    """For each own value: `permutations` sums of k values drawn from the pool without one
    copy of that value, sorted. `pool` is every cell's value, sorted."""
    if k == 0:
        return np.zeros((len(own), permutations))
    draws = distinct_draws(rng, len(own) * permutations, len(pool) - 1, k)
    draws = draws.reshape(len(own), permutations, k)
    # Positions at or past the own value's first copy move up one: that copy is the cell itself.
    skip = np.searchsorted(pool, own)
    draws += draws >= skip[:, None, None]
    sums: Floats = np.sort(pool[draws].sum(axis=2), axis=1)
    return sums


def permutation_counts(
    values: Floats, near: Neighbours, permutations: int, rng: np.random.Generator
) -> tuple[Ints, Bools]:
    """For each cell, how many draws are as extreme as its neighbourhood sum: those at or above
    it, or, when fewer, those below it (esda keeps the upper count unless the lower is smaller;
    the minimum is the same)."""
    observed = neighbour_sums(values, near)
    pool = np.sort(values)
    groups = _groups(values, near.count)
    extreme = np.zeros(len(values), dtype=np.int64)
    upper = np.zeros(len(values), dtype=np.bool_)
    for k in np.unique(groups.count):
        ids = np.flatnonzero(groups.count == k)
        step = max(1, BLOCK_DRAWS // (permutations * max(int(k), 1)))
        for start in range(0, len(ids), step):
            block = ids[start : start + step]
            sums = _reference_sums(rng, pool, groups.value[block], int(k), permutations)
            for g, reference in zip(block, sums, strict=True):
                cells = groups.members[g]
                below = np.searchsorted(reference, observed[cells], side="left")
                at_or_above = permutations - below
                extreme[cells] = np.minimum(at_or_above, below)
                upper[cells] = at_or_above <= below
    return extreme, upper


def gi_star(
    values: Floats,
    cols: Ints,
    rows: Ints,
    *,
    rings: int = 1,
    permutations: int = 999,
    seed: int | None = None,
) -> GiStar:
    """Gi* z-scores and folded pseudo p-values of the cells (each given once)."""
    if permutations < 1:
        raise ValueError("permutations must be at least 1")
    values = np.asarray(values, dtype=np.float64)
    if len(values) == 0:
        nothing = np.zeros(0)
        return GiStar(nothing, nothing, np.zeros(0, np.int64), np.zeros(0, np.bool_))
    near = neighbours(cols, rows, rings)
    z = z_scores(values, near)
    if len(values) < 2 or np.all(values == values[0]):
        # Nothing varies: no cell stands out, and every draw would tie.
        extreme = np.full(len(values), permutations, dtype=np.int64)
        return GiStar(z, np.ones(len(values)), extreme, np.zeros(len(values), dtype=np.bool_))
    rng = np.random.default_rng(seed)
    extreme, upper = permutation_counts(values, near, permutations, rng)
    p = ((extreme + 1.0) / (permutations + 1.0)).astype(np.float64)
    return GiStar(z, p, extreme, upper)


def gi_star_grid(
    grid: Floats, *, rings: int = 1, permutations: int = 999, seed: int | None = None
) -> GiStar:
    """Gi* of a dense grid (rows x columns); results in row-major order, as libpysal's lat2W."""
    grid = np.asarray(grid, dtype=np.float64)
    rows, cols = np.divmod(np.arange(grid.size, dtype=np.int64), grid.shape[1])
    return gi_star(grid.ravel(), cols, rows, rings=rings, permutations=permutations, seed=seed)
