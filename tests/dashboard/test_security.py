"""Security of the dashboard over real HTTP (gunicorn): lock-out, CSRF, cookie
flags, scope of every URL and export, and the 'scoring is down' page.

Scoring is deliberately unreachable here (a closed port): access control must hold
before any figure is asked for, and the page must say plainly that scoring is down.
The dashboard trusts X-Forwarded-For/-Proto (THUOCDO_DASHBOARD_PROXY_FIX=true, as
behind a TLS proxy) so that each test can act from its own client address.
"""

from __future__ import annotations

import html
import re
import socket
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.conftest import make_topic_settings
from tests.dashboard.helpers import PASSWORD, add_user, csrf_token, dashboard, dashboard_cli, login
from tests.support.servers import ServiceProcess

pytestmark = pytest.mark.integration

OTHER_COMMUNE = "05941@2025-07-01"  # Xã Điềm Thụy
OWN_COMMUNE = "05953@2025-07-01"  # Xã Kha Sơn


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ip() -> dict[str, str]:
    """A client address of its own for one test (through ProxyFix)."""
    n = uuid.uuid4().int
    return {"X-Forwarded-For": f"10.{n % 250}.{(n >> 8) % 250}.{(n >> 16) % 250 + 1}"}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dashboard-security")
    add_user(path, "kha-son", "commune", OWN_COMMUNE)
    add_user(path, "phu-binh", "district", "173")
    add_user(path, "locked-out", "district", "19")
    return path


@pytest.fixture(scope="module")
def server(kafka_bootstrap: str, data_dir: Path) -> Iterator[ServiceProcess]:
    settings = make_topic_settings(kafka_bootstrap, "dashboard-security")
    proc = dashboard(
        settings,
        data_dir,
        f"http://127.0.0.1:{_closed_port()}",
        THUOCDO_DASHBOARD_PROXY_FIX="true",
    )
    proc.start()
    try:
        yield proc
    finally:
        proc.stop()


def test_wrong_passwords_lock_the_account_out(server: ServiceProcess) -> None:
    for attempt in range(5):
        # A different address each time: the account's own counter locks it.
        _, resp = login(server.url, "locked-out", f"sai-{attempt}", headers=_ip())
        assert resp.status_code == 401
        assert "Tên đăng nhập hoặc mật khẩu không đúng." in resp.text
    locked, resp = login(server.url, "locked-out", PASSWORD, headers=_ip())
    assert resp.status_code == 429
    assert "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 15 phút." in resp.text
    # not logged in (the session cookie is signed base64: its text says nothing)
    assert locked.get(f"{server.url}/api/commune/{OWN_COMMUNE}", timeout=10).status_code == 401


def test_wrong_passwords_lock_the_address_out(server: ServiceProcess) -> None:
    """Twenty failures from one address (a guesser trying many names) lock it; five
    by one colleague in a shared office do not lock the others out."""
    address = _ip()
    for _attempt in range(5):
        _, resp = login(server.url, "no-such-user", "x", headers=address)
        assert resp.status_code == 401
    _, resp = login(server.url, "phu-binh", PASSWORD, headers=address)
    assert resp.status_code == 302
    for attempt in range(15):
        _, resp = login(server.url, f"no-such-user-{attempt}", "x", headers=address)
        assert resp.status_code == 401
    _, resp = login(server.url, "phu-binh", PASSWORD, headers=address)
    assert resp.status_code == 429
    _, resp = login(server.url, "phu-binh", PASSWORD, headers=_ip())
    assert resp.status_code == 302


