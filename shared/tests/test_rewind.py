"""Rewinding a consumer group: offsets only move back, times carry their offset."""

import argparse

import pytest
from aiokafka import TopicPartition

from shared.rewind import moved_back, parse_time

pytestmark = pytest.mark.unit
A, B, C = (TopicPartition("trygg.walks.events", p) for p in range(3))


def test_only_partitions_whose_target_lies_behind_the_committed_offset_move() -> None:
    committed = {A: 10, B: 5, C: 7}
    assert moved_back(committed, {A: 4, B: 9}) == {A: 4}


def test_a_time_without_its_offset_is_refused() -> None:
    assert parse_time("2025-05-01T12:00:00Z").utcoffset() is not None
    with pytest.raises(argparse.ArgumentTypeError, match="no UTC offset"):
        parse_time("2025-05-01T12:00:00")
