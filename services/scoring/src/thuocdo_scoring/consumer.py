"""``thuocdo-scoring consume``: the Kafka loop around the store.

Per poll: decode every record (bad ones -> DLQ, confirmed by the broker first and
written once: see :func:`dead_lettered_sources`), resolve each response's unit on
its local date, then ``store.apply_batch`` writes responses, aggregates, next
offsets and DLQ positions in one transaction. Offsets are committed to
Kafka afterwards only for information (lag dashboards); on assignment the consumer
seeks to the offsets in the store, which are the truth. Then one
``satisfaction.update/1`` message names the units that changed.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import logging
import signal
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from kafka import ConsumerRebalanceListener, KafkaConsumer, KafkaProducer
from kafka.errors import KafkaError, MessageSizeTooLargeError, RecordListTooLargeError
from kafka.structs import OffsetAndMetadata, TopicPartition
from thuocdo_shared import logs as shared_logs
from thuocdo_shared.config import KafkaSettings
from thuocdo_shared.events import DLQ_SCHEMA_ID, UPDATE_SCHEMA_ID, EnvelopeError, decode_response
from thuocdo_shared.kafka import close_producer, make_consumer, make_producer
from thuocdo_shared.units import UnitRegistry, local_date, registry

from .aggregate import Record
from .classifier import IssueModel, load_model, predict_issues
from .settings import Settings
from .store import CATCH_ALL_ISSUE, SqliteStore, Store

log = logging.getLogger(__name__)

# How often the consumer writes its heartbeat (last good poll, lag) into the store,
# where the read API and the dashboard see whether the figures still move.
HEARTBEAT_S = 5.0
CONNECT_RETRY_S = 5  # seconds between tries of a broker that does not answer at start
PURGE_EVERY_S = 24 * 3600.0  # the comment retention purge: at start, then daily
PURGE_RETRY_S = 3600  # after a purge that failed


class Stopped(Exception):
    """Asked to stop before Kafka answered (see ScoringConsumer._connect)."""


# How far a response's submitted_at may lie after its record's Kafka timestamp. Looser
# than intake's own check (10 minutes after it received the response, which is before
# it published), so nothing intake accepted is refused here; a date years ahead is.
FUTURE_SKEW = dt.timedelta(hours=1)

# The DLQ record must fit the broker's default 1 MiB message limit whatever came in:
# an original over ~512 KiB is cut to its first MAX_DLQ_VALUE_BYTES (~700 KB of
# base64) and the record says so, else its DLQ send failed and the batch with it.
MAX_DLQ_VALUE_BYTES = 525_000
MAX_DLQ_KEY_BYTES = 12_000
MAX_DLQ_REASON_CHARS = 2_000
# The validation errors grow with the input (one message per bad list item or key):
# above this many bytes of JSON they are replaced by a note and their size.
MAX_DLQ_ERRORS_BYTES = 64_000


def _digest(key: bytes | None, value: bytes | None) -> str:
    h = hashlib.sha256()
    for part in (key, value):
        h.update(b"-" if part is None else b"+%d:" % len(part) + part)
    return h.hexdigest()[:32]


def _legacy_digest(value: bytes | None) -> str:
    """The digest of the original in a DLQ record written before ``dlq.digest``, from
    its ``key_b64``/``value_b64`` when neither was cut ("" when unknown)."""
    try:
        data = json.loads(value or b"")["data"]
        if data.get("key_truncated") or data.get("value_truncated"):
            return ""
        key, val = data.get("key_b64"), data.get("value_b64")
        return _digest(
            None if key is None else base64.b64decode(key),
            None if val is None else base64.b64decode(val),
        )
    except (ValueError, TypeError, KeyError, AttributeError):
        return ""


def _b64_capped(data: bytes | None, limit: int) -> tuple[str | None, bool]:
    """Base64 of ``data`` cut to its first ``limit`` bytes; and whether it was cut."""
    if data is None:
        return None, False
    return base64.b64encode(data[:limit]).decode(), len(data) > limit


@dataclass(frozen=True)
class RawMessage:
    """What the loop needs of a Kafka record."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes]] = ()
    timestamp_ms: int | None = None  # the record's Kafka timestamp (None: unknown)


