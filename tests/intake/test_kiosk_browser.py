"""The kiosk page in headless Chromium: a citizen taps a face, picks an issue, types
a Vietnamese comment, and the response reaches Kafka; with intake down the page
keeps it and delivers it once intake is back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from thuocdo_shared.config import KafkaSettings
from thuocdo_shared.events import decode_response

from tests.intake.helpers import cli, enrol, intake
from tests.support.kafka_local import free_port
from tests.support.topics import read_topic

pytestmark = [pytest.mark.browser, pytest.mark.integration]

COMMENT = "Chờ đợi hơi lâu, cán bộ hướng dẫn chưa rõ ràng về giấy tờ cần nộp."
PRAISE = "Cán bộ tiếp đón chu đáo, thủ tục nhanh gọn."
# Intake's answers carry it; a test standing in for intake's answer does too.
INTAKE_MARK = {"Thuocdo-Service": "intake"}


def _rate(page: Any, score: int, issue: str, comment: str) -> None:
    page.click(f'button.face[data-score="{score}"]')
    page.click('button.field[data-code="ho_tich"]')
    page.click(f'button.issue[data-code="{issue}"]')
    expect(page.locator(f'button.issue[data-code="{issue}"]')).to_have_attribute(
        "aria-pressed", "true"
    )
    page.click("#issues-next")
    page.locator("#comment").press_sequentially(comment)


def _accepted(page: Any) -> list[str]:
    """The ids intake answered 202 for, filled in while the page runs. The page shows
    its thank-you screen before it sends, so a test waits on this before closing it."""
    ids: list[str] = []

    def on_response(resp: Any) -> None:
        if resp.url.endswith("/api/v1/responses") and resp.status == 202:
            ids.append(json.loads(resp.request.post_data)["id"])

    page.on("response", on_response)
    return ids


@contextmanager
def _kiosk_page(
    browser: Any, server: Any, token: str, width: int = 1024, height: int = 768
) -> Iterator[tuple[Any, list[str]]]:
    """A kiosk page opened with its enrolment link (closed after), and the ids intake
    answered 202 for (see :func:`_accepted`)."""
    page = browser.new_page(viewport={"width": width, "height": height}, locale="vi-VN")
    accepted = _accepted(page)
    try:
        page.goto(f"{server.url}/kiosk#token={token}")
        yield page, accepted
    finally:
        page.close()


def _wait_for(page: Any, count: int, ids: list[str], timeout_ms: int = 30_000) -> None:
    for _ in range(timeout_ms // 100):
        if len(ids) >= count:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"intake accepted {len(ids)} responses, expected {count}")


def test_kiosk_flow_online_then_offline(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path, output_dir: Path
) -> None:
    kiosk = enrol(tmp_path, "05941", "Quầy 1")
    port = free_port()
    # A long minimum interval, so the second rating (a minute later at most) is
    # flagged rapid_taps; a long idle time, so nothing resets while the test types.
    env = {"THUOCDO_KIOSK_MIN_TAP_MS": "120000", "THUOCDO_KIOSK_IDLE_RESET": "60"}
    server = intake(kafka_settings, tmp_path, port=port, **env).start()
    with _kiosk_page(browser, server, kiosk["token"], 1280, 900) as (page, _):
        expect(page.locator("#screen-start")).to_be_visible()
        assert kiosk["token"] not in page.url  # the enrolment link is cleaned at once
        expect(page.locator("#place")).to_have_text("Xã Điềm Thụy · Quầy 1")
        faces = page.locator("button.face")
        expect(faces).to_have_count(5)
        labels = [faces.nth(i).get_attribute("aria-label") for i in range(5)]
        assert labels == [
            "Rất không hài lòng",
            "Không hài lòng",
            "Bình thường",
            "Hài lòng",
            "Rất hài lòng",
        ]
        for i in range(5):
            box = faces.nth(i).bounding_box()
            assert box is not None and box["width"] >= 96 and box["height"] >= 96
            assert faces.nth(i).locator("svg").count() == 1
        page.screenshot(path=str(output_dir / "kiosk-start.png"), full_page=True)
        # The service worker has cached the page for offline restarts.
        assert page.evaluate("navigator.serviceWorker.ready.then(() => true)") is True

        _rate(page, 2, "waiting_time", COMMENT)
        expect(page.locator("#issues-q")).to_be_hidden()
        page.screenshot(path=str(output_dir / "kiosk-comment.png"), full_page=True)
        page.click("#send")
        expect(page.locator("#screen-thanks")).to_be_visible()
        expect(page.locator(".thanks")).to_have_text("Cảm ơn Ông/Bà đã đánh giá!")
        page.screenshot(path=str(output_dir / "kiosk-thanks.png"), full_page=True)

        first = [decode_response(r.value) for r in read_topic(kafka_settings, 1, settle=0.5)]
        assert len(first) == 1
        assert (first[0].overall, first[0].field, first[0].issues) == (
            2,
            "ho_tich",
            ("waiting_time",),
        )
        assert first[0].comment == COMMENT
        assert first[0].commune_code == "05941" and first[0].kiosk_id == kiosk["id"]
        assert first[0].suspect == ()

        # Intake goes away; the thank-you screen resets by itself to the faces.
        server.stop()
        expect(page.locator("#screen-start")).to_be_visible(timeout=10_000)
        page.click('button.face[data-score="5"]')
        page.click('button.field[data-code="ho_tich"]')
        expect(page.locator("#issues-q")).to_have_text("Ông/Bà hài lòng về điều gì?")
        page.click('button.issue[data-code="staff_attitude"]')
        page.click("#issues-next")
        page.locator("#comment").press_sequentially(PRAISE)
        page.click("#send")
        expect(page.locator("#pending")).to_have_text("1 đánh giá đang chờ gửi")
        expect(page.locator("#offline")).to_be_visible()
        # said to a screen reader too, not only shown in red
        expect(page.get_by_role("status").filter(has_text="Tạm thời mất kết nối")).to_be_visible()
        page.screenshot(path=str(output_dir / "kiosk-offline.png"), full_page=True)
        # The tablet restarts the page while intake is still down: it comes back from
        # the service worker's cache, with the response still waiting.
        page.reload()
        expect(page.locator("#screen-start")).to_be_visible()
        expect(page.locator("#pending")).to_have_text("1 đánh giá đang chờ gửi")

        server = intake(kafka_settings, tmp_path, port=port, **env).start()
        expect(page.locator("#pending")).to_be_hidden(timeout=30_000)
        expect(page.locator("#offline")).to_be_hidden()
        # Read while intake still runs (a "queued" answer may still be in its spool).
        both = [decode_response(r.value) for r in read_topic(kafka_settings, 2, settle=2.0)]
        server.stop()

    assert len(both) == 2
    second = next(r for r in both if r.overall == 5)
    assert second.issues == ("staff_attitude",) and second.comment == PRAISE
    assert second.suspect == ("rapid_taps",)


def test_kiosk_full_sipas_mode_with_fixed_field(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path, output_dir: Path
) -> None:
    kiosk = enrol(tmp_path, "05953", "Quầy Hộ tịch", "--mode", "sipas", "--field", "ho_tich")
    with intake(kafka_settings, tmp_path) as server:
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="vi-VN")
        accepted = _accepted(page)
        try:
            page.goto(f"{server.url}/kiosk?token={kiosk['token']}")
            expect(page.locator("#screen-start")).to_be_visible()
            assert "token" not in page.url
            page.click('button.face[data-score="4"]')
            # The field is fixed: straight to the SIPAS criteria, one dimension a screen.
            rated = 0
            for part in range(1, 6):
                expect(page.locator("#screen-sipas")).to_be_visible()
                # "Phần 2/5" seen; "Phần 2 trong 5 phần" heard ("2/5" may be read
                # as a date by a Vietnamese voice)
                expect(page.locator("#sipas-step [aria-hidden=true]")).to_have_text(
                    f"Phần {part}/5"
                )
                expect(page.locator("#sipas-step .visually-hidden")).to_have_text(
                    f"Phần {part} trong 5 phần"
                )
                groups = page.locator("#sipas-list .scores")
                for i in range(groups.count()):
                    score = 3 + (rated % 3)  # 3, 4, 5, 3, ...
                    groups.nth(i).locator(f'button.score[data-score="{score}"]').click()
                    rated += 1
                if rated == 4:
                    page.screenshot(path=str(output_dir / "kiosk-sipas.png"), full_page=True)
                page.click("#sipas-next")
            assert rated == 19
            expect(page.locator("#issues-q")).to_have_text("Ông/Bà hài lòng về điều gì?")
            page.click("#issues-next")
            page.click("#send")
            expect(page.locator("#screen-thanks")).to_be_visible()
            _wait_for(page, 1, accepted)
        finally:
            page.close()
        records = [decode_response(r.value) for r in read_topic(kafka_settings, 1, settle=0.5)]
    assert len(records) == 1
    sent = records[0]
    assert (sent.commune_code, sent.field, sent.overall) == ("05953", "ho_tich", 4)
    assert len(sent.criteria) == 19 and set(sent.criteria.values()) == {3, 4, 5}
    assert sent.issues == () and sent.comment is None


def test_idle_rating_is_sent_and_identical_burst_is_flagged(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    kiosk = enrol(tmp_path, "05941", "Quầy Chứng thực", "--field", "chung_thuc")
    env = {"THUOCDO_KIOSK_IDLE_RESET": "2", "THUOCDO_KIOSK_BURST_COUNT": "2"}
    with intake(kafka_settings, tmp_path, **env) as server:
        with _kiosk_page(browser, server, kiosk["token"], 1024, 768) as (page, accepted):
            # A citizen taps a face and walks away: the rating is sent by itself.
            page.click('button.face[data-score="3"]')
            expect(page.locator("#issues-q")).to_have_text("Ông/Bà chưa hài lòng về điều gì?")
            expect(page.locator("#screen-thanks")).to_be_visible(timeout=15_000)
            _wait_for(page, 1, accepted)
            expect(page.locator("#screen-start")).to_be_visible(timeout=15_000)
            # The same rating again within the window, left the same way: flagged, not
            # dropped. (Clicking through would race the 2 s idle timer on a slow machine.)
            page.click('button.face[data-score="3"]')
            _wait_for(page, 2, accepted)
            # Someone switches to English on the start screen and leaves without rating:
            # after the idle time the page is Vietnamese again for the next citizen.
            expect(page.locator("#screen-start")).to_be_visible(timeout=15_000)
            page.click("#lang")
            expect(page.locator("html")).to_have_attribute("lang", "en")
            expect(page).to_have_title("Satisfaction survey")  # the tab's name too
            expect(page.locator("html")).to_have_attribute("lang", "vi", timeout=10_000)
            expect(page.locator("#screen-start")).to_be_visible()
            expect(page).to_have_title("Đánh giá mức độ hài lòng")
        records = [decode_response(r.value) for r in read_topic(kafka_settings, 2, settle=0.5)]
    assert [(r.overall, r.field) for r in records] == [(3, "chung_thuc")] * 2
    assert sorted(r.suspect for r in records) == [(), ("identical_burst",)]


def test_a_rating_left_at_the_field_question_says_field_not_given(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """A citizen taps a face and walks away at "which field?": the rating is sent with
    the field "chua_chon" (not "other fields", which it would inflate), a field the
    kiosk never offers as a choice. "Bỏ qua" on that question gives the same."""
    kiosk = enrol(tmp_path, "05941", "Quầy 1")
    with intake(kafka_settings, tmp_path, THUOCDO_KIOSK_IDLE_RESET="2") as server:
        with _kiosk_page(browser, server, kiosk["token"], 1024, 768) as (page, accepted):
            page.click('button.face[data-score="2"]')
            expect(page.locator("#screen-field")).to_be_visible()
            codes = page.locator("button.field").evaluate_all("bs => bs.map(b => b.dataset.code)")
            assert "khac" in codes and "chua_chon" not in codes
            _wait_for(page, 1, accepted)
            # Someone unsure of the field skips it rather than guess "Lĩnh vực khác".
            expect(page.locator("#screen-start")).to_be_visible(timeout=15_000)
            page.click('button.face[data-score="4"]')
            page.click("#field-skip")
            expect(page.locator("#screen-issues")).to_be_visible()
            _wait_for(page, 2, accepted)  # (left there: sent after the idle time)
        records = [decode_response(r.value) for r in read_topic(kafka_settings, 2, settle=0.5)]
    assert [(r.overall, r.field) for r in records] == [(2, "chua_chon"), (4, "chua_chon")]


def test_a_rating_under_way_outlives_a_page_reload(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """The tablet's browser reloads the page while a citizen rates. Right after, the
    citizen is still there: the page goes on at the same question with what they
    answered and typed, and the rating is sent once, when they finish. Reloaded after
    the question's idle time, it is sent as it stood. A rating taken back with "Quay
    lại" to the faces is not sent, and its comment is not left for the next citizen."""
    kiosk = enrol(tmp_path, "05941", "Quầy 1")
    typed, more = "Chờ lâu quá, cán bộ", " hướng dẫn chưa rõ."
    draft = "localStorage.getItem('thuocdo.kiosk.draft')"
    with intake(kafka_settings, tmp_path) as server:
        with _kiosk_page(browser, server, kiosk["token"], 1024, 768) as (page, accepted):
            _rate(page, 5, "waiting_time", "Nhầm")
            for screen in ("comment", "issues", "field"):
                page.click(f"#screen-{screen} button.back")
            page.click('button.face[data-score="3"]')
            page.click('button.field[data-code="ho_tich"]')
            page.click("#issues-next")
            expect(page.locator("#comment")).to_have_value("")
            for screen in ("comment", "issues", "field"):
                page.click(f"#screen-{screen} button.back")
            expect(page.locator("#screen-start")).to_be_visible()
            page.reload()

            _rate(page, 2, "waiting_time", typed)
            page.reload()
            expect(page.locator("#screen-comment")).to_be_visible()
            expect(page.locator("#comment")).to_have_value(typed)
            page.click("#screen-comment button.back")  # the issues are there again
            expect(page.locator("#issues-q")).to_have_text("Ông/Bà chưa hài lòng về điều gì?")
            expect(page.locator('button.issue[data-code="waiting_time"]')).to_have_attribute(
                "aria-pressed", "true"
            )
            page.click("#issues-next")
            page.locator("#comment").press_sequentially(more)
            page.click("#send")
            _wait_for(page, 1, accepted)

            expect(page.locator("#screen-start")).to_be_visible(timeout=15_000)
            page.click('button.face[data-score="4"]')
            page.click('button.field[data-code="dat_dai"]')
            expect(page.locator("#screen-issues")).to_be_visible()
            page.evaluate(
                "(() => { const d = JSON.parse(" + draft + "); d.resume.at -= 3600e3;"
                " localStorage.setItem('thuocdo.kiosk.draft', JSON.stringify(d)); })()"
            )
            page.reload()
            expect(page.locator("#screen-start")).to_be_visible()
            _wait_for(page, 2, accepted)
            expect(page.locator("#pending")).to_be_hidden()
            assert page.evaluate(draft) is None
            page.reload()  # nothing is left to send again
            expect(page.locator("#screen-start")).to_be_visible()
            page.wait_for_timeout(1000)
        records = [decode_response(r.value) for r in read_topic(kafka_settings, 2, settle=2.0)]
    assert len(accepted) == 2
    assert [(r.id, r.overall, r.field, r.issues, r.comment) for r in records] == [
        (accepted[0], 2, "ho_tich", ("waiting_time",), typed + more),
        (accepted[1], 4, "dat_dai", (), None),
    ]


