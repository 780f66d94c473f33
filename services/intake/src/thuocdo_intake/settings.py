"""intake settings, read from the environment in one place (see README)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from thuocdo_shared.config import KafkaSettings, env_int, env_str


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8001
    workers: int = 2
    kafka: KafkaSettings = field(default_factory=KafkaSettings)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            host=env_str(env, "THUOCDO_INTAKE_HOST", cls.host),
            port=env_int(env, "THUOCDO_INTAKE_PORT", cls.port, minimum=1),
            workers=env_int(env, "THUOCDO_INTAKE_WORKERS", cls.workers, minimum=1),
            kafka=KafkaSettings.from_env(env),
        )
