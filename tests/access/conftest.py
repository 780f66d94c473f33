"""The whole suite running for the access, abuse and privacy tests: intake, scoring
(consume + serve, with a service token) and the dashboard, each under gunicorn on
loopback, on the session broker; accounts and kiosks made with the real CLIs.

Package scope: the three test files share one stack, and the privacy test reads
the logs every other test of the package produced.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
import uuid
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import requests
from thuocdo_shared.config import KafkaSettings
from thuocdo_shared.units import LOCAL_TZ as HCM

from tests.conftest import make_topic_settings
from tests.dashboard.helpers import (
    PASSWORD,
    SCORING_TOKEN,
    add_user,
    dashboard,
    login,
)
from tests.intake.helpers import enrol
from tests.support.servers import ServiceProcess, start_together

COMMUNE_A = "05953@2025-07-01"  # Xã Kha Sơn
COMMUNE_B = "05941@2025-07-01"  # Xã Điềm Thụy
USERS = {
    "commune_a": ("commune", COMMUNE_A),
    "commune_b": ("commune", COMMUNE_B),
    "district": ("district", "173"),  # former Phú Bình district
    "admin": ("admin", ""),
}


@dataclasses.dataclass
class Stack:
    settings: KafkaSettings
    work: Path
    intake: ServiceProcess
    consumer: ServiceProcess
    scoring: ServiceProcess
    dashboard: ServiceProcess
    kiosk_a: dict[str, str]
    # Everything secret or personal the tests sent: the privacy test greps for it.
    secrets: set[str] = dataclasses.field(default_factory=set)
    comments: set[str] = dataclasses.field(default_factory=set)

    @property
    def intake_dir(self) -> Path:
        return self.work / "intake"

    @property
    def logs(self) -> Path:
        return self.work / "logs"

    def session(self, user: str) -> requests.Session:
        """A logged-in dashboard session of one of :data:`USERS`."""
        session, resp = login(self.dashboard.url, user)
        assert resp.status_code == 302, resp.text[:300]
        self.secrets.update(v for v in session.cookies.values() if len(v) > 16)
        return session

    def response(self, kiosk: dict[str, str], commune: str, **over: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "submitted_at": dt.datetime.now(HCM).isoformat(timespec="seconds"),
            "kiosk_id": kiosk["id"],
            "commune_code": commune,
            "field": "ho_tich",
            "overall": 2,
            "issues": ["waiting_time"],
            "comment": f"Ý kiến riêng tư {uuid.uuid4().hex[:12]}",
        }
        body.update(over)
        if body.get("comment"):
            self.comments.add(body["comment"])
        return body

    def post(self, kiosk: dict[str, str], body: dict[str, Any]) -> requests.Response:
        return requests.post(
            f"{self.intake.url}/api/v1/responses",
            json=body,
            headers={"Authorization": f"Bearer {kiosk['token']}"},
            timeout=15,
        )

    def scoring_get(self, path: str, **params: Any) -> Any:
        answer = requests.get(
            f"{self.scoring.url}{path}",
            params=params,
            headers={"Authorization": f"Bearer {SCORING_TOKEN}"},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    def stored_ids(self, unit: str) -> set[str]:
        """Ids of today's responses with a comment in ``unit``, from scoring's API."""
        today = dt.datetime.now(HCM).date()
        params = {
            "unit": unit,
            "from": (today - dt.timedelta(days=1)).isoformat(),
            "to": (today + dt.timedelta(days=1)).isoformat(),
            "per_page": 100,
            "include_suspect": "true",
        }
        ids: set[str] = set()
        page = 1
        while True:
            body = self.scoring_get("/api/v1/comments", **params, page=page)
            ids.update(item["id"] for item in body["items"])
            if page * 100 >= body["total"]:
                return ids
            page += 1

    def wait_stored(self, unit: str, ids: set[str], timeout: float = 30.0) -> set[str]:
        deadline = time.monotonic() + timeout
        while True:
            got = self.stored_ids(unit)
            if ids <= got or time.monotonic() > deadline:
                return got
            time.sleep(0.3)


@pytest.fixture(scope="package")
def stack(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    work = tmp_path_factory.mktemp("access")
    settings = make_topic_settings(kafka_bootstrap, "access")
    logs = work / "logs"
    intake_dir = work / "intake"
    dash_dir = work / "dashboard"
    scoring_env = {
        **settings.to_env(),
        "THUOCDO_SCORING_DB": str(work / "scoring.sqlite3"),
        "THUOCDO_SCORING_GROUP": f"g-{uuid.uuid4().hex[:10]}",
        "THUOCDO_SCORING_CLASSIFY": "false",
        "THUOCDO_SCORING_TOKEN": SCORING_TOKEN,
    }
    consumer = ServiceProcess("scoring", env=scoring_env, command=("consume",), log_dir=logs)
    scoring = ServiceProcess("scoring", env=scoring_env, log_dir=logs)
    intake = ServiceProcess(
        "intake",
        env={
            "KAFKA_BOOTSTRAP_SERVERS": settings.bootstrap_servers,
            "THUOCDO_TOPIC_RESPONSES": settings.responses_topic,
            "THUOCDO_DATA_DIR": str(intake_dir),
            # intake's default rate limit (30/min, burst 10): the burst test needs it.
        },
        log_dir=logs,
    )
    dash = dashboard(settings, dash_dir, scoring.url, THUOCDO_DASHBOARD_SCORING_TIMEOUT="10")
    dash.log_path = logs / dash.log_path.name
    procs = [intake, consumer, scoring, dash]
    try:
        *_, kiosk_a = start_together(
            procs,
            *(
                partial(add_user, dash_dir, name, role, unit)
                for name, (role, unit) in USERS.items()
            ),
            partial(enrol, intake_dir, COMMUNE_A.split("@")[0], "Quầy truy cập"),
        )
        st = Stack(settings, work, intake, consumer, scoring, dash, kiosk_a)
        st.secrets.update({SCORING_TOKEN, PASSWORD, kiosk_a["token"]})
        yield st
    finally:
        for proc in procs:
            proc.stop()
