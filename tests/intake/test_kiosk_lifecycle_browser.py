"""The kiosk page over a tablet's life, in headless Chromium against a real intake:
a clock reset while offline, storage cleared or full, a new enrolment link opened in
the same tab, a revoked or renamed kiosk, and what a citizen types into the comment.
Each of these lost ratings or showed something untrue before."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from thuocdo_shared.config import KafkaSettings
from thuocdo_shared.events import decode_response

from tests.intake.helpers import cli, enrol, intake
from tests.intake.test_kiosk_browser import (
    COMMENT,
    INTAKE_MARK,
    PRAISE,
    _accepted,
    _kiosk_page,
    _rate,
    _wait_for,
)
from tests.support.topics import read_topic

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def _posts(page: Any) -> list[dict[str, Any]]:
    """The bodies the page POSTed to /api/v1/responses, in order (filled in as it runs)."""
    bodies: list[dict[str, Any]] = []

    def on_request(req: Any) -> None:
        if req.method == "POST" and req.url.endswith("/api/v1/responses"):
            bodies.append(json.loads(req.post_data))

    page.on("request", on_request)
    return bodies


def _rated_offline_after_a_clock_reset(
    browser: Any,
    kafka_settings: KafkaSettings,
    tmp_path: Path,
    meanwhile: Callable[[Any], int] = lambda page: 0,
) -> tuple[list[dict[str, Any]], list[str], list[Any]]:
    """A kiosk allowed to send ratings dated from 30 days back (``--accepts-from``), so
    that intake cannot tell a wrong date from a late one. Its page learns intake's
    clock; the tablet then restarts offline with its clock reset ten days back, and a
    citizen rates 2; then ``meanwhile(page)`` (returns how many ratings it made).
    Back online, a citizen rates 5. Returns the bodies POSTed, the ids accepted (in
    order), and the records on the topic."""
    since = (dt.date.today() - dt.timedelta(days=30)).isoformat()
    kiosk = enrol(tmp_path, "05941", "Quầy 1", "--accepts-from", since)
    with intake(kafka_settings, tmp_path) as server:
        context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="vi-VN")
        try:
            page = context.new_page()
            page.goto(f"{server.url}/kiosk#token={kiosk['token']}")
            expect(page.locator("#screen-start")).to_be_visible()
            page.close()

            # One handler for the whole test, offline then online: the bodies are read
            # where the browser pauses each request. Page "request" events missed a POST
            # now and then (CI, stop 14) on this service-worker page when the route was
            # removed while the queue was being sent.
            network = {"offline": True}
            posts: list[dict[str, Any]] = []

            def api(route: Any) -> None:
                if route.request.method == "POST" and route.request.url.endswith("/responses"):
                    posts.append(json.loads(route.request.post_data))
                if network["offline"]:
                    route.abort("connectionrefused")
                else:
                    route.continue_()

            context.route("**/api/v1/**", api)
            page = context.new_page()
            page.clock.install(time=dt.datetime.now(dt.UTC) - dt.timedelta(days=10))
            accepted = _accepted(page)
            page.goto(f"{server.url}/kiosk")
            expect(page.locator("#screen-start")).to_be_visible()
            _rate(page, 2, "waiting_time", COMMENT)
            page.click("#send")
            expect(page.locator("#pending")).to_have_text("1 đánh giá đang chờ gửi")
            offline = 1 + meanwhile(page)

            network["offline"] = False
            _wait_for(page, offline, accepted)
            expect(page.locator("#pending")).to_be_hidden()
            assert page.evaluate("document.body.dataset.refused") is None
            # The offset was learnt again: the next rating is dated right at once.
            expect(page.locator("#screen-start")).to_be_visible(timeout=10_000)
            _rate(page, 5, "staff_attitude", PRAISE)
            page.click("#send")
            _wait_for(page, offline + 1, accepted)
        finally:
            context.close()
        expect_records = offline + 1
        records = [
            decode_response(r.value) for r in read_topic(kafka_settings, expect_records, settle=0.5)
        ]
    return posts, accepted, records


def _dated_now(records: list[Any]) -> dict[int, Any]:
    now = dt.datetime.now(dt.UTC)
    for record in records:
        assert dt.timedelta(minutes=-3) < record.submitted_at - now < dt.timedelta(seconds=5)
    return {r.overall: r for r in records}


def test_a_rating_made_while_a_reset_clock_is_in_doubt_is_dated_by_intakes_clock(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """The page sees its clock is earlier than the last date it trusted: the rating is
    dated again once intake's clock is learnt (its moment by the tablet's clock, plus
    the new offset) and sent once, unflagged. Before, it was sent dated ten days
    back and intake accepted it so, into a past period (or, dated before the
    enrolment, refused it once and took it dated by the moment it was sent again)."""
    posts, accepted, records = _rated_offline_after_a_clock_reset(browser, kafka_settings, tmp_path)
    sent = [p for p in posts if p["id"] == accepted[0]]
    assert len(sent) == 1 and sent[0]["suspect"] == []  # no refusal, no second try
    by_overall = _dated_now(records)
    assert set(by_overall) == {2, 5}
    assert by_overall[2].suspect == () and by_overall[2].comment == COMMENT
    assert by_overall[5].suspect == ()


def test_a_clock_set_right_again_before_sending_dates_the_rating_now_flagged_clock(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """The tablet's clock changed once more before intake could be reached (the
    network set it right): the rating's own moment cannot be known, so it is dated
    when it is sent and flagged "clock", as a date intake refused is."""

    def set_right(page: Any) -> int:
        page.clock.set_system_time(dt.datetime.now(dt.UTC))
        return 0

    posts, accepted, records = _rated_offline_after_a_clock_reset(
        browser, kafka_settings, tmp_path, set_right
    )
    sent = [p for p in posts if p["id"] == accepted[0]]
    assert len(sent) == 1 and sent[0]["suspect"] == ["clock"]
    by_overall = _dated_now(records)
    assert set(by_overall) == {2, 5}
    assert by_overall[2].suspect == ("clock",)
    assert by_overall[5].suspect == ()


def test_a_second_reset_while_offline_flags_only_the_ratings_made_before_it(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """The tablet restarts once more, offline, its clock reset again (a day earlier
    than it then showed), and a citizen rates 3. The offset learnt back online holds
    for that rating only: it is dated by it; the one made before the second reset is
    dated when sent and flagged "clock" (before, both were dated by that offset, the
    first one wrongly and unflagged)."""

    def reset_again(page: Any) -> int:
        shown = page.evaluate("Date.now()") / 1000
        page.clock.set_system_time(dt.datetime.fromtimestamp(shown, dt.UTC) - dt.timedelta(days=1))
        page.reload()
        expect(page.locator("#screen-start")).to_be_visible()
        _rate(page, 3, "waiting_time", COMMENT)
        page.click("#send")
        expect(page.locator("#pending")).to_have_text("2 đánh giá đang chờ gửi")
        return 1

    _posts, _accepted_ids, records = _rated_offline_after_a_clock_reset(
        browser, kafka_settings, tmp_path, reset_again
    )
    by_overall = _dated_now(records)
    assert set(by_overall) == {2, 3, 5}
    assert by_overall[2].suspect == ("clock",)
    assert by_overall[3].suspect == () and by_overall[5].suspect == ()


def test_a_date_refused_twice_goes_to_the_rejected_store(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """Sent again once only: refused a second time on its date (an answer intake gives
    only with a broken clock of its own, so played here by the browser), the rating is
    kept in the rejected store and counted, not sent a third time; a 422 on another
    field is not sent again at all."""
    kiosk = enrol(tmp_path, "05941", "Quầy 1")

    def refuse(r: Any) -> None:
        sent = json.loads(r.request.post_data)
        field = "submitted_at" if sent["overall"] == 2 else "overall"
        errors = {"errors": {field: ["Must not be more than 10 minutes in the future."]}}
        r.fulfill(
            status=422,
            content_type="application/json",
            body=json.dumps(errors),
            headers=INTAKE_MARK,
        )

    with intake(kafka_settings, tmp_path) as server:
        page = browser.new_page(viewport={"width": 1024, "height": 768}, locale="vi-VN")
        posts = _posts(page)
        page.route("**/api/v1/responses", refuse)
        try:
            page.goto(f"{server.url}/kiosk#token={kiosk['token']}")
            _rate(page, 2, "waiting_time", COMMENT)
            page.click("#send")
            expect(page.locator("body")).to_have_attribute("data-refused", "1", timeout=15_000)
            expect(page.locator("#screen-start")).to_be_visible(timeout=10_000)
            _rate(page, 4, "staff_attitude", PRAISE)
            page.click("#send")
            expect(page.locator("body")).to_have_attribute("data-refused", "2", timeout=15_000)
            page.wait_for_timeout(2_000)
            rejected = page.evaluate(
                """() => new Promise(done => { const q = indexedDB.open('thuocdo-kiosk');
                q.onsuccess = () => { const all = q.result.transaction('rejected')
                  .objectStore('rejected').getAll();
                  all.onsuccess = () => done(all.result.map(i => i.body.suspect)); }; })"""
            )
            expect(page.locator("#pending")).to_be_hidden()
        finally:
            page.close()
    assert [(p["overall"], p["suspect"]) for p in posts] == [(2, []), (2, ["clock"]), (4, [])]
    assert posts[0]["id"] == posts[1]["id"]
    assert sorted(rejected) == [[], ["clock"]]


def test_invisible_characters_intake_refuses_are_removed_from_the_comment(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """A comment pasted with a zero-width space, direction marks, an override, an
    isolate and a control character: intake refuses the whole rating (422) for any of
    them. The page removes them; tab and newline stay, and so do the zero-width
    joiners an emoji family is made of."""
    kiosk = enrol(tmp_path, "05941", "Quầy 1")
    typed = (
        "Chờ\u200b lâu\u200e quá\u202e mức\u2066 quy\u2069 định\x07\x1b."
        "\tCán bộ\u200f tận tình\n👨\u200d👩\u200d👧 cảm\u200c ơn\u202a\u202c"
    )
    expected = "Chờ lâu quá mức quy định.\tCán bộ tận tình\n👨\u200d👩\u200d👧 cảm\u200c ơn"
    with (
        intake(kafka_settings, tmp_path) as server,
        _kiosk_page(browser, server, kiosk["token"]) as (page, accepted),
    ):
        _rate(page, 2, "waiting_time", "")
        page.fill("#comment", typed)
        page.click("#send")
        _wait_for(page, 1, accepted)
        assert page.evaluate("document.body.dataset.refused") is None
        records = [decode_response(r.value) for r in read_topic(kafka_settings, 1, settle=0.5)]
    assert [(r.overall, r.comment) for r in records] == [(2, expected)]


def test_a_store_cleared_or_full_loses_no_new_rating_and_the_footer_stays_true(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """The storage is full: a rating that cannot be stored is sent directly, never shown
    as waiting. Then the browser's storage is cleared while the page is open (two
    ratings waiting): the footer no longer claims two wait, and the next rating reaches
    intake (it showed the thank-you screen and went nowhere). The page asks once for
    persistent storage, so the queue is not evicted like a cache."""
    kiosk = enrol(tmp_path, "05941", "Quầy 1")
    with intake(kafka_settings, tmp_path) as server:
        page = browser.new_page(viewport={"width": 1024, "height": 768}, locale="vi-VN")
        page.add_init_script(
            "window.__persistCalls = 0; if (navigator.storage && navigator.storage.persist) {"
            " const persist = navigator.storage.persist.bind(navigator.storage);"
            " navigator.storage.persist = () => { window.__persistCalls += 1; return persist(); };"
            " }"
        )
        accepted = _accepted(page)
        cdp = page.context.new_cdp_session(page)
        try:
            page.goto(f"{server.url}/kiosk#token={kiosk['token']}")
            expect(page.locator("#screen-start")).to_be_visible()

            # Full: a one-byte quota (set before the first write: Chromium checks it
            # once) makes the write fail with QuotaExceededError.
            cdp.send("Storage.overrideQuotaForOrigin", {"origin": server.url, "quotaSize": 1})
            page.route("**/api/v1/responses", lambda r: r.abort("connectionrefused"))
            _rate(page, 5, "staff_attitude", PRAISE)
            page.click("#send")
            expect(page.locator("#offline")).to_be_visible(timeout=10_000)
            page.wait_for_timeout(500)
            expect(page.locator("#pending")).to_be_hidden()  # held in memory, not stored
            page.unroute("**/api/v1/responses")
            _wait_for(page, 1, accepted)
            expect(page.locator("#offline")).to_be_hidden()

            # Cleared: two ratings wait, then the site's data is cleared.
            cdp.send("Storage.overrideQuotaForOrigin", {"origin": server.url})
            cdp.send("Storage.clearDataForOrigin", {"origin": server.url, "storageTypes": "all"})
            page.route("**/api/v1/responses", lambda r: r.abort("connectionrefused"))
            for score in (2, 3):
                expect(page.locator("#screen-start")).to_be_visible(timeout=10_000)
                _rate(page, score, "waiting_time", COMMENT)
                page.click("#send")
            expect(page.locator("#pending")).to_have_text("2 đánh giá đang chờ gửi")
            cdp.send("Storage.clearDataForOrigin", {"origin": server.url, "storageTypes": "all"})
            expect(page.locator("#pending")).to_be_hidden(timeout=5_000)

            page.unroute("**/api/v1/responses")
            expect(page.locator("#screen-start")).to_be_visible(timeout=10_000)
            _rate(page, 4, "staff_attitude", PRAISE)
            page.click("#send")
            _wait_for(page, 2, accepted)
            assert page.evaluate("window.__persistCalls") == 1
        finally:
            page.close()
        records = [decode_response(r.value) for r in read_topic(kafka_settings, 2, settle=0.5)]
    assert sorted(r.overall for r in records) == [4, 5]


def test_a_new_enrolment_link_opened_in_the_same_tab_enrols_at_once(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """The revoked tablet's staff opens the new enrolment link in the tab already
    showing the kiosk: only the hash changes (no reload). The page enrols with the new
    token at once: its name in the header, its ratings sent under the new kiosk."""
    old = enrol(tmp_path, "05941", "Quầy 1")
    new = enrol(tmp_path, "05941", "Quầy 1 (máy mới)")
    with (
        intake(kafka_settings, tmp_path, THUOCDO_KIOSK_CONFIG_REFRESH="2") as server,
        _kiosk_page(browser, server, old["token"]) as (page, accepted),
    ):
        expect(page.locator("#screen-start")).to_be_visible()
        assert cli(tmp_path, "kiosk", "revoke", old["id"]).returncode == 0
        expect(page.locator("#blocked-text")).to_have_attribute(
            "data-text", "revoked", timeout=15_000
        )
        page.goto(f"{server.url}/kiosk#token={new['token']}")
        expect(page.locator("#screen-start")).to_be_visible(timeout=10_000)
        assert new["token"] not in page.url
        expect(page.locator("#place")).to_have_text("Xã Điềm Thụy · Quầy 1 (máy mới)")
        _rate(page, 4, "staff_attitude", PRAISE)
        page.click("#send")
        _wait_for(page, 1, accepted)
        records = [decode_response(r.value) for r in read_topic(kafka_settings, 1, settle=0.5)]
    assert [(r.kiosk_id, r.overall) for r in records] == [(new["id"], 4)]


def test_a_rating_under_way_at_a_new_enrolment_link_counts_for_the_kiosk_it_was_made_on(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """The tablet is moved to another counter (a new enrolment link) while a citizen
    rates: their rating is sent under the kiosk it was made on, not refused as another
    kiosk's (403). If that kiosk was revoked meanwhile, it is kept in the rejected
    store (401) and the new kiosk's ratings go on."""
    first = enrol(tmp_path, "05941", "Quầy 1")
    second = enrol(tmp_path, "05941", "Quầy 2")
    third = enrol(tmp_path, "05941", "Quầy 3")
    with (
        intake(kafka_settings, tmp_path) as server,
        _kiosk_page(browser, server, first["token"]) as (page, accepted),
    ):
        _rate(page, 2, "waiting_time", "Chờ lâu")
        page.goto(f"{server.url}/kiosk#token={second['token']}")
        expect(page.locator("#place")).to_have_text("Xã Điềm Thụy · Quầy 2")
        _wait_for(page, 1, accepted)

        page.click('button.face[data-score="3"]')
        page.click('button.field[data-code="ho_tich"]')
        assert cli(tmp_path, "kiosk", "revoke", second["id"]).returncode == 0
        page.goto(f"{server.url}/kiosk#token={third['token']}")
        expect(page.locator("#place")).to_have_text("Xã Điềm Thụy · Quầy 3")
        expect(page.locator("body")).to_have_attribute("data-refused", "1", timeout=15_000)
        _rate(page, 5, "staff_attitude", PRAISE)
        page.click("#send")
        _wait_for(page, 2, accepted)
        records = [decode_response(r.value) for r in read_topic(kafka_settings, 2, settle=1.0)]
    assert [(r.kiosk_id, r.overall) for r in records] == [(first["id"], 2), (third["id"], 5)]


