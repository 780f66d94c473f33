"""The scoring service's message catalogue: what a leader or operator may read."""

from __future__ import annotations

MESSAGES: dict[str, str] = {
    "unit_not_found": "Không tìm thấy đơn vị hành chính “{unit}”.",
    "unauthorized": "Cần mã truy cập dịch vụ hợp lệ (Authorization: Bearer …).",
    "store_unavailable": "Kho dữ liệu chỉ số hài lòng chưa sẵn sàng.",
    "period_or_range": (
        "Chỉ chọn một kỳ (period) hoặc một khoảng thời gian (from/to), không dùng đồng thời cả hai."
    ),
    "from_and_to": "Cần có cả from và to.",
    "granularity": "Độ chi tiết phải là day, week, month hoặc quarter.",
    "too_many_points": "Khoảng thời gian quá dài cho độ chi tiết này (tối đa {limit} điểm).",
}


def msg(key: str, **kwargs: object) -> str:
    """The Vietnamese text for ``key`` with ``kwargs`` filled in."""
    return MESSAGES[key].format(**kwargs)
