"""Simulator settings, read from the environment in one place (see README)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from thuocdo_shared.config import DEFAULT_DATA_DIR, KafkaSettings, env_int, env_str


@dataclass(frozen=True)
class Settings:
    """``data_dir`` is shared with intake (its kiosk registry lives there, and the
    sim's state file with the kiosk tokens); ``intake_url`` is intake's base URL;
    ``intake_command`` is how to run ``thuocdo-intake`` for enrolment."""

    data_dir: Path = DEFAULT_DATA_DIR
    intake_url: str = "http://127.0.0.1:8001"
    intake_command: str = "thuocdo-intake"
    seed: int = 20250701
    kafka: KafkaSettings = field(default_factory=KafkaSettings)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            data_dir=Path(env_str(env, "THUOCDO_DATA_DIR", str(cls.data_dir))),
            intake_url=env_str(env, "THUOCDO_INTAKE_URL", cls.intake_url).rstrip("/"),
            intake_command=env_str(env, "THUOCDO_SIM_INTAKE_COMMAND", cls.intake_command),
            seed=env_int(env, "THUOCDO_SIM_SEED", cls.seed),
            kafka=KafkaSettings.from_env(env),
        )

    @property
    def state_file(self) -> Path:
        """Enrolled kiosks and their tokens (mode 0600: the tokens are secrets)."""
        return self.data_dir / "sim-kiosks.json"
