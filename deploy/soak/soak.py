"""The soak: the whole system under steady load while faults come and go, then a count at the
sinks of what everyone was told. Exits non-zero on any message lost, duplicated or stray.

    .venv/bin/python deploy/soak/soak.py --runs 30 --duration 30 --brokers 1
    .venv/bin/python deploy/soak/soak.py --short     # a handful of faults, for `make test`

It brings up a stack of its own with deploy/stack.sh (state in .state/soak, ports from
--port-base), subscribes residents by email and SMS (confirmed by their links) and a webhook
of its own, then repeats runs: load and faults for --duration seconds, heal, wait until the
system is quiet, count. See README, "The soak".
"""

import argparse
import asyncio
import contextlib
import json
import random
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Coroutine
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from faults import FAULTS
from ledger import Delivery, MailSink, Tally, WebhookReceiver, sms_deliveries, tally
from load import Audience, Clients, Load, subscribe_residents
from quiet import pending_work
from system import ROOT, Ports, System

# The short version's faults, in order: one of each kind the soak knows, over two runs.
SHORT = [["kill-worker", "stop-postgres", "stall-network"], ["kill-broker", "pause"]]
QUIET_FOR_S = 3.0


@dataclass
class Run:
    number: int
    faults: list[str]
    operations: int
    tally: Tally
    recovery_s: float


