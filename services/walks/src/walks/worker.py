"""The walks worker: its outbox relay."""

import asyncio

from shared.worker import run_worker
from walks.config import Settings


def main() -> None:
    asyncio.run(run_worker(service="walks", settings=Settings()))


if __name__ == "__main__":
    main()