def test_forms_without_csrf_token_are_refused(server: ServiceProcess) -> None:
    bare = requests.post(
        f"{server.url}/login",
        data={"name": "kha-son", "password": PASSWORD},
        headers=_ip(),
        allow_redirects=False,
        timeout=10,
    )
    # Refused, and answered with the form again (a fresh token), not a dead end.
    assert bare.status_code == 400
    assert "Trang đăng nhập này đã cũ" in bare.text
    assert 'name="csrf_token"' in bare.text and 'value="kha-son"' in bare.text
    unlogged = requests.get(
        f"{server.url}/api/commune/{OWN_COMMUNE}", cookies=bare.cookies, timeout=10
    )
    assert unlogged.status_code == 401
    session, resp = login(server.url, "kha-son", headers=_ip())
    assert resp.status_code == 302
    # Logout without a token, or with a wrong one, still logs out: a logout pressed
    # in an old tab must not leave a shared computer logged in, and another site's
    # form arrives without the session cookie (SameSite=Lax).
    page = session.get(f"{server.url}/commune/{OWN_COMMUNE}", timeout=10)
    token = csrf_token(page.text)
    wrong = session.post(
        f"{server.url}/logout",
        data={"csrf_token": token[:-2] + "xx"},
        allow_redirects=False,
        timeout=10,
    )
    assert wrong.status_code == 302
    assert session.get(f"{server.url}/api/commune/{OWN_COMMUNE}", timeout=10).status_code == 401
    session, resp = login(server.url, "kha-son", headers=_ip())
    assert (
        session.post(f"{server.url}/logout", allow_redirects=False, timeout=10).status_code == 302
    )
    assert session.get(f"{server.url}/api/commune/{OWN_COMMUNE}", timeout=10).status_code == 401


def test_login_and_logout_forms_of_other_tabs_still_work(server: ServiceProcess) -> None:
    """One browser, three tabs. Tab B's login form was opened before tab A logged in;
    tab C's page before tab A logged out and in again. Each login clears the session,
    and with it the CSRF secret their forms were made from: B's login was a dead-end
    400 page, C's logout a 400 that left the session logged in."""
    browser = requests.Session()
    browser.headers.update(_ip())
    tab_b = csrf_token(browser.get(f"{server.url}/login", timeout=10).text)
    tab_a = csrf_token(browser.get(f"{server.url}/login", timeout=10).text)
    form = {"name": "kha-son", "password": PASSWORD}
    a = browser.post(
        f"{server.url}/login", data={**form, "csrf_token": tab_a}, allow_redirects=False
    )
    assert a.status_code == 302
    tab_c = csrf_token(browser.get(f"{server.url}/commune/{OWN_COMMUNE}", timeout=10).text)
    # Tab A logs out and in again.
    page_a = browser.get(f"{server.url}/commune/{OWN_COMMUNE}", timeout=10)
    browser.post(f"{server.url}/logout", data={"csrf_token": csrf_token(page_a.text)})
    again = csrf_token(browser.get(f"{server.url}/login", timeout=10).text)
    browser.post(f"{server.url}/login", data={**form, "csrf_token": again})
    assert browser.get(f"{server.url}/api/commune/{OWN_COMMUNE}", timeout=10).status_code == 200
    # Tab B: the form again, with a token that works.
    b = browser.post(
        f"{server.url}/login", data={**form, "csrf_token": tab_b}, allow_redirects=False
    )
    assert b.status_code == 400 and "Trang đăng nhập này đã cũ" in b.text
    b2 = browser.post(
        f"{server.url}/login",
        data={**form, "csrf_token": csrf_token(b.text)},
        allow_redirects=False,
    )
    assert b2.status_code == 302
    # Tab C's logout ends the session.
    c = browser.post(f"{server.url}/logout", data={"csrf_token": tab_c}, allow_redirects=False)
    assert c.status_code == 302 and c.headers["Location"].endswith("/login")
    assert browser.get(f"{server.url}/api/commune/{OWN_COMMUNE}", timeout=10).status_code == 401


