"""Settings from the environment, and back."""

from __future__ import annotations

import pytest
from thuocdo_shared.config import ConfigError, KafkaSettings

pytestmark = pytest.mark.unit


def test_to_env_is_the_inverse_of_from_env() -> None:
    settings = KafkaSettings(bootstrap_servers="127.0.0.1:1", partitions=5).with_prefix("x")
    assert KafkaSettings.from_env(settings.to_env()) == settings
    assert settings.responses_topic == "x.survey.responses.v1"
    assert settings.updates_topic == "x.satisfaction.updates.v1"


def test_defaults_and_a_bad_number() -> None:
    assert KafkaSettings.from_env({}).bootstrap_servers == "localhost:9092"
    with pytest.raises(ConfigError, match="THUOCDO_TOPIC_PARTITIONS must be an integer"):
        KafkaSettings.from_env({"THUOCDO_TOPIC_PARTITIONS": "three"})
