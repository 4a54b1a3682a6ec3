"""Serve a service's API under uvicorn, every line it logs in the project's JSON.

    python -m shared.serve walks --host 127.0.0.1 --port 8001 [--processes N]

The one way the APIs are started, by `deploy/stack.sh` and by the image. One port is served by
as many processes as the machine has cores (or `<SERVICE>_API__PROCESSES`, or --processes):
one Python process uses one core, and a request spends most of its time there, not waiting on
the database. uvicorn's supervisor binds the port, starts the processes, which take turns
accepting on it, replaces one that dies, and stops them all when it is told to stop, so the
supervisor's PID is the only one to keep.

uvicorn's own logging configuration is left out: in every process its loggers write through the
root logger's JSON handler from the first line on, and its access log is off, since each request
is logged once, with its request id, by shared.http.RequestContext. Forwarded headers are
believed only from <SERVICE>_TRUSTED_PROXIES, by the app itself, so uvicorn believes none.
With several processes, each records its metrics in a directory they share, and /metrics adds
them up (prometheus_client's multiprocess mode), whichever process answers.
"""

import argparse
import contextlib
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from typing import Any

import uvicorn
from pydantic import Field
from pydantic_settings import BaseSettings
from uvicorn.importer import import_from_string
from uvicorn.supervisors import Multiprocess

from shared.logs import configure_logging, logged_exit
from shared.metrics import MULTIPROCESS_DIRECTORY
from shared.settings import SERVICE_NAMES


def available_cores() -> int:
    return len(os.sched_getaffinity(0))


class ServeSettings(BaseSettings):
    """How an API is served, from `<SERVICE>_API__<FIELD>` variables."""

    processes: int = Field(default_factory=available_cores, ge=1, le=64)


def serve_settings(service: str) -> ServeSettings:
    return ServeSettings(_env_prefix=f"{service.upper()}_API__")


class ServiceConfig(uvicorn.Config):
    """uvicorn's configuration, which sets up the project's JSON logging wherever it is used:
    in this process, and in each process the supervisor starts (where uvicorn calls it first)."""

    def __init__(self, service: str, **options: Any) -> None:
        self.service = service
        super().__init__(**options)

    def configure_logging(self) -> None:
        super().configure_logging()
        # The service's own level is set once its settings are read, by its app factory.
        configure_logging(self.service)


def server_config(service: str, host: str, port: int, processes: int = 1) -> ServiceConfig:
    return ServiceConfig(
        service,
        app=f"{service}.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=processes,
        loop="uvloop",
        http="httptools",
        # A process answers the supervisor's health checks from a thread it starts first thing;
        # on a busy machine that can take a while (every process imports the whole service),
        # and one that stays silent this long is killed and replaced.
        timeout_worker_healthcheck=60,
        log_config=None,
        access_log=False,
        proxy_headers=False,
    )


def serve(config: ServiceConfig) -> None:
    if config.workers == 1:
        uvicorn.Server(config).run()
        return
    # Built here once first, so that a service that refuses to start (its settings) says so
    # once and exits, before a port is bound or a process started, as a single process would.
    import_from_string(config.app)()
    with _metrics_shared_by_processes(config.service):
        Multiprocess(config, sockets=[listening_socket(config)]).run()


def listening_socket(config: uvicorn.Config) -> socket.socket:
    """The port the processes take turns accepting on, with Nagle's algorithm off.

    asyncio turns it off only on sockets created with the protocol named, which uvicorn's is
    not; with it on, a response written in two parts (headers, then body) waits for the
    client's delayed acknowledgement, some 40 ms on Linux, on every request of a kept-alive
    connection. Linux hands the option on to every connection accepted on the socket."""
    sock = config.bind_socket()
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


@contextlib.contextmanager
def _metrics_shared_by_processes(service: str) -> Iterator[None]:
    # Set before any process is started, which is before any imports prometheus_client; a
    # directory of this run's own, so no count left by an earlier run is added in.
    directory = tempfile.mkdtemp(prefix=f"trygg-{service}-metrics-")
    os.environ[MULTIPROCESS_DIRECTORY] = directory
    try:
        yield
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m shared.serve", description=__doc__)
    parser.add_argument("service", choices=SERVICE_NAMES)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--processes", type=int, help="default: <SERVICE>_API__PROCESSES, or cores")
    args = parser.parse_args(argv)
    configure_logging(args.service)
    with logged_exit():
        processes = args.processes or serve_settings(args.service).processes
        serve(server_config(args.service, args.host, args.port, processes))


if __name__ == "__main__":
    main()
