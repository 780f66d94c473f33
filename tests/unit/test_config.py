"""Settings from the environment, and back."""

from __future__ import annotations

from pathlib import Path

import pytest
from thuocdo_shared.config import ConfigError, KafkaSettings

pytestmark = pytest.mark.unit


def test_to_env_is_the_inverse_of_from_env() -> None:
    settings = KafkaSettings(
        bootstrap_servers="127.0.0.1:1", partitions=5, retention_days=30
    ).with_prefix("x")
    assert KafkaSettings.from_env(settings.to_env()) == settings
    assert settings.responses_topic == "x.survey.responses.v1"
    assert settings.updates_topic == "x.satisfaction.updates.v1"


def test_topic_retention_is_a_year_by_default_and_0_keeps_for_ever() -> None:
    settings = KafkaSettings.from_env({})
    assert settings.retention_days == 365
    year = 365 * 24 * 3600 * 1000
    assert settings.retention_ms == {
        "survey.responses.v1": year,
        "survey.responses.dlq.v1": year,
    }  # the updates topic (live notifications) keeps the broker's default
    assert (
        KafkaSettings.from_env({"THUOCDO_TOPIC_RETENTION_DAYS": "30"}).retention_ms[
            "survey.responses.v1"
        ]
        == 30 * 86_400_000
    )
    forever = KafkaSettings.from_env({"THUOCDO_TOPIC_RETENTION_DAYS": "0"}).with_prefix("p")
    assert forever.retention_ms == {"p.survey.responses.v1": -1, "p.survey.responses.dlq.v1": -1}
    with pytest.raises(ConfigError, match="THUOCDO_TOPIC_RETENTION_DAYS"):
        KafkaSettings.from_env({"THUOCDO_TOPIC_RETENTION_DAYS": "-1"})


def test_topics_cli_says_how_long_a_topic_keeps_records() -> None:
    from thuocdo_shared.topics import kept

    assert kept(-1) == "kept for ever"
    assert kept(365 * 86_400_000) == "kept 365 days"
    assert kept(604_800_000) == "kept 7 days"
    assert kept(5_400_000) == "kept 1.5 hours"
    assert kept(None) == "retention unknown"


def test_defaults_and_a_bad_number() -> None:
    assert KafkaSettings.from_env({}).bootstrap_servers == "localhost:9092"
    with pytest.raises(ConfigError, match="THUOCDO_TOPIC_PARTITIONS must be an integer"):
        KafkaSettings.from_env({"THUOCDO_TOPIC_PARTITIONS": "three"})


def test_every_service_keeps_its_files_in_the_same_default_directory() -> None:
    # After `make up`, `thuocdo-intake kiosk add` run from the checkout must write the
    # registry the running intake reads (intake and sim once defaulted to ./data).
    from thuocdo_dashboard.settings import Settings as Dashboard
    from thuocdo_intake.settings import Settings as Intake
    from thuocdo_scoring.settings import Settings as Scoring
    from thuocdo_shared.config import DEFAULT_DATA_DIR
    from thuocdo_sim.settings import Settings as Sim

    assert Path(".run/data") == DEFAULT_DATA_DIR
    for settings in (Intake, Scoring, Dashboard, Sim):
        assert settings.from_env({}).data_dir == DEFAULT_DATA_DIR, settings.__module__
        moved = settings.from_env({"THUOCDO_DATA_DIR": "/srv/thuocdo"})
        assert moved.data_dir == Path("/srv/thuocdo"), settings.__module__


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        # 0 meant "no limit" to the operator; it was taken as one rating in 100 minutes.
        ("THUOCDO_INTAKE_RATE_PER_MINUTE", "0", "must be >= 0.01, got 0"),
        ("THUOCDO_INTAKE_RATE_PER_MINUTE", "-5", "must be >= 0.01, got -5"),
        ("THUOCDO_INTAKE_RATE_PER_MINUTE", "nan", "must be a finite number"),
        ("THUOCDO_DASHBOARD_ALERT_THRESHOLD", "170", "must be <= 100, got 170"),
        ("THUOCDO_SCORING_URL", "127.0.0.1:8002", "must start with http:// or https://"),
    ],
)
def test_values_a_service_cannot_use_are_refused_not_bent(
    variable: str, value: str, said: str
) -> None:
    from thuocdo_dashboard.settings import Settings as DashboardSettings
    from thuocdo_intake.settings import Settings as IntakeSettings

    settings = IntakeSettings if variable.startswith("THUOCDO_INTAKE") else DashboardSettings
    with pytest.raises(ConfigError, match=f"{variable} {said}"):
        settings.from_env({variable: value})
    assert IntakeSettings.from_env({}).rate_per_minute == 30.0
    assert (
        DashboardSettings.from_env({"THUOCDO_DASHBOARD_ALERT_THRESHOLD": "100"}).alert_threshold
        == 100
    )
