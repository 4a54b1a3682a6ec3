"""What every scenario of `make bench` shares: a row of the table, its goal, the sizes of a full
or a smoke run, and the table itself, printed and written as JSON.

A row holds one number per run for Trygg and, where there is one, for its baseline from the
same run; the table shows each as min / median / max. The ratio compares the medians so that
above 1 is Trygg doing better than the baseline, whichever way the unit points.
"""

import json
import os
import statistics
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Sizes:
    """How much each scenario does: a full run's counts, or a smoke run's few seconds."""

    smoke: bool
    runs: int
    http_s: float  # seconds of wrk per run
    connections: int
    relay_events: int
    consumer_events: int
    latency_s: float  # seconds of open-loop publishing per rate and run
    residents: tuple[int, ...]
    emails: int
    gistar_grid: tuple[int, int, int, int]  # rows, columns, incidents, permutations

    @classmethod
    def full(cls, runs: int, million: bool) -> "Sizes":
        residents = (10_000, 100_000, 1_000_000) if million else (10_000, 100_000)
        return cls(
            False, runs, 10.0, 16, 50_000, 50_000, 10.0, residents, 10_000, (100, 200, 100_000, 999)
        )

    @classmethod
    def tiny(cls) -> "Sizes":
        return cls(True, 1, 2.0, 4, 300, 300, 1.0, (200,), 200, (10, 20, 1_000, 99))


@dataclass(frozen=True)
class Goal:
    text: str
    check: Callable[["Row"], bool] | None = None


@dataclass
class Row:
    """One line of the table."""

    id: str
    scenario: str
    unit: str
    ours: list[float]
    baseline: list[float] | None = None
    baseline_name: str = ""
    p50_ms: float | None = None
    p99_ms: float | None = None
    higher_is_better: bool = True
    goal: Goal = field(default_factory=lambda: Goal("—"))
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if not self.baseline:
            return None
        ours, theirs = statistics.median(self.ours), statistics.median(self.baseline)
        return ours / theirs if self.higher_is_better else theirs / ours

    @property
    def met(self) -> bool | None:
        return None if self.goal.check is None else self.goal.check(self)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "scenario": self.scenario,
            "unit": self.unit,
            "ours": spread(self.ours),
            "baseline": spread(self.baseline) if self.baseline else None,
            "baseline_name": self.baseline_name or None,
            "ratio": self.ratio,
            "p50_ms": self.p50_ms,
            "p99_ms": self.p99_ms,
            "goal": self.goal.text,
            "met": self.met,
            **({"extra": self.extra} if self.extra else {}),
        }


def spread(values: Sequence[float]) -> dict[str, Any]:
    return {
        "runs": list(values),
        "min": min(values),
        "median": statistics.median(values),
        "max": max(values),
    }


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank, as wrk and most latency tools report it."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def _number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}" if value < 10 else f"{value:.1f}"


def _runs(values: Sequence[float] | None) -> str:
    if not values:
        return "—"
    return " / ".join(_number(v) for v in (min(values), statistics.median(values), max(values)))


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{_number(value)} ms"


def _met(value: bool | None) -> str:
    return "—" if value is None else ("yes" if value else "NO")


def table(rows: Sequence[Row]) -> str:
    head = [
        "#",
        "scenario",
        "ours (min / median / max)",
        "baseline, same run",
        "ratio",
        "p50",
        "p99",
        "goal",
        "met",
    ]
    lines = [
        [
            r.id,
            f"{r.scenario} [{r.unit}]",
            _runs(r.ours),
            f"{_runs(r.baseline)}{f' ({r.baseline_name})' if r.baseline else ''}",
            "—" if r.ratio is None else f"{r.ratio:.2f}",
            _ms(r.p50_ms),
            _ms(r.p99_ms),
            r.goal.text,
            _met(r.met),
        ]
        for r in rows
    ]
    widths = [max(len(x[i]) for x in [head, *lines]) for i in range(len(head))]
    out = [" | ".join(c.ljust(w) for c, w in zip(x, widths, strict=True)) for x in [head, *lines]]
    out.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(out)


def machine() -> dict[str, Any]:
    """What the figures depend on: when, which commit, how many cores, how busy they were."""
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit,
        "cpus": os.cpu_count(),
        "load_average": list(os.getloadavg()),
    }


def write_report(path: Path, rows: Sequence[Row], meta: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    report = {**meta, "rows": [r.as_json() for r in rows]}
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