def test_session_cookie_flags(server: ServiceProcess) -> None:
    _, plain = login(server.url, "kha-son", headers=_ip())
    cookie = plain.headers["Set-Cookie"]
    assert cookie.startswith("thuocdo_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP on loopback, not behind TLS
    # Behind a TLS proxy the cookie is Secure (the login form already sets it, for the
    # CSRF token; a client then only sends it back over HTTPS).
    tls = requests.get(
        f"{server.url}/login", headers={**_ip(), "X-Forwarded-Proto": "https"}, timeout=10
    )
    flags = [part.strip() for part in tls.headers["Set-Cookie"].split(";")]
    assert {"Secure", "HttpOnly", "SameSite=Lax"} <= set(flags)


def test_secure_cookies_setting_forces_secure() -> None:
    from thuocdo_dashboard import create_app
    from thuocdo_dashboard.settings import Settings

    app = create_app(Settings(secure_cookies=True, secret_key="k" * 32))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


@pytest.mark.parametrize(
    "path",
    [
        f"/commune/{OTHER_COMMUNE}",
        f"/api/commune/{OTHER_COMMUNE}",
        f"/csv/commune/{OTHER_COMMUNE}/comments.csv",
        f"/csv/commune/{OTHER_COMMUNE}/issues.csv",
        "/commune/05953@-",  # same code, the old Xã Lương Phú
        "/csv/commune/05953@-/comments.csv",
        "/?unit=05941",
        "/?unit=19",
        "/api/overview?unit=19",
        "/csv/overview/ranking.csv?unit=19",
        "/issue/waiting_time?unit=19",
        f"/api/issue/waiting_time?unit={OTHER_COMMUNE}",
        "/csv/issue/waiting_time/communes.csv?unit=173",
    ],
)
def test_commune_user_gets_403_outside_their_commune(server: ServiceProcess, path: str) -> None:
    session, _ = login(server.url, "kha-son", headers=_ip())
    resp = session.get(server.url + path, allow_redirects=False, timeout=10)
    assert resp.status_code == 403, path
    assert "Điềm Thụy" not in resp.text and "Lương Phú" not in resp.text
    assert "text/csv" not in resp.headers.get("Content-Type", "")


def test_district_user_is_kept_inside_the_district(server: ServiceProcess) -> None:
    session, _ = login(server.url, "phu-binh", headers=_ip())
    for path in ("/?unit=19", "/api/overview?unit=19", "/csv/overview/heatmap.csv?unit=19"):
        assert session.get(server.url + path, timeout=10).status_code == 403, path
    # Inside the scope: the old and the new communes of Phú Bình.
    for path in ("/commune/05953@-", f"/commune/{OTHER_COMMUNE}", "/?unit=173"):
        assert session.get(server.url + path, timeout=10).status_code == 200, path


def test_commune_user_may_use_their_own_pages(server: ServiceProcess) -> None:
    session, _ = login(server.url, "kha-son", headers=_ip())
    for path in (
        f"/commune/{OWN_COMMUNE}?rating=2&field=ho_tich&issue=waiting_time",
        "/issue/waiting_time",
        f"/issue/waiting_time?unit={OWN_COMMUNE}",
        f"/api/commune/{OWN_COMMUNE}",
    ):
        assert session.get(server.url + path, timeout=10).status_code == 200, path
    # A filter outside the reference lists is a bad request, not a query to scoring.
    bad = session.get(f"{server.url}/commune/{OWN_COMMUNE}?rating=9", timeout=10)
    assert bad.status_code == 400


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/commune/05953", f"/commune/{OWN_COMMUNE}"),
        ("/api/commune/05953?period=2025-08", f"/api/commune/{OWN_COMMUNE}?period=2025-08"),
        ("/csv/commune/05953/comments.csv", f"/csv/commune/{OWN_COMMUNE}/comments.csv"),
        ("/xlsx/commune/05953/fields.xlsx", f"/xlsx/commune/{OWN_COMMUNE}/fields.xlsx"),
        # the version in force at the end of the period asked for: the old commune
        ("/csv/commune/05953/comments.csv?period=2025-06", "/csv/commune/05953@-/comments.csv"),
    ],
)
def test_a_bare_commune_code_redirects_to_the_version_in_force(
    server: ServiceProcess, path: str, target: str
) -> None:
    session, _ = login(server.url, "kha-son", headers=_ip())
    resp = session.get(server.url + path, allow_redirects=False, timeout=10)
    assert resp.status_code == 302, path
    assert resp.headers["Location"].startswith(target), resp.headers["Location"]
    # and the scope still decides what the target shows (scoring is down here, so a
    # file in scope is 503, not an empty file)
    final = session.get(server.url + path, timeout=10)
    assert [r.status_code for r in final.history] == [302]
    is_file = target.startswith(("/csv/", "/xlsx/"))
    expected = 403 if "05953@-" in target else 503 if is_file else 200
    assert final.status_code == expected, path
    if expected == 503:  # says why, not "something went wrong"
        assert "Chưa tạo được tệp tải về: hệ thống tính chỉ số" in final.text
    unknown = session.get(server.url + "/api/commune/99999", allow_redirects=False, timeout=10)
    assert unknown.status_code == 404


