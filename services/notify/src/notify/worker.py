"""The notify worker: its outbox relay."""

import asyncio

from shared.worker import run_worker

from notify.config import Settings


def main() -> None:
    asyncio.run(run_worker(service="notify", settings=Settings()))


if __name__ == "__main__":
    main()
