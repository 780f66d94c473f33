"""Read snapshots: one API answer reads one committed state of the store."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from thuocdo_scoring.aggregate import Record
from thuocdo_scoring.periods import parse_period
from thuocdo_scoring.queries import Query, ReadModel
from thuocdo_scoring.store import Filters, SqliteStore

pytestmark = pytest.mark.unit

KEY = "05953@2025-07-01"


def rec(i: int, overall: int = 5) -> Record:
    return Record(
        id=f"r{i}",
        submitted_at=dt.datetime(2025, 7, 2, 10, tzinfo=dt.timezone(dt.timedelta(hours=7))),
        unit_key=KEY,
        commune_code="05953",
        field="ho_tich",
        overall=overall,
    )


def n(store: SqliteStore) -> int:
    """Responses of July in the aggregates."""
    rows = store.sum_rows(Filters((KEY,), dt.date(2025, 7, 1), dt.date(2025, 7, 31)))
    return rows[()].n if rows else 0


def test_a_batch_committed_during_a_snapshot_is_not_seen_inside_it(tmp_path: Path) -> None:
    reader = SqliteStore(tmp_path / "s.sqlite3")
    writer = SqliteStore(tmp_path / "s.sqlite3")  # its own connection, as the consumer
    writer.apply_batch([rec(1)], {("t", 0): 1})
    with reader.snapshot():
        assert n(reader) == 1
        writer.apply_batch([rec(2), rec(3)], {("t", 0): 3})
        assert n(reader) == 1
        assert reader.response_count() == 1
        with reader.snapshot():  # nested: joins the outer snapshot
            assert n(reader) == 1
        writer.apply_batch([rec(4)], {("t", 0): 4})
        assert n(reader) == 1  # the inner block's end did not end the outer one
    assert n(reader) == 4
    assert reader.response_count() == 4


def test_snapshot_begins_when_entered_and_ends_on_error(tmp_path: Path) -> None:
    reader = SqliteStore(tmp_path / "s.sqlite3")
    writer = SqliteStore(tmp_path / "s.sqlite3")
    with pytest.raises(RuntimeError), reader.snapshot():
        writer.apply_batch([rec(1)], {("t", 0): 1})
        # Committed after entering, before the first query: still not seen.
        assert reader.response_count() == 0
        raise RuntimeError("view failed")
    assert not reader._conn().in_transaction
    assert reader.response_count() == 1
    # The same thread may write again afterwards (no transaction left open).
    reader.apply_batch([rec(2)], {("t", 0): 2})
    assert writer.response_count() == 2


class WriteBetweenReads:
    """A store whose first read is followed by a batch the consumer commits
    (through its own connection): what a busy consumer may do between two SELECTs."""

    def __init__(self, path: Path) -> None:
        self.inner = SqliteStore(path)
        self.writer = SqliteStore(path)
        self.reads = 0

    def snapshot(self) -> Any:
        return self.inner.snapshot()

    def _after_read(self) -> None:
        self.reads += 1
        if self.reads == 1:
            self.writer.apply_batch([rec(10 + i, 1) for i in range(3)], {("t", 0): 9})

    def sum_rows(self, *args: Any, **kwargs: Any) -> Any:
        out = self.inner.sum_rows(*args, **kwargs)
        self._after_read()
        return out

    def comments(self, *args: Any, **kwargs: Any) -> Any:
        out = self.inner.comments(*args, **kwargs)
        self._after_read()
        return out

    def consumer_state(self) -> Any:
        return self.inner.consumer_state()

    def version(self) -> int:
        return self.inner.version()

    def comments_purged_before(self) -> Any:
        return self.inner.comments_purged_before()


@pytest.fixture
def racing(tmp_path: Path) -> Iterator[tuple[ReadModel, WriteBetweenReads]]:
    store = WriteBetweenReads(tmp_path / "s.sqlite3")
    store.writer.apply_batch([rec(1), rec(2)], {("t", 0): 2})
    yield ReadModel(store, model_loader=lambda: None), store  # type: ignore[arg-type]


QUERY = Query(unit="05953", period=parse_period("2025-07"))


def test_index_counts_and_fields_come_from_one_batch(
    racing: tuple[ReadModel, WriteBetweenReads],
) -> None:
    model, _ = racing
    body = model.index(QUERY)
    # Without the snapshot: n = 2 but the field row, read after the batch, said 5.
    assert body["n"] == 2
    assert [(f["code"], f["n"]) for f in body["fields"]] == [("ho_tich", 2)]
    # its version is that of its counts (2 responses), not of the batch after them
    assert body["version"] == 2
    after = model.index(QUERY)
    assert (after["n"], after["version"]) == (5, 5)  # the next answer sees the new batch


@pytest.mark.parametrize(
    ("method", "args"),
    [
        ("index", ()),
        ("units_ranking", ()),
        ("issues", ()),
        ("matrix", ()),
        ("trend", ("week",)),
        ("comments", (None, 1, 20)),
        ("themes", ()),
        ("groups", ()),
    ],
)
def test_every_use_case_reads_inside_a_snapshot(
    tmp_path: Path, method: str, args: tuple[Any, ...]
) -> None:
    inner = SqliteStore(tmp_path / "s.sqlite3")
    inner.apply_batch([rec(1), rec(2, 1)], {("t", 0): 2})
    outside: list[str] = []
    depth = 0

    class Recording:
        @contextmanager
        def snapshot(self) -> Iterator[None]:
            nonlocal depth
            depth += 1
            try:
                with inner.snapshot():
                    yield
            finally:
                depth -= 1

        def __getattr__(self, name: str) -> Any:
            attr = getattr(inner, name)

            def call(*a: Any, **k: Any) -> Any:
                if depth == 0:
                    outside.append(name)
                return attr(*a, **k)

            return call

    model = ReadModel(Recording(), model_loader=lambda: None)
    parent = Query(unit="173", period=parse_period("2025-07"))
    q = parent if method in ("units_ranking", "matrix", "groups") else QUERY
    body = getattr(model, method)(q, *args)
    assert outside == []
    assert body["version"] == 2  # (two responses counted, in rowids 1 and 2)
