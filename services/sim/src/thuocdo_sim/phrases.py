"""The simulator's one catalogue of Vietnamese text: what simulated citizens write.

Comments are assembled as ``[context] [opener] core [joiner core] closer`` where a
core may contain ``{slot}`` fillers. Cores are keyed by issue code (taxonomy in
``thuocdo_shared.reference.issues()``) and by tone: ``PROBLEM`` for ratings 1-3,
``PRAISE`` for 4-5. ``AFTER_REFORM`` holds a theme that fits no taxonomy issue (the
merged commune's office is farther away), so comment clustering has a new theme
to find from 2025-07-01 on. All text is NFC, with diacritics; the generator strips
them from a share of comments the way people type on a phone without a Vietnamese
keyboard.
"""

from __future__ import annotations

from typing import Final

# What the citizen came for, by field of procedure (thuocdo_shared fields.json codes).
TASKS: Final[dict[str, tuple[str, ...]]] = {
    "ho_tich": (
        "làm giấy khai sinh cho cháu",
        "đăng ký khai sinh",
        "đăng ký kết hôn",
        "làm trích lục khai tử",
        "xin giấy xác nhận tình trạng hôn nhân",
    ),
    "chung_thuc": (
        "chứng thực bản sao",
        "chứng thực chữ ký",
        "chứng thực hợp đồng",
        "sao y giấy tờ",
    ),
    "dat_dai": (
        "làm sổ đỏ",
        "sang tên sổ đỏ",
        "tách thửa",
        "đăng ký biến động đất đai",
        "xin xác nhận nguồn gốc đất",
    ),
    "xay_dung": ("xin giấy phép xây dựng", "xin phép sửa nhà"),
    "lao_dong_nguoi_co_cong": (
        "làm hồ sơ chế độ người có công",
        "làm thủ tục trợ cấp mai táng",
    ),
    "bao_tro_xa_hoi": (
        "làm hồ sơ trợ cấp xã hội",
        "xin trợ cấp cho người cao tuổi",
        "làm thẻ bảo hiểm y tế cho hộ nghèo",
    ),
    "ho_kinh_doanh": ("đăng ký hộ kinh doanh", "thay đổi đăng ký hộ kinh doanh"),
    "nong_nghiep_moi_truong": (
        "xin hỗ trợ giống cây trồng",
        "làm hồ sơ hỗ trợ thiệt hại do bão",
    ),
    "khac": ("làm thủ tục", "xin xác nhận giấy tờ"),
}

# "{task}" is filled from TASKS; the first letter of a comment is capitalised later.
CONTEXTS: Final[tuple[str, ...]] = ("", "", "", "đi {task}, ", "{task}: ", "hôm nay {task}, ")

FILLERS: Final[dict[str, tuple[str, ...]]] = {
    "duration": (
        "gần hai tiếng",
        "cả buổi sáng",
        "hơn một tiếng",
        "mất cả buổi",
        "từ sáng đến gần trưa",
    ),
    "appointment": ("ba ngày", "một tuần", "hai lần"),
    "late": ("mấy ngày", "cả tuần", "hai lần liền"),
    "short": ("mười lăm phút", "nửa tiếng", "hai mươi phút"),
    "bad_staff": (
        "cáu gắt",
        "nói trống không",
        "thờ ơ",
        "hách dịch",
        "mải bấm điện thoại",
        "không thèm trả lời",
        "làm việc riêng trong giờ",
    ),
    "good_staff": ("nhiệt tình", "niềm nở, lịch sự", "vui vẻ hướng dẫn", "tận tình với người già"),
    "times": ("ba lần", "mấy lần", "nhiều lần", "hai lần"),
    "paper_detail": (
        "yêu cầu thêm giấy tờ",
        "phải photo nhiều bản",
        "kê khai nhiều mẫu",
        "giấy tờ phức tạp",
    ),
    "reason": (
        "thiếu một chữ ký",
        "sai mẫu tờ khai",
        "thiếu bản sao",
        "chưa có xác nhận của xóm",
    ),
    "informal": ("bồi dưỡng", "đưa tiền cà phê", "lót tay"),
    "fee_problem": ("thêm tiền ngoài", "tiền mà không có biên lai", "sai quy định"),
    "room": (
        "nóng, không có quạt",
        "chật chội, thiếu ghế ngồi",
        "điều hòa hỏng",
        "trời mưa bị dột",
    ),
    "online_problem": (
        "cổng dịch vụ công lỗi",
        "không đăng nhập được VNeID",
        "mạng chậm, phần mềm treo",
        "nộp trực tuyến không được",
        "ký số mãi không được",
    ),
    "info_problem": (
        "hướng dẫn không rõ",
        "không biết cần giấy tờ gì",
        "bảng niêm yết cũ, không cập nhật",
        "hỏi không ai chỉ",
        "mỗi người hướng dẫn một kiểu",
    ),
    "feedback_problem": (
        "gửi đơn kiến nghị mãi không thấy phản hồi",
        "phản ánh không ai trả lời",
        "góp ý mãi không thay đổi",
        "gọi đường dây nóng không ai nghe",
    ),
}

