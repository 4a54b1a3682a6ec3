"""`make bench`: every scenario of the performance table against a stack of the benchmark's own,
each beside its baseline from the same run, three runs each; one table printed, and the same
written as JSON under benchmarks/results/.

    .venv/bin/python benchmarks/bench.py                      # the whole table (~15 min)
    .venv/bin/python benchmarks/bench.py --only B2 B3         # some scenarios
    .venv/bin/python benchmarks/bench.py --smoke --pg-port 55433 --kafka-port 19092

--smoke runs each scenario once, for a second or a few hundred events, against the PostgreSQL
and Kafka given (the test stack's), starting only the services of its own; `make test` runs it
so that the benchmarks keep working. Its figures mean nothing.
"""

import argparse
import asyncio
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import consumer_throughput
import notify_fanout
import patrols_gistar
import plans_write
import publish_latency
import relay_throughput
import tips_intake
import uvloop
from benchkit import ROOT, Row, Sizes, machine, table, write_report
from benchstack import BenchStack

Scenario = Callable[[BenchStack, Sizes], Awaitable[list[Row]]]


async def hotspots(_: BenchStack, sizes: Sizes) -> list[Row]:
    return await asyncio.to_thread(patrols_gistar.scenario, sizes)


# In the table's order; B1 leaves the plans B1r lists.
SCENARIOS: dict[str, Scenario] = {
    "B1": plans_write.scenario,
    "B2": relay_throughput.scenario,
    "B3": consumer_throughput.scenario,
    "B4": publish_latency.scenario,
    "B5": notify_fanout.scenario,
    "tips": tips_intake.scenario,
    "hotspots": hotspots,
}


async def bench(args: argparse.Namespace) -> list[Row]:
    sizes = Sizes.tiny() if args.smoke else Sizes.full(args.runs, args.million)
    infra = (args.pg_port, args.kafka_port) if args.pg_port else None
    stack = BenchStack(args.port_base, args.state, infra)
    rows: list[Row] = []
    started = time.monotonic()
    print(f"bringing up the benchmark's stack in {args.state}", flush=True)
    try:
        await stack.up()
        print(f"stack up after {time.monotonic() - started:.0f} s", flush=True)
        for name in args.only or SCENARIOS:
            began = time.monotonic()
            found = await SCENARIOS[name](stack, sizes)
            rows += found
            print(f"{name}: {time.monotonic() - began:.0f} s", flush=True)
            print(table(found), flush=True)
    finally:
        if not args.keep:
            await stack.down()
    return rows


async def main(args: argparse.Namespace) -> int:
    task = asyncio.current_task()
    assert task is not None
    # Sent by whoever gives up waiting (the smoke test): stop, and take the stack down first.
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    started = time.monotonic()
    meta = {**machine(), "smoke": args.smoke}
    rows = await bench(args)
    meta["duration_s"] = round(time.monotonic() - started, 1)
    report = args.report or ROOT / "benchmarks" / "results" / f"bench-{_stamp()}.json"
    write_report(report, rows, meta)
    print(f"\n{table(rows)}\n\nloadavg {meta['load_average']}; {meta['duration_s']} s; {report}")
    return 0


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="each scenario once, tiny")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--million", action="store_true", help="B5 with 1,000,000 residents too")
    parser.add_argument("--only", nargs="+", choices=list(SCENARIOS))
    parser.add_argument("--port-base", type=int, default=27400)
    parser.add_argument("--state", type=Path, default=ROOT / ".state" / "bench")
    parser.add_argument("--pg-port", type=int, help="PostgreSQL running already")
    parser.add_argument("--kafka-port", type=int)
    parser.add_argument("--report", type=Path, help="the JSON file (default: benchmarks/results/)")
    parser.add_argument("--keep", action="store_true", help="leave the stack up afterwards")
    args = parser.parse_args(argv)
    if bool(args.pg_port) != bool(args.kafka_port):
        parser.error("--pg-port and --kafka-port go together")
    return args


if __name__ == "__main__":
    # On uvloop, as the services run: what runs in this process (the dispatcher of B5, the
    # relay of B2, the consumer runner of B3, and their baselines) runs as it would there.
    sys.exit(uvloop.run(main(parse(sys.argv[1:]))))
