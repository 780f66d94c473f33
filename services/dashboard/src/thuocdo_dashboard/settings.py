"""dashboard settings, read from the environment in one place (see README)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from thuocdo_shared.config import (
    DEFAULT_DATA_DIR,
    ConfigError,
    KafkaSettings,
    env_bool,
    env_float,
    env_int,
    env_port,
    env_str,
)


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8003
    workers: int = 2
    threads: int = 16
    scoring_url: str = "http://127.0.0.1:8002"
    scoring_token: str = ""
    scoring_timeout: float = 3.0
    data_dir: Path = DEFAULT_DATA_DIR
    secret_key: str = ""
    secure_cookies: bool = False
    proxy_fix: bool = False
    alert_threshold: float = 70.0
    # A page warns that its figures stopped moving when scoring's consumer has not
    # written its heartbeat (every 5 s while it works) for this many seconds.
    stale_after: float = 120.0
    lockout_attempts: int = 5
    lockout_minutes: int = 15
    # failed logins from one client address (any accounts): a commune office's staff
    # share one address, so one person's typos must not lock everyone out
    lockout_address_attempts: int = 20
    kafka: KafkaSettings = field(default_factory=KafkaSettings)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        scoring_url = env_str(env, "THUOCDO_SCORING_URL", cls.scoring_url).rstrip("/")
        if not scoring_url.startswith(("http://", "https://")):
            raise ConfigError(
                f"THUOCDO_SCORING_URL must start with http:// or https://, got {scoring_url!r}"
            )
        return cls(
            host=env_str(env, "THUOCDO_DASHBOARD_HOST", cls.host),
            port=env_port(env, "THUOCDO_DASHBOARD_PORT", cls.port),
            workers=env_int(env, "THUOCDO_DASHBOARD_WORKERS", cls.workers, minimum=1),
            threads=env_int(env, "THUOCDO_DASHBOARD_THREADS", cls.threads, minimum=2),
            scoring_url=scoring_url,
            scoring_token=env.get("THUOCDO_SCORING_TOKEN", "").strip(),
            scoring_timeout=env_float(env, "THUOCDO_DASHBOARD_SCORING_TIMEOUT", 3.0, minimum=0.1),
            data_dir=Path(env_str(env, "THUOCDO_DATA_DIR", str(cls.data_dir))),
            secret_key=env.get("THUOCDO_DASHBOARD_SECRET_KEY", "").strip(),
            secure_cookies=env_bool(env, "THUOCDO_DASHBOARD_SECURE_COOKIES", False),
            proxy_fix=env_bool(env, "THUOCDO_DASHBOARD_PROXY_FIX", False),
            alert_threshold=env_float(
                env, "THUOCDO_DASHBOARD_ALERT_THRESHOLD", 70.0, minimum=0, maximum=100
            ),
            stale_after=env_float(env, "THUOCDO_DASHBOARD_STALE_AFTER", cls.stale_after, minimum=1),
            lockout_attempts=env_int(env, "THUOCDO_DASHBOARD_LOCKOUT_ATTEMPTS", 5, minimum=1),
            lockout_minutes=env_int(env, "THUOCDO_DASHBOARD_LOCKOUT_MINUTES", 15, minimum=1),
            lockout_address_attempts=env_int(
                env, "THUOCDO_DASHBOARD_LOCKOUT_ADDRESS_ATTEMPTS", 20, minimum=1
            ),
            kafka=KafkaSettings.from_env(env),
        )

    @property
    def db_path(self) -> Path:
        """The dashboard's SQLite file (accounts and login failures)."""
        return self.data_dir / "dashboard.sqlite3"
