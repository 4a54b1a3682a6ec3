"""The patrols worker: its outbox relay."""

import asyncio

from shared.worker import run_worker

from patrols.config import Settings


def main() -> None:
    asyncio.run(run_worker(service="patrols", settings=Settings()))


if __name__ == "__main__":
    main()
