"""``thuocdo-scoring cluster-comments`` run as a real process."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

EXE = shutil.which("thuocdo-scoring", path=str(Path(sys.executable).parent))


def run(args: list[str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    assert EXE, "thuocdo-scoring is not installed in this environment"
    return subprocess.run(
        [EXE, "cluster-comments", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )


def test_cluster_comments_prints_one_json_line_per_comment(tmp_path: Path) -> None:
    comments = [
        "chờ đợi lâu quá",
        "cho doi lau qua",
        "Đường vào xã nhiều ổ gà quá",
        "duong vao xa nhieu o ga, di xe may nguy hiem",
        "Đường vào xã ổ gà, mưa là ngập",
        "Mong mở cửa làm việc sáng thứ bảy",
        "Đề nghị mở cửa làm việc thứ bảy",
        "nen mo cua lam viec sang thu bay",
    ]
    src = tmp_path / "comments.jsonl"
    lines = [json.dumps({"text": c, "id": i}, ensure_ascii=False) for i, c in enumerate(comments)]
    src.write_text("\n".join(lines[:4]) + "\n\n" + "\n".join(lines[4:]) + "\n", "utf-8")

    proc = run([str(src)])
    assert proc.returncode == 0, proc.stderr
    assert "ổ gà" in proc.stdout  # ensure_ascii=False: Vietnamese as written
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o["text"] for o in out] == comments
    for o in out:
        assert set(o) == {"text", "issue", "confidence", "theme"}
        assert 0.0 <= o["confidence"] <= 1.0
        if o["issue"] in (None, "other"):
            assert set(o["theme"]) == {"id", "label"} and o["theme"]["label"]
        else:
            assert o["theme"] is None
    assert out[0]["issue"] == out[1]["issue"] == "waiting_time"
    roads = {json.dumps(o["theme"]) for o in out[2:5] if o["theme"] is not None}
    assert len(roads) <= 1


def test_cluster_comments_reads_stdin_and_names_the_bad_line() -> None:
    proc = run(["-"], stdin='{"text": "chờ lâu"}\n{"text": "ok"}\n{"text": 5}\n')
    assert proc.returncode == 2
    assert "line 3" in proc.stderr and '"text"' in proc.stderr
    assert proc.stdout == ""

    proc = run(["-"], stdin='{"text": "chờ lâu"}\nnot json\n')
    assert proc.returncode == 2 and "line 2: not JSON" in proc.stderr


def test_cluster_comments_uses_a_saved_model(tmp_path: Path) -> None:
    from thuocdo_scoring.comments import CommentModel, seed_examples

    texts, labels = seed_examples()
    path = tmp_path / "model.joblib"
    # threshold 1.0: nothing fits an issue, so everything gets a theme
    CommentModel(threshold=1.0).fit(texts, labels).save(path)
    # (two comments: a single one is no theme)
    proc = run(["-", "--model", str(path)], stdin='{"text": "chờ lâu"}\n{"text": "chờ lâu quá"}\n')
    assert proc.returncode == 0, proc.stderr
    outs = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(outs) == 2
    assert all(out["issue"] is None and out["theme"] is not None for out in outs), outs


def test_cluster_comments_reports_a_missing_model(tmp_path: Path) -> None:
    # in-process (the subprocess path is covered above): same code, no interpreter start
    from thuocdo_scoring.comments.batch import run as run_batch

    src = tmp_path / "c.jsonl"
    src.write_text('{"text": "x"}\n', "utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = run_batch(str(src), model_path=str(tmp_path / "missing.joblib"), stdout=out, stderr=err)
    assert code == 2 and "cannot load model" in err.getvalue() and out.getvalue() == ""
