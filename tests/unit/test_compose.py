"""docker-compose.yml cannot run here (no Docker engine); check that it agrees with
the code: service names, ports, and every environment variable it sets."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from thuocdo_dashboard.settings import Settings as DashboardSettings
from thuocdo_intake.settings import Settings as IntakeSettings
from thuocdo_scoring.cli import build_parser
from thuocdo_scoring.consumer import HEARTBEAT_S
from thuocdo_scoring.settings import Settings as ScoringSettings

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PORTS = {
    "intake": IntakeSettings().port,
    "scoring": ScoringSettings().port,
    "dashboard": DashboardSettings().port,
}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


def _source_text() -> str:
    files = [*ROOT.glob("shared/src/**/*.py"), *ROOT.glob("services/*/src/**/*.py")]
    return "\n".join(p.read_text(encoding="utf-8") for p in files)


def test_services_and_ports_match_code_defaults(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"kafka", "topics", "scoring-consumer", *DEFAULT_PORTS}
    assert DEFAULT_PORTS == {"intake": 8001, "scoring": 8002, "dashboard": 8003}
    for name, port in DEFAULT_PORTS.items():
        env = services[name]["environment"]
        assert env[f"THUOCDO_{name.upper()}_PORT"] == str(port)
        assert services[name]["ports"] == [f"127.0.0.1:{port}:{port}"]
        assert str(port) in str(services[name]["healthcheck"]["test"])
        assert env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"


def test_every_variable_compose_sets_is_read_by_the_code(compose: dict[str, Any]) -> None:
    source = _source_text()
    for name in [*DEFAULT_PORTS, "topics"]:
        for var in compose["services"][name]["environment"]:
            assert f'"{var}"' in source, f"{name}: {var} is set in compose but read nowhere"


def test_scoring_consumer_shares_the_store_with_the_read_api(compose: dict[str, Any]) -> None:
    consumer = compose["services"]["scoring-consumer"]
    assert consumer["command"] == ["thuocdo-scoring", "consume"]
    assert consumer["volumes"] == compose["services"]["scoring"]["volumes"]
    for var in consumer["environment"]:
        assert f'"{var}"' in _source_text(), var


def test_the_consumers_health_check_is_its_heartbeat(compose: dict[str, Any]) -> None:
    check = compose["services"]["scoring-consumer"]["healthcheck"]["test"]
    assert check[:2] == ["CMD", "thuocdo-scoring"]
    args = build_parser().parse_args(check[2:])  # a real subcommand with real options
    assert args.command == "check-consumer"
    assert args.max_age >= 6 * HEARTBEAT_S  # a few missed heartbeats are not a failure


def test_scoring_and_dashboard_share_the_service_token(compose: dict[str, Any]) -> None:
    services = compose["services"]
    token = services["scoring"]["environment"]["THUOCDO_SCORING_TOKEN"]
    assert token.startswith("${THUOCDO_SCORING_TOKEN:?")
    assert services["dashboard"]["environment"]["THUOCDO_SCORING_TOKEN"] == token


def test_kafka_is_kraft_single_node(compose: dict[str, Any]) -> None:
    kafka = compose["services"]["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    assert kafka["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert kafka["environment"]["KAFKA_ADVERTISED_LISTENERS"] == "PLAINTEXT://kafka:9092"


def test_kafka_keeps_its_log_on_the_volume(compose: dict[str, Any]) -> None:
    """The image's own default log directory is under /tmp, off the volume."""
    kafka = compose["services"]["kafka"]
    (mount,) = kafka["volumes"]
    assert mount.split(":") == ["kafka-data", kafka["environment"]["KAFKA_LOG_DIRS"]]


def test_topics_are_made_before_any_service_uses_them(compose: dict[str, Any]) -> None:
    services = compose["services"]
    topics = services["topics"]
    assert topics["command"] == ["python", "-m", "thuocdo_shared.topics"]
    assert topics["depends_on"] == {"kafka": {"condition": "service_healthy"}}
    assert (ROOT / "shared/src/thuocdo_shared/topics.py").is_file()
    for name in ("intake", "scoring", "scoring-consumer", "dashboard"):
        assert services[name]["depends_on"]["topics"] == {
            "condition": "service_completed_successfully"
        }, name


@pytest.mark.parametrize("name", sorted(DEFAULT_PORTS))
def test_dockerfile_runs_the_console_script_as_non_root(name: str) -> None:
    text = (ROOT / "services" / name / "Dockerfile").read_text()
    assert f'CMD ["thuocdo-{name}", "serve"]' in text
    assert re.search(r"^USER (?!root)\w+", text, re.M)
    assert f"EXPOSE {DEFAULT_PORTS[name]}" in text


def test_every_long_running_container_comes_back_after_a_crash_or_reboot(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    for name in ("kafka", "scoring-consumer", *DEFAULT_PORTS):
        assert services[name].get("restart") == "unless-stopped", name
    assert services["topics"]["restart"] == "no"  # it runs once


def test_enrolment_links_carry_an_address_tablets_can_open(compose: dict[str, Any]) -> None:
    env = compose["services"]["intake"]["environment"]
    assert env["THUOCDO_INTAKE_HOST"] == "0.0.0.0"
    assert env["THUOCDO_INTAKE_PUBLIC_URL"].startswith("${THUOCDO_INTAKE_PUBLIC_URL:-http")


def test_every_containers_log_is_rotated(compose: dict[str, Any]) -> None:
    """Docker's default json-file log of a container grows for ever (an access line per
    rating and per page, for months): each service's is capped."""
    for name, service in compose["services"].items():
        logging = service.get("logging", {})
        assert logging.get("driver") == "json-file", name
        assert logging["options"]["max-size"] == "20m" and logging["options"]["max-file"] == "5"
