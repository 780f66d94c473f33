"""Access matrix: every dashboard and scoring route x every role, each cell the
documented answer (the same table is in README's "Security" section).

Routes are enumerated from the Flask ``url_map`` of each app: a new route without
a row here fails :func:`test_every_route_has_a_row`.

Roles: ``anonymous``; ``commune_a`` (bound to Xã Kha Sơn, 05953@2025-07-01);
``commune_b`` (Xã Điềm Thụy, 05941@2025-07-01); ``district`` (former Phú Bình, 173);
``admin``. Every request targets commune A (or district 173 for the overview-type
routes). Scoring is called by the dashboard with the service token; the roles hold
no such token (a dashboard session cookie means nothing to scoring).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import requests
from thuocdo_dashboard import create_app as dashboard_app
from thuocdo_dashboard.settings import Settings as DashboardSettings
from thuocdo_scoring import create_app as scoring_app
from thuocdo_scoring.settings import Settings as ScoringSettings
from thuocdo_shared.units import local_today

from tests.access.conftest import COMMUNE_A, Stack
from tests.dashboard.helpers import SCORING_TOKEN

pytestmark = pytest.mark.integration

ROLES = ("anonymous", "commune_a", "commune_b", "district", "admin")
A = COMMUNE_A

# (method, rule) -> (concrete request, expected status per role in ROLES order).
# 302 for a page means "to the login page" (anonymous) or "to the user's own
# commune" (commune users on the overview); 400 on the login form = refused for
# a missing CSRF token (the form is shown again).
DASHBOARD: dict[tuple[str, str], tuple[str, tuple[int, ...]]] = {
    ("GET", "/static/<path:filename>"): ("/static/app.css", (200, 200, 200, 200, 200)),
    ("GET", "/healthz"): ("/healthz", (200, 200, 200, 200, 200)),
    ("GET", "/readyz"): ("/readyz", (200, 200, 200, 200, 200)),
    ("GET", "/metrics"): ("/metrics", (200, 200, 200, 200, 200)),
    ("GET", "/login"): ("/login", (200, 200, 200, 200, 200)),
    ("POST", "/login"): ("/login", (400, 400, 400, 400, 400)),
    ("GET", "/lang/<code>"): ("/lang/vi", (302, 302, 302, 302, 302)),
    ("GET", "/"): ("/?unit=173", (302, 403, 403, 200, 200)),
    ("GET", "/commune/<key>"): (f"/commune/{A}", (302, 200, 403, 200, 200)),
    ("GET", "/issue/<code>"): (f"/issue/waiting_time?unit={A}", (302, 200, 403, 200, 200)),
    ("GET", "/api/overview"): ("/api/overview?unit=173", (401, 403, 403, 200, 200)),
    ("GET", "/api/commune/<key>"): (f"/api/commune/{A}", (401, 200, 403, 200, 200)),
    ("GET", "/api/issue/<code>"): (
        f"/api/issue/waiting_time?unit={A}",
        (401, 200, 403, 200, 200),
    ),
    ("GET", "/csv/overview/<table>.csv"): (
        "/csv/overview/ranking.csv?unit=173",
        (401, 403, 403, 200, 200),
    ),
    ("GET", "/csv/commune/<key>/<table>.csv"): (
        f"/csv/commune/{A}/comments.csv",
        (401, 200, 403, 200, 200),
    ),
    ("GET", "/csv/issue/<code>/<table>.csv"): (
        "/csv/issue/waiting_time/communes.csv?unit=173",
        (401, 403, 403, 200, 200),
    ),
    ("GET", "/xlsx/overview/<table>.xlsx"): (
        "/xlsx/overview/ranking.xlsx?unit=173",
        (401, 403, 403, 200, 200),
    ),
    ("GET", "/xlsx/commune/<key>/<table>.xlsx"): (
        f"/xlsx/commune/{A}/comments.xlsx",
        (401, 200, 403, 200, 200),
    ),
    ("GET", "/xlsx/issue/<code>/<table>.xlsx"): (
        "/xlsx/issue/waiting_time/communes.xlsx?unit=173",
        (401, 403, 403, 200, 200),
    ),
    ("GET", "/events"): ("/events", (401, 200, 200, 200, 200)),
    ("GET", "/admin/users"): ("/admin/users", (302, 403, 403, 403, 200)),
    # (without its CSRF token: refused before anything else)
    ("POST", "/admin/users"): ("/admin/users", (400, 400, 400, 400, 400)),
    # Last: it ends the session (a logout is honoured even without a valid token).
    ("POST", "/logout"): ("/logout", (302, 302, 302, 302, 302)),
}

_TODAY = local_today()
_RANGE = f"from={_TODAY - dt.timedelta(days=30)}&to={_TODAY}"
# Scoring: every role of the dashboard is "no service token" (401 on the API);
# then a wrong token and the service token the dashboard holds.
SCORING_CALLERS = (*ROLES, "wrong_token", "service_token")
_API = (401, 401, 401, 401, 401, 401, 200)
_OPEN = (200,) * 7
SCORING: dict[tuple[str, str], tuple[str, tuple[int, ...]]] = {
    ("GET", "/static/<path:filename>"): ("/static/nothing.css", (404,) * 7),
    ("GET", "/healthz"): ("/healthz", _OPEN),
    ("GET", "/readyz"): ("/readyz", _OPEN),
    ("GET", "/metrics"): ("/metrics", _OPEN),
    ("GET", "/api/v1/openapi.json"): ("/api/v1/openapi.json", _OPEN),
    ("GET", "/api/v1/index"): (f"/api/v1/index?unit={A}", _API),
    ("GET", "/api/v1/units"): ("/api/v1/units?parent=173", _API),
    ("GET", "/api/v1/issues"): (f"/api/v1/issues?unit={A}", _API),
    ("GET", "/api/v1/matrix"): ("/api/v1/matrix?parent=173", _API),
    ("GET", "/api/v1/groups"): ("/api/v1/groups?parent=173", _API),
    ("GET", "/api/v1/themes"): (f"/api/v1/themes?unit={A}", _API),
    ("GET", "/api/v1/trend"): (f"/api/v1/trend?unit={A}&{_RANGE}&granularity=week", _API),
    ("GET", "/api/v1/comments"): (f"/api/v1/comments?unit={A}", _API),
}


def _rules(app: object) -> set[tuple[str, str]]:
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()  # type: ignore[attr-defined]
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_route_has_a_row(tmp_path: Path) -> None:
    dash = dashboard_app(DashboardSettings(data_dir=tmp_path, secret_key="k" * 32))
    scoring = scoring_app(ScoringSettings(data_dir=tmp_path, token="t"))
    assert _rules(dash) == set(DASHBOARD), "a dashboard route without a matrix row"
    assert _rules(scoring) == set(SCORING), "a scoring route without a matrix row"


def test_scoring_listens_on_loopback_by_default() -> None:
    assert ScoringSettings().host == "127.0.0.1"
    assert ScoringSettings.from_env({}).host == "127.0.0.1"


def _session(stack: Stack, role: str) -> requests.Session:
    return requests.Session() if role == "anonymous" else stack.session(role)


@pytest.mark.parametrize("role", ROLES)
def test_dashboard_matrix(stack: Stack, role: str) -> None:
    session = _session(stack, role)
    column = ROLES.index(role)
    got: dict[str, int] = {}
    want: dict[str, int] = {}
    for (method, _rule), (path, expected) in DASHBOARD.items():
        resp = session.request(
            method, stack.dashboard.url + path, allow_redirects=False, timeout=20, stream=True
        )
        got[f"{method} {path}"] = resp.status_code
        want[f"{method} {path}"] = expected[column]
        if resp.status_code == 200 and path == f"/commune/{A}":
            assert "Kha Sơn" in resp.text
        resp.close()  # /events is a stream: do not read it
    print(f"[access] dashboard as {role}: {got}")
    assert got == want


@pytest.mark.parametrize("caller", SCORING_CALLERS)
def test_scoring_matrix(stack: Stack, caller: str) -> None:
    if caller in ROLES:
        session = _session(stack, caller)
    else:
        session = requests.Session()
        token = SCORING_TOKEN if caller == "service_token" else SCORING_TOKEN + "x"
        session.headers["Authorization"] = f"Bearer {token}"
    column = SCORING_CALLERS.index(caller)
    got = {}
    want = {}
    for (method, _rule), (path, expected) in SCORING.items():
        resp = session.request(method, stack.scoring.url + path, timeout=30)
        got[path] = resp.status_code
        want[path] = expected[column]
        if resp.status_code == 401:
            assert resp.headers["Content-Type"].startswith("application/json")
            assert "items" not in resp.text and '"n"' not in resp.text
    print(f"[access] scoring as {caller}: {got}")
    assert got == want
