"""Rewind a service's consumer group after its database was restored from a backup.

    python -m shared.rewind --save <file>                       (deploy/backup.sh does this)
    python -m shared.rewind --service notify --saved <backup>/consumer-offsets.json
    python -m shared.rewind --service notify --to 2025-05-01T12:00:00+00:00

A restored database lacks the effects, and the inbox rows, of every event its service consumed
after the backup, while the group's offsets in Kafka have moved past those events. Moving the
offsets back makes the worker consume them again; the inbox drops the ones the restored
database had already handled, so going back too far costs only reading time, never a second
effect. Offsets only ever move back: moving one forward would skip events.

`--saved` takes the offsets the backup recorded just before it began. The consumer commits its
database before its offsets, so every event before them was handled in a transaction that
committed before the backup, and is in it: the exact place to go back to, for any restore of
that backup (to its end or to a later point in time). `--to` finds, in each partition, the
first record written at or after the time. A record is stamped when it is produced, not when it
is consumed: choose a time earlier than the restore point by more than the group's lag then.

The group must have no members: stop the service's worker first, start it again after.
"""

import argparse
import asyncio
import json
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import OffsetAndMetadata

from shared.kafka import stop_admin

Offsets = dict[TopicPartition, int]
# Group states in which no member holds partitions, so offsets may be committed from outside.
IDLE_STATES = {"Empty", "Dead"}


class GroupActive(Exception):
    """The group still has members: its offsets cannot be moved under them."""


def group_of(service: str) -> str:
    """The consumer group of a service's worker (as `shared.consumer.ConsumerRunner` names it)."""
    return f"trygg.{service}"


def moved_back(
    committed: Mapping[TopicPartition, int], targets: Mapping[TopicPartition, int]
) -> Offsets:
    """The partitions whose target lies before the committed offset, with that target."""
    return {
        tp: targets[tp]
        for tp, offset in committed.items()
        if tp in targets and targets[tp] < offset
    }


def parse_time(value: str) -> datetime:
    """An ISO 8601 time with its offset: a time without one would be read in the wrong zone."""
    when = datetime.fromisoformat(value)
    if when.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{value!r} has no UTC offset (add +00:00 or Z)")
    return when


async def committed_offsets(admin: AIOKafkaAdminClient, group: str) -> Offsets:
    offsets = await admin.list_consumer_group_offsets(group)
    return {tp: meta.offset for tp, meta in offsets.items() if meta.offset >= 0}


async def snapshot(bootstrap: str) -> dict[str, object]:
    """Every consumer group's committed offsets now, as JSON a later rewind reads."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000)
    await admin.start()
    try:
        taken_at = datetime.now(UTC).isoformat()
        groups = {}
        for group, *_ in await admin.list_consumer_groups():
            offsets = await committed_offsets(admin, group)
            groups[group] = [
                {"topic": tp.topic, "partition": tp.partition, "offset": offset}
                for tp, offset in sorted(offsets.items())
            ]
        return {"taken_at": taken_at, "groups": groups}
    finally:
        await stop_admin(admin)


def saved_offsets(snapshot_json: Mapping[str, object], group: str) -> Offsets:
    groups = snapshot_json["groups"]
    assert isinstance(groups, dict)
    return {
        TopicPartition(row["topic"], row["partition"]): row["offset"]
        for row in groups.get(group, [])
    }


async def offsets_at(
    consumer: AIOKafkaConsumer, partitions: list[TopicPartition], when: datetime
) -> Offsets:
    """Each partition's first offset written at or after `when`; its end when none was."""
    millis = int(when.timestamp() * 1000)
    found = await consumer.offsets_for_times(dict.fromkeys(partitions, millis))
    ends = await consumer.end_offsets(partitions)
    return {tp: found[tp].offset if found.get(tp) else ends[tp] for tp in partitions}


async def _saved_or_beginning(
    consumer: AIOKafkaConsumer, partitions: list[TopicPartition], saved: Offsets
) -> Offsets:
    """The saved offsets; a partition the group had no offset for when the backup began was
    consumed only since, so all of it is read again."""
    unsaved = [tp for tp in partitions if tp not in saved]
    beginnings = await consumer.beginning_offsets(unsaved) if unsaved else {}
    return {**beginnings, **saved}


async def _ensure_idle(admin: AIOKafkaAdminClient, group: str) -> None:
    [response] = await admin.describe_consumer_groups([group])
    for described in response.to_object()["groups"]:
        if described["state"] not in IDLE_STATES:
            raise GroupActive(
                f"{group} is {described['state']} with {len(described['members'])} member(s): "
                "stop the service's worker, then rewind"
            )


async def rewind(
    service: str,
    bootstrap: str,
    *,
    to: datetime | None = None,
    saved: Mapping[str, object] | None = None,
) -> dict[TopicPartition, tuple[int, int]]:
    """Move the service's group back to `to` or to the `saved` snapshot; returns, for each
    partition moved, its offset before and after."""
    group = group_of(service)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
    )
    await admin.start()
    await consumer.start()
    try:
        await _ensure_idle(admin, group)
        committed = await committed_offsets(admin, group)
        if saved is not None:
            targets = await _saved_or_beginning(
                consumer, list(committed), saved_offsets(saved, group)
            )
        else:
            assert to is not None
            targets = await offsets_at(consumer, list(committed), to)
        moves = moved_back(committed, targets)
        if moves:
            consumer.assign(list(moves))
            await consumer.commit(
                {tp: OffsetAndMetadata(offset, "") for tp, offset in moves.items()}
            )
        return {tp: (committed[tp], offset) for tp, offset in moves.items()}
    finally:
        await consumer.stop()
        await stop_admin(admin)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m shared.rewind", description=__doc__)
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--service", help="whose consumer group to move back")
    how = parser.add_mutually_exclusive_group(required=True)
    how.add_argument("--save", type=Path, help="write every group's committed offsets here")
    how.add_argument("--saved", type=Path, help="move back to the offsets a backup recorded")
    how.add_argument("--to", type=parse_time, help="move back to the first record at this time")
    args = parser.parse_args()
    if args.save is None and not args.service:
        parser.error("--service is needed to rewind")
    return args


def main() -> int:
    args = _arguments()
    if args.save is not None:
        args.save.write_text(json.dumps(asyncio.run(snapshot(args.bootstrap)), indent=1) + "\n")
        return 0
    saved = json.loads(args.saved.read_text()) if args.saved else None
    try:
        moves = asyncio.run(rewind(args.service, args.bootstrap, to=args.to, saved=saved))
    except GroupActive as exc:
        sys.stderr.write(f"{exc}\n")
        return 1
    for tp, (before, after) in sorted(moves.items()):
        sys.stderr.write(f"{tp.topic}[{tp.partition}]: {before} -> {after}\n")
    sys.stderr.write(f"{group_of(args.service)}: {len(moves)} partition(s) moved back\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