def test_anonymous_requests_see_nothing(server: ServiceProcess) -> None:
    for path in ("/api/overview", f"/csv/commune/{OWN_COMMUNE}/comments.csv", "/events"):
        resp = requests.get(server.url + path, allow_redirects=False, timeout=10)
        assert resp.status_code == 401, path
    page = requests.get(f"{server.url}/commune/{OWN_COMMUNE}", allow_redirects=False, timeout=10)
    assert page.status_code == 302 and "/login" in page.headers["Location"]


def test_scoring_down_is_said_plainly_without_a_trace(server: ServiceProcess) -> None:
    session, _ = login(server.url, "kha-son", headers=_ip())
    page = session.get(f"{server.url}/commune/{OWN_COMMUNE}", timeout=10)
    assert page.status_code == 200
    assert "Không kết nối được hệ thống tính chỉ số" in page.text
    assert "Traceback" not in page.text and "requests." not in page.text
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    # The sections do not pass the outage off as "no figures" or "no alerts".
    assert "Chưa tải được số liệu: hệ thống tính chỉ số không trả lời." in page.text
    district, _ = login(server.url, "phu-binh", headers=_ip())
    overview = district.get(f"{server.url}/?period=2025-03", timeout=10).text
    assert "Chưa tải được số liệu" in overview
    for claim in ("Chưa có số liệu cho kỳ này.", "Không có cảnh báo trong kỳ này."):
        assert claim not in page.text and claim not in overview
    for claim in ("chưa có phiếu nào trả lời bộ câu hỏi SIPAS", "0 góp ý"):
        assert claim not in page.text
    # the trend card says it too, not just a blank chart
    trend_card = page.text.split('id="trend-chart"', 1)[1].split("</section>", 1)[0]
    assert "Chưa tải được số liệu" in trend_card
    ready = requests.get(f"{server.url}/readyz", timeout=10)
    assert ready.status_code == 503 and ready.json()["scoring"].startswith("unreachable")
    # A CSV is never an empty file passed off as data.
    csv = session.get(f"{server.url}/csv/commune/{OWN_COMMUNE}/issues.csv", timeout=10)
    assert csv.status_code == 503


def test_disabled_account_loses_its_session(server: ServiceProcess, data_dir: Path) -> None:
    add_user(data_dir, "to-disable", "commune", "05917")
    session, resp = login(server.url, "to-disable", headers=_ip())
    assert resp.status_code == 302
    assert session.get(f"{server.url}/api/commune/05917@2025-07-01", timeout=10).status_code == 200
    assert dashboard_cli(data_dir, "user", "disable", "to-disable").returncode == 0
    assert session.get(f"{server.url}/api/commune/05917@2025-07-01", timeout=10).status_code == 401


def test_cli_generates_a_password_when_none_is_given(
    server: ServiceProcess, data_dir: Path
) -> None:
    done = dashboard_cli(data_dir, "user", "add", "--name", "generated", "--role", "admin")
    assert done.returncode == 0, done.stderr
    password = done.stdout.split("password: ", 1)[1].strip()
    assert len(password) >= 20
    _, resp = login(server.url, "generated", password, headers=_ip())
    assert resp.status_code == 302
    listed = dashboard_cli(data_dir, "user", "list").stdout
    assert (
        "generated\tadmin\t*\tactive" in listed and "kha-son\tcommune\t05953@2025-07-01" in listed
    )
    # A blank name (an unset shell variable) is refused before anything is stored.
    blank = dashboard_cli(data_dir, "user", "add", "--name", "", "--role", "admin")
    assert blank.returncode == 2 and "error: the name is empty" in blank.stderr
    assert "\n\tadmin" not in "\n" + dashboard_cli(data_dir, "user", "list").stdout


def _accounts_form(session: requests.Session, url: str) -> dict[str, str]:
    """The tokens of a freshly shown accounts page: CSRF, and the page's one-time one."""
    page = session.get(f"{url}/admin/users", timeout=10)
    assert page.status_code == 200
    once = re.search(r'name="once" value="([^"]+)"', page.text)
    assert once
    return {"csrf_token": csrf_token(page.text), "once": once[1]}


