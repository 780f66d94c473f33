"""scoring settings, read from the environment in one place (see README)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from thuocdo_shared.config import (
    COMMENT_RETENTION_DAYS,
    DEFAULT_DATA_DIR,
    ConfigError,
    KafkaSettings,
    comment_retention_days,
    env_bool,
    env_int,
    env_port,
    env_str,
)
from thuocdo_shared.reference import sipas

from .index import SMALL_SAMPLE, parse_weights


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8002
    workers: int = 2
    kafka: KafkaSettings = field(default_factory=KafkaSettings)
    data_dir: Path = DEFAULT_DATA_DIR
    db_path: Path | None = None
    token: str = ""
    group_id: str = "thuocdo-scoring"
    instance_id: str | None = None
    max_poll_records: int = 500
    session_timeout_ms: int = 45_000
    small_sample: int = SMALL_SAMPLE
    weights: Mapping[str, float] = field(default_factory=dict)
    classify: bool = True
    # Raw comments older than this many days are blanked by ``purge-comments``
    # (0 keeps them forever). Ratings and aggregates are never purged.
    comment_retention_days: int = COMMENT_RETENTION_DAYS

    def comments_before(self, now: dt.datetime, days: int | None = None) -> dt.datetime | None:
        """The retention cutoff: comments submitted before it are not kept (None:
        kept for ever). ``days`` overrides THUOCDO_COMMENT_RETENTION_DAYS."""
        days = self.comment_retention_days if days is None else days
        return None if days <= 0 else now - dt.timedelta(days=days)

    @property
    def store_path(self) -> Path:
        """The SQLite file: THUOCDO_SCORING_DB, else <THUOCDO_DATA_DIR>/scoring.sqlite3."""
        return self.db_path or self.data_dir / "scoring.sqlite3"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        db = env_str(env, "THUOCDO_SCORING_DB", "")
        try:
            weights = parse_weights(env_str(env, "THUOCDO_SCORING_WEIGHTS", ""), sipas())
        except ValueError as exc:
            raise ConfigError(f"THUOCDO_SCORING_WEIGHTS: {exc}") from None
        return cls(
            host=env_str(env, "THUOCDO_SCORING_HOST", cls.host),
            port=env_port(env, "THUOCDO_SCORING_PORT", cls.port),
            workers=env_int(env, "THUOCDO_SCORING_WORKERS", cls.workers, minimum=1),
            kafka=KafkaSettings.from_env(env),
            data_dir=Path(env_str(env, "THUOCDO_DATA_DIR", str(cls.data_dir))),
            db_path=Path(db) if db else None,
            token=env.get("THUOCDO_SCORING_TOKEN", "").strip(),
            group_id=env_str(env, "THUOCDO_SCORING_GROUP", cls.group_id),
            instance_id=env_str(env, "THUOCDO_SCORING_INSTANCE_ID", "") or None,
            max_poll_records=env_int(
                env, "THUOCDO_SCORING_MAX_POLL_RECORDS", cls.max_poll_records, minimum=1
            ),
            session_timeout_ms=env_int(
                env, "THUOCDO_SCORING_SESSION_TIMEOUT_MS", cls.session_timeout_ms, minimum=1000
            ),
            small_sample=env_int(env, "THUOCDO_SCORING_SMALL_SAMPLE", cls.small_sample, minimum=1),
            weights=weights,
            classify=env_bool(env, "THUOCDO_SCORING_CLASSIFY", cls.classify),
            comment_retention_days=comment_retention_days(env),
        )
