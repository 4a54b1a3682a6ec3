"""The patrols worker: its outbox relay."""

import asyncio

from patrols.config import Settings
from shared.worker import run_worker


def main() -> None:
    asyncio.run(run_worker(service="patrols", settings=Settings()))


if __name__ == "__main__":
    main()