def _account_row(page: str, name: str) -> str:
    return page.split(f'data-account="{name}"', 1)[1].split("</tr>", 1)[0]


def test_an_admin_gives_a_locked_out_user_a_new_password(
    server: ServiceProcess, data_dir: Path
) -> None:
    """The request an operator gets most: a commune officer who forgot the password
    and locked the account trying. An admin does it from the accounts page, no shell."""
    add_user(data_dir, "admin-acc", "admin", None)
    add_user(data_dir, "quen-mat-khau", "commune", "05941")  # Xã Điềm Thụy
    for attempt in range(5):
        _, resp = login(server.url, "quen-mat-khau", f"sai-{attempt}", headers=_ip())
        assert resp.status_code == 401
    admin, resp = login(server.url, "admin-acc", headers=_ip())
    assert resp.status_code == 302
    page = admin.get(f"{server.url}/admin/users", timeout=10).text
    row = _account_row(page, "quen-mat-khau")
    assert "Cấp xã" in row and "Xã Điềm Thụy (05941@2025-07-01)" in row
    assert "tạm khóa đăng nhập đến" in row, row
    done = admin.post(
        f"{server.url}/admin/users",
        data={**_accounts_form(admin, server.url), "name": "quen-mat-khau", "action": "password"},
        timeout=10,
    )
    assert done.status_code == 200
    assert "Mật khẩu mới của quen-mat-khau" in done.text
    found = re.search(r'<code class="password">([^<]+)</code>', done.text)
    assert found and len(found[1]) >= 20
    assert done.headers["Cache-Control"] == "no-store"
    assert "tạm khóa" not in _account_row(done.text, "quen-mat-khau")  # unlocked too
    _, resp = login(server.url, "quen-mat-khau", PASSWORD, headers=_ip())
    assert resp.status_code == 401  # the old password is gone
    _, resp = login(server.url, "quen-mat-khau", html.unescape(found[1]), headers=_ip())
    assert resp.status_code == 302
    # the password is not shown again
    assert found[1] not in admin.get(f"{server.url}/admin/users", timeout=10).text


def test_an_admin_disables_and_enables_an_account_but_not_their_own(
    server: ServiceProcess, data_dir: Path
) -> None:
    add_user(data_dir, "admin-dis", "admin", None)
    add_user(data_dir, "tam-nghi", "district", "173")
    officer, _ = login(server.url, "tam-nghi", headers=_ip())
    assert officer.get(f"{server.url}/api/overview", timeout=10).status_code == 200
    admin, _ = login(server.url, "admin-dis", headers=_ip())

    def act(name: str, action: str) -> str:
        data = {**_accounts_form(admin, server.url), "name": name, "action": action}
        resp = admin.post(f"{server.url}/admin/users", data=data, timeout=10)
        assert resp.status_code == 200 and resp.url.endswith("/admin/users")  # redirected
        return resp.text

    page = act("tam-nghi", "disable")
    assert "Đã vô hiệu hóa tài khoản tam-nghi" in page
    assert "Đã vô hiệu hóa" in _account_row(page, "tam-nghi")
    assert officer.get(f"{server.url}/api/overview", timeout=10).status_code == 401
    assert login(server.url, "tam-nghi", headers=_ip())[1].status_code == 401
    page = act("tam-nghi", "enable")
    assert "Đã kích hoạt lại tài khoản tam-nghi." in page
    assert login(server.url, "tam-nghi", headers=_ip())[1].status_code == 302
    # Their own account: no button, and a forged request is refused.
    own = _account_row(page, "admin-dis")
    assert 'value="disable"' not in own and 'value="password"' not in own
    page = act("admin-dis", "disable")
    assert "Không thể tự vô hiệu hóa tài khoản đang đăng nhập." in page
    # A new password would end this very session (helper-77 was logged out by it).
    page = act("admin-dis", "password")
    assert "Không thể tự cấp mật khẩu mới cho tài khoản đang đăng nhập" in page
    assert admin.get(f"{server.url}/admin/users", timeout=10).status_code == 200


