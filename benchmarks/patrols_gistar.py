"""The patrols hot-spot scenario: Gi* with 999 permutations over a municipality grid of 20,000
cells. `make bench` runs it beside the numpy baseline below; on its own it also compares esda.

Pure computation: it needs no stack (no PostgreSQL, no Kafka).

    .venv/bin/python benchmarks/patrols_gistar.py

It draws 100,000 incidents on a 200 x 100 grid of cells (a background spread evenly and five
clusters of different size and strength), counts them per cell, and times, on the same counts:

- patrols' Gi* (`patrols.hotspots.gistar.gi_star_grid`): z-scores, and pseudo p-values from 999
  conditional permutations, the draws shared by cells of the same value and neighbour count;
- the baseline, the most direct numpy way to do the same: one table of 999 draws of 8 distinct
  other cells (esda's scheme), gathered for every cell in blocks, summed over the cell's own
  number of neighbours, compared with its observed sum and folded;
- the floor: the z-scores alone, which every method has to compute;
- PySAL esda's `G_Local(star=True, transform="B")` on the same weights (without numba, as this
  project installs it), unless `--no-esda`.

It prints each time, its ratio to ours, and how far the p-values of the baseline and of esda
are from ours (they draw other random numbers, so they agree up to sampling error).
"""

import argparse
import time
import warnings
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
from benchkit import Row, Sizes

from patrols.hotspots import gistar

ROWS, COLS = 100, 200
INCIDENTS = 100_000
PERMUTATIONS = 999
# (row, column, spread in cells, share of the incidents)
CLUSTERS = [(20, 40, 2.0, 0.10), (70, 150, 4.0, 0.12), (50, 100, 1.0, 0.05), (85, 30, 6.0, 0.08)]
CLUSTERS.append((10, 180, 3.0, 0.05))


def counts(
    seed: int, height: int = ROWS, width: int = COLS, incidents: int = INCIDENTS
) -> gistar.Floats:
    """100,000 incidents, 60 % spread evenly, the rest in the clusters, counted per cell."""
    rng = np.random.default_rng(seed)
    background = incidents - sum(int(incidents * share) for *_, share in CLUSTERS)
    rows = [rng.integers(0, height, background)]
    cols = [rng.integers(0, width, background)]
    for row, col, spread, share in CLUSTERS:
        n = int(incidents * share)
        rows.append(np.clip(np.rint(rng.normal(row, spread, n)), 0, height - 1).astype(np.int64))
        cols.append(np.clip(np.rint(rng.normal(col, spread, n)), 0, width - 1).astype(np.int64))
    grid = np.zeros((height, width))
    np.add.at(grid, (np.concatenate(rows), np.concatenate(cols)), 1)
    return grid


def baseline(grid: gistar.Floats, permutations: int, seed: int) -> gistar.GiStar:
    """The same z-scores and folded pseudo p-values, done the direct way: one table of draws,
    every cell's neighbour values gathered from it (blocks of cells bound the memory)."""
    values = grid.ravel()
    n = len(values)
    rows, cols = np.divmod(np.arange(n, dtype=np.int64), grid.shape[1])
    near = gistar.neighbours(cols, rows, 1)
    z = gistar.z_scores(values, near)
    observed = gistar.neighbour_sums(values, near)
    k = int(near.count.max())
    rng = np.random.default_rng(seed)
    table = np.stack([rng.choice(n - 1, k, replace=False) for _ in range(permutations)])
    extreme = np.empty(n, dtype=np.int64)
    block = 256
    for start in range(0, n, block):
        cells = np.arange(start, min(start + block, n))
        # Positions in "every cell but this one": those at or past the cell move up one.
        drawn = table[None, :, :] + (table[None, :, :] >= cells[:, None, None])
        used = np.arange(k)[None, None, :] < near.count[cells][:, None, None]
        sums = np.where(used, values[drawn], 0.0).sum(axis=2)
        at_or_above = (sums >= observed[cells][:, None]).sum(axis=1)
        extreme[cells] = np.minimum(at_or_above, permutations - at_or_above)
    p = ((extreme + 1.0) / (permutations + 1.0)).astype(np.float64)
    return gistar.GiStar(z, p, extreme, np.zeros(n, dtype=np.bool_))


