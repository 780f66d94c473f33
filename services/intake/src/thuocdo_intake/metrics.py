"""Prometheus metrics of intake (summed over gunicorn workers by the shared
``/metrics`` endpoint when PROMETHEUS_MULTIPROC_DIR is set)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

RESPONSES = Counter(
    "thuocdo_intake_responses_total",
    "Answers to POST /api/v1/responses by outcome (accepted, queued, duplicate, or the "
    "HTTP status of a refusal)",
    ["status"],
)
SPOOL_DEPTH = Gauge(
    "thuocdo_intake_spool_depth",
    "Responses waiting in the durable spool for Kafka",
    multiprocess_mode="livemostrecent",
)
PUBLISH_SECONDS = Histogram(
    "thuocdo_intake_publish_seconds",
    "Time from send to the broker's acknowledgement of one response (direct path)",
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
FLUSHED = Counter(
    "thuocdo_intake_flushed_total", "Spooled responses acknowledged by Kafka and removed"
)
