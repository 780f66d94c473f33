"""Reference data files load and say what ARCHITECTURE.md says they say."""

from __future__ import annotations

import unicodedata

import pytest
from thuocdo_shared import reference

pytestmark = pytest.mark.unit


def test_sipas_has_5_dimensions_and_19_criteria() -> None:
    sipas = reference.sipas()
    assert len(sipas.dimensions) == 5
    assert len(sipas.criteria) == 19
    assert [label.vi for _, label in sipas.scale] == [
        "Rất không hài lòng",
        "Không hài lòng",
        "Bình thường",
        "Hài lòng",
        "Rất hài lòng",
    ]


def test_issue_taxonomy_codes() -> None:
    assert list(reference.issues()) == [
        "waiting_time",
        "staff_attitude",
        "paperwork",
        "fees",
        "facilities",
        "online_systems",
        "information",
        "feedback_handling",
        "other",
    ]
    for issue in reference.issues().values():
        if issue.code != "other":
            assert len(issue.seeds) >= 5, issue.code


def test_fields_include_the_common_ones() -> None:
    assert {"ho_tich", "chung_thuc", "dat_dai", "xay_dung", "ho_kinh_doanh"} <= set(
        reference.fields()
    )


def test_all_vietnamese_text_is_nfc() -> None:
    texts = [i.label.vi for i in reference.issues().values()]
    texts += [s for i in reference.issues().values() for s in i.seeds]
    texts += [f.label.vi for f in reference.fields().values()]
    texts += [c.label.vi for c in reference.sipas().criteria.values()]
    for text in texts:
        assert unicodedata.normalize("NFC", text) == text, text