def esda_gi_star(grid: gistar.Floats, permutations: int, seed: int) -> Any:
    import esda  # type: ignore[import-untyped]
    import libpysal  # type: ignore[import-untyped]

    w = libpysal.weights.lat2W(*grid.shape, rook=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return esda.G_Local(
            grid.ravel(),
            w,
            transform="B",
            star=True,
            permutations=permutations,
            seed=seed,
            n_jobs=1,
            keep_simulations=False,
        )


def timed(run: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """The best of `repeat` runs, in seconds, and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - started)
    return best, result


def scenario(sizes: Sizes, seed: int = 2026) -> list[Row]:
    """Ours and the numpy baseline on the same counts, alternating, `runs` times each."""
    height, width, incidents, permutations = sizes.gistar_grid
    grid = counts(seed, height, width, incidents)
    ours, base = [], []
    for run in range(sizes.runs):
        ours.append(
            timed(lambda: gistar.gi_star_grid(grid, permutations=permutations, seed=seed), 1)[0]
        )
        base.append(timed(partial(baseline, grid, permutations, seed + run), 1)[0])
    return [
        Row(
            "hotspots",
            f"patrols Gi*, {height * width:,} cells, {permutations} permutations",
            "s",
            ours,
            base,
            "numpy, one table of draws",
            higher_is_better=False,
        )
    ]


def main(args: argparse.Namespace) -> None:
    grid = counts(args.seed)
    values = grid.ravel()
    rows, cols = np.divmod(np.arange(values.size, dtype=np.int64), COLS)
    near = gistar.neighbours(cols, rows, 1)
    print(
        f"{values.size:,} cells ({ROWS} x {COLS}), {int(values.sum()):,} incidents, "
        f"{len(np.unique(values))} distinct counts, {PERMUTATIONS} permutations"
    )
    ours_s, ours = timed(
        lambda: gistar.gi_star_grid(grid, permutations=PERMUTATIONS, seed=args.seed), args.repeat
    )
    floor_s, _ = timed(lambda: gistar.z_scores(values, near), args.repeat)
    base_s, base = timed(lambda: baseline(grid, PERMUTATIONS, args.seed + 1), 1)
    print("method                                   seconds   / ours   mean |p - ours|")
    print(f"patrols gistar (z + permutations)      {ours_s:9.3f}     1.00")
    print(
        f"numpy baseline (one table, gathered)   {base_s:9.3f} {base_s / ours_s:8.1f}   "
        f"{np.abs(base.p - ours.p).mean():.4f}"
    )
    print(f"floor: z-scores alone                  {floor_s:9.3f} {floor_s / ours_s:8.2f}")
    if not args.no_esda:
        esda_s, theirs = timed(lambda: esda_gi_star(grid, PERMUTATIONS, args.seed + 2), 1)
        their_p = np.round(theirs.p_sim.astype(np.float64) * (PERMUTATIONS + 1))
        their_p /= PERMUTATIONS + 1
        print(
            f"esda G_Local(star=True), no numba      {esda_s:9.3f} {esda_s / ours_s:8.1f}   "
            f"{np.abs(their_p - ours.p).mean():.4f}"
        )
        print(f"largest |z - esda z|: {np.abs(ours.z - theirs.Zs).max():.2e}")
    hot = (ours.z > 0) & ours.upper
    for cut in (0.001, 0.01, 0.05):
        print(f"cells hot at p <= {cut}: {int((hot & (ours.p <= cut)).sum()):,}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=3, help="Best of this many runs of ours.")
    parser.add_argument("--no-esda", action="store_true", help="Leave esda out.")
    main(parser.parse_args())