PROBLEM: Final[dict[str, tuple[str, ...]]] = {
    "waiting_time": (
        "chờ {duration} mới đến lượt",
        "xếp hàng {duration}",
        "hẹn {appointment} mà vẫn chưa trả kết quả",
        "lấy số rồi ngồi đợi {duration}",
        "giải quyết chậm quá, {duration} chưa xong",
        "trễ hẹn trả kết quả {late}",
    ),
    "staff_attitude": (
        "cán bộ {bad_staff}",
        "hỏi thì cán bộ {bad_staff}",
        "công chức {bad_staff}, người dân không dám hỏi",
    ),
    "paperwork": (
        "phải bổ sung hồ sơ {times}",
        "thủ tục rườm rà, {paper_detail}",
        "hồ sơ bị trả lại vì {reason}",
        "đi lại {times} vẫn chưa xong",
    ),
    "fees": (
        "phải {informal} mới được làm nhanh",
        "bị thu {fee_problem}",
        "lệ phí cao hơn mức niêm yết",
    ),
    "facilities": (
        "phòng chờ {room}",
        "máy lấy số hỏng",
        "nhà vệ sinh bẩn",
        "chỗ để xe chật",
    ),
    "online_systems": ("{online_problem}, phải lên tận nơi nộp lại", "{online_problem}"),
    "information": ("{info_problem}", "{info_problem} nên phải về lấy thêm giấy tờ"),
    "feedback_handling": ("{feedback_problem}",),
    "other": (
        "loa gọi số nhỏ quá, người già không nghe thấy",
        "không có lối đi cho xe lăn",
    ),
}

PRAISE: Final[dict[str, tuple[str, ...]]] = {
    "waiting_time": (
        "làm nhanh, không phải chờ",
        "trả kết quả đúng hẹn",
        "chưa đầy {short} đã xong",
    ),
    "staff_attitude": ("cán bộ {good_staff}", "công chức {good_staff}"),
    "paperwork": ("thủ tục đơn giản", "hồ sơ gọn nhẹ", "không phải đi lại nhiều"),
    "fees": ("đúng lệ phí niêm yết, có biên lai đầy đủ", "không mất chi phí gì thêm"),
    "facilities": ("phòng chờ sạch sẽ, có nước uống", "chỗ ngồi chờ thoáng mát"),
    "online_systems": (
        "nộp hồ sơ trực tuyến thuận tiện",
        "nộp trực tuyến rồi chỉ lên nhận kết quả",
    ),
    "information": (
        "hướng dẫn rõ ràng",
        "được chỉ dẫn cụ thể từng bước",
        "có tờ hướng dẫn dễ hiểu",
    ),
    "feedback_handling": (
        "góp ý lần trước đã được tiếp thu",
        "kiến nghị được trả lời nhanh",
    ),
    "other": ("có chỗ ưu tiên cho người già",),
}

# A theme outside the taxonomy that appears only after the 2025-07-01 merger.
AFTER_REFORM: Final[tuple[str, ...]] = (
    "trụ sở xã mới xa quá, đi lại vất vả",
    "từ xóm lên xã mới mất gần một tiếng",
    "sáp nhập xong không biết nộp hồ sơ ở đâu",
    "xã mới rộng quá, người già đi lại khó khăn",
)

# When a comment has no particular subject.
GENERIC_PROBLEM: Final[tuple[str, ...]] = ("chưa hài lòng", "cần cải thiện nhiều", "không ổn")
GENERIC_PRAISE: Final[tuple[str, ...]] = (
    "rất hài lòng",
    "mọi thứ đều ổn",
    "phục vụ tốt",
    "cảm ơn cán bộ xã",
)

OPENERS_PROBLEM: Final[tuple[str, ...]] = ("", "", "", "tôi thấy ", "nói thật là ", "lần này ")
OPENERS_PRAISE: Final[tuple[str, ...]] = ("", "", "", "lần này ", "tôi thấy ", "nhìn chung ")

# Joiners between two cores of the same tone.
JOINERS_PROBLEM: Final[tuple[str, ...]] = (", ", ". Ngoài ra ", ", lại còn ", "; ")
JOINERS_PRAISE: Final[tuple[str, ...]] = (", ", " và ", ". Ngoài ra ")

CLOSERS_PROBLEM: Final[tuple[str, ...]] = (
    ".",
    ".",
    "!",
    ". Mong xã cải thiện.",
    ". Đề nghị lãnh đạo xã xem lại.",
    ", mệt quá.",
    ". Người dân rất vất vả.",
)
CLOSERS_PRAISE: Final[tuple[str, ...]] = (
    ".",
    ".",
    "!",
    ". Cảm ơn cán bộ xã!",
    ", rất hài lòng.",
    ". Mong giữ được như vậy.",
)

# The name a simulated kiosk is enrolled under (intake shows it in `kiosk list`).
KIOSK_NAME: Final = "Mô phỏng – {commune} – Quầy {n}"
