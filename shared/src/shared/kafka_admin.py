"""Command line for the local stack: wait for the broker, create the topics explicitly."""

import argparse
import asyncio
import logging
import sys

from shared.kafka import all_topics, create_topics, wait_for_broker


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m shared.kafka_admin")
    sub = parser.add_subparsers(dest="command", required=True)
    wait = sub.add_parser("wait", help="wait until the broker answers a metadata request")
    wait.add_argument("--bootstrap", default="127.0.0.1:9092")
    wait.add_argument("--timeout", type=float, default=120.0)
    topics = sub.add_parser("create-topics", help="create Trygg's event and dead-letter topics")
    topics.add_argument("--bootstrap", default="127.0.0.1:9092")
    topics.add_argument("--partitions", type=int, default=3)
    topics.add_argument("--replication-factor", type=int, default=1)
    topics.add_argument(
        "--min-insync-replicas",
        type=int,
        default=1,
        help="copies that must have a write before acks=all acknowledges it",
    )
    return parser


def main() -> int:
    args = _parser().parse_args()
    # Connection refusals while the broker starts are expected; say only what matters.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    if args.command == "wait":
        asyncio.run(wait_for_broker(args.bootstrap, args.timeout))
        return 0
    created = asyncio.run(
        create_topics(
            args.bootstrap,
            all_topics(),
            args.partitions,
            replication_factor=args.replication_factor,
            min_insync_replicas=args.min_insync_replicas,
        )
    )
    sys.stderr.write(f"[stack] topics created: {', '.join(created) or 'none (all existed)'}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
