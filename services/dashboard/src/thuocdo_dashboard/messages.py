"""Every string a leader reads, Vietnamese first, English second. One catalogue:
templates and views take their text from here through :func:`text`."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable

from markupsafe import Markup, escape
from thuocdo_shared.numbers import half_up
from thuocdo_shared.units import LOCAL_TZ

from .periods import Period

LANGS = ("vi", "en")

CATALOGUE: dict[str, tuple[str, str]] = {
    "app_name": ("Thước đo", "Thước đo"),
    "tagline": (
        "Mức độ hài lòng của người dân đối với Bộ phận Một cửa",
        "Citizen satisfaction with one-stop shops",
    ),
    "nav_overview": ("Tổng quan", "Overview"),
    "nav_accounts": ("Tài khoản", "Accounts"),
    "admin_title": ("Tài khoản người dùng", "User accounts"),
    "admin_note": (
        "Mật khẩu mới được tạo ngẫu nhiên và chỉ hiện một lần; các phiên đăng nhập đang mở"
        " của tài khoản đó sẽ kết thúc.",
        "A new password is random and shown once; the account's open sessions end.",
    ),
    "admin_name": ("Tên đăng nhập", "Login name"),
    "admin_role": ("Vai trò", "Role"),
    "admin_unit": ("Đơn vị", "Unit"),
    "admin_state": ("Trạng thái", "State"),
    "admin_created": ("Ngày tạo", "Created"),
    "admin_actions": ("Thao tác", "Actions"),
    "admin_every_unit": ("Mọi đơn vị", "Every unit"),
    "role_admin": ("Quản trị", "Admin"),
    "role_district": ("Cấp huyện/tỉnh", "District/province"),
    "role_commune": ("Cấp xã", "Commune"),
    "admin_active": ("Đang hoạt động", "Active"),
    "admin_is_disabled": ("Đã vô hiệu hóa", "Disabled"),
    "admin_locked": (
        "tạm khóa đăng nhập đến {time} (nhập sai mật khẩu nhiều lần)",
        "login locked until {time} (too many wrong passwords)",
    ),
    "admin_typed_as_shown": (
        "chỉ đăng nhập được khi gõ tên đúng y như hiển thị (một tài khoản khác có cùng tên"
        " viết thường)",
        "logs in only typed exactly as shown (another account has its lower-case spelling)",
    ),
    "admin_you": ("(bạn)", "(you)"),
    "admin_do_password": ("Cấp mật khẩu mới", "New password"),
    "admin_do_disable": ("Vô hiệu hóa", "Disable"),
    "admin_do_enable": ("Kích hoạt lại", "Enable"),
    "admin_confirm_password": (
        "Cấp mật khẩu mới cho {name}? Mật khẩu cũ sẽ không dùng được nữa.",
        "Give {name} a new password? The old one will stop working.",
    ),
    "admin_confirm_disable": (
        "Vô hiệu hóa tài khoản {name}? Người dùng sẽ bị đăng xuất ngay.",
        "Disable {name}? They will be logged out at once.",
    ),
    "admin_do_unlock": ("Mở khóa đăng nhập", "Unlock login"),
    "admin_addresses": (
        "Địa chỉ IP bị tạm khóa đăng nhập",
        "IP addresses locked out of logging in",
    ),
    "admin_address_until": ("{address}: đến {time}", "{address}: until {time}"),
    "admin_new_password": (
        "Mật khẩu mới của {name} (chỉ hiện một lần, hãy chuyển cho người dùng qua kênh an toàn):",
        "New password of {name} (shown once only; pass it on by a safe channel):",
    ),
    "admin_unlocked": (
        "Đã mở khóa đăng nhập cho {who} (xóa {n} lần đăng nhập sai).",
        "Unlocked {who} ({n} failed login forgotten).|Unlocked {who} ({n} failed logins"
        " forgotten).",
    ),
    "admin_unlocked_none": (
        "{who} không có lần đăng nhập sai nào cần xóa.",
        "{who} had no failed logins to forget.",
    ),
    "admin_new_account_password": (
        "Mật khẩu của tài khoản mới {name} (chỉ hiện một lần, hãy chuyển cho người dùng qua"
        " kênh an toàn):",
        "Password of the new account {name} (shown once only; pass it on by a safe channel):",
    ),
    "admin_sent_again": (
        "Biểu mẫu trên trang này đã được gửi trước đó (trang được tải lại, quay lại, hoặc"
        " bấm hai lần) nên thao tác không được thực hiện lại. Mật khẩu chỉ hiện một lần:"
        " nếu chưa kịp ghi lại, hãy cấp mật khẩu mới.",
        "A form of this page was sent before (the page was reloaded or gone back to, or a"
        " button pressed twice), so nothing was done again. A password is shown once only:"
        " if it was not noted, give a new one.",
    ),
    "admin_already_disabled": (
        "Tài khoản {name} đã bị vô hiệu hóa từ trước.",
        "{name} was already disabled.",
    ),
    "admin_last_admin": (
        "Không thể vô hiệu hóa tài khoản quản trị cuối cùng còn hoạt động.",
        "The last enabled admin account cannot be disabled.",
    ),
    "admin_not_self_password": (
        "Không thể tự cấp mật khẩu mới cho tài khoản đang đăng nhập (phiên này sẽ kết thúc);"
        " hãy dùng lệnh thuocdo-dashboard user password trên máy chủ hoặc nhờ một quản trị"
        " viên khác.",
        "You cannot give the account you are logged in with a new password here (this"
        " session would end): use thuocdo-dashboard user password on the server, or ask"
        " another admin.",
    ),
    "admin_disabled": (
        "Đã vô hiệu hóa tài khoản {name}; các phiên đăng nhập đang mở đã kết thúc.",
        "Disabled {name}; its open sessions have ended.",
    ),
    "admin_enabled": ("Đã kích hoạt lại tài khoản {name}.", "Enabled {name}."),
    "admin_not_self_disable": (
        "Không thể tự vô hiệu hóa tài khoản đang đăng nhập.",
        "You cannot disable the account you are logged in with.",
    ),
    "admin_no_user": ("Không có tài khoản {name}.", "No account {name}."),
    "admin_add_title": ("Thêm tài khoản", "Add an account"),
    "admin_add_unit_hint": (
        "Cấp huyện/tỉnh: mã huyện hoặc tỉnh (ví dụ 173). Cấp xã: mã xã đang hoạt động (ví"
        " dụ 05953), hoặc mã đầy đủ của một xã cũ như ở cột Đơn vị (ví dụ 05959@-). Quản"
        " trị: để trống (tài khoản quản trị xem được mọi đơn vị).",
        "District/province: a district or province code (e.g. 173). Commune: the code of a"
        " commune in force (e.g. 05953), or a former commune's full key as in the Unit"
        " column (e.g. 05959@-). Admin: leave empty (an admin sees every unit).",
    ),
    "admin_confirm_admin": (
        "Tạo tài khoản quản trị? Tài khoản này xem được mọi đơn vị và quản lý được mọi tài khoản.",
        "Create an admin account? It sees every unit and manages every account.",
    ),
    "admin_add_button": ("Tạo tài khoản", "Create the account"),
    "admin_added": (
        "Đã tạo tài khoản {name} ({role}, {unit}).",
        "Created the account {name} ({role}, {unit}).",
    ),
    "admin_add_failed": ("Chưa tạo được tài khoản: {reason}", "Not created: {reason}"),
    "name_empty": ("chưa nhập tên đăng nhập.", "the login name is empty."),
    "name_long": (
        "tên đăng nhập dài quá {max} ký tự.",
        "the login name is longer than {max} characters.",
    ),
    "name_space": (
        "tên đăng nhập không được có dấu cách hay ký tự điều khiển.",
        "the login name may not contain spaces or control characters.",
    ),
    "name_taken": ("đã có tài khoản tên {name}.", "an account named {name} exists."),
    "name_lookalike": (
        "tên đăng nhập trộn lẫn chữ cái của nhiều hệ chữ viết hoặc có chữ trông giống chữ"
        " khác (ví dụ chữ “а” Kirin).",
        "the login name mixes alphabets or has look-alike letters (e.g. a Cyrillic “а”).",
    ),
    "bind_role": ("không có vai trò {role}.", "there is no role {role}."),
    "bind_admin_unit": (
        "tài khoản quản trị không gắn với đơn vị nào: hãy để trống ô Đơn vị, hoặc chọn vai"
        " trò khác.",
        "an admin account has no unit: leave the Unit empty, or choose another role.",
    ),
    "bind_no_unit": (
        "tài khoản cấp huyện/tỉnh hoặc cấp xã cần mã đơn vị.",
        "a district or commune account needs a unit code.",
    ),
    "bind_unknown": ("không có đơn vị mã {unit}.", "there is no unit with code {unit}."),
    "bind_not_district": (
        "tài khoản cấp huyện/tỉnh phải gắn với mã một huyện hoặc tỉnh, không phải một xã.",
        "a district account must be bound to a district or province code, not a commune.",
    ),
    "bind_not_commune": (
        "tài khoản cấp xã phải gắn với mã một xã.",
        "a commune account must be bound to a commune.",
    ),
    "bind_ended": (
        "{name} (mã {unit}) không còn là đơn vị hành chính từ ngày {since}; địa bàn nay thuộc"
        " {later}. Hãy nhập mã xã đó, hoặc {old_key} nếu muốn gắn với xã cũ.",
        "{name} (code {unit}) has not been an administrative unit since {since}; its area is"
        " now part of {later}. Give that commune's code, or {old_key} for the former one.",
    ),
    "nav_issues": ("Vấn đề", "Issues"),
    "logout": ("Đăng xuất", "Log out"),
    "other_lang": ("English", "Tiếng Việt"),
    "login_title": ("Đăng nhập", "Log in"),
    "username": ("Tên đăng nhập", "User name"),
    "password": ("Mật khẩu", "Password"),
    "login_button": ("Đăng nhập", "Log in"),
    "session_ended": (
        "Phiên đăng nhập đã kết thúc (đã đăng xuất ở thẻ khác, tài khoản bị vô hiệu hóa hoặc"
        " phiên đã kéo dài quá {hours} giờ). Số liệu trên trang này không còn được cập nhật.",
        "Your session has ended (logged out in another tab, account disabled, or the session"
        " passed {hours} hours). The figures on this page are no longer updated.",
    ),
    "login_again": ("Đăng nhập lại", "Log in again"),
    "login_stale": (
        "Trang đăng nhập này đã cũ (có thể bạn vừa đăng nhập hoặc đăng xuất ở một thẻ khác)."
        " Vui lòng đăng nhập lại.",
        "This login page was out of date (perhaps you logged in or out in another tab)."
        " Please log in again.",
    ),
    "login_bad": ("Tên đăng nhập hoặc mật khẩu không đúng.", "Wrong user name or password."),
    "login_locked": (
        "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {minutes} phút.",
        "Too many failed logins. Please try again in {minutes} minutes.",
    ),
    "csrf_failed": (
        "Biểu mẫu đã hết hạn hoặc không hợp lệ. Vui lòng tải lại trang và thử lại.",
        "The form has expired or is invalid. Please reload the page and try again.",
    ),
    "forbidden": (
        "Bạn không có quyền xem số liệu của đơn vị này.",
        "You may not see this unit's figures.",
    ),
    "not_found": ("Không tìm thấy trang hoặc đơn vị.", "Page or unit not found."),
    "bad_request": ("Yêu cầu không hợp lệ.", "Bad request."),
    "bad_period": (
        "Kỳ báo cáo không hợp lệ: {period}",
        "Invalid reporting period: {period}",
    ),
    "download_unavailable": (
        "Chưa tạo được tệp tải về: hệ thống tính chỉ số chưa cung cấp đủ số liệu mới nhất."
        " Vui lòng thử lại sau ít phút.",
        "The file could not be made: the scoring service did not answer with current"
        " figures. Please try again in a few minutes.",
    ),
    "server_error": (
        "Đã có lỗi xảy ra. Vui lòng thử lại sau.",
        "Something went wrong. Please try again later.",
    ),
    "error_title": ("Không thể hiển thị trang", "Cannot show this page"),
    "back_home": ("Về trang tổng quan", "Back to the overview"),
    "data_stalled_since": (
        "Số liệu đã ngừng cập nhật từ lúc {time}: các phiếu mới chưa được tính. Vui lòng báo"
        " cho quản trị viên hệ thống.",
        "Figures have not been updated since {time}: new responses are not counted."
        " Please tell the administrator.",
    ),
    "data_never_updated": (
        "Số liệu chưa được cập nhật lần nào: các phiếu mới chưa được tính. Vui lòng báo cho"
        " quản trị viên hệ thống.",
        "Figures have never been updated: new responses are not counted."
        " Please tell the administrator.",
    ),
    "scoring_down_since": (
        "Không kết nối được với hệ thống tính chỉ số; số liệu đang hiển thị được cập nhật lúc"
        " {time}.",
        "Cannot reach the scoring service; the figures shown were last updated at {time}.",
    ),
    "scoring_down_nodata": (
        "Không kết nối được hệ thống tính chỉ số; chưa có số liệu để hiển thị.",
        "Cannot reach the scoring service; there are no figures to show yet.",
    ),
    "scoring_partial": (
        "Một phần số liệu chưa tải kịp nên tạm thời chưa hiển thị.",
        "The scoring service did not answer in time for part of the figures;"
        " that part is not shown yet.",
    ),
    "period": ("Kỳ báo cáo", "Period"),
    "period_so_far": ("{period} (đến ngày {day})", "{period} (to {day})"),
    "period_future": (
        "Kỳ báo cáo này chưa bắt đầu (từ ngày {start}) nên chưa có phiếu đánh giá nào.",
        "This period has not begun (it starts on {start}), so there are no responses yet.",
    ),
    "months": ("Theo tháng", "By month"),
    "quarters": ("Theo quý", "By quarter"),
    "years": ("Theo năm", "By year"),
    "month_label": ("Tháng {m}/{y}", "{mon} {y}"),
    "quarter_label": ("Quý {q}/{y}", "Q{q} {y}"),
    "year_label": ("Năm {y}", "{y}"),
    "week_label": ("Tuần {w}/{y}", "Week {w}, {y}"),
    "day_label": ("{d:02d}/{m:02d}/{y}", "{d:02d}/{m:02d}/{y}"),
    "period_iso": ("Mã kỳ", "Period code"),
    "show": ("Xem", "Show"),
    "unit": ("Đơn vị", "Unit"),
    "index": ("Chỉ số hài lòng", "Satisfaction index"),
    "index_short": ("Chỉ số (%)", "Index (%)"),
    "interval": ("Khoảng tin cậy 95%", "95% interval"),
    "ci_low": ("Cận dưới (%)", "Lower bound (%)"),
    "ci_high": ("Cận trên (%)", "Upper bound (%)"),
    "n_answers": ("Số phiếu", "Responses"),
    "n_short": ("{n} phiếu", "{n} response|{n} responses"),
    "satisfied": ("Số phiếu hài lòng", "Satisfied"),
    "mean": ("Điểm trung bình (1–5)", "Mean score (1–5)"),
    "small_sample": ("Mẫu nhỏ", "Small sample"),
    "small_sample_note": (
        "Mẫu nhỏ: số phiếu còn ít nên chỉ số chưa đủ tin cậy; không nên dùng để so sánh thứ hạng.",
        "Small sample: few responses, the index is not precise; do not compare ranks.",
    ),
    "suspect_excluded": (
        "Không tính {n} phiếu mà thiết bị đánh giá đã đánh dấu cần xem lại (chạm quá nhanh,"
        " nhiều phiếu giống nhau liên tiếp hoặc ngày giờ không chắc chắn).",
        "{n} response flagged by the kiosk for checking (taps too fast, a burst of identical"
        " ratings, or an uncertain date) is not counted.|{n} responses flagged by the kiosk"
        " for checking (taps too fast, a burst of identical ratings, or an uncertain date)"
        " are not counted.",
    ),
    "index_def": (
        "Tỷ lệ % số phiếu đánh giá “Hài lòng” hoặc “Rất hài lòng”.",
        "Share (%) of responses rating “Satisfied” or “Very satisfied”.",
    ),
    "trend": ("Xu hướng", "Trend"),
    "trend_period": ("Kỳ", "Period"),
    "ranking": ("Xếp hạng các {kinds}", "Ranking of communes"),
    "ranking_table": ("Xem bảng số liệu xếp hạng", "Show the ranking as a table"),
    "trend_table": ("Xem bảng số liệu xu hướng", "Show the trend as a table"),
    "trend_chart_label": (
        "Biểu đồ chỉ số hài lòng theo thời gian; số liệu có trong bảng xu hướng ngay bên dưới.",
        "Chart of the satisfaction index over time; the figures are in the trend table below.",
    ),
    "trend_mark": (
        "Đường đứt nét màu cam đánh dấu ngày sắp xếp đơn vị hành chính ({dates}); các đơn"
        " vị trực thuộc trước và sau mốc này không giống nhau.",
        "The dashed orange line marks the reorganisation of administrative units ({dates});"
        " the units under this one differ before and after it.",
    ),
    "trend_mark_formed": (
        "Đường đứt nét màu cam đánh dấu ngày sắp xếp đơn vị hành chính ({dates}); đơn vị"
        " này được thành lập từ mốc đó nên trước đó không có số liệu.",
        "The dashed orange line marks the reorganisation of administrative units ({dates});"
        " this unit was formed then and has no figures before it.",
    ),
    "trend_mark_ended": (
        "Đường đứt nét màu cam đánh dấu ngày sắp xếp đơn vị hành chính ({dates}); đơn vị"
        " này không còn từ mốc đó nên sau đó không có số liệu.",
        "The dashed orange line marks the reorganisation of administrative units ({dates});"
        " this unit ended then and has no figures after it.",
    ),
    "trend_mark_short": ("Sắp xếp đơn vị hành chính", "Units reorganised"),
    "rank": ("Hạng", "Rank"),
    "ranking_mixed": (
        "Kỳ này có đơn vị chỉ tồn tại trong một phần của kỳ (trước hoặc sau khi sắp xếp đơn"
        " vị hành chính): mỗi đơn vị được tính theo số phiếu trong thời gian tồn tại.",
        "Some units were in force for only part of this period (before or after the"
        " reorganisation of units): each counts the responses of its own time.",
    ),
    "shrunk": ("Chỉ số đã điều chỉnh (%)", "Adjusted index (%)"),
    "shrunk_note": (
        "Thứ hạng được xếp theo chỉ số đã điều chỉnh theo số phiếu (ký hiệu ◆, ghi dưới chỉ số),"
        " để đơn vị có ít phiếu không đứng đầu hoặc đứng cuối chỉ do yếu tố ngẫu nhiên. Vạch"
        " ngang thể hiện khoảng tin cậy 95%; đường chấm màu đỏ là ngưỡng cảnh báo.",
        "Ranked by the index adjusted for the number of responses (marked ◆, shown under the"
        " index), so a commune with few responses is not first or last by chance. Whiskers"
        " show the 95% interval; the dotted red line is the alert threshold.",
    ),
    "commune": ("{kinds_heading}", "Commune"),
    "heatmap": ("Vấn đề theo {kinds}", "Issues by commune"),
    "groups": ("Nhóm {kinds} có vấn đề giống nhau", "Communes with similar problems"),
    "groups_note": (
        "Các {kinds} được xếp thành nhóm theo tỷ lệ phiếu chưa hài lòng nêu từng vấn đề, theo"
        " chỉ số hài lòng và chỉ số các yếu tố SIPAS (nếu có phiếu SIPAS): các {kinds} cùng"
        " nhóm gặp những vấn đề giống nhau, có thể áp dụng chung một cách khắc phục. Chỉ số và"
        " tỷ lệ của nhóm được tính trên toàn bộ phiếu của các {kinds} trong nhóm; mỗi {kinds}"
        " có tỷ lệ của riêng mình, theo thứ tự các vấn đề của nhóm.",
        "Communes are grouped by the share of unsatisfied responses raising each issue, by"
        " their satisfaction index and by their SIPAS dimension indices (if answered): the"
        " communes of a group share the same problems and may share a remedy. A group's index"
        " and shares count all its communes' responses; each commune has its own shares, in"
        " the order of the group's issues.",
    ),
    "groups_too_few": (
        "Cần ít nhất 3 {kinds} có từ {n} phiếu trở lên trong kỳ để so sánh và xếp nhóm; kỳ"
        " này có {placed}.",
        "Grouping needs at least 3 communes with {n} responses or more in the period; this"
        " period has {placed}.",
    ),
    "group_label": ("Nhóm {id}", "Group {id}"),
    "group_ungrouped": ("Chưa xếp nhóm (dưới {n} phiếu)", "Not grouped (under {n} responses)"),
    "group_issues": (
        "Vấn đề nêu nhiều nhất (% số phiếu)",
        "Issues raised most (% of responses)",
    ),
    "group_no_issue": ("Không có phiếu nào phản ánh", "No complaint"),
    # a column of the groups' file: an issue's share of a group's or commune's responses
    "group_issue_share": ("{issue} (%)", "{issue} (%)"),
    "group": ("Nhóm", "Group"),
    "heatmap_note": (
        "Mỗi ô là tỷ lệ % số phiếu chưa hài lòng (1–3 điểm) nêu vấn đề ở cột đó (chọn vấn"
        " đề đó, hoặc không chọn vấn đề cụ thể nào nhưng có góp ý được phân loại tự động vào"
        " vấn đề đó), trên tổng số phiếu của đơn vị. Vấn đề nêu kèm đánh giá 4–5 điểm là lời"
        " khen nên không được tính. Dòng “Mẫu nhỏ” có ít phiếu (màu nhạt hơn): tỷ lệ chưa đủ"
        " tin cậy. Chọn một ô để xem nội dung góp ý của những phiếu đó (không phải phiếu nào"
        " cũng có góp ý).",
        "Each cell is a % of all the commune's responses: those rated 1–3 that raised the"
        " issue (ticked it, or ticked no specific issue and wrote a comment classified under"
        " it automatically). An issue raised with a 4–5 rating is praise and is not counted."
        " A “Small sample” row has few responses (paler colours): its shares are not precise."
        " Choose a cell for the written comments of those responses (not every response has"
        " one).",
    ),
    "alerts": ("Cảnh báo", "Alerts"),
    "alert_kind": ("Nội dung cảnh báo", "Alert"),
    "alert_below": (
        "Chỉ số {index} thấp hơn ngưỡng cảnh báo {threshold}",
        "Index {index} is below the threshold {threshold}",
    ),
    "alert_drop": (
        "Giảm rõ rệt so với kỳ trước: {points} điểm phần trăm, từ {previous} xuống {index};"
        " mức giảm này khó có thể chỉ do ngẫu nhiên (p {p})",
        "Clear drop against the previous period: {points} percentage points, from {previous} to"
        " {index};"
        " a drop this large is unlikely to be chance (p {p})",
    ),
    "previous_index": ("Chỉ số kỳ trước (%)", "Previous index (%)"),
    "year_ago": (
        "Cùng kỳ năm trước ({period}): {index} ({n} phiếu); {change}.",
        "Same period last year ({period}): {index} ({n} response); {change}."
        "|Same period last year ({period}): {index} ({n} responses); {change}.",
    ),
    "year_ago_up": (
        "nay tăng {points} điểm phần trăm",
        "now {points} percentage points higher",
    ),
    "year_ago_down": (
        "nay giảm {points} điểm phần trăm",
        "now {points} percentage points lower",
    ),
    "year_ago_same": ("nay không đổi", "unchanged"),
    "year_ago_sure": (
        "{change}; mức chênh lệch này khó có thể chỉ do ngẫu nhiên (p {p})",
        "{change}; a difference this large is unlikely to be chance (p {p})",
    ),
    "year_ago_unsure": (
        "{change}, nhưng mức chênh lệch này có thể chỉ do ngẫu nhiên (p {p})",
        "{change}, but this may be chance (p {p})",
    ),
    "year_ago_none": (
        "Cùng kỳ năm trước ({period}) không có phiếu đánh giá nào để so sánh.",
        "No responses in the same period last year ({period}) to compare with.",
    ),
    "year_ago_absent": (
        "Cùng kỳ năm trước ({period}), đơn vị này chưa được thành lập nên không có số liệu"
        " để so sánh.",
        "This unit did not exist yet in the same period last year ({period}): nothing to"
        " compare with.",
    ),
    "year_ago_not_loaded": (
        "Chưa tải được số liệu cùng kỳ năm trước: hệ thống tính chỉ số không phản hồi.",
        "The figures of the same period last year could not be loaded: the scoring service"
        " does not answer.",
    ),
    "no_alerts": ("Không có cảnh báo trong kỳ này.", "No alerts for this period."),
    "no_data": ("Chưa có số liệu cho kỳ này.", "No figures for this period."),
    "trend_empty": (
        "Chưa có phiếu đánh giá nào trong khoảng thời gian của biểu đồ.",
        "No responses in the time span of the chart.",
    ),
    "trend_empty_issue": (
        "Không có phiếu nào nêu vấn đề này trong khoảng thời gian của biểu đồ.",
        "No response raised this issue in the time span of the chart.",
    ),
    "not_loaded": (
        "Chưa tải được số liệu: hệ thống tính chỉ số không trả lời.",
        "The figures could not be loaded: the scoring service does not answer.",
    ),
    "heat_link": (
        "Xem góp ý của người dân chưa hài lòng ở {unit} về “{issue}”",
        "Comments of the unsatisfied in {unit} on “{issue}”",
    ),
    "skip_to_main": ("Chuyển đến nội dung chính", "Skip to main content"),
    "skip_table": ("Bỏ qua bảng “{what}”", "Skip the table “{what}”"),
    "download_csv": ("Tải CSV", "Download CSV"),
    "download_xlsx": ("Tải Excel", "Download Excel"),
    "scroll_hint": ("Vuốt ngang để xem thêm cột →", "Swipe sideways for more columns →"),
    "updated_at": ("Cập nhật lúc {time}", "Updated at {time}"),
    "live_on": ("Đang tự động cập nhật", "Live updates on"),
    "unit_gone": (
        "{unit} (cũ) không còn là đơn vị hành chính từ ngày {since}; số liệu dưới đây là của"
        " các đơn vị cấp xã được thành lập trên địa bàn cũ.",
        "{unit} (former) has not been an administrative unit since {since}; the figures below"
        " are those of the communes formed on its former territory.",
    ),
    "commune_before": (
        "{unit} được thành lập từ ngày {since}, sau kỳ báo cáo này, nên kỳ này không có số"
        " liệu của đơn vị này.",
        "{unit} was formed on {since}, after this period, so it has no figures for it.",
    ),
    "commune_after": (
        "{unit} (cũ) không còn là đơn vị hành chính từ ngày {since}; kỳ này không có số liệu"
        " của đơn vị này.",
        "{unit} (former) has not been an administrative unit since {since}; it has no"
        " figures for this period.",
    ),
    "commune_formed_within": (
        "{unit} được thành lập từ ngày {since}; số liệu kỳ này chỉ tính từ ngày đó.",
        "{unit} was formed on {since}; this period's figures count from that day only.",
    ),
    "commune_ended_within": (
        "{unit} (cũ) không còn là đơn vị hành chính từ ngày {since}; số liệu kỳ này chỉ"
        " tính đến trước ngày đó.",
        "{unit} (former) has not been an administrative unit since {since}; this period's"
        " figures count up to the day before.",
    ),
    "former_name": ("{name} (cũ)", "{name} (former)"),
    "earlier_figures": ("Số liệu của các đơn vị cũ", "Figures of the former units"),
    "later_figures": ("Số liệu của đơn vị mới", "Figures of the new unit(s)"),
    "sipas": (
        "Chỉ số hài lòng về sự phục vụ hành chính (SIPAS): các yếu tố và tiêu chí",
        "Satisfaction index of administrative services (SIPAS): dimensions and criteria",
    ),
    "sipas_overall": ("Chỉ số SIPAS chung", "Overall SIPAS index"),
    "sipas_overall_note": (
        "Chỉ số này được tính trên các phiếu trả lời bộ câu hỏi SIPAS (5 yếu tố, 19 tiêu chí;"
        " người dân có thể bỏ qua một số tiêu chí), nên có thể khác chỉ số hài lòng ở đầu"
        " trang, vốn tính trên mọi phiếu.",
        "From the responses that answered the SIPAS questionnaire (5 dimensions, 19"
        " criteria; a citizen may skip some criteria), so it can differ from the"
        " satisfaction index at the top, which counts every response.",
    ),
    "sipas_damped": (
        "Yếu tố có ít phiếu trả lời (mẫu nhỏ) chỉ được tính một phần vào chỉ số chung, theo"
        " số phiếu: {names}.",
        "Counted in the overall index only in part, by their number of answers (small"
        " sample): {names}.",
    ),
    "sipas_none": (
        "Kỳ này chưa có phiếu nào trả lời bộ câu hỏi SIPAS.",
        "No SIPAS questionnaires in this period.",
    ),
    "dimension": ("Yếu tố", "Dimension"),
    "criterion": ("Tiêu chí", "Criterion"),
    "fields": ("Lĩnh vực thủ tục hành chính", "Fields of procedure"),
    "fields_overview_note": (
        "Chỉ số hài lòng của từng lĩnh vực, tính trên các phiếu đánh giá của {unit} trong"
        " kỳ. Chọn một lĩnh vực để xem bảng xếp hạng, bản đồ nhiệt và các nhóm chỉ tính trên"
        " phiếu về lĩnh vực đó.",
        "Each field's index over all the responses of {unit} in the period. Choose a field"
        " to see the ranking, the heatmap and the groups for its responses only.",
    ),
    "fields_overview_one": (
        "Trang này chỉ hiển thị số liệu của lĩnh vực {field}.",
        "This page shows the {field} field only.",
    ),
    "fields_overview_all": ("Xem tất cả lĩnh vực", "See every field"),
    "field": ("Lĩnh vực", "Field"),
    "commune_field_note": (
        "Chỉ số và các bảng dưới đây là của mọi lĩnh vực (lĩnh vực {field} có một dòng"
        " riêng trong bảng Lĩnh vực thủ tục hành chính); riêng phần góp ý đang được lọc theo"
        " lĩnh vực {field}.",
        "The index and tables below cover every field ({field} has its own line in the"
        " fields table); only the comments are filtered to {field}.",
    ),
    "all_fields": ("Tất cả lĩnh vực", "All fields"),
    # Over comments or themes being read, when new ones came in (app.js: not redrawn
    # under the reader).
    "held_comments": ("Có góp ý mới – bấm để xem", "New comments – show them"),
    "held_themes": ("Chủ đề góp ý đã thay đổi – bấm để xem", "The themes changed – show them"),
    # The "about" sheet of an Excel file: what the table covers, for a file forwarded
    # without its name or its page.
    "file_about": ("Thông tin", "About"),
    "file_table": ("Bảng", "Table"),
    "file_made": ("Tạo tệp lúc", "File made at"),
    "file_status": ("Lưu ý về số liệu", "About the figures"),
    "file_page": ("Xem trên trang", "On the page"),
    "issues": ("Vấn đề người dân nêu", "Issues raised"),
    "issue": ("Vấn đề", "Issue"),
    "issue_or_praise": ("Vấn đề / điểm được khen", "Issue / praise"),
    "predicted_tag": ("phân loại tự động: {tag}", "classified automatically: {tag}"),
    # An issue's figures (scoring's /issues, /units?issue=): "count" is every response
    # that raised it (ticked, or its comment classified under it), at any rating (on
    # 4-5 it is praise); "share" only the 1-3 ones, as a % of all the commune's
    # responses. Each heading says which.
    "count": (
        "Số phiếu nhắc đến vấn đề (chọn, hoặc nêu trong góp ý; cả khen và chê, 1–5 điểm)",
        "Responses that mentioned the issue (ticked, or in a comment; praise and complaints"
        " alike, 1–5)",
    ),
    "complaints": ("Trong đó chưa hài lòng (1–3 điểm)", "Of which unhappy (1–3)"),
    "share": (
        "Tỷ lệ phiếu chưa hài lòng (1–3 điểm) nêu vấn đề, trên tổng số phiếu của đơn vị (%)",
        "Unhappy responses (1–3) that raised the issue, % of all the commune's responses",
    ),
    "index_among": (
        "Chỉ số hài lòng của các phiếu nêu vấn đề (%)",
        "Index among the responses that raised the issue (%)",
    ),
    # The issue page's chart is not the share of the table above it: said over it.
    "issue_trend_note": (
        "Biểu đồ thể hiện chỉ số hài lòng (%) của những phiếu nêu vấn đề này, không phải tỷ"
        " lệ phiếu phản ánh ở bảng trên: đường đi lên nghĩa là những người nêu vấn đề này"
        " hài lòng hơn.",
        "The chart shows the satisfaction index (%) of the responses that raised this issue,"
        " not the share of complaints in the table above: a rising line means those who"
        " raised it were more satisfied.",
    ),
    "issue_index_over_time": (
        "Chỉ số hài lòng của các phiếu nêu vấn đề này (%)",
        "Index of the responses that raised this issue (%)",
    ),
    "themes": ("Chủ đề mới nổi trong góp ý", "Emerging themes in comments"),
    "theme": ("Chủ đề", "Theme"),
    "theme_size": ("{n} góp ý", "{n} comment|{n} comments"),
    "top_terms": ("Cụm từ thường gặp", "Frequent phrases"),
    "examples": ("Góp ý tiêu biểu", "Representative comments"),
    "no_themes": ("Chưa có chủ đề mới.", "No new themes."),
    "theme_tone": ("Nguồn góp ý", "Source"),
    "themes_complaint": ("Từ người dân chưa hài lòng (1–3 điểm)", "From unhappy citizens (1–3)"),
    "themes_praise": ("Từ người dân hài lòng (4–5 điểm)", "From satisfied citizens (4–5)"),
    "n_comments": ("Số góp ý", "Comments"),
    "comments": ("Góp ý gần đây", "Recent comments"),
    "rating": ("Mức đánh giá", "Rating"),
    "all": ("Tất cả", "All"),
    "filter": ("Lọc", "Filter"),
    "comments_filtered": (
        "Góp ý đang được lọc theo {filters}.",
        "Comments filtered by {filters}.",
    ),
    "submitted_at": ("Thời gian", "Time"),
    "comment": ("Nội dung góp ý", "Comment"),
    "no_comments": ("Không có góp ý nào phù hợp.", "No matching comments."),
    "comments_purged": (
        "Góp ý gửi trước ngày {date} đã được xóa theo thời hạn lưu giữ góp ý; điểm đánh giá"
        " và các số liệu vẫn được giữ nguyên.",
        "Comments sent before {date} were deleted under the comment retention rule; ratings"
        " and all figures are kept.",
    ),
    "comments_total": ("{n} góp ý", "{n} comment|{n} comments"),
    "issue_responses": (
        "Trong kỳ có {n} phiếu nêu vấn đề này; dưới đây chỉ liệt kê những phiếu có ghi nội"
        " dung góp ý.",
        "{n} response raised this issue in the period; it is listed below only if it has a"
        " written comment.|{n} responses raised this issue in the period; only those with a"
        " written comment are listed below.",
    ),
    "issue_responses_unsatisfied": (
        "Trong kỳ có {n} phiếu chưa hài lòng nêu vấn đề này; dưới đây chỉ liệt kê những"
        " phiếu có ghi nội dung góp ý.",
        "{n} unsatisfied response raised this issue in the period; it is listed below only"
        " if it has a written comment.|{n} unsatisfied responses raised this issue in the"
        " period; only those with a written comment are listed below.",
    ),
    "page_of": ("trang {page}/{pages}", "page {page} of {pages}"),
    "page_prev": ("Trang trước", "Previous page"),
    "page_next": ("Trang sau", "Next page"),
    "issue_title": ("Vấn đề: {name}", "Issue: {name}"),
    "across_communes": ("Theo {kinds}", "Across communes"),
    "over_time": ("Theo thời gian", "Over time"),
    "commune_title": ("{name}", "{name}"),
    "validity": ("Thời gian hoạt động: {start} – {end}", "In force: {start} – {end}"),
    "open_end": ("nay", "now"),
    # a unit in force since before our records: only its end is known
    "validity_until": ("Hoạt động đến hết ngày {end}", "In force until {end}"),
    "validity_always": ("Đang hoạt động", "In force"),
    "later_units": ("Từ {since}, địa bàn thuộc", "From {since}, its area is part of"),
}

# English month abbreviations for "month_label" ("{mon} {y}": "Jul 2025").
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

RATING_LABELS: dict[int, tuple[str, str]] = {
    5: ("Rất hài lòng", "Very satisfied"),
    4: ("Hài lòng", "Satisfied"),
    3: ("Bình thường", "Neutral"),
    2: ("Không hài lòng", "Dissatisfied"),
    1: ("Rất không hài lòng", "Very dissatisfied"),
}


# The kinds of commune-level unit (đơn vị hành chính cấp xã), in the order the law
# lists them: before 2025-07-01 "xã, phường, thị trấn", since then "xã, phường, đặc khu".
COMMUNE_KINDS = ("Xã", "Phường", "Thị trấn", "Đặc khu")


def commune_kinds(names: Iterable[str]) -> dict[str, str]:
    """What a heading calls the communes ``names`` (unit names, "Xã Kha Sơn"): the
    kinds among them, "xã, thị trấn" for Phú Bình before the 2025 reform and "xã" after;
    "xã, phường" when no name says. As ``kinds`` (within a sentence) and
    ``kinds_heading`` (a column's header) for :func:`text`."""
    names = list(names)
    found = [k.lower() for k in COMMUNE_KINDS if any(n.startswith(k + " ") for n in names)]
    kinds = ", ".join(found) or "xã, phường"
    return {"kinds": kinds, "kinds_heading": kinds[0].upper() + kinds[1:]}


def _template(key: str, lang: str, values: dict[str, object]) -> str:
    """The catalogue's template for ``key`` in ``lang``; of a "one|many" template
    (English counts), "one" when ``n`` is 1."""
    vi, en = CATALOGUE[key]
    template = en if lang == "en" else vi
    if "|" in template:
        one, many = template.split("|", 1)
        template = one if values.get("n") in (1, "1") else many
    return template


def text(key: str, lang: str = "vi", **values: object) -> str:
    """The message ``key`` in ``lang`` (``vi`` or ``en``), formatted with ``values``.
    A template "one|many" (English counts) takes "one" when ``n`` is 1."""
    template = _template(key, lang, values)
    return unicodedata.normalize("NFC", template.format(**values) if values else template)


def text_html(key: str, lang: str = "vi", **values: object) -> Markup:
    """:func:`text` as HTML, for values that are HTML already (a unit's name from
    :func:`unit_name`): the message and every other value are escaped."""
    return escape(unicodedata.normalize("NFC", _template(key, lang, values))).format(**values)


def unit_name(name: str, lang: str = "vi") -> Markup:
    """A unit's name as HTML in a page in ``lang``. Names are Vietnamese ("Xã Phú
    Bình"): in an English page they are marked lang="vi", so that a screen reader reads
    them in a Vietnamese voice; the page's own "(former)" after a name (``former_name``)
    stays outside the mark. In a Vietnamese page, the text as it is."""
    if lang == "vi":
        return escape(name)
    before, after = CATALOGUE["former_name"][1].split("{name}")
    core = name
    if len(name) > len(before) + len(after) and name.startswith(before) and name.endswith(after):
        core = name[len(before) : len(name) - len(after)]
    else:
        before = after = ""
    return Markup('{}<span lang="vi">{}</span>{}').format(before, core, after)


def rating_label(score: int, lang: str = "vi") -> str:
    vi, en = RATING_LABELS[score]
    return en if lang == "en" else vi


# The comments' rating filter: one rating, or the unsatisfied (1-3, what an issue's
# share counts) or the satisfied (4-5) together.
RATING_RANGES: dict[str, tuple[int, int, tuple[str, str]]] = {
    "1-3": (1, 3, ("Chưa hài lòng (1–3)", "Not satisfied (1–3)")),
    "4-5": (4, 5, ("Hài lòng và rất hài lòng (4–5)", "Satisfied and very satisfied (4–5)")),
}


# Its values, in the order offered: the two ranges, then 5 to 1.
RATING_CHOICES = (*RATING_RANGES, "5", "4", "3", "2", "1")


def rating_choices(lang: str = "vi") -> list[tuple[str, str]]:
    """The rating filter's choices (RATING_CHOICES), as (value, label)."""
    return [
        (
            v,
            RATING_RANGES[v][2][lang == "en"]
            if v in RATING_RANGES
            else f"{v} – {rating_label(int(v), lang)}",
        )
        for v in RATING_CHOICES
    ]


def rating_bounds(choice: str) -> tuple[int, int]:
    """The lowest and highest rating a filter choice ("1-3", "4") takes in."""
    if choice in RATING_RANGES:
        low, high, _ = RATING_RANGES[choice]
        return low, high
    return int(choice), int(choice)


_VI_MARKS = str.maketrans({",": ".", ".": ","})


def number(value: float | None, lang: str = "vi", digits: int = 1) -> str:
    """A number for display, its thousands grouped: Vietnamese 13.350 and 82,5,
    English 13,350 and 82.5; "–" for None."""
    if value is None:
        return "–"
    # A half goes up, as in the leader's own spreadsheet (6.25 -> 6.3, not 6.2).
    shown = f"{half_up(value, digits):,.{digits}f}"
    return shown.translate(_VI_MARKS) if lang == "vi" else shown


def _month(year: int, month: int, lang: str) -> str:
    return text("month_label", lang, m=month, mon=MONTHS_EN[month - 1], y=year)


def period_label(period: Period, lang: str = "vi") -> str:
    if period.kind == "year":
        return text("year_label", lang, y=period.start.year)
    if period.kind == "quarter":
        return text("quarter_label", lang, q=(period.start.month - 1) // 3 + 1, y=period.start.year)
    return _month(period.start.year, period.start.month, lang)


_SCORING_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_SCORING_WEEK = re.compile(r"^(\d{4})-W(0[1-9]|[1-4]\d|5[0-3])$")
_SCORING_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_SCORING_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def scoring_period_label(label: str, lang: str = "vi") -> str:
    """Scoring's period label (``2025-07``, ``2025-W28`` ISO week, ``2025-07-14``,
    ``2025-Q3``) as a reader sees it ("Tháng 7/2025", "Tuần 28/2025", "14/07/2025",
    "Quý 3/2025"; English "Jul 2025", "Week 28, 2025", "14/07/2025", "Q3 2025").
    Anything else is returned unchanged."""
    if m := _SCORING_MONTH.match(label):
        return _month(int(m[1]), int(m[2]), lang)
    if m := _SCORING_WEEK.match(label):
        return text("week_label", lang, w=int(m[2]), y=int(m[1]))
    if m := _SCORING_QUARTER.match(label):
        return text("quarter_label", lang, q=int(m[2]), y=int(m[1]))
    if m := _SCORING_DAY.match(label):
        try:
            day = dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return label
        return text("day_label", lang, d=day.day, m=day.month, y=day.year)
    return label


def local_time(moment: dt.datetime) -> str:
    """``HH:MM dd/mm/yyyy`` in Vietnam's time."""
    return moment.astimezone(LOCAL_TZ).strftime("%H:%M %d/%m/%Y")
