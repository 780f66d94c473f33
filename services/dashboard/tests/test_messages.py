"""The message catalogue: both languages, NFC Vietnamese, formatting."""

from __future__ import annotations

import unicodedata

import pytest
from thuocdo_dashboard import messages
from thuocdo_dashboard.periods import parse

pytestmark = pytest.mark.unit


def test_every_message_has_both_languages_in_nfc() -> None:
    for key, (vi, en) in messages.CATALOGUE.items():
        assert vi and en, key
        assert unicodedata.is_normalized("NFC", vi), key


def test_scoring_down_text_is_the_agreed_vietnamese() -> None:
    assert messages.text("scoring_down_since", "vi", time="08:05 26/11/2026") == (
        "Không kết nối được với hệ thống tính chỉ số; số liệu đang hiển thị được cập nhật lúc"
        " 08:05 26/11/2026."
    )


def test_numbers_and_periods() -> None:
    assert messages.number(82.456, "vi") == "82,5"
    assert messages.number(82.456, "en", 2) == "82.46"
    assert messages.number(None) == "–"
    # A half goes up, from the figure as written, as a spreadsheet's ROUND() does:
    # format() gave 6,2 (half to even) and 72,3 (72.35 is 72.3499... in binary).
    assert messages.number(6.25, "vi") == "6,3"
    assert messages.number(72.35, "vi") == "72,4"
    assert messages.number(2.675, "en", 2) == "2.68"
    # Thousands grouped: a dot in Vietnamese (its decimal mark is the comma), a comma in English.
    assert messages.number(13350, "vi", 0) == "13.350"
    assert messages.number(1234567.891, "vi", 2) == "1.234.567,89"
    assert messages.number(13350, "en", 0) == "13,350"
    assert messages.text("n_short", "en", n=messages.number(1, "en", 0)) == "1 response"
    assert messages.text("n_short", "en", n=messages.number(4475, "en", 0)) == "4,475 responses"
    assert messages.period_label(parse("2025-Q3"), "vi") == "Quý 3/2025"
    assert messages.period_label(parse("2025-07"), "vi") == "Tháng 7/2025"
    assert messages.period_label(parse("2025-07"), "en") == "Jul 2025"


def test_english_counts_have_a_singular() -> None:
    text = messages.text
    assert text("n_short", "en", n=1) == "1 response"
    assert text("n_short", "en", n=331) == "331 responses"
    assert text("comments_total", "en", n=0) == "0 comments"
    assert text("n_short", "vi", n=1) == "1 phiếu"  # no plural in Vietnamese


def test_a_unit_name_is_marked_vietnamese_in_english_and_escaped() -> None:
    unit_name, text_html = messages.unit_name, messages.text_html
    assert unit_name("Xã Kha Sơn (former)", "en") == '<span lang="vi">Xã Kha Sơn</span> (former)'
    assert unit_name("Xã <b>", "en") == '<span lang="vi">Xã &lt;b&gt;</span>'
    assert unit_name("Xã Kha Sơn (cũ)", "vi") == "Xã Kha Sơn (cũ)"  # the page is vi already
    banner = text_html("unit_gone", "en", unit=unit_name("Huyện Phú Bình", "en"), since="<x>")
    assert banner.startswith('<span lang="vi">Huyện Phú Bình</span> (former) has not been')
    assert "since &lt;x&gt;;" in banner


def test_the_kinds_of_commune_a_heading_names() -> None:
    before = ["Thị trấn Hương Sơn", "Xã Bàn Đạt", "Xã Úc Kỳ (cũ)"]
    assert messages.commune_kinds(before) == {
        "kinds": "xã, thị trấn",
        "kinds_heading": "Xã, thị trấn",
    }
    assert messages.commune_kinds(["Xã Kha Sơn", "Xã Phú Bình"])["kinds"] == "xã"
    # the law's order, whatever the order of the names; a name is read by its first words
    mixed = ["Đặc khu Phú Quốc", "Phường Phan Đình Phùng", "Xã Xuân Phương"]
    assert messages.commune_kinds(mixed)["kinds_heading"] == "Xã, phường, đặc khu"
    assert messages.commune_kinds(["Xã Tân Thành", "Phường Xã Đàn"])["kinds"] == "xã, phường"
    assert messages.commune_kinds([])["kinds"] == "xã, phường"
    assert messages.text("commune", "en", **messages.commune_kinds(before)) == "Commune"
