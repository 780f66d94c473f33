"""dashboard settings, read from the environment in one place (see README)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from thuocdo_shared.config import KafkaSettings, env_int, env_str


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8003
    workers: int = 2
    scoring_url: str = "http://127.0.0.1:8002"
    kafka: KafkaSettings = field(default_factory=KafkaSettings)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            host=env_str(env, "THUOCDO_DASHBOARD_HOST", cls.host),
            port=env_int(env, "THUOCDO_DASHBOARD_PORT", cls.port, minimum=1),
            workers=env_int(env, "THUOCDO_DASHBOARD_WORKERS", cls.workers, minimum=1),
            scoring_url=env_str(env, "THUOCDO_SCORING_URL", cls.scoring_url).rstrip("/"),
            kafka=KafkaSettings.from_env(env),
        )