@contextlib.asynccontextmanager
async def serving(receiver: WebhookReceiver) -> AsyncIterator[int]:
    """The webhook receiver on a free port of 127.0.0.1, for the block."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    config = uvicorn.Config(receiver.app, log_config=None, access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        yield int(sock.getsockname()[1])
    finally:
        server.should_exit = True
        await task
        sock.close()


async def inject(system: System, names: list[str], stop: asyncio.Event, planned: bool) -> list[str]:
    """Faults one after another until `stop` (or, planned, exactly the ones named)."""
    done: list[str] = []
    queue = list(names)
    while not stop.is_set() and (queue or not planned):
        await asyncio.sleep(random.uniform(1, 3))
        name = queue.pop(0) if planned else random.choice(names)
        done.append(await FAULTS[name](system))
        print(f"    fault: {done[-1]}", flush=True)  # noqa: T201
    return done


async def one_run(
    system: System,
    clients: Clients,
    audience: Audience,
    receiver: WebhookReceiver,
    number: int,
    args: argparse.Namespace,
) -> Run:
    print(f"run {number}", flush=True)  # noqa: T201
    load = Load(clients, audience, number)
    stop = asyncio.Event()
    planned = SHORT[number - 1] if args.short else args.faults
    loading = asyncio.create_task(load.until(stop, pause_s=args.pause))
    faulting = asyncio.create_task(inject(system, planned, stop, planned=args.short))
    if args.short:
        await faulting
    else:
        await asyncio.sleep(args.duration)
    stop.set()
    faults = await faulting
    await loading
    healed = time.monotonic()
    await settle(system, load, receiver, clients, args.recovery_timeout)
    recovery = time.monotonic() - healed
    deliveries = await received(system, receiver, clients)
    return Run(number, faults, load.operations, tally(number, load.expected, deliveries), recovery)


async def received(system: System, receiver: WebhookReceiver, clients: Clients) -> list[Delivery]:
    return clients.mail.deliveries() + await sms_deliveries(clients.sms) + list(receiver.deliveries)


async def settle(
    system: System, load: Load, receiver: WebhookReceiver, clients: Clients, timeout_s: float
) -> None:
    """Until nothing is under way anywhere for QUIET_FOR_S, and either everything expected
    has arrived or the quiet held a while longer (then what is missing is lost)."""
    deadline = time.monotonic() + timeout_s
    quiet_since: float | None = None
    while time.monotonic() < deadline:
        pending = await pending_work(system.ports.pg, system.bootstrap)
        if pending:
            quiet_since = None
        else:
            quiet_since = quiet_since or time.monotonic()
            quiet = time.monotonic() - quiet_since
            arrived = await _all_arrived(system, load, receiver, clients)
            if quiet >= QUIET_FOR_S and (arrived or quiet >= 4 * QUIET_FOR_S):
                return
        await asyncio.sleep(0.5)
    print(f"    not quiet after {timeout_s:.0f} s: {pending}", flush=True)  # noqa: T201


async def _all_arrived(
    system: System, load: Load, receiver: WebhookReceiver, clients: Clients
) -> bool:
    got = {(d.recipient, d.event) for d in await received(system, receiver, clients)}
    return load.expected <= got


def table(runs: list[Run]) -> str:
    head = (
        f"{'run':>3}  {'ops':>4}  {'expected':>8}  {'received':>8}  {'lost':>4}  {'dup':>3}  "
        f"{'resent':>6}  {'stray':>5}  {'recover s':>9}  faults"
    )
    lines = [head, "-" * len(head)]
    for r in runs:
        t = r.tally
        lines.append(
            f"{r.number:>3}  {r.operations:>4}  {t.expected:>8}  {t.received:>8}  {t.lost:>4}  "
            f"{t.duplicated:>3}  {t.resent:>6}  {t.unexpected:>5}  {r.recovery_s:>9.1f}  "
            + "; ".join(r.faults)
        )
    total = Tally(
        expected=sum(r.tally.expected for r in runs),
        received=sum(r.tally.received for r in runs),
        lost=sum(r.tally.lost for r in runs),
        duplicated=sum(r.tally.duplicated for r in runs),
        resent=sum(r.tally.resent for r in runs),
        unexpected=sum(r.tally.unexpected for r in runs),
    )
    faults = sum(len(r.faults) for r in runs)
    worst = max((r.recovery_s for r in runs), default=0.0)
    lines.append("-" * len(head))
    lines.append(
        f"{'all':>3}  {sum(r.operations for r in runs):>4}  {total.expected:>8}  "
        f"{total.received:>8}  {total.lost:>4}  {total.duplicated:>3}  {total.resent:>6}  "
        f"{total.unexpected:>5}  {worst:>9.1f}  {faults} faults (recovery: the slowest)"
    )
    return "\n".join(lines)


async def soak(args: argparse.Namespace) -> list[Run]:
    receiver = WebhookReceiver()
    async with serving(receiver) as webhook_port:
        system = System(Ports(args.port_base), args.state, args.brokers, webhook_port)
        print(f"bringing up the soak's stack in {args.state}", flush=True)  # noqa: T201
        runs: list[Run] = []
        try:
            await system.up(fresh=True)
            async with (
                httpx.AsyncClient(base_url=system.url("walks")) as walks,
                httpx.AsyncClient(base_url=system.url("tips")) as tips,
                httpx.AsyncClient(base_url=system.url("notify")) as notify,
                httpx.AsyncClient(
                    base_url=f"http://127.0.0.1:{system.ports.sms}",
                    auth=("trygg-dev", "trygg-dev-only"),
                ) as sms,
            ):
                clients = Clients(walks, tips, notify, sms, MailSink(args.state / "mail"))
                hook = f"http://127.0.0.1:{webhook_port}/hook"
                audience = await subscribe_residents(clients, 4, 3, hook)
                print(f"{len(audience.residents)} residents and a webhook subscribed", flush=True)  # noqa: T201
                for number in range(1, args.runs + 1):
                    runs.append(await one_run(system, clients, audience, receiver, number, args))
                    print(table(runs[-1:]).splitlines()[-3], flush=True)  # noqa: T201
        except Exception as exc:
            # The runs so far still count; the soak as a whole has failed.
            print(f"the soak stopped: {exc!r}", flush=True)  # noqa: T201
            args.stopped = True
        finally:
            if not args.keep:
                await system.down()
    return runs


async def stoppable(work: Coroutine[Any, Any, list[Run]]) -> list[Run]:
    """SIGTERM (a test's timeout, a CI job cancelled) ends the soak with its stack taken down."""
    task = asyncio.ensure_future(work)
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    return await task


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load per run")
    parser.add_argument("--brokers", type=int, choices=(1, 3), default=1)
    parser.add_argument("--faults", default=",".join(FAULTS), help="the faults to pick from")
    parser.add_argument("--short", action="store_true", help="two runs, five planned faults")
    parser.add_argument("--pause", type=float, default=1.0, help="mean seconds between calls")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--port-base", type=int, default=26400)
    parser.add_argument("--state", type=Path, default=None, help="default .state/soak")
    parser.add_argument("--recovery-timeout", type=float, default=300.0)
    parser.add_argument("--keep", action="store_true", help="leave the stack up afterwards")
    parser.add_argument("--report", type=Path, default=None, help="write the runs as JSON here")
    args = parser.parse_args(argv)
    args.faults = [f for f in args.faults.split(",") if f]
    args.stopped = False
    if unknown := set(args.faults) - set(FAULTS):
        parser.error(f"unknown faults: {', '.join(sorted(unknown))}")
    if args.short:
        args.runs = len(SHORT)
    args.state = (args.state or ROOT / ".state" / "soak").resolve()
    args.seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    return args


def main() -> int:
    args = arguments()
    random.seed(args.seed)
    print(f"soak: {args.runs} runs, {args.brokers} broker(s), seed {args.seed}", flush=True)  # noqa: T201
    runs = asyncio.run(stoppable(soak(args)))
    print(table(runs))  # noqa: T201
    if args.report:
        args.report.write_text(json.dumps([asdict(r) for r in runs], indent=2), encoding="utf-8")
    for r in runs:
        for example in r.tally.lost_examples[:5] + r.tally.duplicate_examples[:5]:
            print(f"  run {r.number}: {example}")  # noqa: T201
    sound = runs and not args.stopped and all(r.tally.sound for r in runs)
    return 0 if sound else 1


if __name__ == "__main__":
    sys.exit(main())
