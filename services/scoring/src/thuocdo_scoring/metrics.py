"""Prometheus metrics of scoring, read from the store at each scrape: the consumer
is another process, and what it last wrote there (its heartbeat) is what an operator
alerts on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from .store import Store


class StoreCollector:
    """``thuocdo_scoring_store_up`` (1 when the store answers), the responses counted,
    and from the consumer's heartbeat its age in seconds, its lag in records and the
    records it dead-lettered (absent until a consumer has written one)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def collect(self) -> Iterator[Metric]:
        try:
            count = self.store.response_count()
            state = self.store.consumer_state()
        except Exception:  # the store is unreadable: say so, never fail the scrape
            yield GaugeMetricFamily("thuocdo_scoring_store_up", "1 when the store answers", 0)
            return
        yield GaugeMetricFamily("thuocdo_scoring_store_up", "1 when the store answers", 1)
        yield GaugeMetricFamily(
            "thuocdo_scoring_responses", "Responses counted in the store", value=count
        )
        if state is None:
            return
        now = dt.datetime.now(dt.UTC)
        yield GaugeMetricFamily(
            "thuocdo_scoring_consumer_heartbeat_age_seconds",
            "Seconds since the consumer last polled Kafka and stored its batch",
            value=state.age_s(now),
        )
        lag = state.lag_now(now)
        if lag is not None:  # absent while the heartbeat is stale: no measurement
            yield GaugeMetricFamily(
                "thuocdo_scoring_consumer_lag",
                "Records on the responses topic not yet counted (at the last heartbeat)",
                value=lag,
            )
        yield CounterMetricFamily(
            "thuocdo_scoring_dead_lettered",
            "Records sent to the dead-letter topic (a replayed batch sends its copies again)",
            value=state.dead_lettered,
        )
