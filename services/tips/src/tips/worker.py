"""The tips worker: its outbox relay."""

import asyncio

from shared.worker import run_worker
from tips.config import Settings


def main() -> None:
    asyncio.run(run_worker(service="tips", settings=Settings()))


if __name__ == "__main__":
    main()
