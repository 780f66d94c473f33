"""intake settings, read from the environment in one place (see README)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from thuocdo_shared.config import (
    DEFAULT_DATA_DIR,
    KafkaSettings,
    env_float,
    env_int,
    env_port,
    env_str,
)


@dataclass(frozen=True)
class Settings:
    """Everything intake reads from the environment. Times are in seconds unless the
    name says otherwise."""

    host: str = "127.0.0.1"
    port: int = 8001
    workers: int = 2
    # gthread workers: a request mostly waits for the broker's acknowledgement, so a
    # few threads per worker let the producer batch many records into one request.
    threads: int = 16
    public_url: str = ""
    data_dir: Path = DEFAULT_DATA_DIR
    publish_timeout: float = 2.0
    # How long the producer waits to put more records in one request: concurrent
    # responses then share one broker round trip (kafka-python spends ~1-2 ms of CPU
    # per request, ~0.05 ms per extra record in it). Adds at most this to latency.
    linger_ms: int = 20
    max_body_bytes: int = 16 * 1024
    max_future_skew: float = 600.0
    rate_per_minute: float = 30.0
    rate_burst: int = 10
    flush_batch: int = 100
    flush_timeout: float = 30.0
    flush_interval: float = 0.5
    lease_ttl: float = 5.0
    dedupe_days: int = 30
    idle_reset_seconds: int = 30
    # How often an idle kiosk page asks for its configuration again: a revoked tablet
    # then says so before a citizen rates on it, and a changed mode takes effect.
    config_refresh_seconds: int = 60
    min_tap_interval_ms: int = 1500
    burst_count: int = 5
    burst_window_seconds: int = 120
    kafka: KafkaSettings = field(default_factory=KafkaSettings)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            host=env_str(env, "THUOCDO_INTAKE_HOST", cls.host),
            port=env_port(env, "THUOCDO_INTAKE_PORT", cls.port),
            workers=env_int(env, "THUOCDO_INTAKE_WORKERS", cls.workers, minimum=1),
            threads=env_int(env, "THUOCDO_INTAKE_THREADS", cls.threads, minimum=1),
            public_url=env_str(env, "THUOCDO_INTAKE_PUBLIC_URL", ""),
            data_dir=Path(env_str(env, "THUOCDO_DATA_DIR", str(cls.data_dir))),
            # Below these minimums a value was bent up to them; it is refused instead.
            publish_timeout=env_float(
                env, "THUOCDO_INTAKE_PUBLISH_TIMEOUT", cls.publish_timeout, minimum=0.2
            ),
            linger_ms=env_int(env, "THUOCDO_INTAKE_LINGER_MS", cls.linger_ms, minimum=0),
            # 0 (meant as "no limit") was quietly taken as 0.01 a minute: refused instead.
            rate_per_minute=env_float(
                env, "THUOCDO_INTAKE_RATE_PER_MINUTE", cls.rate_per_minute, minimum=0.01
            ),
            rate_burst=env_int(env, "THUOCDO_INTAKE_RATE_BURST", cls.rate_burst, minimum=1),
            flush_batch=env_int(env, "THUOCDO_INTAKE_FLUSH_BATCH", cls.flush_batch, minimum=1),
            flush_timeout=env_float(
                env, "THUOCDO_INTAKE_FLUSH_TIMEOUT", cls.flush_timeout, minimum=1.0
            ),
            lease_ttl=env_float(env, "THUOCDO_INTAKE_LEASE_TTL", cls.lease_ttl, minimum=1.0),
            dedupe_days=env_int(env, "THUOCDO_INTAKE_DEDUPE_DAYS", cls.dedupe_days, minimum=1),
            idle_reset_seconds=env_int(
                env, "THUOCDO_KIOSK_IDLE_RESET", cls.idle_reset_seconds, minimum=2
            ),
            config_refresh_seconds=env_int(
                env, "THUOCDO_KIOSK_CONFIG_REFRESH", cls.config_refresh_seconds, minimum=2
            ),
            min_tap_interval_ms=env_int(
                env, "THUOCDO_KIOSK_MIN_TAP_MS", cls.min_tap_interval_ms, minimum=0
            ),
            burst_count=env_int(env, "THUOCDO_KIOSK_BURST_COUNT", cls.burst_count, minimum=2),
            burst_window_seconds=env_int(
                env, "THUOCDO_KIOSK_BURST_WINDOW", cls.burst_window_seconds, minimum=1
            ),
            kafka=KafkaSettings.from_env(env),
        )

    def __post_init__(self) -> None:
        if not self.public_url:
            object.__setattr__(self, "public_url", f"http://{self.host}:{self.port}")

    @property
    def kiosk_db(self) -> Path:
        return self.data_dir / "intake-kiosks.sqlite3"

    @property
    def spool_db(self) -> Path:
        return self.data_dir / "intake-spool.sqlite3"