def test_a_form_sent_again_does_nothing_again(server: ServiceProcess, data_dir: Path) -> None:
    """A refresh of the page that showed a new password sends its form again: it gave
    a second password and voided the one just handed out (helper-77)."""
    add_user(data_dir, "admin-again", "admin", None)
    add_user(data_dir, "mot-lan", "commune", "05941")
    admin, _ = login(server.url, "admin-again", headers=_ip())
    data = {**_accounts_form(admin, server.url), "name": "mot-lan", "action": "password"}
    first = admin.post(f"{server.url}/admin/users", data=data, timeout=10)
    given = re.search(r'<code class="password">([^<]+)</code>', first.text)
    assert given
    again = admin.post(f"{server.url}/admin/users", data=data, timeout=10)
    assert again.url.endswith("/admin/users")  # redirected, nothing done
    assert "Biểu mẫu trên trang này đã được gửi trước đó" in again.text
    assert '<code class="password">' not in again.text
    _, resp = login(server.url, "mot-lan", html.unescape(given[1]), headers=_ip())
    assert resp.status_code == 302  # the password handed out still works
    # The page it came back to has a fresh token: an action works again.
    fresh = {**_accounts_form(admin, server.url), "name": "mot-lan", "action": "disable"}
    done = admin.post(f"{server.url}/admin/users", data=fresh, timeout=10)
    assert "Đã vô hiệu hóa tài khoản mot-lan" in done.text
    # Without the page's token at all: not one of its forms.
    bare = {"csrf_token": fresh["csrf_token"], "name": "mot-lan", "action": "enable"}
    assert admin.post(f"{server.url}/admin/users", data=bare, timeout=10).status_code == 400
    enable = {**_accounts_form(admin, server.url), "name": "mot-lan", "action": "enable"}
    assert (
        "Đã kích hoạt lại" in admin.post(f"{server.url}/admin/users", data=enable, timeout=10).text
    )
    # A double click: two requests with the same token at once, one acts.
    twice = {**_accounts_form(admin, server.url), "name": "mot-lan", "action": "password"}
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(
            pool.map(
                lambda _: admin.post(f"{server.url}/admin/users", data=twice, timeout=10),
                range(2),
            )
        )
    shown = [re.search(r'<code class="password">([^<]+)</code>', a.text) for a in answers]
    assert sum(1 for m in shown if m) == 1, [a.url for a in answers]
    password = html.unescape(next(m for m in shown if m)[1])
    assert login(server.url, "mot-lan", password, headers=_ip())[1].status_code == 302
    # Disabled meanwhile from another tab: said, not "the last admin".
    tab_a, tab_b = (_accounts_form(admin, server.url) for _ in range(2))
    for tab in (tab_a, tab_b):
        data = {**tab, "name": "mot-lan", "action": "disable"}
        page = admin.post(f"{server.url}/admin/users", data=data, timeout=10).text
    assert "Tài khoản mot-lan đã bị vô hiệu hóa từ trước." in page
    # An address to unlock must be one: a line break would forge a log line.
    forged = {**_accounts_form(admin, server.url), "action": "unlock"}
    forged["address"] = "1.2.3.4\n2026-11-28T00:00:00+00:00 INFO login: admin"
    assert admin.post(f"{server.url}/admin/users", data=forged, timeout=10).status_code == 400


def test_the_accounts_page_is_for_admins_only(server: ServiceProcess, data_dir: Path) -> None:
    add_user(data_dir, "admin-only", "admin", None)
    anonymous = requests.get(f"{server.url}/admin/users", allow_redirects=False, timeout=10)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    district, _ = login(server.url, "phu-binh", headers=_ip())
    assert district.get(f"{server.url}/admin/users", timeout=10).status_code == 403
    token = csrf_token(district.get(f"{server.url}/", timeout=10).text)  # the logout form's
    forged = district.post(
        f"{server.url}/admin/users",
        data={"csrf_token": token, "name": "phu-binh", "action": "password"},
        timeout=10,
    )
    assert forged.status_code == 403
    assert "Tài khoản</a>" not in district.get(f"{server.url}/", timeout=10).text  # no link
    admin, _ = login(server.url, "admin-only", headers=_ip())
    assert 'href="/admin/users">Tài khoản</a>' in admin.get(f"{server.url}/", timeout=10).text
    no_token = admin.post(
        f"{server.url}/admin/users", data={"name": "phu-binh", "action": "password"}, timeout=10
    )
    assert no_token.status_code == 400


