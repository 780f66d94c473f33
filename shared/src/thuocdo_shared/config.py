"""Settings read from the environment, in one place.

Each service builds one typed settings object with its own ``from_env`` that uses
these readers; every variable read anywhere is listed in the README's
configuration table.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

# Where every service keeps its files unless THUOCDO_DATA_DIR says otherwise: the
# directory `make up` uses, so a command run from the checkout (``thuocdo-intake kiosk
# add``) sees the same kiosks as the running stack. The images set their own.
DEFAULT_DATA_DIR = Path(".run/data")


class ConfigError(ValueError):
    """An environment variable holds a value we cannot use."""


def says_config_errors(prog: str) -> Callable[[Callable[..., int]], Callable[..., int]]:
    """For a command's ``main``: a :class:`ConfigError` (an environment variable it
    cannot use) is said in one line on stderr, with exit status 2, instead of a
    traceback that ends with the one line an operator needs."""

    def wrap(main: Callable[..., int]) -> Callable[..., int]:
        @functools.wraps(main)
        def run(*args: object, **kwargs: object) -> int:
            try:
                return main(*args, **kwargs)
            except ConfigError as exc:
                print(f"{prog}: configuration error: {exc}", file=sys.stderr)
                return 2

        return run

    return wrap


@contextlib.contextmanager
def closed_pipe_is_fine() -> Iterator[None]:
    """Around a command-line tool's output: a reader that stops early (``| head``)
    closes the pipe, which is no error. The rest of the output goes nowhere, without
    Python's traceback and its "Exception ignored" at exit."""
    try:
        yield
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def note_missing_store(path: Path, what: str, service: str, making: bool) -> bool:
    """True, after saying so on stderr, when a command-line tool's store file does not
    exist: run from another directory, or without the service's THUOCDO_DATA_DIR, a
    command would work on a file the running ``service`` never reads. ``making``:
    this command creates the file (the others must not)."""
    if path.exists():
        return False
    print(
        f"note: no {what} file at {path.resolve()}"
        + ("; starting a new one" if making else "")
        + f" ({service} must run with the same THUOCDO_DATA_DIR)",
        file=sys.stderr,
    )
    return True


def env_str(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name, "").strip()
    return value or default