def test_a_citizen_still_reading_keeps_the_rating_over_a_reload(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """A citizen reads the issues for longer than the idle time, touching the screen
    now and then (so nothing is sent): a reload then goes on with their rating."""
    kiosk = enrol(tmp_path, "05941", "Quầy 1", "--field", "ho_tich")
    with intake(kafka_settings, tmp_path, THUOCDO_KIOSK_IDLE_RESET="3") as server:
        with _kiosk_page(browser, server, kiosk["token"], 1024, 768) as (page, accepted):
            page.click('button.face[data-score="2"]')
            box = page.locator("#issues-q").bounding_box()
            for _ in range(5):  # 4 s in all, a touch every 0.8 s
                page.wait_for_timeout(800)
                page.mouse.click(box["x"] + 5, box["y"] + box["height"] / 2)
            expect(page.locator("#screen-issues")).to_be_visible()
            page.reload()
            expect(page.locator("#screen-issues")).to_be_visible()
            page.click('button.issue[data-code="waiting_time"]')
            page.click("#issues-next")
            page.click("#send")
            _wait_for(page, 1, accepted)
        records = [decode_response(r.value) for r in read_topic(kafka_settings, 1, settle=1.0)]
    assert [(r.overall, r.issues) for r in records] == [(2, ("waiting_time",))]


def test_a_face_taken_back_is_no_rapid_tap_and_no_burst(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """A citizen taps a face, goes back ("Quay lại") and taps another, or the same one
    again (the page reloaded meanwhile): the tap taken back does not make the rating
    suspect. The next citizen's same rating moments later still is."""
    kiosk = enrol(tmp_path, "05941", "Quầy 1", "--field", "ho_tich")
    env = {"THUOCDO_KIOSK_MIN_TAP_MS": "60000", "THUOCDO_KIOSK_BURST_COUNT": "2"}
    with intake(kafka_settings, tmp_path, **env) as server:
        with _kiosk_page(browser, server, kiosk["token"], 1024, 768) as (page, accepted):
            for score in (1, 4):
                page.click(f'button.face[data-score="{score}"]')
                if score == 4:
                    page.reload()  # the rating goes on after the reload, its tap with it
                    expect(page.locator("#screen-issues")).to_be_visible()
                page.click("#screen-issues button.back")
                expect(page.locator("#screen-start")).to_be_visible()
            page.click('button.face[data-score="4"]')
            page.click("#issues-next")
            page.click("#send")
            _wait_for(page, 1, accepted)
            expect(page.locator("#screen-start")).to_be_visible(timeout=15_000)
            page.click('button.face[data-score="4"]')
            page.click("#issues-next")
            page.click("#send")
            _wait_for(page, 2, accepted)
        records = [decode_response(r.value) for r in read_topic(kafka_settings, 2, settle=1.0)]
    assert [(r.overall, r.suspect) for r in records] == [
        (4, ()),
        (4, ("rapid_taps", "identical_burst")),
    ]


def test_each_question_starts_at_the_top_on_a_phone(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """On a phone the field list scrolls; the field chosen at its end must not leave
    the next question above the view."""
    kiosk = enrol(tmp_path, "05941", "Quầy 1")
    with (
        intake(kafka_settings, tmp_path) as server,
        _kiosk_page(browser, server, kiosk["token"], 390, 844) as (page, _accepted),
    ):
        page.click('button.face[data-score="2"]')
        last = page.locator("button.field").last
        last.scroll_into_view_if_needed()
        assert page.evaluate("window.scrollY") > 0
        last.click()
        expect(page.locator("#screen-issues")).to_be_visible()
        assert page.evaluate("window.scrollY") == 0
        assert page.locator("#issues-q").bounding_box()["y"] >= 0


def test_a_refused_response_never_blocks_the_queue(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """A 408 is retried like a network failure; any other 4xx (here a 422) drops the
    item from the queue (kept for audit, logged, counted) and the next one is sent."""
    kiosk = enrol(tmp_path, "05941", "Quầy 1")
    answer = {"mode": "timeout"}
    seen: list[str] = []

    def route(r: Any) -> None:
        sent_id = json.loads(r.request.post_data)["id"]
        seen.append(sent_id)
        if answer["mode"] == "timeout":
            r.fulfill(status=408, body="Request Timeout", headers=INTAKE_MARK)
        elif sent_id == seen[0]:
            r.fulfill(
                status=422,
                content_type="application/json",
                body='{"errors": {}}',
                headers=INTAKE_MARK,
            )
        else:
            r.continue_()

    with intake(kafka_settings, tmp_path) as server:
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="vi-VN")
        warnings: list[str] = []
        page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
        page.route("**/api/v1/responses", route)
        try:
            page.goto(f"{server.url}/kiosk#token={kiosk['token']}")
            _rate(page, 2, "waiting_time", COMMENT)
            page.click("#send")
            expect(page.locator("#pending")).to_have_text("1 đánh giá đang chờ gửi")
            # Retried (408 is a timeout), not dropped.
            for _ in range(100):
                if len(seen) >= 2:
                    break
                page.wait_for_timeout(100)
            assert len(seen) >= 2 and set(seen) == {seen[0]}
            expect(page.locator("#pending")).to_have_attribute("data-count", "1")
            assert page.evaluate("document.body.dataset.refused") is None

            answer["mode"] = "refuse_first"
            expect(page.locator("#screen-start")).to_be_visible(timeout=10_000)
            _rate(page, 5, "staff_attitude", PRAISE)
            # Wait for intake's 202 itself: when the first item was refused before this
            # click, #pending is already hidden and would not show that this one went.
            with page.expect_response(
                lambda resp: resp.url.endswith("/api/v1/responses") and resp.status == 202,
                timeout=30_000,
            ):
                page.click("#send")
            expect(page.locator("#pending")).to_be_hidden(timeout=15_000)
            assert page.evaluate("document.body.dataset.refused") == "1"
            assert any(seen[0] in w and "422" in w for w in warnings)
        finally:
            page.close()
        # Read while intake still runs: on a slow machine the response may have been
        # answered "queued" and still be on its way from the spool.
        records = [decode_response(r.value) for r in read_topic(kafka_settings, 1, settle=1.0)]
    assert [r.overall for r in records] == [5]


def test_a_revoked_tablet_says_so_and_keeps_what_it_could_not_send(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """Revoked while in use: the next rating is refused (401), the tablet tells the
    citizen to see the staff, and the rating it holds is said to be kept on the
    tablet (it can never be sent), not "waiting to be sent"."""
    kiosk = enrol(tmp_path, "05941", "Quầy 1")
    with (
        intake(kafka_settings, tmp_path) as server,
        _kiosk_page(browser, server, kiosk["token"], 1280, 900) as (page, _),
    ):
        expect(page.locator("#screen-start")).to_be_visible()
        done = cli(tmp_path, "kiosk", "revoke", kiosk["id"])
        assert done.returncode == 0, done.stderr
        _rate(page, 2, "waiting_time", COMMENT)
        with page.expect_response(
            lambda resp: resp.url.endswith("/api/v1/responses") and resp.status == 401
        ):
            page.click("#send")
        # The citizen who rated is thanked; the next one finds the tablet blocked.
        expect(page.locator("#screen-thanks")).to_be_visible()
        blocked = page.locator("#blocked-text")
        expect(blocked).to_have_attribute("data-text", "revoked", timeout=10_000)
        expect(blocked).to_have_text(
            "Máy này không còn được phép gửi đánh giá. Xin Ông/Bà báo cho cán bộ tại quầy."
        )
        expect(page.locator("#pending")).to_have_text(
            "1 đánh giá không gửi được, vẫn được lưu trên máy này để đối chiếu"
        )


def test_an_idle_revoked_tablet_says_so_before_anyone_rates(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """The start screen asks for its configuration again every few seconds: revoked
    meanwhile, the tablet blocks before a citizen spends time on a rating it could
    never send."""
    kiosk = enrol(tmp_path, "05941", "Quầy 1")
    with intake(kafka_settings, tmp_path, THUOCDO_KIOSK_CONFIG_REFRESH="2") as server:
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="vi-VN")
        posts: list[str] = []
        page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
        try:
            page.goto(f"{server.url}/kiosk#token={kiosk['token']}")
            expect(page.locator("#screen-start")).to_be_visible()
            done = cli(tmp_path, "kiosk", "revoke", kiosk["id"])
            assert done.returncode == 0, done.stderr
            blocked = page.locator("#blocked-text")
            expect(blocked).to_have_attribute("data-text", "revoked", timeout=15_000)
            expect(page.locator("#screen-start")).to_be_hidden()
            assert posts == []  # nothing was rated or sent
        finally:
            page.close()


def test_first_start_without_intake_says_so_and_retries(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """A tablet that cannot fetch its configuration and has no copy of it yet tells
    the citizen it is waiting for the server (not that it is unenrolled), shows no
    "saved on this tablet" banner (nothing is), and starts by itself once intake
    answers."""
    kiosk = enrol(tmp_path, "05941", "Quầy 1")
    config_calls: list[str] = []

    def unreachable(r: Any) -> None:
        config_calls.append(r.request.url)
        r.abort("connectionrefused")

    with intake(kafka_settings, tmp_path) as server:
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="vi-VN")
        page.route("**/api/v1/kiosk/config", unreachable)
        try:
            page.goto(f"{server.url}/kiosk#token={kiosk['token']}")
            blocked = page.locator("#blocked-text")
            expect(blocked).to_have_attribute("data-text", "no_connection")
            expect(blocked).to_have_text(
                "Tạm thời chưa kết nối được. Máy sẽ tự thử lại, xin Ông/Bà chờ trong giây lát."
            )
            expect(page.locator("#offline")).to_be_hidden()
            # It tries again by itself...
            for _ in range(150):
                if len(config_calls) >= 2:
                    break
                page.wait_for_timeout(100)
            assert len(config_calls) >= 2
            # ...and once intake answers, the citizen sees the faces.
            page.unroute("**/api/v1/kiosk/config")
            expect(page.locator("#screen-start")).to_be_visible(timeout=15_000)
            expect(page.locator("#screen-blocked")).to_be_hidden()
        finally:
            page.close()


def test_next_citizen_starts_in_vietnamese_and_a_phone_shows_every_face(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path, output_dir: Path
) -> None:
    """After a citizen rated in English, the page the next one sees is Vietnamese
    again; upright on a 390 px phone the faces fit without sideways scrolling; and
    loading the page asks for nothing that is not there (no 404, e.g. a favicon)."""
    kiosk = enrol(tmp_path, "05941", "Quầy 1")
    with intake(kafka_settings, tmp_path) as server:
        page = browser.new_page(viewport={"width": 390, "height": 844}, locale="vi-VN")
        missing: list[str] = []
        page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
        accepted = _accepted(page)
        try:
            page.goto(f"{server.url}/kiosk#token={kiosk['token']}")
            expect(page.locator("#screen-start")).to_be_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            last = page.locator('button.face[data-score="5"]').bounding_box()
            assert last is not None and last["x"] + last["width"] <= 390
            page.screenshot(path=str(output_dir / "kiosk-phone.png"), full_page=True)

            expect(page.locator("#lang")).to_have_attribute("lang", "en")  # "English"
            page.click("#lang")
            expect(page.locator("html")).to_have_attribute("lang", "en")
            expect(page.locator("#lang")).to_have_attribute("lang", "vi")  # "Tiếng Việt"
            page.click('button.face[data-score="4"]')
            page.click('button.field[data-code="ho_tich"]')
            # Nine tags fill more than the screen: "Next" stays in sight at the bottom.
            expect(page.locator("#issues-next")).to_be_visible()
            box = page.locator("#issues-next").bounding_box()
            assert box is not None and box["y"] + box["height"] <= 844, box
            page.screenshot(path=str(output_dir / "kiosk-phone-issues.png"))
            page.click('button.issue[data-code="staff_attitude"]')
            page.click("#issues-next")
            page.locator("#comment").press_sequentially(PRAISE)
            page.click("#send")
            expect(page.locator("#screen-thanks")).to_be_visible()
            _wait_for(page, 1, accepted)
            # The thank-you screen resets by itself (4 s) to the start, in Vietnamese.
            expect(page.locator("#screen-start")).to_be_visible(timeout=10_000)
            expect(page.locator("html")).to_have_attribute("lang", "vi")
            expect(page.locator('[data-text="question"]')).to_have_text(
                "Ông/Bà hài lòng đến mức nào với việc giải quyết thủ tục hôm nay?"
            )
        finally:
            page.close()
    assert missing == []


def test_a_tablet_whose_clock_is_hours_behind_dates_ratings_by_intakes_clock(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """A tablet's clock three hours behind (a flat battery, no network time): by its own
    clock the rating would be dated before the kiosk was enrolled and refused (422).
    The page dates it by intake's clock, learnt with its configuration."""
    import datetime as dt

    kiosk = enrol(tmp_path, "05941", "Quầy 1")
    with intake(kafka_settings, tmp_path) as server:
        page = browser.new_page(viewport={"width": 1024, "height": 768}, locale="vi-VN")
        page.clock.install(time=dt.datetime.now(dt.UTC) - dt.timedelta(hours=3))
        accepted = _accepted(page)
        try:
            page.goto(f"{server.url}/kiosk#token={kiosk['token']}")
            skew = page.evaluate("Date.now()") / 1000 - dt.datetime.now(dt.UTC).timestamp()
            assert -3 * 3600 - 60 < skew < -3 * 3600 + 60  # the tablet is 3 h behind
            _rate(page, 4, "staff_attitude", PRAISE)
            page.click("#send")
            _wait_for(page, 1, accepted)
        finally:
            page.close()
        records = [decode_response(r.value) for r in read_topic(kafka_settings, 1, settle=0.5)]
    (record,) = records
    off = record.submitted_at - dt.datetime.now(dt.UTC)
    assert dt.timedelta(minutes=-2) < off < dt.timedelta(seconds=5), record.submitted_at


def test_a_double_tap_on_a_face_chooses_no_field_and_back_goes_back(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """An elderly citizen double-taps a face: the second tap lands where a field button
    now is, and must not choose it. And a wrong tap can be undone with "Quay lại"."""
    kiosk = enrol(tmp_path, "05941", "Quầy 1")
    with intake(kafka_settings, tmp_path) as server:
        with _kiosk_page(browser, server, kiosk["token"], 390, 844) as (page, accepted):
            # (the faces take taps once the start screen has been up for a moment)
            expect(page.locator("#screen-start")).to_be_visible()
            # Shown (the start screen is hidden while the page loads, and "screen" then
            # too) and past its tap guard: the focus is on its question.
            expect(page.locator("#screen-start")).to_be_visible()
            expect(page.locator("#screen-start")).to_have_class("screen")
            box = page.locator('button.face[data-score="3"]').bounding_box()
            x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
            # Both taps in one call: two calls from here could land farther apart than
            # the page's guard on a busy machine (CI of stop 15), the second then a
            # deliberate tap.
            page.mouse.click(x, y, click_count=2)
            page.wait_for_timeout(500)
            expect(page.locator("#screen-field")).to_be_visible()  # nothing chosen
            under = page.evaluate(
                f"(() => {{ const e = document.elementFromPoint({x}, {y});"
                " return e && e.closest('button') ? e.closest('button').className : ''; })()"
            )
            # (the page's guard, not luck: a field button was under the finger)
            page.evaluate("document.querySelector('#screen-field').classList.remove('arming')")
            assert "field" in page.evaluate(
                f"document.elementFromPoint({x}, {y}).closest('button')?.className || ''"
            ), under
            # Back to the faces, a different one; then back from the issues to the field.
            page.click("#screen-field button.back")
            expect(page.locator("#screen-start")).to_be_visible()
            page.click('button.face[data-score="4"]')
            page.click('button.field[data-code="ho_tich"]')
            expect(page.locator("#screen-issues")).to_be_visible()
            page.click("#screen-issues button.back")
            expect(page.locator("#screen-field")).to_be_visible()
            # the field chosen before is marked as such (not as a pressed toggle)
            field = page.locator('button.field[data-code="ho_tich"]')
            expect(field).to_have_attribute("aria-current", "true")
            assert field.get_attribute("aria-pressed") is None
            page.click('button.field[data-code="dat_dai"]')
            page.click("#issues-next")
            page.click("#screen-comment button.back")
            expect(page.locator("#screen-issues")).to_be_visible()
            page.click("#issues-next")
            page.locator("#comment").press_sequentially(PRAISE)
            page.click("#send")
            _wait_for(page, 1, accepted)
        records = [decode_response(r.value) for r in read_topic(kafka_settings, 1, settle=1.0)]
    assert [(r.overall, r.field, r.comment) for r in records] == [(4, "dat_dai", PRAISE)]


def test_a_slow_double_tap_answers_no_question_unseen(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """An elderly hand taps twice, half a second apart (past the 350 ms guard a new
    screen had): the second tap chose the field under the finger, and on the next
    screen an issue, none of which the citizen saw (helper-62). A new screen now takes
    no tap for 0.8 s."""
    kiosk = enrol(tmp_path, "05941", "Quầy 1")
    with (
        intake(kafka_settings, tmp_path, THUOCDO_KIOSK_IDLE_RESET="60") as server,
        _kiosk_page(browser, server, kiosk["token"], 800, 1280) as (page, accepted),
    ):
        expect(page.locator("#screen-start")).to_be_visible()
        expect(page.locator("#screen-start")).to_have_class("screen")

        def slow_double_tap(selector: str) -> tuple[float, float]:
            box = page.locator(selector).bounding_box()
            x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
            # Both taps timed in the page, 450 ms apart (two calls from here may land
            # farther apart than the guard on a loaded machine); each goes to what is
            # under the point, as a finger's does (nothing, while a screen is arming).
            page.evaluate(
                """([x, y]) => new Promise(done => {
                     const tap = () => { const e = document.elementFromPoint(x, y);
                       if (e) { e.dispatchEvent(new MouseEvent("click", {bubbles: true,
                                  clientX: x, clientY: y, detail: 1})); } };
                     tap(); setTimeout(() => { tap(); done(); }, 450); })""",
                [x, y],
            )
            return x, y

        def under(x: float, y: float) -> str:
            return str(
                page.evaluate(
                    f"document.elementFromPoint({x}, {y}).closest('button')?.className || ''"
                )
            )

        x, y = slow_double_tap('button.face[data-score="2"]')
        expect(page.locator("#screen-field")).to_be_visible()
        expect(page.locator('button.field[aria-current="true"]')).to_have_count(0)
        page.wait_for_timeout(500)  # (past the guard, the button under the finger shows)
        assert "field" in under(x, y)  # (a field button was under the finger)
        x, y = slow_double_tap('button.field[data-code="dat_dai"]')
        expect(page.locator("#screen-issues")).to_be_visible()
        expect(page.locator('#screen-issues button[aria-pressed="true"]')).to_have_count(0)
        # Later the same spot takes a tap: a deliberate answer.
        page.wait_for_timeout(500)
        assert "issue" in under(x, y)
        page.mouse.click(x, y)
        expect(page.locator('#screen-issues button[aria-pressed="true"]')).to_have_count(1)
        page.click("#issues-next")
        page.click("#send")
        _wait_for(page, 1, accepted)
    records = [decode_response(r.value) for r in read_topic(kafka_settings, 1, settle=0.5)]
    assert [(r.overall, r.field, len(r.issues)) for r in records] == [(2, "dat_dai", 1)]


def test_keyboard_focus_follows_the_question_and_a_double_enter_skips_no_section(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """A citizen on a keyboard or switch: after each answer the focus is on the new
    question (it stayed on the button pressed, or fell to the page), and Enter
    pressed twice on "Tiếp tục" moves one SIPAS section, not two (the second skipped
    "Thủ tục hành chính" unseen)."""
    kiosk = enrol(tmp_path, "05953", "Quầy Hộ tịch", "--mode", "sipas", "--field", "ho_tich")
    with (
        intake(kafka_settings, tmp_path) as server,
        _kiosk_page(browser, server, kiosk["token"], 1280, 900) as (page, _),
    ):
        expect(page.locator("#screen-start")).to_be_visible()  # (hidden while loading)
        expect(page.locator("#screen-start")).to_have_class("screen")
        page.focus('button.face[data-score="4"]')
        page.keyboard.press("Enter")
        expect(page.locator("#screen-sipas")).to_be_visible()
        first = page.locator("#sipas-q").inner_text()
        assert page.evaluate("document.activeElement.id") == "sipas-q"
        page.wait_for_timeout(500)  # the section has been read, and rated
        scores = page.locator("#sipas-list .scores")
        for i in range(scores.count()):
            scores.nth(i).locator('button.score[data-score="4"]').click()
        page.focus("#sipas-next")
        page.keyboard.press("Enter")
        page.keyboard.press("Enter")
        page.wait_for_timeout(500)
        second = page.locator("#sipas-q").inner_text()
        assert second != first
        assert page.evaluate("document.activeElement.id") == "sipas-q"
        # Back once lands on the first section: only one step was taken.
        page.click("#screen-sipas button.back")
        expect(page.locator("#sipas-q")).to_have_text(first)


def test_a_citizen_still_there_is_warned_before_the_rating_is_sent(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """Typing a comment gets four times the idle time (2 s here: 8 s), with a warning
    half-way; any key puts the clock back. Before, the rating went out after the plain
    idle time without a word, mid-sentence."""
    kiosk = enrol(tmp_path, "05941", "Quầy 1", "--field", "ho_tich")
    with intake(kafka_settings, tmp_path, THUOCDO_KIOSK_IDLE_RESET="2") as server:
        with _kiosk_page(browser, server, kiosk["token"], 1024, 768) as (page, accepted):
            page.click('button.face[data-score="2"]')
            page.click("#issues-next")
            expect(page.locator("#screen-comment")).to_be_visible()
            page.locator("#comment").press_sequentially("Chờ lâu")
            warning = page.locator("#idle-warning")
            label = page.locator('label[for="comment"]')
            before = label.bounding_box()
            page.wait_for_timeout(2_500)  # past the plain idle time: still here, no warning
            expect(page.locator("#screen-comment")).to_be_visible()
            expect(warning).to_be_hidden()
            expect(warning).to_be_visible(timeout=5_000)
            assert "cần thêm thời gian" in warning.inner_text()
            # Over the header, not over the question (it covered half the label); and
            # nothing moved when it came.
            shown, after = warning.bounding_box(), label.bounding_box()
            assert shown and after and shown["y"] + shown["height"] <= after["y"], (shown, after)
            assert after == before
            assert accepted == []
            page.keyboard.press("End")  # still there
            expect(warning).to_be_hidden()
            page.locator("#comment").press_sequentially(" quá.")
            expect(page.locator("#screen-thanks")).to_be_visible(timeout=15_000)
            _wait_for(page, 1, accepted)
        records = [decode_response(r.value) for r in read_topic(kafka_settings, 1, settle=0.5)]
    assert [(r.overall, r.comment) for r in records] == [(2, "Chờ lâu quá.")]


def test_a_phone_shows_every_sipas_score_and_both_bar_buttons(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path, output_dir: Path
) -> None:
    """360 px wide (a phone, or a tablet held upright at 200 % zoom): the page was 497 px
    wide, "Hài lòng" and "Rất hài lòng" were off screen and "Quay lại" partly off the
    left edge, where it could not be scrolled to."""
    kiosk = enrol(tmp_path, "05953", "Quầy Hộ tịch", "--mode", "sipas", "--field", "ho_tich")
    with (
        intake(kafka_settings, tmp_path) as server,
        _kiosk_page(browser, server, kiosk["token"], 360, 740) as (page, _),
    ):
        page.click('button.face[data-score="4"]')
        expect(page.locator("#screen-sipas")).to_be_visible()
        page.wait_for_timeout(400)
        page.screenshot(path=str(output_dir / "kiosk-sipas-360.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        buttons = page.locator("#screen-sipas .score, #screen-sipas .nav button")
        for box in buttons.evaluate_all(
            "bs => bs.map(b => { const r = b.getBoundingClientRect();"
            " return [b.textContent.trim(), r.left, r.right, r.height]; })"
        ):
            _label, left, right, height = box
            assert left >= 0 and right <= 360, box
            assert height >= 57, box  # 15 mm at 96 dpi
        # The scores' labels were 14 px, the smallest text on the page (helper-69):
        # 16 px at least, and no word cut across two lines or past the button's edge.
        for label, size, inner, room in page.locator("#screen-sipas .score").evaluate_all(
            "bs => bs.map(b => [b.textContent.trim(), parseFloat(getComputedStyle(b).fontSize),"
            " b.scrollWidth, b.clientWidth])"
        ):
            assert size >= 16, (label, size)
            assert inner <= room, (label, inner, room)
        # The header's place: a second line began with "·"; each part is now whole,
        # the dot ending the commune's.
        parts = page.locator("#place .place-part").evaluate_all(
            "ps => ps.map(p => [p.textContent, p.getClientRects().length])"
        )
        assert parts == [["Xã Kha Sơn ·", 1], ["Quầy Hộ tịch", 1]], parts


def _focused(page: Any) -> dict[str, Any]:
    """What has the keyboard focus: its id, role, criterion and score (data-*)."""
    focused: dict[str, Any] = page.evaluate(
        "(() => { const e = document.activeElement;"
        " return {id: e.id, role: e.getAttribute('role'),"
        " criterion: e.dataset.criterion || null, score: e.dataset.score || null}; })()"
    )
    return focused


def _scores(page: Any, criterion: str) -> tuple[list[str | None], list[str | None]]:
    """One criterion's five scores: their aria-checked and tabindex, in order."""
    radios = page.locator(f'#sipas-list button.score[data-criterion="{criterion}"]')
    checked = radios.evaluate_all("bs => bs.map(b => b.getAttribute('aria-checked'))")
    tabindex = radios.evaluate_all("bs => bs.map(b => b.getAttribute('tabindex'))")
    return checked, tabindex


def _tab_to(page: Any, element_id: str, limit: int = 30) -> int:
    """Press Tab until the element with this id has the focus; the Tabs it took."""
    for tabs in range(1, limit + 1):
        page.keyboard.press("Tab")
        if _focused(page)["id"] == element_id:
            return tabs
    raise AssertionError(f"#{element_id} not reached in {limit} Tabs")


# Keys a keyboard user presses on reaching a criterion (the focus on its first score,
# none chosen), and the score they choose: the five plans in turn, criterion by criterion.
KEY_PLANS: list[tuple[list[str], int]] = [
    (["End"], 5),
    (["ArrowRight", "ArrowRight", "ArrowRight"], 4),
    (["ArrowLeft", "ArrowUp", "ArrowUp"], 3),  # left of the first wraps to the last
    (["Space"], 1),
    (["End", "Home", "ArrowDown", "Enter"], 2),
]


def test_a_keyboard_user_rates_every_sipas_criterion_with_one_tab_stop_each(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """Keyboard or switch access only: each SIPAS criterion is one radio group, one Tab
    stop (the five scores were five, 95 in all), chosen with the arrow keys, Home, End,
    Space or Enter; a section takes a Tab per criterion and two to reach "Tiếp tục"
    ("Quay lại" first). The scores chosen are the ones that reach Kafka."""
    kiosk = enrol(tmp_path, "05953", "Quầy Hộ tịch", "--mode", "sipas", "--field", "ho_tich")
    expected: dict[str, int] = {}
    with intake(kafka_settings, tmp_path) as server:
        with _kiosk_page(browser, server, kiosk["token"], 1280, 900) as (page, accepted):
            # Shown (the start screen is hidden while the page loads, and "screen" then
            # too) and past its tap guard: the focus is on its question.
            expect(page.locator("#screen-start")).to_be_visible()
            expect(page.locator("#screen-start")).to_have_class("screen")
            for _ in range(5):
                page.keyboard.press("Tab")
                if _focused(page)["score"] == "4":
                    break
            assert _focused(page)["score"] == "4"
            page.keyboard.press("Enter")
            sections = []
            for _ in range(5):
                expect(page.locator("#screen-sipas")).to_have_class("screen")  # tap guard over
                assert _focused(page)["id"] == "sipas-q"
                codes = page.locator("#sipas-list [role=radiogroup] button.score").evaluate_all(
                    "bs => [...new Set(bs.map(b => b.dataset.criterion))]"
                )
                visited: list[str] = []
                tabs = 0
                while True:
                    page.keyboard.press("Tab")
                    tabs += 1
                    focus = _focused(page)
                    if focus["id"] == "sipas-next" or tabs > 40:
                        break
                    if focus["role"] == "radio":
                        visited.append(focus["criterion"])
                        keys, score = KEY_PLANS[len(expected) % len(KEY_PLANS)]
                        for key in keys:
                            page.keyboard.press(key)
                        expected[focus["criterion"]] = score
                        assert _focused(page)["score"] == str(score), (keys, score)
                sections.append((len(codes), tabs))
                assert visited == codes
                page.keyboard.press("Enter")
            # A Tab per criterion, then "Quay lại" and "Tiếp tục" (4+4+5+3+3 criteria).
            assert sections == [(4, 6), (4, 6), (5, 7), (3, 5), (3, 5)]
            expect(page.locator("#screen-issues")).to_have_class("screen")
            _tab_to(page, "issues-next")
            page.keyboard.press("Enter")
            expect(page.locator("#screen-comment")).to_have_class("screen")
            _tab_to(page, "send")
            page.keyboard.press("Enter")
            expect(page.locator("#screen-thanks")).to_be_visible()
            _wait_for(page, 1, accepted)
        records = [decode_response(r.value) for r in read_topic(kafka_settings, 1, settle=0.5)]
    assert len(expected) == 19
    assert [(r.overall, r.field, r.criteria) for r in records] == [(4, "ho_tich", expected)]


def test_arrow_keys_move_the_score_and_a_screen_reader_hears_criterion_and_score(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """Within a criterion the arrow keys move the focus and the choice together
    (aria-checked follows, wrapping at the ends), Home and End go to the first and
    last score, the chosen score is the group's Tab stop (Shift+Tab comes back to it),
    a tap chooses as before, the group is named by its criterion and each score by its
    label, in English too, and keys in a group count as activity for the idle timer."""
    kiosk = enrol(tmp_path, "05953", "Quầy Hộ tịch", "--mode", "sipas", "--field", "ho_tich")
    with (
        intake(kafka_settings, tmp_path, THUOCDO_KIOSK_IDLE_RESET="2") as server,
        _kiosk_page(browser, server, kiosk["token"], 1280, 900) as (page, _),
    ):
        page.click('button.face[data-score="4"]')
        expect(page.locator("#screen-sipas")).to_have_class("screen")
        page.keyboard.press("Tab")
        assert _focused(page) == {"id": "", "role": "radio", "criterion": "tc1", "score": "1"}
        assert _scores(page, "tc1") == (["false"] * 5, ["0", "-1", "-1", "-1", "-1"])
        for key, score in [
            ("ArrowRight", 2),
            ("ArrowDown", 3),
            ("ArrowUp", 2),
            ("ArrowLeft", 1),
            ("ArrowLeft", 5),  # wraps
            ("ArrowRight", 1),  # wraps back
            ("End", 5),
            ("Home", 1),
            ("ArrowRight", 2),
            ("ArrowRight", 3),
            ("ArrowRight", 4),
        ]:
            page.keyboard.press(key)
            assert _focused(page)["score"] == str(score), key
            checked, tabindex = _scores(page, "tc1")
            assert checked == ["true" if s == score else "false" for s in range(1, 6)], key
            assert tabindex == ["0" if s == score else "-1" for s in range(1, 6)], key
        assert page.evaluate("window.scrollY") == 0  # the arrows moved no page
        page.keyboard.press("Tab")
        assert _focused(page)["criterion"] == "tc2"
        assert _scores(page, "tc2") == (["false"] * 5, ["0", "-1", "-1", "-1", "-1"])
        page.keyboard.press("Shift+Tab")
        assert _focused(page)["criterion"] == "tc1" and _focused(page)["score"] == "4"

        # What a screen reader is given, from Chromium's own accessibility tree: the
        # focused score is a checked radio named by its label, in a group named by
        # its criterion; and its place on the scale ("4 of 5").
        nodes = page.context.new_cdp_session(page).send("Accessibility.getFullAXTree")["nodes"]
        radios = [n for n in nodes if n.get("role", {}).get("value") == "radio"]
        states = [{p["name"]: p["value"]["value"] for p in n["properties"]} for n in radios]
        (focused,) = [n for n, state in zip(radios, states, strict=True) if state.get("focused")]
        assert [
            n["name"]["value"]
            for n, state in zip(radios, states, strict=True)
            if state["checked"] == "true"
        ] == ["Hài lòng"]
        assert focused["name"]["value"] == "Hài lòng"
        parent = next(n for n in nodes if focused["nodeId"] in n.get("childIds", []))
        assert (parent["role"]["value"], parent["name"]["value"]) == (
            "radiogroup",
            "Nơi ngồi chờ có đủ chỗ ngồi",
        )
        group = page.get_by_role("radiogroup", name="Nơi ngồi chờ có đủ chỗ ngồi")
        expect(group).to_have_count(1)
        expect(group.get_by_role("radio")).to_have_count(5)
        chosen = group.get_by_role("radio", name="Hài lòng", exact=True)
        expect(chosen).to_have_attribute("aria-checked", "true")
        expect(chosen).to_have_attribute("aria-posinset", "4")
        expect(chosen).to_have_attribute("aria-setsize", "5")

        # A tap chooses as before, and makes the tapped score the group's Tab stop.
        page.click('button.score[data-criterion="tc3"][data-score="2"]')
        assert _scores(page, "tc3") == (
            ["false", "true", "false", "false", "false"],
            ["-1", "0", "-1", "-1", "-1"],
        )

        # Keys in a group are activity: the warning (half of 4 x 2 s) goes away.
        page.focus('button.score[data-criterion="tc1"][aria-checked="true"]')
        warning = page.locator("#idle-warning")
        expect(warning).to_be_visible(timeout=8_000)
        page.keyboard.press("ArrowRight")
        expect(warning).to_be_hidden()
        assert _scores(page, "tc1")[0] == ["false"] * 4 + ["true"]

        # In English the same groups are read in English, with the choices kept.
        page.click("#lang")
        group = page.get_by_role("radiogroup", name="Enough seats in the waiting area")
        expect(group.get_by_role("radio", name="Very satisfied")).to_have_attribute(
            "aria-checked", "true"
        )
        expect(
            page.get_by_role("radiogroup", name="Modern equipment").get_by_role(
                "radio", name="Dissatisfied", exact=True
            )
        ).to_have_attribute("aria-checked", "true")


def test_a_ten_inch_tablet_held_upright_keeps_the_tablet_layout(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """At 800 px wide (a 10-inch tablet upright) the phone layout took over: smaller
    text, faces 3 + 2 with "Hài lòng" and "Rất hài lòng" on a second row."""
    kiosk = enrol(tmp_path, "05941", "Quầy 1")
    with (
        intake(kafka_settings, tmp_path) as server,
        _kiosk_page(browser, server, kiosk["token"], 800, 1280) as (page, _),
    ):
        expect(page.locator("#screen-start")).to_be_visible()
        tops = {round(b["y"]) for b in (f.bounding_box() for f in page.locator(".face").all()) if b}
        assert len(tops) == 1, tops  # one row, in order
        assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "22px"


def test_sipas_criteria_below_the_fold_are_not_skipped_unseen(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """On a landscape tablet a section's last criteria sit below the fold while
    "Tiếp tục" stays in sight: a hurried citizen went on without seeing them. The first
    press with criteria unrated says how many and shows the first; a second goes on."""
    kiosk = enrol(tmp_path, "05953", "Quầy SIPAS", "--mode", "sipas", "--field", "ho_tich")
    with (
        intake(kafka_settings, tmp_path) as server,
        _kiosk_page(browser, server, kiosk["token"], 1280, 800) as (page, accepted),
    ):
        page.click('button.face[data-score="4"]')
        expect(page.locator("#screen-sipas")).to_be_visible()
        first = page.locator("#sipas-q").inner_text()
        groups = page.locator("#sipas-list .scores")
        groups.nth(0).locator('button.score[data-score="4"]').click()
        groups.nth(1).locator('button.score[data-score="5"]').click()
        page.locator("#sipas-next").dblclick()  # a double tap is one press, not a skip
        note = page.locator("#sipas-missing")
        expect(note).to_have_text(
            "Còn 2 tiêu chí chưa được đánh giá. Xin Ông/Bà chọn mức đánh giá cho các tiêu chí"
            " đó, hoặc chạm “Tiếp tục” một lần nữa để bỏ qua."
        )
        assert page.locator("#sipas-q").inner_text() == first  # still this section
        third = page.locator("#sipas-list .criterion").nth(2)
        expect(third).to_be_in_viewport()
        groups.nth(2).locator('button.score[data-score="3"]').click()
        expect(note).to_have_text(
            "Còn 1 tiêu chí chưa được đánh giá. Xin Ông/Bà chọn mức đánh giá cho các tiêu chí"
            " đó, hoặc chạm “Tiếp tục” một lần nữa để bỏ qua."
        )
        page.wait_for_timeout(900)  # read: past the double-tap guard (0.8 s)
        page.click("#sipas-next")  # the fourth is skipped, knowingly
        expect(page.locator("#sipas-q")).not_to_have_text(first)
        expect(note).to_be_hidden()
        for _ in range(4):  # the other sections, every criterion rated
            expect(page.locator("#screen-sipas")).to_be_visible()
            for i in range(groups.count()):
                groups.nth(i).locator('button.score[data-score="4"]').click()
            page.click("#sipas-next")
        expect(page.locator("#screen-issues")).to_be_visible()
        page.click("#issues-next")
        page.click("#send")
        _wait_for(page, 1, accepted)
        records = [decode_response(r.value) for r in read_topic(kafka_settings, 1, settle=0.5)]
    assert len(records) == 1 and len(records[0].criteria) == 18


def test_a_screen_reader_hears_each_question_once(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """The start screen's question named the screen (a region), was its heading and
    named the faces' group: read three times. Now the heading and the group only; and
    the commune and counter names are marked Vietnamese in the English page."""
    kiosk = enrol(tmp_path, "05953", "Quầy 1")
    with (
        intake(kafka_settings, tmp_path) as server,
        _kiosk_page(browser, server, kiosk["token"], 1280, 800) as (page, _),
    ):
        expect(page.locator("#screen-start")).to_be_visible()
        question = "Ông/Bà hài lòng đến mức nào với việc giải quyết thủ tục hôm nay?"
        nodes = page.context.new_cdp_session(page).send("Accessibility.getFullAXTree")["nodes"]
        named = [
            n["role"]["value"]
            for n in nodes
            if n.get("name", {}).get("value") == question
            and not n.get("ignored")
            and n["role"]["value"] not in ("StaticText", "InlineTextBox")  # the words
        ]
        assert sorted(named) == ["group", "heading"], named
        page.click("#lang")
        assert page.locator("#place").get_attribute("lang") == "vi"


def test_a_tap_while_the_idle_warning_shows_chooses_what_was_under_the_finger(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """The warning was put in the page's flow above the question: a tap took it away
    at pointerdown, the answers moved up, and the click chose the field one row below
    ("Bảo trợ xã hội" for "Đất đai"). Nothing moves under a tap now."""
    kiosk = enrol(tmp_path, "05941", "Quầy 1")
    with (
        intake(kafka_settings, tmp_path, THUOCDO_KIOSK_IDLE_RESET="6") as server,
        _kiosk_page(browser, server, kiosk["token"], 1280, 800) as (page, accepted),
    ):
        page.click('button.face[data-score="2"]')
        expect(page.locator("#screen-field")).to_be_visible()
        expect(page.locator("#idle-warning")).to_be_visible(timeout=6_000)
        page.click('button.field[data-code="dat_dai"]')
        expect(page.locator("#screen-issues")).to_be_visible()
        expect(page.locator("#idle-warning")).to_be_hidden()
        page.click("#issues-next")
        page.click("#send")
        _wait_for(page, 1, accepted)
        records = [decode_response(r.value) for r in read_topic(kafka_settings, 1, settle=0.5)]
    assert [r.field for r in records] == ["dat_dai"]


def test_a_rating_left_behind_is_sent_when_back_is_tapped_not_erased(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """A citizen taps "Rất không hài lòng" and walks away; the warning says the rating
    will be sent as chosen. Whoever taps "Quay lại" then (the next citizen, the official
    at the counter) erased it (helper-69). It is sent as it stood and the faces are
    shown for the next one; both ratings reach Kafka."""
    kiosk = enrol(tmp_path, "05941", "Quầy 1")
    with (
        intake(kafka_settings, tmp_path, THUOCDO_KIOSK_IDLE_RESET="6") as server,
        _kiosk_page(browser, server, kiosk["token"], 1280, 800) as (page, accepted),
    ):
        page.click('button.face[data-score="1"]')
        expect(page.locator("#screen-field")).to_be_visible()
        expect(page.locator("#idle-warning")).to_be_visible(timeout=6_000)
        page.click("#screen-field button.back")
        expect(page.locator("#screen-start")).to_be_visible()
        expect(page.locator("#idle-warning")).to_be_hidden()
        _wait_for(page, 1, accepted)
        page.click('button.face[data-score="5"]')
        page.click('button.field[data-code="ho_tich"]')
        page.click("#issues-next")
        page.click("#send")
        _wait_for(page, 2, accepted)
        records = [decode_response(r.value) for r in read_topic(kafka_settings, 2, settle=1.0)]
    assert [(r.overall, r.field, r.suspect) for r in records] == [
        (1, "chua_chon", ()),
        (5, "ho_tich", ()),
    ]


def test_the_waiting_count_is_not_said_again_at_each_retry(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """While intake cannot be reached the page retries every few seconds; the count line
    is a live region, and rewriting it at each retry had a screen reader repeat
    "1 đánh giá đang chờ gửi" every 5 s (helper-69). It changes only with the count."""
    kiosk = enrol(tmp_path, "05941", "Quầy 1", "--field", "ho_tich")
    posts: list[str] = []

    def unreachable(r: Any) -> None:
        posts.append(r.request.url)
        r.abort("connectionrefused")

    with (
        intake(kafka_settings, tmp_path) as server,
        _kiosk_page(browser, server, kiosk["token"], 1280, 800) as (page, _accepted),
    ):
        page.route("**/api/v1/responses", unreachable)
        page.click('button.face[data-score="4"]')
        page.click("#issues-next")
        page.click("#send")
        pending = page.locator("#pending")
        expect(pending).to_have_text("1 đánh giá đang chờ gửi")
        page.evaluate(
            """() => { window.pendingWrites = 0;
                       new MutationObserver(ms => { window.pendingWrites += ms.length; })
                         .observe(document.getElementById('pending'),
                                  { childList: true, characterData: true, subtree: true,
                                    attributes: true }); }"""
        )
        tried = len(posts)
        for _ in range(200):  # at least three more attempts (1 s, 2 s, 4 s apart)
            if len(posts) >= tried + 3:
                break
            page.wait_for_timeout(100)
        assert len(posts) >= tried + 3, posts
        assert page.evaluate("() => window.pendingWrites") == 0
        expect(pending).to_have_text("1 đánh giá đang chờ gửi")
        page.unroute("**/api/v1/responses")


def test_each_question_after_the_faces_shows_the_rating_under_way(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path, output_dir: Path
) -> None:
    """A citizen leaves mid-rating; the next one saw a question with no sign of the face
    chosen, and answered someone else's rating (helper-62). Each question after the faces
    now shows it, in the language shown, and the faces screen and the thanks do not."""
    kiosk = enrol(tmp_path, "05941", "Quầy 1")
    with (
        intake(kafka_settings, tmp_path) as server,
        _kiosk_page(browser, server, kiosk["token"]) as (page, accepted),
    ):
        chosen = page.locator("#chosen")
        expect(page.locator("#screen-start")).to_be_visible()
        expect(chosen).to_be_hidden()
        page.click('button.face[data-score="2"]')
        expect(page.locator("#screen-field")).to_be_visible()
        expect(chosen).to_be_visible()
        expect(chosen).to_have_text("Đánh giá chung của Ông/Bà: Không hài lòng")
        assert chosen.locator(".chosen-face.face-2 svg").count() == 1
        # The focus is on the question; a screen reader reads the strip with it.
        expect(page.locator("#field-q")).to_have_accessible_description(
            "Đánh giá chung của Ông/Bà: Không hài lòng"
        )
        page.click('button.field[data-code="ho_tich"]')
        expect(page.locator("#screen-issues")).to_be_visible()
        expect(chosen).to_have_text("Đánh giá chung của Ông/Bà: Không hài lòng")
        page.click("#lang")
        english = page.locator('button.face[data-score="2"]').get_attribute("data-en")
        expect(chosen).to_have_text(f"Your overall rating: {english}")
        page.click("#issues-next")
        expect(page.locator("#screen-comment")).to_be_visible()
        expect(chosen).to_have_text(f"Your overall rating: {english}")
        expect(page.locator("#screen-comment label.big")).to_have_accessible_description(
            f"Your overall rating: {english}"
        )
        page.screenshot(path=str(output_dir / "kiosk-chosen.png"), full_page=True)
        # On a phone the label stays on one line ("Dissatisfied" is one word: in
        # Vietnamese, "Không hài lòng" was cut as "Không hài / lòng").
        page.click("#lang")
        page.set_viewport_size({"width": 390, "height": 844})
        label = page.locator("#chosen .chosen-label")
        expect(label).to_have_text("Không hài lòng")
        line = float(label.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)"))
        box = label.bounding_box()
        assert box and box["height"] < 1.5 * line, box
        # Back to the faces: the rating is dropped, and the strip with it.
        page.click("#screen-comment button.back")
        page.click("#screen-issues button.back")
        page.click("#screen-field button.back")
        expect(page.locator("#screen-start")).to_be_visible()
        expect(chosen).to_be_hidden()
        page.click('button.face[data-score="5"]')
        expect(chosen).to_contain_text("Rất hài lòng")  # (Vietnamese again, on the phone)
        page.click('button.field[data-code="ho_tich"]')
        page.click("#issues-next")
        page.click("#send")
        expect(page.locator("#screen-thanks")).to_be_visible()
        expect(chosen).to_be_hidden()
        _wait_for(page, 1, accepted)


def test_a_tap_opens_no_keyboard_on_the_comment_and_a_key_goes_into_the_box(
    browser: Any, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """The comment box took the focus whenever its screen came, so a tablet's keyboard
    covered half the screen for every citizen, though most write nothing. A tap now
    leaves the focus on the question; Enter on "Tiếp tục" (a keyboard user) still puts
    it in the box."""
    kiosk = enrol(tmp_path, "05941", "Quầy 1")
    with (
        intake(kafka_settings, tmp_path) as server,
        _kiosk_page(browser, server, kiosk["token"]) as (page, _),
    ):
        expect(page.locator("#screen-start")).to_be_visible()
        page.click('button.face[data-score="4"]')
        page.click('button.field[data-code="ho_tich"]')
        page.click("#issues-next")
        expect(page.locator("#screen-comment")).to_be_visible()
        focused = "(() => { const e = document.activeElement; return e.id || e.tagName; })()"
        assert page.evaluate(focused) == "LABEL"
        assert page.evaluate("document.activeElement.htmlFor") == "comment"
        # A tap on the question's words still lands in the box.
        page.click("#screen-comment label.big")
        assert page.evaluate(focused) == "comment"
        page.click("#screen-comment button.back")
        expect(page.locator("#screen-issues")).to_be_visible()
        page.wait_for_timeout(900)  # past the new screen's tap guard
        page.focus("#issues-next")
        page.keyboard.press("Enter")
        expect(page.locator("#screen-comment")).to_be_visible()
        assert page.evaluate(focused) == "comment"
