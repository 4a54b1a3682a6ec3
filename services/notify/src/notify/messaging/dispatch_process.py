"""The dispatcher in a process of its own, so composing and sending never stall the consumer.

Sharing the worker's event loop, a dispatcher composing a batch of 500 held the consumer up for
100 ms and more, and the time from a published plan to its notifications grew with it. As a
child process it has its own event loop, database pool and connections to the mail server, the
SMS gateway and webhook receivers, and on a machine of more than one core, its own core.

The worker starts the child (multiprocessing, spawn: nothing of the parent's loop or pool is
inherited) and keeps one running: a child that ends early is started again after a back-off.
They talk over one pipe: the worker says when to stop; the child reports what it recorded,
which the worker counts into the metrics it serves. The pipe also ties the child to the worker:
when the worker dies, even by SIGKILL, the child reads the end of the pipe and stops, so no
dispatcher outlives its worker.
"""

import asyncio
import contextlib
import logging
import multiprocessing
import signal
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from notify.config import Settings
from notify.messaging.metrics import Tally, count_tally
from shared.worker import Job, start

log = logging.getLogger(__name__)

STOP = "stop"
# How long a stopping child may take to finish its batch and record it before it is killed.
STOP_TIMEOUT_S = 60.0
RESTART_BACKOFF_S = (1.0, 30.0)
# The child's entry point: runs the dispatcher until `stop` is set, reporting through `report`.
Child = Callable[[Settings, asyncio.Event, Callable[[Tally], None]], Any]


def in_child_process(settings: Settings, child: Child) -> Job:
    """A worker job that keeps `child` running in a process of its own until `stop`."""

    async def run(stop: asyncio.Event) -> None:
        backoff = RESTART_BACKOFF_S[0]
        while not stop.is_set():
            started = asyncio.get_running_loop().time()
            exit_code = await _one_child(settings, child, stop)
            if stop.is_set():
                return
            if asyncio.get_running_loop().time() - started > RESTART_BACKOFF_S[1]:
                backoff = RESTART_BACKOFF_S[0]
            log.error("the dispatcher process ended (exit code %s); starting another", exit_code)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), backoff)
            backoff = min(backoff * 2, RESTART_BACKOFF_S[1])

    return run


async def _one_child(settings: Settings, child: Child, stop: asyncio.Event) -> int | None:
    """Start the child, count what it reports, and stop it with `stop`; its exit code."""
    loop = asyncio.get_running_loop()
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(
        target=_child_main, args=(settings, child, theirs), name="notify-dispatcher"
    )
    process.start()
    theirs.close()
    ended = asyncio.Event()
    loop.add_reader(ours.fileno(), _receive, ours, ended)
    try:
        waits = [asyncio.ensure_future(e.wait()) for e in (stop, ended)]
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for waiting in waits:
            waiting.cancel()
    finally:
        await _stop_child(process, ours)
        loop.remove_reader(ours.fileno())
        ours.close()
    return process.exitcode


def _receive(ours: Connection, ended: asyncio.Event) -> None:
    """The child's reports as they arrive; the end of the pipe means the child has ended."""
    try:
        while ours.poll():
            count_tally(ours.recv())
    except (EOFError, OSError):
        asyncio.get_running_loop().remove_reader(ours.fileno())
        ended.set()


async def _stop_child(process: Any, ours: Connection) -> None:
    with contextlib.suppress(OSError):
        ours.send(STOP)
    await asyncio.to_thread(process.join, STOP_TIMEOUT_S)
    if process.is_alive():
        log.error("the dispatcher process did not stop in %.0f s; killing it", STOP_TIMEOUT_S)
        process.kill()
        await asyncio.to_thread(process.join)


def _child_main(settings: Settings, child: Child, theirs: Connection) -> None:
    # Ctrl-C at a terminal reaches the whole process group: the worker stops the child in order.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    start(_child_run(settings, child, theirs))


async def _child_run(settings: Settings, child: Child, theirs: Connection) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_reader(theirs.fileno(), _until_told, theirs, stop)

    def report(tally: Tally) -> None:
        with contextlib.suppress(OSError):  # the worker is gone; the pipe's end stops us
            theirs.send(tally)

    await child(settings, stop, report)


def _until_told(theirs: Connection, stop: asyncio.Event) -> None:
    """Stop when the worker says so, or when it is gone (the pipe has ended)."""
    try:
        message = theirs.recv()
    except (EOFError, OSError):
        message = STOP
    if message == STOP:
        asyncio.get_running_loop().remove_reader(theirs.fileno())
        stop.set()