@dataclass(frozen=True)
class DeadLetter:
    message: RawMessage
    reason: str
    errors: Mapping[str, Any]

    def value(self) -> bytes:
        """The DLQ record: reason, errors, where it came from and the original bytes.

        An original value over :data:`MAX_DLQ_VALUE_BYTES` (key over
        :data:`MAX_DLQ_KEY_BYTES`) keeps only its first bytes, with
        ``value_truncated``/``key_truncated`` true and ``value_size``/``key_size``
        its full length in bytes, so the record stays well under 1 MiB."""
        m = self.message
        key_b64, key_cut = _b64_capped(m.key, MAX_DLQ_KEY_BYTES)
        value_b64, value_cut = _b64_capped(m.value, MAX_DLQ_VALUE_BYTES)
        # Through JSON once: anything not JSON (default=repr) becomes text, and the
        # size is known. A lone surrogate from the input (a bad key) stays in, and is
        # escaped when the record is encoded below, so it cannot fail every retry.
        errors_json = json.dumps(self.errors, default=repr)
        errors: Any = json.loads(errors_json)
        errors_size = len(errors_json)
        if errors_size > MAX_DLQ_ERRORS_BYTES:
            errors = {"_truncated": [f"{errors_size} bytes of errors; see the reason."]}
        data: dict[str, Any] = {
            "reason": self.reason[:MAX_DLQ_REASON_CHARS],
            "errors": errors,
            "topic": m.topic,
            "partition": m.partition,
            "offset": m.offset,
            "key_b64": key_b64,
            "value_b64": value_b64,
        }
        if key_cut:
            data.update(key_truncated=True, key_size=len(m.key or b""))
        if value_cut:
            data.update(value_truncated=True, value_size=len(m.value or b""))
        if errors_size > MAX_DLQ_ERRORS_BYTES:
            data.update(errors_truncated=True, errors_size=errors_size)
        body = {"schema": DLQ_SCHEMA_ID, "data": data}
        return json.dumps(body, ensure_ascii=False).encode(errors="backslashreplace")

    def key(self) -> bytes | None:
        """The DLQ record's key: the original's (same partitioning), unless too long
        for the record to fit (its first bytes are in the value's ``key_b64``)."""
        key = self.message.key
        return key if key is None or len(key) <= MAX_DLQ_KEY_BYTES else None

    @property
    def source(self) -> str:
        """``topic/partition/offset`` of the original: the DLQ record's ``dlq.source``."""
        m = self.message
        return f"{m.topic}/{m.partition}/{m.offset}"

    @cached_property
    def digest(self) -> str:
        """A hash of the original's key and value (``dlq.digest``): with the source it
        tells this record from another at the same place of a recreated topic."""
        return _digest(self.message.key, self.message.value)

    @property
    def identity(self) -> str:
        return f"{self.source}#{self.digest}"

    def headers(self) -> list[tuple[str, bytes]]:
        return [
            ("dlq.reason", self.reason[:500].encode(errors="backslashreplace")),
            ("dlq.source", self.source.encode()),
            ("dlq.digest", self.digest.encode()),
        ]


@dataclass(frozen=True)
class Dead:
    """A record already in the DLQ: where its original was (topic, partition, offset)
    and the DLQ position after it ((topic, partition), next offset)."""

    source: tuple[str, int, int]
    dlq: tuple[tuple[str, int], int]


def _parse_source(text: str) -> tuple[str, int, int] | None:
    topic, _, rest = text.rpartition("/")
    topic, _, partition = topic.rpartition("/")
    try:
        return topic, int(partition), int(rest)
    except ValueError:
        return None


@dataclass
class Batch:
    records: list[Record] = field(default_factory=list)
    dead: list[DeadLetter] = field(default_factory=list)
    offsets: dict[tuple[str, int], int] = field(default_factory=dict)


