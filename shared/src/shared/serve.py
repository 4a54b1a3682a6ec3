"""Serve a service's API under uvicorn, every line it logs in the project's JSON.

    python -m shared.serve walks --host 127.0.0.1 --port 8001

The one way the APIs are started, by `deploy/stack.sh` and by the image. uvicorn's own logging
configuration is left out: its loggers write through the root logger's JSON handler from the
first line on, and its access log is off, since each request is logged once, with its request
id, by shared.http.RequestContext. Forwarded headers are believed only from
<SERVICE>_TRUSTED_PROXIES, by the app itself, so uvicorn believes none.
"""

import argparse

import uvicorn

from shared.logs import configure_logging, logged_exit
from shared.settings import SERVICE_NAMES


def server_config(service: str, host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(
        f"{service}.app:create_app",
        factory=True,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        proxy_headers=False,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m shared.serve", description=__doc__)
    parser.add_argument("service", choices=SERVICE_NAMES)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    # The service's own level is set once its settings are read, by its app factory.
    configure_logging(args.service)
    with logged_exit():
        uvicorn.Server(server_config(args.service, args.host, args.port)).run()


if __name__ == "__main__":
    main()