def test_a_revoked_tablet_tells_the_staff_what_to_do_and_shows_no_offline_banner(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """Two ratings wait while intake is unreachable (red banner); the kiosk is revoked
    meanwhile. Intake answers again, with 401: the banner goes (intake answered; it
    stayed, saying the server could not be reached), and the revoked screen names the
    kiosk, says it must be enrolled again with a new link and how many ratings are
    kept on the tablet, in Vietnamese and in English."""
    kiosk = enrol(tmp_path, "05941", "Quầy 1")
    with (
        intake(kafka_settings, tmp_path) as server,
        _kiosk_page(browser, server, kiosk["token"]) as (page, _),
    ):
        page.route("**/api/v1/responses", lambda r: r.abort("connectionrefused"))
        for score in (2, 3):
            expect(page.locator("#screen-start")).to_be_visible(timeout=10_000)
            _rate(page, score, "waiting_time", COMMENT)
            page.click("#send")
        offline = page.locator("#offline")
        expect(offline).to_be_visible()
        assert cli(tmp_path, "kiosk", "revoke", kiosk["id"]).returncode == 0
        page.unroute("**/api/v1/responses")
        blocked = page.locator("#blocked-text")
        expect(blocked).to_have_attribute("data-text", "revoked", timeout=15_000)
        expect(offline).to_be_hidden()
        expect(blocked).to_have_text(
            "Máy này không còn được phép gửi đánh giá. Xin Ông/Bà báo cho cán bộ tại quầy."
        )
        expect(page.locator("#blocked-detail")).to_have_text(
            f"Dành cho cán bộ: máy “Quầy 1” (mã {kiosk['id']}) đã bị thu hồi quyền gửi"
            " đánh giá. Để sử dụng lại, cần đăng ký lại máy bằng đường liên kết mới do"
            " quản trị viên hệ thống cấp. Trên máy còn lưu 2 đánh giá chưa gửi được."
        )
        page.click("#lang")
        expect(page.locator("#blocked-detail")).to_have_text(
            f"For staff: this tablet (“Quầy 1”, id {kiosk['id']}) has been revoked and"
            " may no longer send ratings. Enrol it again with a new enrolment link from"
            " the system operator. Ratings kept on this tablet, not sent: 2."
        )


def test_the_offline_banner_goes_once_intake_answers_whatever_it_answers(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """Two tabs of one tablet: the first cannot reach intake and shows the red banner;
    the second sends what waited. Back online, the first has nothing left to send,
    and its banner stayed for good. Then intake refuses a rating (422): an answer,
    so no banner either."""
    kiosk = enrol(tmp_path, "05941", "Quầy 1")
    with intake(kafka_settings, tmp_path) as server:
        context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="vi-VN")
        try:
            first = context.new_page()
            first.goto(f"{server.url}/kiosk#token={kiosk['token']}")
            expect(first.locator("#screen-start")).to_be_visible()
            first.route("**/api/v1/**", lambda r: r.abort("connectionrefused"))
            _rate(first, 2, "waiting_time", COMMENT)
            first.click("#send")
            expect(first.locator("#offline")).to_be_visible()

            second = context.new_page()
            accepted = _accepted(second)
            second.goto(f"{server.url}/kiosk")
            _wait_for(second, 1, accepted)
            expect(second.locator("#offline")).to_be_hidden()
            second.close()  # (it would send the first tab's next rating too)

            first.unroute("**/api/v1/**")
            expect(first.locator("#offline")).to_be_hidden(timeout=20_000)

            # A refusal is an answer too.
            first.route("**/api/v1/responses", lambda r: r.abort("connectionrefused"))
            expect(first.locator("#screen-start")).to_be_visible(timeout=10_000)
            _rate(first, 3, "waiting_time", COMMENT)
            first.click("#send")
            expect(first.locator("#offline")).to_be_visible()
            first.unroute("**/api/v1/responses")
            first.route(
                "**/api/v1/responses",
                lambda r: r.fulfill(
                    status=422,
                    content_type="application/json",
                    body='{"errors": {"x": []}}',
                    headers=INTAKE_MARK,
                ),
            )
            expect(first.locator("body")).to_have_attribute("data-refused", "1", timeout=15_000)
            expect(first.locator("#offline")).to_be_hidden()
        finally:
            context.close()


def test_a_renamed_kiosk_shows_its_new_name_without_a_reload(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """The operator renames the kiosk (`kiosk set --name`): the idle page's next
    configuration shows the new name in the header. It showed the old one until
    someone reloaded."""
    kiosk = enrol(tmp_path, "05941", "Quầy 1")
    with (
        intake(kafka_settings, tmp_path, THUOCDO_KIOSK_CONFIG_REFRESH="2") as server,
        _kiosk_page(browser, server, kiosk["token"]) as (page, _),
    ):
        expect(page.locator("#place")).to_have_text("Xã Điềm Thụy · Quầy 1")
        done = cli(tmp_path, "kiosk", "set", kiosk["id"], "--name", "Quầy Hộ tịch")
        assert done.returncode == 0, done.stderr
        expect(page.locator("#place")).to_have_text("Xã Điềm Thụy · Quầy Hộ tịch", timeout=15_000)


def test_a_long_comment_shows_what_is_left_and_says_when_it_was_cut(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """From 900 of the 1000 characters the page says how many are left (read politely
    by a screen reader once the typing pauses); a paste past the limit is cut, and the
    page says so. What is sent is what the citizen sees."""
    kiosk = enrol(tmp_path, "05941", "Quầy 1", "--field", "ho_tich")
    sentence = "Phải chờ quá lâu, đề nghị bố trí thêm ghế ngồi và nước uống. "  # 61 chars
    with (
        intake(kafka_settings, tmp_path, THUOCDO_KIOSK_IDLE_RESET="60") as server,
        _kiosk_page(browser, server, kiosk["token"]) as (page, accepted),
    ):
        page.click('button.face[data-score="2"]')
        page.click("#issues-next")
        box = page.locator("#comment")
        count = page.locator("#comment-count")
        spoken = page.locator("#comment-count-sr")
        expect(spoken).to_have_attribute("aria-live", "polite")
        box.fill(sentence * 14)  # 854
        expect(count).to_be_hidden()
        box.press("End")
        page.keyboard.insert_text(sentence[:59])  # 913
        expect(count).to_have_text("Còn 87 ký tự")
        expect(spoken).to_have_text("Còn 87 ký tự", timeout=3_000)

        page.keyboard.insert_text(sentence * 3)  # a paste of 183 more
        assert page.evaluate("document.getElementById('comment').value.length") == 1000
        cut = "Góp ý chỉ được viết tối đa 1.000 ký tự nên phần vượt quá đã bị cắt bớt."
        expect(count).to_contain_text(cut)
        expect(spoken).to_contain_text(cut)
        box.press("Backspace")
        expect(count).to_have_text("Còn 1 ký tự")
        kept = page.evaluate("document.getElementById('comment').value")
        page.click("#send")
        _wait_for(page, 1, accepted)
        records = [decode_response(r.value) for r in read_topic(kafka_settings, 1, settle=0.5)]
    assert [r.comment for r in records] == [kept.strip()]


def test_an_open_page_reloads_itself_between_citizens_when_intake_is_upgraded(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """A tablet keeps its kiosk page open for weeks: after an upgrade of intake it ran
    the old script until someone reloaded it. The configuration now names the page
    version; an open page that was served another one reloads itself, but never
    while a citizen is rating, and only once for a version (a page that still comes
    back as the old one must not reload for ever)."""
    kiosk = enrol(tmp_path, "05941", "Quầy 1")
    with intake(kafka_settings, tmp_path, THUOCDO_KIOSK_CONFIG_REFRESH="2") as server:
        page = browser.new_page(viewport={"width": 1024, "height": 768}, locale="vi-VN")
        accepted = _accepted(page)
        loads: list[str] = []
        page.on("load", lambda: loads.append(page.url))
        try:
            page.goto(f"{server.url}/kiosk#token={kiosk['token']}")
            expect(page.locator("#screen-start")).to_be_visible()
            served = page.evaluate("document.documentElement.dataset.version")
            assert served and len(served) == 12
            page.wait_for_timeout(5_000)  # refreshes of an unchanged version: no reload
            assert len(loads) == 1

            def upgraded(route: Any) -> None:  # intake as it answers after an upgrade
                answer = route.fetch()
                route.fulfill(response=answer, json={**answer.json(), "page_version": "0" * 12})

            page.click('button.face[data-score="4"]')  # a citizen is rating meanwhile
            page.route("**/api/v1/kiosk/config", upgraded)
            page.wait_for_timeout(5_000)
            assert len(loads) == 1 and page.locator("#screen-field").is_visible()
            page.click('button.field[data-code="ho_tich"]')
            page.click("#issues-next")
            page.click("#send")  # the rating is sent; the start screen comes back
            _wait_for(page, 1, accepted)
            for _ in range(150):
                if len(loads) >= 2:
                    break
                page.wait_for_timeout(100)
            assert len(loads) == 2, loads  # reloaded, between two citizens
            expect(page.locator("#screen-start")).to_be_visible(timeout=10_000)
            # The page came back as the same (old) version: it does not reload again.
            page.wait_for_timeout(6_000)
            assert len(loads) == 2, loads
        finally:
            page.unroute_all(behavior="ignoreErrors")  # a refresh may be on its way
            page.close()


def test_an_answer_from_a_wifi_login_page_keeps_the_rating_waiting(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """A Wi-Fi login page (or a proxy) answers the POST in intake's place, with a 403
    and HTML. That is no refusal of intake's: the rating waits (red banner, counted),
    and reaches Kafka once the way to intake is open. Before, it went to the rejected
    store, unseen and never sent."""
    kiosk = enrol(tmp_path, "05941", "Quầy 1")
    portal = "<html><body>Vui lòng đăng nhập Wi-Fi</body></html>"
    with (
        intake(kafka_settings, tmp_path) as server,
        _kiosk_page(browser, server, kiosk["token"]) as (page, accepted),
    ):
        expect(page.locator("#screen-start")).to_be_visible()
        page.route(
            "**/api/v1/**",
            lambda r: r.fulfill(status=403, content_type="text/html", body=portal),
        )
        _rate(page, 2, "waiting_time", COMMENT)
        with page.expect_response(lambda resp: resp.url.endswith("/api/v1/responses")):
            page.click("#send")
        expect(page.locator("#offline")).to_be_visible()
        expect(page.locator("#pending")).to_have_text("1 đánh giá đang chờ gửi")
        assert page.evaluate("document.body.dataset.refused") is None
        page.unroute("**/api/v1/**")
        _wait_for(page, 1, accepted)
        expect(page.locator("#pending")).to_be_hidden()
        records = [decode_response(r.value) for r in read_topic(kafka_settings, 1, settle=1.0)]
    assert [(r.id, r.overall, r.comment) for r in records] == [(accepted[0], 2, COMMENT)]


def test_a_tablet_refused_for_a_while_comes_back_by_itself(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """Intake refuses the tablet's token for a while (started on another data
    directory by mistake, here its answers stood in for): the citizen who rated is
    thanked, the next finds the tablet blocked. Once intake takes the token again the
    faces come back by themselves and the rating kept is sent. Before, the tablet
    stayed blocked until someone reloaded it."""
    kiosk = enrol(tmp_path, "05941", "Quầy 1")
    refused = json.dumps({"error": "Unauthorized", "message": "no", "status": 401})
    with (
        intake(kafka_settings, tmp_path, THUOCDO_KIOSK_CONFIG_REFRESH="2") as server,
        _kiosk_page(browser, server, kiosk["token"]) as (page, accepted),
    ):
        expect(page.locator("#screen-start")).to_be_visible()
        page.route(
            "**/api/v1/**",
            lambda r: r.fulfill(
                status=401, content_type="application/json", body=refused, headers=INTAKE_MARK
            ),
        )
        _rate(page, 4, "staff_attitude", PRAISE)
        page.click("#send")
        expect(page.locator("#screen-thanks")).to_be_visible()
        blocked = page.locator("#blocked-text")
        expect(blocked).to_have_attribute("data-text", "revoked", timeout=10_000)
        expect(page.locator("#screen-blocked")).to_be_visible()
        page.unroute("**/api/v1/**")
        expect(page.locator("#screen-start")).to_be_visible(timeout=15_000)
        _wait_for(page, 1, accepted)
        records = [decode_response(r.value) for r in read_topic(kafka_settings, 1, settle=1.0)]
    assert [(r.id, r.overall, r.comment) for r in records] == [(accepted[0], 4, PRAISE)]


def test_a_link_cut_short_says_so_not_revoked(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """An enrolment link cut in a chat message gave a token intake never made: the
    tablet said it had been revoked, and the clerk escalated. It now says the link is
    incomplete, without asking intake; the whole link then enrols it."""
    kiosk = enrol(tmp_path, "05941", "Quầy 1")
    with intake(kafka_settings, tmp_path) as server:
        page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="vi-VN")
        asked: list[str] = []
        page.on("request", lambda r: asked.append(r.url) if "/api/v1/" in r.url else None)
        try:
            page.goto(f"{server.url}/kiosk#token={kiosk['token'][:30]}")
            blocked = page.locator("#blocked-text")
            expect(blocked).to_have_attribute("data-text", "bad_link")
            expect(blocked).to_have_text(
                "Máy này chưa được đăng ký đúng. Xin Ông/Bà báo cho cán bộ tại quầy."
            )
            expect(page.locator("#blocked-detail")).to_have_text(
                "Dành cho cán bộ: đường liên kết đăng ký vừa mở không đầy đủ (có thể đã bị"
                " cắt khi gửi qua tin nhắn). Xin mở lại đường liên kết đầy đủ do quản trị"
                " viên hệ thống cung cấp."
            )
            assert "token" not in page.url and asked == []
            page.goto(f"{server.url}/kiosk#token={kiosk['token']}")
            expect(page.locator("#screen-start")).to_be_visible()
        finally:
            page.close()


def test_a_comment_in_decomposed_letters_is_counted_as_intake_counts_it(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """A keyboard set to "Unicode tổ hợp" writes "ệ" as e and two marks: the page
    counted each mark against the 1000 characters (a 900-letter comment was cut to
    about 730 letters) while intake counts letters. Each letter now counts once, and
    the text is left as typed (an input tool that edits its own text with backspaces
    counts on it): "hệ" typed that way stays "hệ"."""
    kiosk = enrol(tmp_path, "05941", "Quầy 1", "--field", "ho_tich")
    start = "Phải chờ quá lâu, đề nghị bố trí thêm ghế ngồi và nước uống. " * 16  # 976
    with (
        intake(kafka_settings, tmp_path, THUOCDO_KIOSK_IDLE_RESET="60") as server,
        _kiosk_page(browser, server, kiosk["token"]) as (page, accepted),
    ):
        page.click('button.face[data-score="2"]')
        page.click("#issues-next")
        box = page.locator("#comment")
        box.fill(start)
        box.press("End")
        # As Unikey sends it: h, e, then over "e" (one backspace) e + circumflex, then
        # over those (two backspaces) e + circumflex + dot below.
        for key in ("h", "e"):
            page.keyboard.type(key)
        page.keyboard.press("Backspace")
        page.keyboard.type("e\u0302")
        page.keyboard.press("Backspace")
        page.keyboard.press("Backspace")
        page.keyboard.type("e\u0302\u0323")
        value = page.evaluate("document.getElementById('comment').value")
        assert unicodedata.normalize("NFC", value) == start + "hệ"
        # Decomposed marks to the limit: 22 more letters fit, each with its marks.
        page.keyboard.type(unicodedata.normalize("NFD", " Cán bộ hướng dẫn tận tình")[:40])
        value = unicodedata.normalize(
            "NFC", page.evaluate("document.getElementById('comment').value")
        )
        assert len(value) == 1000, len(value)
        expect(page.locator("#comment-count")).to_have_text("Còn 0 ký tự")
        page.click("#send")
        _wait_for(page, 1, accepted)
        records = [decode_response(r.value) for r in read_topic(kafka_settings, 1, settle=0.5)]
    assert [r.comment for r in records] == [value.strip()]


def test_a_rating_refused_in_between_does_not_hold_the_others(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """Something between tablet and intake refuses one rating for good (a proxy's 413
    on its comment, not marked as intake's): before, it stopped the queue, and every
    rating after it waited behind it with the red banner up. The others now go on;
    after a few tries the one refused is kept in the rejected store."""
    kiosk = enrol(tmp_path, "05941", "Quầy 1")
    proxy = "<html><body>413 Request Entity Too Large</body></html>"

    def in_between(route: Any) -> None:
        if "CHẶN" in (route.request.post_data or ""):
            route.fulfill(status=413, content_type="text/html", body=proxy)
        else:
            route.continue_()

    with (
        intake(kafka_settings, tmp_path) as server,
        _kiosk_page(browser, server, kiosk["token"]) as (page, accepted),
    ):
        page.route("**/api/v1/responses", in_between)
        expect(page.locator("#screen-start")).to_be_visible()
        posts = _posts(page)
        _rate(page, 2, "waiting_time", "CHẶN ở giữa đường")
        page.click("#send")
        expect(page.locator("#screen-start")).to_be_visible(timeout=10_000)
        _rate(page, 4, "staff_attitude", PRAISE)
        page.click("#send")
        _wait_for(page, 1, accepted)  # the second, past the first
        expect(page.locator("body")).to_have_attribute("data-refused", "1", timeout=30_000)
        expect(page.locator("#pending")).to_be_hidden()
        expect(page.locator("#offline")).to_be_hidden()
        blocked = [p for p in posts if "CHẶN" in (p.get("comment") or "")]
        assert len(blocked) == 5, len(blocked)  # tried five times, then kept aside
        records = [decode_response(r.value) for r in read_topic(kafka_settings, 1, settle=1.0)]
    assert [(r.overall, r.comment) for r in records] == [(4, PRAISE)]


def test_a_refusal_of_a_queued_rating_does_not_take_the_screen_from_a_citizen(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """A rating queued offline is refused (401) when the way is open again, while the
    next citizen is answering: the blocked screen took their screen mid-rating. They
    now finish and are thanked; the tablet is blocked after."""
    kiosk = enrol(tmp_path, "05941", "Quầy 1")
    refused = json.dumps({"error": "Unauthorized", "message": "no", "status": 401})
    with (
        intake(kafka_settings, tmp_path) as server,
        _kiosk_page(browser, server, kiosk["token"]) as (page, _),
    ):
        expect(page.locator("#screen-start")).to_be_visible()
        page.route("**/api/v1/responses", lambda r: r.abort("connectionrefused"))
        _rate(page, 2, "waiting_time", COMMENT)
        page.click("#send")
        expect(page.locator("#screen-start")).to_be_visible(timeout=10_000)
        page.click('button.face[data-score="5"]')  # the next citizen
        expect(page.locator("#screen-field")).to_be_visible()
        page.unroute("**/api/v1/responses")
        with page.expect_response(
            lambda resp: resp.url.endswith("/api/v1/responses") and resp.status == 401,
            timeout=15_000,
        ):
            page.route(
                "**/api/v1/**",
                lambda r: r.fulfill(
                    status=401, content_type="application/json", body=refused, headers=INTAKE_MARK
                ),
            )
        page.wait_for_timeout(300)
        expect(page.locator("#screen-field")).to_be_visible()  # still theirs
        page.click('button.field[data-code="ho_tich"]')
        page.click("#issues-next")
        page.click("#send")
        expect(page.locator("#screen-thanks")).to_be_visible()
        expect(page.locator("#blocked-text")).to_have_attribute(
            "data-text", "revoked", timeout=10_000
        )


def test_back_from_the_questionnaire_forgets_its_unrated_note(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """ "Tiếp tục" with nothing rated says how many criteria are left; "Quay lại" to
    the field question and a field again showed the first section with that note
    still there, and one tap on "Tiếp tục" skipped the section (helper-62)."""
    kiosk = enrol(tmp_path, "05953", "Quầy SIPAS", "--mode", "sipas")
    with (
        intake(kafka_settings, tmp_path, THUOCDO_KIOSK_IDLE_RESET="60") as server,
        _kiosk_page(browser, server, kiosk["token"], 800, 1280) as (page, _),
    ):
        page.click('button.face[data-score="3"]')
        page.click('button.field[data-code="ho_tich"]')
        first = page.locator("#sipas-q").inner_text()
        page.wait_for_timeout(400)
        page.click("#sipas-next")
        note = page.locator("#sipas-missing")
        expect(note).to_contain_text("tiêu chí chưa được đánh giá")
        page.click("#screen-sipas button.back")
        expect(page.locator("#screen-field")).to_be_visible()
        page.click('button.field[data-code="dat_dai"]')
        expect(page.locator("#sipas-q")).to_have_text(first)
        expect(note).to_have_text("")
        page.wait_for_timeout(400)
        page.click("#sipas-next")  # says what is left again, and stays
        expect(note).to_contain_text("tiêu chí chưa được đánh giá")
        expect(page.locator("#sipas-q")).to_have_text(first)


def test_an_emoji_counts_as_one_letter_of_the_comment(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """Intake takes 1000 letters (code points); the box counted UTF-16 units, so a
    comment with emoji stopped at about half (506 letters, "Còn 1 ký tự")."""
    kiosk = enrol(tmp_path, "05941", "Quầy 1", "--field", "ho_tich")
    with (
        intake(kafka_settings, tmp_path, THUOCDO_KIOSK_IDLE_RESET="60") as server,
        _kiosk_page(browser, server, kiosk["token"]) as (page, accepted),
    ):
        page.click('button.face[data-score="5"]')
        page.click("#issues-next")
        text = "Tuyệt vời " + "😀" * 900  # 910 letters, 1810 UTF-16 units
        page.locator("#comment").fill(text)
        expect(page.locator("#comment-count")).to_have_text("Còn 90 ký tự")
        page.locator("#comment").press("End")
        page.keyboard.insert_text("😀" * 200)  # 110 past the limit: cut, and said
        value = page.evaluate("document.getElementById('comment').value")
        assert len(value) == 1000 and value == text + "😀" * 90
        expect(page.locator("#comment-count")).to_contain_text("tối đa 1.000 ký tự")
        # Full: words typed in the middle do not push the end of the text out.
        page.evaluate("document.getElementById('comment').setSelectionRange(10, 10)")
        page.keyboard.insert_text("rất 👍 ")
        assert page.evaluate("document.getElementById('comment').value") == value
        page.click("#send")
        _wait_for(page, 1, accepted)
    records = [decode_response(r.value) for r in read_topic(kafka_settings, 1, settle=0.5)]
    assert [r.comment for r in records] == [value]