def decode_batch(
    messages: Iterable[RawMessage],
    units: UnitRegistry | None = None,
    model: IssueModel | None = None,
    comments_before: dt.datetime | None = None,
) -> Batch:
    """Decode, validate and resolve units (pure apart from the model call).

    ``offsets`` holds for each partition the offset after the last message seen,
    dead or alive, so poison never blocks the stream. A record that raises anything
    (not only :class:`EnvelopeError`) is dead-lettered, with reason
    ``unexpected: <ExcType>: <message>`` for errors other than envelope errors.
    The comment of a response submitted before ``comments_before`` (the retention
    cutoff) is classified, then left out, as ``purge-comments`` leaves it.
    """
    units = units or registry()
    batch = Batch()
    for m in messages:
        tp = (m.topic, m.partition)
        batch.offsets[tp] = max(batch.offsets.get(tp, 0), m.offset + 1)
        try:
            record = _decode_one(m, units)
        except EnvelopeError as exc:
            batch.dead.append(DeadLetter(m, exc.reason, exc.errors))
            continue
        except Exception as exc:
            # A gap in validation must not stop the partition: the record goes to the
            # DLQ with what went wrong, and the stream moves on.
            log.exception("unexpected error decoding %s/%s/%s", m.topic, m.partition, m.offset)
            reason = f"unexpected: {type(exc).__name__}: {exc}"[:MAX_DLQ_REASON_CHARS]
            batch.dead.append(DeadLetter(m, reason, {"_unexpected": [reason]}))
            continue
        if isinstance(record, str):
            batch.dead.append(DeadLetter(m, record, {"commune_code": [record]}))
            continue
        batch.records.append(record)
    # The classifier speaks only for a comment whose citizen ticked no specific issue
    # (none, or only "other"): the ticks say what the words are about, and a guess
    # added beside them counted a complaint under an issue its citizen did not raise
    # ("phải lót tay mới được làm nhanh", ticked fees, also under waiting time).
    with_comment = [
        i
        for i, rec in enumerate(batch.records)
        if rec.comment and set(rec.issues) <= {CATCH_ALL_ISSUE}
    ]
    predicted = predict_issues(model, [batch.records[i].comment or "" for i in with_comment])
    for i, code in zip(with_comment, predicted, strict=True):
        batch.records[i] = replace(batch.records[i], predicted_issue=code)
    if comments_before is not None:
        # Kafka keeps a record by when it was written, and a store rebuilt or restored
        # read every comment back from it, purged ones too.
        batch.records = [
            replace(r, comment=None) if r.comment and r.submitted_at < comments_before else r
            for r in batch.records
        ]
    return batch


def _decode_one(m: RawMessage, units: UnitRegistry) -> Record | str:
    """The record of one message, or the reason its unit is unknown (a string)."""
    if m.value is None:
        raise EnvelopeError("empty value (tombstone)", {"value": ["Missing."]})
    r = decode_response(m.value)
    if m.timestamp_ms is not None:
        # Intake refuses a response from the future; one written to the topic some
        # other way is judged against the record's own time (the same on a replay).
        written = dt.datetime.fromtimestamp(m.timestamp_ms / 1000, dt.UTC)
        if r.submitted_at - written > FUTURE_SKEW:
            minutes = round(FUTURE_SKEW.total_seconds() / 60)
            raise EnvelopeError(
                "submitted_at in the future",
                {
                    "submitted_at": [
                        f"More than {minutes} minutes after the record was written to Kafka"
                        f" ({written.isoformat(timespec='seconds')})."
                    ]
                },
            )
    day = local_date(r.submitted_at)
    unit = units.find(r.commune_code, day)
    if unit is None or unit.level != "commune":
        return f"unknown unit: no commune {r.commune_code} on local date {day.isoformat()}"
    return Record(
        id=r.id,
        submitted_at=r.submitted_at,
        unit_key=unit.key,
        commune_code=r.commune_code,
        field=r.field,
        overall=r.overall,
        criteria=dict(r.criteria),
        issues=r.issues,
        suspect=bool(r.suspect),
        comment=r.comment,
        kiosk_id=r.kiosk_id,
    )


def update_message(new: Sequence[Record], now: dt.datetime | None = None) -> bytes | None:
    """The ``satisfaction.update/1`` value for the records a batch added (None if none).
    ``spans`` gives each unit's first and last day (in Vietnam) among them: a page of
    a period they do not touch (last year's, while today's answers come in) need not
    ask for its figures again."""
    if not new:
        return None
    now = now or dt.datetime.now(dt.UTC)
    keys = sorted({r.unit_key for r in new})
    spans: dict[str, list[str]] = {}
    for r in new:
        day = local_date(r.submitted_at).isoformat()
        first, last = spans.setdefault(r.unit_key, [day, day])
        spans[r.unit_key] = [min(first, day), max(last, day)]
    body = {
        "schema": UPDATE_SCHEMA_ID,
        "data": {
            "units": keys,
            "codes": sorted({k.split("@")[0] for k in keys}),
            "count": len(new),
            "up_to": max(r.submitted_at for r in new).isoformat(),
            "committed_at": now.isoformat(),
            "spans": {k: spans[k] for k in keys},
        },
    }
    return json.dumps(body).encode()


