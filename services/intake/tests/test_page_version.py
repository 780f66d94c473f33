"""The kiosk page's version: a digest of its files and strings, so that an open page
notices an upgrade of intake (and of nothing else)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from thuocdo_intake import kiosk_page
from thuocdo_intake.kiosk_page import _PAGE_FILES, page_version


def test_the_version_changes_with_any_file_of_the_page_and_only_then(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in _PAGE_FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(Path(kiosk_page.__file__).parent / name, tmp_path / name)
    monkeypatch.setattr(kiosk_page, "_HERE", tmp_path)
    versions = []
    try:
        for changed in [None, *_PAGE_FILES]:
            if changed is not None:
                with (tmp_path / changed).open("a", encoding="utf-8") as f:
                    f.write("\n/* changed */\n")
            page_version.cache_clear()
            versions.append(page_version())
        page_version.cache_clear()
        assert page_version() == versions[-1]  # the same files: the same version
    finally:
        page_version.cache_clear()  # the next caller digests the real files
    assert len(set(versions)) == len(versions) == 5
    assert all(len(v) == 12 and int(v, 16) >= 0 for v in versions)
