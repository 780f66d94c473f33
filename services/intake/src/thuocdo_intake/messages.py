"""Every text a citizen or an operator reads from intake, Vietnamese first.

``KIOSK`` holds the kiosk page's strings (the page receives them as JSON and never
hard-codes text); ``API`` the English messages of the HTTP API's refusals (read by
developers of kiosk clients). Labels of fields, issues and SIPAS criteria come from
the shared reference data, not from here.
"""

from __future__ import annotations

import unicodedata

KIOSK: dict[str, dict[str, str]] = {
    "vi": {
        "title": "Đánh giá mức độ hài lòng",
        "question": "Ông/Bà hài lòng đến mức nào với việc giải quyết thủ tục hôm nay?",
        "tap_hint": "Xin Ông/Bà chạm vào một hình khuôn mặt",
        "field_question": "Ông/Bà vừa làm thủ tục thuộc lĩnh vực nào?",
        "problem_question": "Ông/Bà chưa hài lòng về điều gì?",
        "praise_question": "Ông/Bà hài lòng về điều gì?",
        "choose_many": "Ông/Bà có thể chọn nhiều ý",
        "sipas_intro": "Xin Ông/Bà đánh giá từng tiêu chí",
        "sipas_step": "Phần {i}/{n}",
        "sipas_step_said": "Phần {i} trong {n} phần",
        "sipas_missing": (
            "Còn {n} tiêu chí chưa được đánh giá. Xin Ông/Bà chọn mức đánh giá cho các tiêu chí"
            " đó, hoặc chạm “Tiếp tục” một lần nữa để bỏ qua."
        ),
        # (the overall rating: above SIPAS criteria scored with the same labels)
        "chosen": "Đánh giá chung của Ông/Bà: {label}",
        "comment_label": "Ông/Bà có góp ý gì thêm không? (không bắt buộc)",
        "comment_placeholder": "Nhập góp ý của Ông/Bà…",
        "comment_left": "Còn {n} ký tự",
        "comment_cut": (
            "Góp ý chỉ được viết tối đa {max} ký tự nên phần vượt quá đã bị cắt bớt."
            " Xin Ông/Bà xem lại trước khi gửi."
        ),
        "next": "Tiếp tục",
        "skip": "Bỏ qua",
        "back": "Quay lại",
        "send": "Gửi đánh giá",
        "thanks": "Cảm ơn Ông/Bà đã đánh giá!",
        "thanks_sub": "Ý kiến của Ông/Bà giúp chúng tôi phục vụ tốt hơn.",
        "idle_warning": "Ông/Bà có cần thêm thời gian không? Nếu cần, xin chạm vào màn hình."
        " Nếu không chạm, đánh giá sẽ được tự động gửi với các lựa chọn hiện có.",
        "pending": "{n} đánh giá đang chờ gửi",
        "pending_kept": "{n} đánh giá không gửi được, vẫn được lưu trên máy này để đối chiếu",
        "offline": (
            "Tạm thời mất kết nối: đánh giá đã được lưu trên máy và sẽ được tự động gửi khi"
            " có kết nối trở lại."
        ),
        "not_enrolled": "Máy này chưa được đăng ký sử dụng. Xin Ông/Bà báo cho cán bộ tại quầy.",
        "bad_link": "Máy này chưa được đăng ký đúng. Xin Ông/Bà báo cho cán bộ tại quầy.",
        "bad_link_staff": (
            "Dành cho cán bộ: đường liên kết đăng ký vừa mở không đầy đủ (có thể đã bị cắt"
            " khi gửi qua tin nhắn). Xin mở lại đường liên kết đầy đủ do quản trị viên hệ"
            " thống cung cấp."
        ),
        "revoked": "Máy này không còn được phép gửi đánh giá. Xin Ông/Bà báo cho cán bộ tại quầy.",
        "revoked_staff": (
            "Dành cho cán bộ: máy “{name}” (mã {id}) đã bị thu hồi quyền gửi đánh giá."
            " Để sử dụng lại, cần đăng ký lại máy bằng đường liên kết mới do quản trị viên"
            " hệ thống cấp."
        ),
        "revoked_staff_unknown": (
            "Dành cho cán bộ: máy này đã bị thu hồi quyền gửi đánh giá."
            " Để sử dụng lại, cần đăng ký lại máy bằng đường liên kết mới do quản trị viên"
            " hệ thống cấp."
        ),
        "revoked_kept": "Trên máy còn lưu {n} đánh giá chưa gửi được.",
        "revoked_none_kept": "Trên máy không còn đánh giá nào chờ gửi.",
        "no_connection": (
            "Tạm thời chưa kết nối được. Máy sẽ tự thử lại, xin Ông/Bà chờ trong giây lát."
        ),
        "loading": "Đang tải…",
        "other_lang": "English",
        "commune": "Bộ phận Một cửa",
    },
    "en": {
        "title": "Satisfaction survey",
        "question": "How satisfied are you with the service today?",
        "tap_hint": "Tap a face",
        "field_question": "Which field was your procedure in?",
        "problem_question": "What went wrong?",
        "praise_question": "What went well?",
        "choose_many": "You may choose several",
        "sipas_intro": "Please rate each criterion",
        "sipas_step": "Part {i} of {n}",
        "sipas_step_said": "Part {i} of {n}",
        "sipas_missing": (
            "Criteria not rated yet: {n}. Please rate them, or press “Next” again to skip them."
        ),
        "chosen": "Your overall rating: {label}",
        "comment_label": "Anything to add? (optional)",
        "comment_placeholder": "Type your comment…",
        "comment_left": "{n} characters left",
        "comment_cut": (
            "A comment may have at most {max} characters: the end of your text was cut."
            " Please check it before sending."
        ),
        "next": "Next",
        "skip": "Skip",
        "back": "Back",
        "send": "Send",
        "thanks": "Thank you for your feedback!",
        "thanks_sub": "Your opinion helps us serve you better.",
        "idle_warning": "Need more time? Touch the screen. Otherwise your rating is sent as it is.",
        "pending": "Ratings waiting to be sent: {n}",
        "pending_kept": "Ratings not sent, kept on this tablet for checking: {n}",
        "offline": "Connection lost for now: ratings are kept on this tablet and sent later.",
        "not_enrolled": "This tablet is not enrolled. Please tell the staff at the counter.",
        "bad_link": "This tablet is not enrolled correctly. Please tell the staff at the counter.",
        "bad_link_staff": (
            "For staff: the enrolment link just opened is incomplete (it may have been cut"
            " when sent in a message). Open the whole link from the system operator again."
        ),
        "revoked": "This tablet may no longer send ratings. Please tell the staff at the counter.",
        "revoked_staff": (
            "For staff: this tablet (“{name}”, id {id}) has been revoked and may no longer"
            " send ratings. Enrol it again with a new enrolment link from the system operator."
        ),
        "revoked_staff_unknown": (
            "For staff: this tablet has been revoked and may no longer send ratings."
            " Enrol it again with a new enrolment link from the system operator."
        ),
        "revoked_kept": "Ratings kept on this tablet, not sent: {n}.",
        "revoked_none_kept": "No ratings are left waiting on this tablet.",
        "no_connection": "Not connected yet. Trying again, please wait a moment.",
        "loading": "Loading…",
        "other_lang": "Tiếng Việt",
        "commune": "One-stop shop",
    },
}

API: dict[str, str] = {
    "unauthorized": "A valid kiosk token is required (Authorization: Bearer <token>).",
    "rate_limited": "Too many responses from this kiosk; retry after the given seconds.",
    "content_type": "Content-Type must be application/json.",
    "not_json": "The body is not a UTF-8 JSON object.",
    "too_large": "The body is larger than the limit.",
    "unavailable": "The response could not be stored; please retry.",
    "era_before": "Before this kiosk's commune ({name}) existed ({start}).",
    "era_after": "After this kiosk's commune ({name}) was abolished ({end}).",
    "era_unknown": "This kiosk's commune ({key}) is not in the unit registry.",
    "before_enrolment": "Before this kiosk was enrolled ({start}).",
    "before_accepts_from": "Before the first day this kiosk may send ({start}).",
}


def kiosk_catalogue() -> dict[str, dict[str, str]]:
    """The kiosk strings, NFC-normalised (one spelling of each Vietnamese letter)."""
    return {
        lang: {k: unicodedata.normalize("NFC", v) for k, v in table.items()}
        for lang, table in KIOSK.items()
    }