def test_an_admin_creates_accounts_and_is_told_why_one_is_refused(
    server: ServiceProcess, data_dir: Path
) -> None:
    """The CLI's rules, said in the page's language with the form kept as filled."""
    add_user(data_dir, "admin-add", "admin", None)
    admin, _ = login(server.url, "admin-add", headers=_ip())

    def add(name: str, role: str, unit: str) -> requests.Response:
        data = {
            **_accounts_form(admin, server.url),
            "action": "add",
            "name": name,
            "role": role,
            "unit": unit,
        }
        return admin.post(f"{server.url}/admin/users", data=data, timeout=10)

    done = add(" Nguyễn.Lan ", "commune", "05953")
    assert done.status_code == 200
    # where the answer scrolls to (#add), not at the top of a long page
    at_add = done.text.split('id="add"', 1)[1]
    assert "Đã tạo tài khoản nguyễn.lan (Cấp xã, Xã Kha Sơn (05953@2025-07-01))." in at_add
    assert "Mật khẩu của tài khoản mới nguyễn.lan" in at_add
    password = re.search(r'<code class="password">([^<]+)</code>', at_add)
    assert password
    officer, resp = login(server.url, "nguyễn.lan", html.unescape(password[1]), headers=_ip())
    assert resp.status_code == 302
    assert officer.get(f"{server.url}/api/commune/{OWN_COMMUNE}", timeout=10).status_code == 200
    assert officer.get(f"{server.url}/api/commune/{OTHER_COMMUNE}", timeout=10).status_code == 403

    again = add("NGUYỄN.LAN", "district", "173")
    assert again.status_code == 409
    assert "Chưa tạo được tài khoản: đã có tài khoản tên nguyễn.lan." in again.text
    ended = add("kha-son-cu", "commune", "05959")
    assert ended.status_code == 400
    assert (
        "Chưa tạo được tài khoản: Xã Kha Sơn (mã 05959) không còn là đơn vị hành chính từ ngày"
        " 01/07/2025; địa bàn nay thuộc Xã Kha Sơn (05953@2025-07-01). Hãy nhập mã xã đó,"
        " hoặc 05959@- nếu muốn gắn với xã cũ." in html.unescape(ended.text)
    )
    assert (
        'name="name" required maxlength="64" autocomplete="off" autocapitalize="none"'
        in (ended.text)
        and 'value="kha-son-cu"' in ended.text
    )  # the form as filled
    refused = {
        ("co dau cach", "district", "173"): "tên đăng nhập không được có dấu cách",
        ("huyen", "district", "05953"): "phải gắn với mã một huyện hoặc tỉnh, không phải một xã",
        ("xa", "commune", "173"): "tài khoản cấp xã phải gắn với mã một xã.",
        ("xa", "commune", ""): "cần mã đơn vị.",
        ("xa", "commune", "99999"): "không có đơn vị mã 99999.",
        ("x" * 65, "admin", ""): "tên đăng nhập dài quá 64 ký tự.",
        ("xa", "root", "05953"): "không có vai trò root.",
        # a slip in the role's menu would give a commune officer every unit
        ("sep", "admin", "05953"): "tài khoản quản trị không gắn với đơn vị nào",
        ("\u0430dmin", "district", "173"): "trộn lẫn chữ cái của nhiều hệ",  # Cyrillic а
    }
    for (name, role, unit), reason in refused.items():
        resp = add(name, role, unit)
        assert resp.status_code == 400 and reason in html.unescape(resp.text), (name, role, unit)
    kept = admin.get(f"{server.url}/admin/users", timeout=10).text
    for name in ("huyen", "kha-son-cu", "sep", "\u0430dmin"):
        assert f'data-account="{name}"' not in kept
    admin.get(f"{server.url}/lang/en", timeout=10)
    english = add("huyen", "district", "05953")
    assert (
        "Not created: a district account must be bound to a district or province code, not a"
        " commune." in english.text
    )