def start_offset(stored: int | None, end: int | None) -> int | None:
    """Where a partition continues: the store's next offset ``stored``, or None (the
    beginning) when nothing is stored or ``stored`` is beyond the partition's end
    offset ``end`` (the next offset the broker would assign): the topic was then
    recreated while the store was kept, and seeking there would skip records once
    the new topic grows past it. ``end`` None (unknown) trusts the store."""
    if stored is None or (end is not None and stored > end):
        return None
    return stored


def dead_lettered_sources(
    settings: KafkaSettings, store: Store, timeout_s: float = 30.0
) -> dict[str, Dead]:
    """Every DLQ record the store does not account for yet, by its original's
    identity (``dlq.source#dlq.digest``; the source alone for records written before
    the digest header).

    Each batch stores, with its responses and offsets, the DLQ positions after the
    records it dead-lettered. A process killed between a DLQ write and that commit
    leaves records beyond the stored positions: their batch is read again on restart
    and must not write them a second time. A partition with no stored position (a new
    or rebuilt store) is read from its beginning, so a replay of the whole topic does
    not dead-letter old poison again either. When the DLQ cannot be read the answer
    is what was read so far, with a WARNING: a record may then be written twice,
    never zero times.

    A record whose original is behind the store's offset for its partition is
    settled: that batch was committed and is not read again. The positions after
    each partition's settled records (the run of them from where the read began) are
    stored, so the next start reads only what came after; without this, a store that
    never dead-lettered anything itself (a rebuilt one) would read the whole DLQ at
    every start. Settled records are not returned."""
    topic = settings.dlq_topic
    reader = None
    sources: dict[str, Dead] = {}
    try:
        reader = make_consumer(settings, None, request_timeout_ms=int(timeout_s * 1000) + 1000)
        tps = [TopicPartition(topic, p) for p in sorted(reader.partitions_for_topic(topic) or ())]
        if not tps:
            return {}
        ends: dict[Any, int] = reader.end_offsets(tps, timeout_ms=int(timeout_s * 1000))
        reader.assign(tps)
        todo = {}
        for tp in tps:
            start = start_offset(store.offset(tp.topic, tp.partition), ends[tp])
            if start is None:
                reader.seek_to_beginning(tp)
            else:
                reader.seek(tp, start)
            if ends[tp] > (start or 0):
                todo[tp] = ends[tp]
        stored: dict[tuple[str, int], int | None] = {}  # the store's offsets, looked up once
        settled: dict[Any, int] = {}  # DLQ partition -> position after its settled run
        unsettled: set[Any] = set()  # partitions whose run of settled records has ended
        deadline = time.monotonic() + timeout_s
        while todo and time.monotonic() < deadline:
            for tp, records in reader.poll(timeout_ms=500).items():
                for m in records:
                    headers = dict(m.headers or ())
                    source = headers.get("dlq.source", b"").decode(errors="replace")
                    where = _parse_source(source)
                    if where is not None and where[:2] not in stored:
                        stored[where[:2]] = store.offset(*where[:2])
                    behind = None if where is None else stored[where[:2]]
                    # Not ours, or its original is never read again.
                    done = where is None or (behind is not None and where[2] < behind)
                    if not done:
                        unsettled.add(tp)
                    elif tp not in unsettled:
                        settled[tp] = m.offset + 1
                    if where is None or done:
                        continue
                    digest = headers.get("dlq.digest", b"").decode(errors="replace")
                    digest = digest or _legacy_digest(m.value)
                    # The source alone only for an old record whose original was cut.
                    key = f"{source}#{digest}" if digest else source
                    sources[key] = Dead(where, ((tp.topic, tp.partition), m.offset + 1))
            todo = {tp: end for tp, end in todo.items() if reader.position(tp) < end}
        if settled:
            store.apply_batch([], {(tp.topic, tp.partition): o for tp, o in settled.items()})
        if todo:
            raise TimeoutError(f"not read to the end in {timeout_s:.0f} s: {sorted(todo)}")
    except Exception as exc:
        log.warning(
            "%s: records already dead-lettered unknown (%s: %s); a batch read again may"
            " write its DLQ records twice",
            topic,
            type(exc).__name__,
            exc,
        )
    finally:
        if reader is not None:
            reader.close()
    if sources:
        log.info("%s: %d record(s) already dead-lettered, not to write again", topic, len(sources))
    return sources


