"""Where a partition continues after assignment, and stored offsets that go down."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from kafka.structs import TopicPartition
from thuocdo_scoring.consumer import forget_stale_offsets, start_offset
from thuocdo_scoring.store import SqliteStore

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("stored", "end", "start"),
    [
        (None, 50, None),  # nothing stored: the beginning
        (None, None, None),
        (42, 50, 42),  # the usual case
        (50, 50, 50),  # caught up: the end itself
        (0, 0, 0),
        (1000, 3, None),  # beyond the end: topic recreated, read it again
        (1000, 0, None),
        (1000, None, 1000),  # end unknown (lookup failed): trust the store
    ],
)
def test_start_offset(stored: int | None, end: int | None, start: int | None) -> None:
    assert start_offset(stored, end) == start


class FakeConsumer:
    def __init__(self, ends: dict[int, int] | None) -> None:
        self.ends = ends

    def partitions_for_topic(self, topic: str) -> set[int] | None:
        return None if self.ends is None else set(self.ends)

    def end_offsets(self, partitions: list[TopicPartition], timeout_ms: int) -> Any:
        assert self.ends is not None
        return {tp: self.ends[tp.partition] for tp in partitions}


def test_stale_stored_offsets_are_dropped_loudly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = SqliteStore(tmp_path / "s.sqlite3")
    store.apply_batch([], {("t", 0): 42, ("t", 1): 1000, ("u", 1): 1000})
    with caplog.at_level(logging.WARNING, logger="thuocdo_scoring.consumer"):
        dropped = forget_stale_offsets(FakeConsumer({0: 60, 1: 7, 2: 5}), store, "t")
    assert dropped == [1]
    assert [store.offset("t", p) for p in range(3)] == [42, None, None]
    assert store.offset("u", 1) == 1000  # another topic is left alone
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "t/1: stored offset 1000 is beyond the partition's end offset 7" in warnings[0]


def test_unknown_topic_trusts_the_store(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.sqlite3")
    store.apply_batch([], {("t", 0): 1000})
    assert forget_stale_offsets(FakeConsumer(None), store, "t") == []
    assert store.offset("t", 0) == 1000


def test_stored_offset_is_overwritten_not_maxed(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.sqlite3")
    store.apply_batch([], {("t", 0): 1000, ("t", 1): 10})
    store.apply_batch([], {("t", 0): 3})
    assert (store.offset("t", 0), store.offset("t", 1)) == (3, 10)