def env_int(
    env: Mapping[str, str],
    name: str,
    default: int,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ConfigError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ConfigError(f"{name} must be <= {maximum}, got {value}")
    return value


# A retention in days: 0 keeps for ever; at most a century (a million days overflowed
# a cutoff's date, and is a retention.ms Kafka refuses).
RETENTION_MAX_DAYS = 36_500
# Scoring's comment retention (THUOCDO_COMMENT_RETENTION_DAYS); the topics command reads
# it too, to say when the topic keeps comments longer.
COMMENT_RETENTION_DAYS = 365


def env_days(env: Mapping[str, str], name: str, default: int) -> int:
    """A retention in days, 0 (for ever) to RETENTION_MAX_DAYS."""
    return env_int(env, name, default, minimum=0, maximum=RETENTION_MAX_DAYS)


def comment_retention_days(env: Mapping[str, str]) -> int:
    return env_days(env, "THUOCDO_COMMENT_RETENTION_DAYS", COMMENT_RETENTION_DAYS)


def env_port(env: Mapping[str, str], name: str, default: int) -> int:
    """A TCP port, 1-65535 (70000 reached gunicorn, which failed with a traceback)."""
    return env_int(env, name, default, minimum=1, maximum=65535)


_ADDRESS = re.compile(r"^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d+)$")


def bootstrap_servers(env: Mapping[str, str], name: str, default: str) -> str:
    """``host:port[,host:port...]`` as Kafka's client takes it; a list it cannot use is
    refused here, in one line (a port that was not a number gave a traceback, a
    missing port a 30 s wait and then one)."""
    value = env_str(env, name, default)
    for part in value.split(","):
        found = _ADDRESS.match(part.strip())
        if found is None or not 1 <= int(found.group(1)) <= 65535:
            raise ConfigError(
                f"{name} must be host:port, several separated by commas, got {value!r}"
            )
    return value


def env_float(
    env: Mapping[str, str],
    name: str,
    default: float,
    minimum: float | None = None,
    maximum: float | None = None,
) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if not math.isfinite(value):
        raise ConfigError(f"{name} must be a finite number, got {raw!r}")
    if minimum is not None and value < minimum:
        raise ConfigError(f"{name} must be >= {minimum:g}, got {value:g}")
    if maximum is not None and value > maximum:
        raise ConfigError(f"{name} must be <= {maximum:g}, got {value:g}")
    return value


def env_bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


@dataclass(frozen=True)
class KafkaSettings:
    """Where the broker is and what the topics are called."""

    bootstrap_servers: str = "localhost:9092"
    responses_topic: str = "survey.responses.v1"
    dlq_topic: str = "survey.responses.dlq.v1"
    updates_topic: str = "satisfaction.updates.v1"
    partitions: int = 3
    replication_factor: int = 1
    # How long the responses topic and the DLQ keep records (0: for ever). The
    # broker's own default is 7 days: a store rebuilt from the topic after that would
    # have lost everything older. Not longer than scoring's comment retention (365
    # days by default), or comments outlive their purge in Kafka.
    retention_days: int = 365

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> KafkaSettings:
        env = os.environ if env is None else env
        return cls(
            bootstrap_servers=bootstrap_servers(
                env, "KAFKA_BOOTSTRAP_SERVERS", cls.bootstrap_servers
            ),
            responses_topic=env_str(env, "THUOCDO_TOPIC_RESPONSES", cls.responses_topic),
            dlq_topic=env_str(env, "THUOCDO_TOPIC_DLQ", cls.dlq_topic),
            updates_topic=env_str(env, "THUOCDO_TOPIC_UPDATES", cls.updates_topic),
            partitions=env_int(env, "THUOCDO_TOPIC_PARTITIONS", cls.partitions, minimum=1),
            replication_factor=env_int(env, "THUOCDO_TOPIC_REPLICATION", 1, minimum=1),
            retention_days=env_days(env, "THUOCDO_TOPIC_RETENTION_DAYS", cls.retention_days),
        )

    @property
    def topics(self) -> tuple[str, str, str]:
        return (self.responses_topic, self.dlq_topic, self.updates_topic)

    @property
    def retention_ms(self) -> dict[str, int]:
        """``retention.ms`` of the topics that keep records (-1: for ever); the
        updates topic is live notifications only and keeps the broker's default."""
        ms = -1 if self.retention_days == 0 else self.retention_days * 86_400_000
        return {self.responses_topic: ms, self.dlq_topic: ms}

    def with_prefix(self, prefix: str) -> KafkaSettings:
        """The same broker with every topic name prefixed: topics of one test or
        benchmark run that no other run reads."""
        return replace(
            self,
            responses_topic=f"{prefix}.{self.responses_topic}",
            dlq_topic=f"{prefix}.{self.dlq_topic}",
            updates_topic=f"{prefix}.{self.updates_topic}",
        )

    def to_env(self) -> dict[str, str]:
        """The environment variables that give a child process these settings
        (the inverse of :meth:`from_env`)."""
        return {
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap_servers,
            "THUOCDO_TOPIC_RESPONSES": self.responses_topic,
            "THUOCDO_TOPIC_DLQ": self.dlq_topic,
            "THUOCDO_TOPIC_UPDATES": self.updates_topic,
            "THUOCDO_TOPIC_PARTITIONS": str(self.partitions),
            "THUOCDO_TOPIC_REPLICATION": str(self.replication_factor),
            "THUOCDO_TOPIC_RETENTION_DAYS": str(self.retention_days),
        }