def seek_to_store(consumer: Any, store: Store, partitions: Iterable[Any]) -> None:
    """Position each partition at the next offset recorded in the store (the
    beginning when the store has none). Runs inside the rebalance listener, where
    kafka-python refuses blocking calls such as ``end_offsets``: stale offsets are
    dropped before subscribing, by :func:`forget_stale_offsets`."""
    for tp in partitions:
        nxt = store.offset(tp.topic, tp.partition)
        if nxt is None:
            consumer.seek_to_beginning(tp)
        else:
            consumer.seek(tp, nxt)
        log.info("%s/%s continues from %s", tp.topic, tp.partition, nxt or "the beginning")


def forget_stale_offsets(consumer: Any, store: Store, topic: str) -> list[int]:
    """Drop the stored offset of every partition of ``topic`` whose stored offset is
    beyond its end offset (see :func:`start_offset`), with a WARNING naming both;
    those partitions are then read from the beginning and the next batch stores
    their true offsets. Returns the partitions dropped. When the partitions or end
    offsets cannot be looked up the stored offsets are trusted (a WARNING says so)."""
    try:
        numbers = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(numbers)]
        ends: dict[Any, int] = consumer.end_offsets(tps, timeout_ms=10_000) if tps else {}
    except Exception as exc:
        log.warning(
            "%s: end offsets unknown (%s: %s); trusting the stored offsets",
            topic,
            type(exc).__name__,
            exc,
        )
        return []
    dropped = []
    for tp, end in sorted(ends.items()):
        stored = store.offset(tp.topic, tp.partition)
        if stored is not None and start_offset(stored, end) is None:
            log.warning(
                "%s/%s: stored offset %d is beyond the partition's end offset %d (topic"
                " recreated while the store was kept?); reading the partition from the"
                " beginning (responses already stored are skipped by id)",
                tp.topic,
                tp.partition,
                stored,
                end,
            )
            store.forget_offset(tp.topic, tp.partition)
            dropped.append(tp.partition)
    return dropped


class SeekToStore(ConsumerRebalanceListener):  # type: ignore[misc]
    """On assignment, continue each partition from the offset in the store."""

    def __init__(self, consumer: KafkaConsumer, store: Store) -> None:
        self.consumer = consumer
        self.store = store

    def on_partitions_revoked(self, revoked: Any) -> None:
        # Every applied batch already stored its offsets; nothing to flush.
        return None

    def on_partitions_assigned(self, assigned: Any) -> None:
        seek_to_store(self.consumer, self.store, assigned)


# How soon partitions added to the responses topic (``thuocdo-scoring topics`` after
# THUOCDO_TOPIC_PARTITIONS was raised) are assigned and read: kafka-python's default,
# 5 minutes, left their records waiting while the heartbeat said nothing was left.
METADATA_MAX_AGE_MS = 30_000


class ScoringConsumer:
    """The loop: poll -> decode -> DLQ -> apply -> commit -> publish update."""

    def __init__(
        self,
        settings: Settings,
        store: Store | None = None,
        stopping: threading.Event | None = None,
    ) -> None:
        self.settings = settings
        self.stopping = stopping or threading.Event()
        self.store = store or SqliteStore(settings.store_path)
        self.model = load_model() if settings.classify else None
        extra: dict[str, Any] = {
            "metadata_max_age_ms": METADATA_MAX_AGE_MS,
            "max_poll_records": settings.max_poll_records,
            "session_timeout_ms": settings.session_timeout_ms,
            "heartbeat_interval_ms": max(1000, settings.session_timeout_ms // 4),
        }
        if settings.instance_id:
            extra["group_instance_id"] = settings.instance_id
        self.consumer, self.producer = self._connect(extra)
        # Sources already in the DLQ: written before a crash (read back now), or by a
        # batch of this process that failed after its DLQ write and is being retried.
        self._dead_sources = dead_lettered_sources(settings.kafka, self.store)
        self.applied = 0
        self.retry_delay_s = 1.0
        self._lag_failed = False  # the broker stopped answering the lag query
        self._beat_at = float("-inf")  # monotonic time of the last heartbeat
        self._dead_since_beat = 0
        self._purged_at = float("-inf")  # monotonic time of the last retention purge

    def _connect(self, extra: dict[str, Any]) -> tuple[KafkaConsumer, KafkaProducer]:
        """The consumer (subscribed) and the DLQ/update producer. A broker that does not
        answer at start is waited for, said once a minute: the consumer used to die
        with a traceback, and nothing started it again when Kafka came back."""
        settings = self.settings
        while True:
            consumer: KafkaConsumer | None = None
            try:
                consumer = make_consumer(settings.kafka, settings.group_id, **extra)
                forget_stale_offsets(consumer, self.store, settings.kafka.responses_topic)
                consumer.subscribe(
                    [settings.kafka.responses_topic], listener=SeekToStore(consumer, self.store)
                )
                producer: KafkaProducer = make_producer(settings.kafka, linger_ms=5)
            except KafkaError as exc:
                if consumer is not None:
                    consumer.close(autocommit=False)
                log.warning(
                    "Kafka at %s does not answer (%s); trying again every %d s",
                    settings.kafka.bootstrap_servers,
                    type(exc).__name__,
                    CONNECT_RETRY_S,
                    extra={"repeating": True},
                )
                if self.stopping.wait(CONNECT_RETRY_S):
                    self.store.close()
                    raise Stopped("stopped before Kafka answered") from None
                continue
            log.info("connected to Kafka at %s", settings.kafka.bootstrap_servers)
            return consumer, producer

    def step(self, timeout_ms: int = 500) -> int:
        """One poll and its batch; returns the number of new responses applied."""
        polled = self.consumer.poll(
            timeout_ms=timeout_ms, max_records=self.settings.max_poll_records
        )
        messages = [
            RawMessage(
                m.topic,
                m.partition,
                m.offset,
                m.key,
                m.value,
                tuple((h[0], h[1]) for h in (m.headers or ())),
                m.timestamp if m.timestamp is not None and m.timestamp >= 0 else None,
            )
            for records in polled.values()
            for m in records
        ]
        if not messages:
            return 0
        batch = decode_batch(messages, model=self.model, comments_before=self.comments_before())
        dlq_positions = self._dead_letter(batch.dead)
        new = self.store.apply_batch(batch.records, {**batch.offsets, **dlq_positions})
        self._forget_dead_before(batch.offsets)
        self._commit_to_kafka(batch.offsets)
        self._publish_update(new)
        self.applied += len(new)
        return len(new)

    def comments_before(self, now: dt.datetime | None = None) -> dt.datetime | None:
        """The retention cutoff: comments submitted before it are not kept (None: kept
        for ever, THUOCDO_COMMENT_RETENTION_DAYS=0)."""
        return self.settings.comments_before(now or dt.datetime.now(dt.UTC))

    def purge_if_due(self) -> None:
        """At start and then daily, blank the stored comments past the retention: a
        store restored from a backup kept what was purged after it, and nothing else
        blanked them if no cron ran ``purge-comments``."""
        cutoff = self.comments_before()
        if cutoff is None or time.monotonic() - self._purged_at < PURGE_EVERY_S:
            return
        self._purged_at = time.monotonic()
        try:
            count = self.store.purge_comments(cutoff)
        except Exception as exc:  # e.g. the store locked: counting goes on; again in an hour
            self._purged_at -= PURGE_EVERY_S - PURGE_RETRY_S
            log.error(
                "comment retention: purge failed, trying again in %d s: %s: %s",
                PURGE_RETRY_S,
                type(exc).__name__,
                exc,
            )
            return
        log.info(
            "comment retention: %d comment(s) submitted before %s blanked",
            count,
            cutoff.isoformat(timespec="seconds"),
        )

    def _dead_letter(self, dead: Sequence[DeadLetter]) -> dict[tuple[str, int], int]:
        """Write the batch's poison to the DLQ, confirmed before the batch is stored
        (never zero times), skipping records already there (never twice, see
        :func:`dead_lettered_sources`). Returns the DLQ positions after the records
        written, for the store to keep with the batch."""
        positions: dict[tuple[str, int], int] = {}

        def keep(tp: tuple[str, int], after: int) -> None:
            positions[tp] = max(positions.get(tp, 0), after)

        todo = []
        for d in dead:
            known = self._dead_sources.get(d.identity) or self._dead_sources.get(d.source)
            if known is not None:
                log.info("%s is already in the DLQ; not written again", d.source)
                keep(*known.dlq)
            else:
                todo.append(d)
        futures = [self._send_dead(d) for d in todo]
        for i, d in enumerate(todo):
            try:
                meta = futures[i].get(timeout=30)
            except (MessageSizeTooLargeError, RecordListTooLargeError) as exc:
                # Refused by the broker (a topic limit below 1 MiB): the reason alone.
                # The refusal is fatal to an idempotent producer, and aborts what it
                # had not sent yet: a new producer sends this and those again.
                self._replace_producer()
                meta = self._send_bare(d, exc).get(timeout=30)
                futures[i + 1 :] = [
                    fut if fut.is_done and fut.succeeded() else self._send_dead(later)
                    for fut, later in zip(futures[i + 1 :], todo[i + 1 :], strict=True)
                ]
            m = d.message
            dlq = ((meta.topic, meta.partition), meta.offset + 1)
            self._dead_sources[d.identity] = Dead((m.topic, m.partition, m.offset), dlq)
            keep(*dlq)
            log.warning("dead-lettered %s/%s: %s", m.partition, m.offset, d.reason)
        self._dead_since_beat += len(todo)
        return positions

    def _send_dead(self, d: DeadLetter) -> Any:
        topic = self.settings.kafka.dlq_topic
        try:
            return self.producer.send(topic, value=d.value(), key=d.key(), headers=d.headers())
        except Exception as exc:
            if getattr(exc, "retriable", False):
                # The broker out of reach (no metadata in time), not the record: the
                # batch fails and is tried again, the record whole. Cut to its reason,
                # its bytes were lost to the DLQ for good.
                raise
            # Whatever the original holds, its DLQ record must go out, or the batch
            # fails on every retry and the whole stream stops: the bare minimum then.
            return self._send_bare(d, exc)

    def _replace_producer(self) -> None:
        old, self.producer = self.producer, make_producer(self.settings.kafka, linger_ms=5)
        close_producer(old, 0)  # records it still holds were aborted

    def _send_bare(self, d: DeadLetter, exc: Exception) -> Any:
        """The DLQ record with the reason and where the original was, nothing else."""
        log.error("DLQ record for %s not sent in full (%r); sending its reason only", d.source, exc)
        reason = f"{d.reason[:500]} (DLQ record cut: {type(exc).__name__})"
        bare = DeadLetter(replace(d.message, key=None, value=None), reason, {})
        topic = self.settings.kafka.dlq_topic
        return self.producer.send(topic, value=bare.value(), key=None, headers=d.headers())

    def _forget_dead_before(self, offsets: Mapping[tuple[str, int], int]) -> None:
        """Drop the DLQ records whose originals are now behind the stored offsets:
        they are not read again, so the set stays small."""
        if self._dead_sources:
            self._dead_sources = {
                k: v
                for k, v in self._dead_sources.items()
                if v.source[2] >= offsets.get(v.source[:2], -1)
            }

    def heartbeat(self, force: bool = False) -> None:
        """Write the heartbeat (now, lag, records dead-lettered since the last one)
        at most every HEARTBEAT_S seconds. Only after a poll and batch that worked and
        with the broker answering the lag query: a consumer stuck on a failing batch,
        gone, or cut off from Kafka (whose polls merely come back empty) stops beating."""
        now = time.monotonic()
        if not force and now - self._beat_at < HEARTBEAT_S:
            return
        self._beat_at = now  # tried: a broker that does not answer is asked again later
        lag = self._lag()
        if lag is None:
            return
        try:
            self.store.note_consumer(dt.datetime.now(dt.UTC), lag, self._dead_since_beat)
        except Exception as exc:  # the next batch meets the same store and says why
            log.warning("heartbeat not written: %s: %s", type(exc).__name__, exc)
            return
        self._dead_since_beat = 0

    def _lag(self) -> int | None:
        """Records between the stored offsets (the start of the log where none is
        stored) and the end of the assigned partitions; None when nothing is assigned
        or the broker does not answer within 2 s."""
        try:
            assigned = list(self.consumer.assignment())
            if not assigned:
                return None
            ends: dict[TopicPartition, int] = self.consumer.end_offsets(assigned, timeout_ms=2000)
            stored = {tp: self.store.offset(tp.topic, tp.partition) for tp in assigned}
            unread = [tp for tp, offset in stored.items() if offset is None]
            starts = self.consumer.beginning_offsets(unread, timeout_ms=2000) if unread else {}
        except Exception as exc:
            log.warning("lag unknown (no heartbeat): %s", exc, extra={"repeating": True})
            self._lag_failed = True
            return None
        behind = 0
        for tp, end in ends.items():
            done = stored.get(tp)
            behind += max(0, end - (done if done is not None else int(starts.get(tp, 0))))
        if self._lag_failed:  # the operator reads when it healed, not only when it broke
            self._lag_failed = False
            log.info("Kafka answers again (%d records to count)", behind)
        return behind

    def _commit_to_kafka(self, offsets: Mapping[tuple[str, int], int]) -> None:
        try:
            self.consumer.commit(
                {
                    TopicPartition(t, p): OffsetAndMetadata(o, "", -1)
                    for (t, p), o in offsets.items()
                }
            )
        except Exception as exc:  # informational only; the store holds the truth
            log.info("offset commit to Kafka skipped: %s", exc)

    def _publish_update(self, new: Sequence[Record]) -> None:
        value = update_message(new)
        if value is None:
            return
        try:
            self.producer.send(self.settings.kafka.updates_topic, value=value)
        except Exception:
            log.exception("could not publish satisfaction update")

    def run(self) -> None:
        """Loop until :meth:`stop` (or SIGTERM/SIGINT via :func:`main`).

        A batch that fails is retried from the stored offsets every
        ``retry_delay_s`` seconds for as long as it fails (nothing is ever skipped),
        with an ERROR log each time naming the error and how many times in a row."""
        failures = 0
        while not self.stopping.is_set():
            self.purge_if_due()
            try:
                self.step()
                failures = 0
                self.heartbeat()
            except Exception as exc:
                # E.g. the DLQ or the disk failed mid-batch: nothing of the batch was
                # stored, so rewind to the store's offsets and try again shortly.
                failures += 1
                log.error(
                    "batch failed (%d time(s) in a row), nothing of it stored;"
                    " rewinding to the stored offsets and retrying in %.0f s: %s: %s",
                    failures,
                    self.retry_delay_s,
                    type(exc).__name__,
                    exc,
                    exc_info=True,
                )
                self.stopping.wait(self.retry_delay_s)
                try:
                    seek_to_store(self.consumer, self.store, self.consumer.assignment())
                except Exception as seek_exc:  # e.g. the store still locked: next time
                    log.error("rewind failed, retrying: %s: %s", type(seek_exc).__name__, seek_exc)

    def stop(self) -> None:
        self.stopping.set()

    def close(self) -> None:
        """Stop cleanly even when the broker does not answer: DLQ records were
        confirmed before their batch was committed, so what the producer still holds
        is at most an update message (the dashboards refresh on the next one)."""
        try:
            error = close_producer(self.producer, 10)  # e.g. just after a broker restart
            if error is not None:
                log.warning(
                    "update messages not flushed on stop: %s: %s", type(error).__name__, error
                )
        finally:
            self.consumer.close(autocommit=False)
            self.store.close()


def main(settings: Settings | None = None) -> int:
    """Run the consumer until SIGTERM or SIGINT; returns the exit code."""
    shared_logs.setup("thuocdo_scoring")
    settings = settings or Settings.from_env()
    stopping = threading.Event()

    def _stop(signum: int, _frame: Any) -> None:
        log.info("signal %s: stopping after the current batch", signum)
        stopping.set()

    # Before connecting: a stop while Kafka is awaited ends the wait.
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        consumer = ScoringConsumer(settings, stopping=stopping)
    except Stopped as exc:
        log.info("%s", exc)
        return 0
    log.info(
        "consuming %s as group %s into %s (comment model: %s)",
        settings.kafka.responses_topic,
        settings.group_id,
        settings.store_path,
        "on" if consumer.model is not None else "off",
    )
    try:
        consumer.run()
    finally:
        consumer.close()
    log.info("stopped after applying %d responses", consumer.applied)
    return 0
