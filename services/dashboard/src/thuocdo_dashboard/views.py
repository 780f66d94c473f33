"""Pages, their JSON twins for live refresh, CSV downloads and the SSE stream.
Every route checks the unit against the user's scope before asking scoring."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    get_template_attribute,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from thuocdo_shared import reference
from thuocdo_shared.units import Unit, local_today
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import ServiceUnavailable

from . import csv_export, live, messages, model, periods, xlsx_export
from .auth import current_scope, current_user, login_required, stream_guard
from .scope import Scope, resolve, unit_by_key
from .scoring_client import ScoringClient

bp = Blueprint("views", __name__)

SECTIONS = {
    "overview": (
        "headline",
        "trend_table",
        "alerts",
        "ranking",
        "heatmap",
        "groups",
        "sipas",
        "fields",
    ),
    "commune": ("headline", "trend_table", "sipas", "fields", "issues", "themes", "comments"),
    "issue": ("communes",),
}


def _client() -> ScoringClient:
    return current_app.extensions["thuocdo_scoring"]  # type: ignore[no-any-return]


def _period() -> periods.Period:
    raw = request.args.get("period", "").strip()
    if not raw:
        return periods.containing(local_today(), "month")
    return periods.parse(raw)  # BadPeriod: a 400 that names the period (create_app)


def _unit_arg(scope: Scope, period: periods.Period) -> Unit:
    """The ``unit`` query parameter (a key or code), or the user's home unit; 403 when
    outside the scope, 404 when unknown."""
    raw = request.args.get("unit", "").strip()
    if not raw:
        return scope.home()
    unit = resolve(raw[:40], period.end)
    if unit is None:
        abort(404)
    if not scope.allows(unit):
        abort(403)
    return unit


def _commune_unit(scope: Scope, key: str) -> Unit:
    unit = unit_by_key(key[:40])
    if unit is None or unit.level != "commune":
        abort(404)
    if not scope.allows(unit):
        abort(403)
    return unit


def _filters() -> dict[str, Any]:
    out: dict[str, Any] = {}
    rating = request.args.get("rating", "")
    if rating:
        if rating not in messages.RATING_CHOICES:
            abort(400)
        out["rating"] = rating
    field = request.args.get("field", "")
    if field:
        if field not in reference.fields():
            abort(400)
        out["field"] = field
    issue = request.args.get("issue", "")
    if issue:
        if issue not in reference.issues():
            abort(400)
        out["issue"] = issue
    cpage = request.args.get("cpage", "")
    if cpage:
        if not cpage.isdigit() or not 1 <= int(cpage) <= 10_000:
            abort(400)
        out["comments_page"] = int(cpage)
    return out


def _unit_link(scope: Scope, period: periods.Period) -> Callable[..., str | None]:
    """The commune page of a unit version in the scope (same period, or ``at``), else
    None."""

    def link(unit: Unit, at: periods.Period | None = None) -> str | None:
        if unit.level != "commune" or not scope.allows(unit):
            return None
        return url_for("views.commune", key=unit.key, period=(at or period).label)

    return link


def _commune_href(key: str, issue: str | None = None, at_comments: bool = True) -> str:
    # A field chosen on the overview goes along: the commune page's comments open
    # filtered to it (its figures are the commune's, with a line per field). With an
    # issue (a heatmap cell), they open at the unsatisfied comments that raise it (from
    # the issue's own page, at the top: the commune's figures, those comments below).
    return url_for(
        "views.commune",
        key=key,
        period=request.args.get("period") or None,
        field=request.args.get("field") or None,
        issue=issue,
        rating="1-3" if issue else None,  # the share counts these: complaints, not praise
        _anchor="comments" if issue and at_comments else None,
    )


def _overview_field_href(code: str) -> str:
    """The overview (same unit and period) filtered to the field ``code``."""
    period, unit = request.args.get("period") or None, request.args.get("unit") or None
    return url_for("views.home", field=code, period=period, unit=unit)


def _issue_link(unit: Unit) -> Callable[[str], str]:
    """Links from a commune's page to an issue's page for that same commune (not the
    user's whole district)."""

    def href(code: str) -> str:
        period = request.args.get("period") or None
        return url_for("views.issue", code=code, unit=unit.key, period=period)

    return href


def _build(kind: str, **kw: Any) -> model.Page:
    scope = current_scope()
    period = _period()
    lang = g.lang
    if kind == "overview":
        unit = _unit_arg(scope, period)
        if unit.level == "commune":
            # A commune has no overview (the page itself redirects to its own); its
            # JSON and files were a one-row ranking, "Hạng 1", forwarded as such.
            abort(404)
        threshold = current_app.extensions["thuocdo_settings"].alert_threshold
        return model.overview(
            _client(),
            scope,
            unit,
            period,
            periods.previous(period),
            threshold,
            lang,
            _commune_href,
            field=_filters().get("field"),
            url_for_field=_overview_field_href,
        )
    if kind == "commune":
        unit = _commune_unit(scope, kw["key"])
        filters = {**_filters(), "all_comments": kw.get("all_comments", False)}
        return model.commune(
            _client(), unit, period, lang, filters, _issue_link(unit), _unit_link(scope, period)
        )
    code = kw["code"]
    if code not in reference.issues():
        abort(404)
    unit = _unit_arg(scope, period)
    return model.issue(
        _client(), scope, unit, code, period, lang, _commune_href, field=_filters().get("field")
    )


def _status_text(page: model.Page) -> str | None:
    if not page.status.down:
        settings = current_app.extensions["thuocdo_settings"]
        stale, since = model.stalled(page.data.get("consumer", model.MISSING), settings.stale_after)
        if not stale:
            return None
        if since is None:
            return messages.text("data_never_updated", g.lang)
        return messages.text("data_stalled_since", g.lang, time=messages.local_time(since))
    if page.status.since is None:
        key = "scoring_partial" if page.status.answered else "scoring_down_nodata"
        return messages.text(key, g.lang)
    return messages.text("scoring_down_since", g.lang, time=messages.local_time(page.status.since))


PICKER_QUARTERS = 8
# What a page's address may say; its links carry these on and nothing else (a
# "?key=" or "?_external=" would reach url_for as its own arguments: a 500).
PAGE_ARGS = ("period", "unit", "field", "rating", "issue", "cpage")


def _page_args() -> MultiDict[str, str]:
    return MultiDict([(k, v) for k, v in request.args.items(multi=True) if k in PAGE_ARGS])


def _context(page: model.Page) -> dict[str, Any]:
    today = local_today()
    # The picker offers the last eight quarters (a quarter's trend window) and every
    # month since the oldest of them; older periods can still be typed into the address.
    quarters = periods.recent(today, "quarter", PICKER_QUARTERS)
    months = [
        m
        for m in periods.recent(today, "month", 3 * PICKER_QUARTERS)
        if m.start >= quarters[-1].start
    ]
    years = periods.recent(today, "year", today.year - quarters[-1].start.year + 1)
    scope = current_scope()
    if scope.role == "commune":
        # A commune user sees their commune only: periods in which it did not exist
        # (before the 2025 reform for a commune formed by it) would say just that.
        home = scope.home()
        months, quarters, years = (
            [p for p in kind if home.overlaps(p.start, p.end)] for kind in (months, quarters, years)
        )
    return {
        "page": page,
        "status_text": _status_text(page),
        "months": [(p.label, messages.period_label(p, g.lang)) for p in months],
        "quarters": [(p.label, messages.period_label(p, g.lang)) for p in quarters],
        # this year and the years the quarters above reach back into
        "years": [(p.label, messages.period_label(p, g.lang)) for p in years],
        "period_listed": page.period in (*months, *quarters, *years),
        "period_label": messages.period_label(page.period, g.lang),
        # The heading's period; one not over yet says so ("đến 28/11"): on the 1st of a
        # month its figures are a day's.
        "period_heading": messages.text(
            "period_so_far",
            g.lang,
            period=messages.period_label(page.period, g.lang),
            day=today.strftime("%d/%m"),
        )
        if page.period.start <= today <= page.period.end
        else messages.period_label(page.period, g.lang),
        # A period that has not begun has no responses: say so rather than show zeros.
        "period_future": page.period.start > today,
        "user": current_user(),
        "scope": scope,
        "args": _page_args(),
        "threshold": current_app.extensions["thuocdo_settings"].alert_threshold,
        "recheck_ms": recheck_ms(current_app.extensions["thuocdo_settings"].stale_after),
        # The days the page's figures cover (the trend's window ends with the period):
        # a live update whose answers are all outside them is not fetched for. Not for
        # a page without a period in its address: its figures follow the current month,
        # which moves on while it is open.
        "window": (periods.trend_window(page.period)[0], page.period.end)
        if request.args.get("period")
        else None,
        "fields_ref": [(c, f.label.get(g.lang)) for c, f in reference.fields().items()],
        "issues_ref": [(c, i.label.get(g.lang)) for c, i in reference.issues().items()],
    }


def recheck_ms(stale_after: float) -> int:
    """How often (ms) an open page with no update asks for its figures anyway: updates
    stop when Kafka or scoring's consumer does, and the page must then say that its
    figures stopped moving (at most this long after it becomes true), not go on
    showing them as current. Half the staleness limit, between 5 s and 60 s."""
    return int(min(60.0, max(5.0, stale_after / 2)) * 1000)


def _render(template: str, page: model.Page) -> str:
    ctx = _context(page)
    return render_template(template, ctx=ctx, **ctx)


@bp.get("/")
@login_required
def home() -> Any:
    scope = current_scope()
    if scope.role == "commune":
        _unit_arg(scope, _period())  # a unit outside the scope is 403 here too
        chosen = request.args.get("period")
        ended = scope.home().valid_to
        if not chosen and ended is not None and ended < local_today():
            # A commune merged away (2025-07-01) has nothing after its end: its user
            # lands on its last month, not on an empty one.
            chosen = periods.containing(ended, "month").label
        return redirect(url_for("views.commune", key=scope.binding, period=chosen))
    period = _period()
    unit = _unit_arg(scope, period)
    if unit.level == "commune":  # before building the overview it would not show
        return redirect(url_for("views.commune", key=unit.key, period=period.label))
    return _render("overview.html", _build("overview"))


def commune_key(view: Callable[..., Any]) -> Callable[..., Any]:
    """For a view of a commune path (page, JSON, CSV or Excel): a bare code (as 'user
    add --unit 05953' takes) redirects to the same path with the version in force at
    the end of the period asked for, as for ?unit= (_unit_arg); a key goes through."""

    @functools.wraps(view)
    def wrapped(key: str, **kw: Any) -> Any:
        if "@" in key:
            return view(key, **kw)
        unit = resolve(key[:40], _period().end)
        if unit is None or unit.level != "commune":
            abort(404)
        assert request.endpoint is not None
        target = url_for(request.endpoint, **{**(request.view_args or {}), "key": unit.key})
        query = request.query_string.decode("ascii", "replace")
        return redirect(f"{target}?{query}" if query else target)

    return wrapped


@bp.get("/commune/<key>")
@login_required
@commune_key
def commune(key: str) -> Any:
    page = _build("commune", key=key)
    # A page of comments past the last one goes to the address of the last page.
    if page.data.get("comments_past_end"):
        last = page.data["comments_pages"]
        args: dict[str, Any] = {k: v for k, v in _page_args().items() if k != "cpage"}
        if last > 1:
            args["cpage"] = str(last)
        return redirect(url_for("views.commune", key=key, **args))
    return _render("commune.html", page)


@bp.get("/issue/<code>")
@login_required
def issue(code: str) -> Any:
    page = _build("issue", code=code)
    return _render("issue.html", page)


def _json(page: model.Page) -> Response:
    ctx = _context(page)
    sections = {}
    for name in SECTIONS[page.kind]:
        macro = get_template_attribute("sections.html", f"{page.kind}_{name}")
        sections[name] = str(macro(ctx))
    return jsonify(
        kind=page.kind,
        unit=page.unit.key,
        period=page.period.label,
        # "down" shows the banner: scoring did not answer, or its figures stopped moving
        status={"down": bool(ctx["status_text"]), "text": ctx["status_text"]},
        headline=page.data.get("headline"),
        ranking=[{k: v for k, v in r.items() if k != "href"} for r in page.data.get("ranking", [])],
        trend=page.data.get("trend", []),
        as_of=page.data.get("as_of"),
        sections=sections,
    )


@bp.get("/api/overview")
@login_required
def api_overview() -> Any:
    return _json(_build("overview"))


@bp.get("/api/commune/<key>")
@login_required
@commune_key
def api_commune(key: str) -> Any:
    return _json(_build("commune", key=key))


@bp.get("/api/issue/<code>")
@login_required
def api_issue(code: str) -> Any:
    return _json(_build("issue", code=code))


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class DownloadUnavailable(ServiceUnavailable):
    """503 for a CSV or Excel file that cannot be made from scoring's fresh figures
    (its page says why, unlike other 503s)."""


def _download(page: model.Page, table: str, fmt: str) -> Response:
    """A table of the page as a CSV or Excel file (the same rows)."""
    found = page.tables.get(table)
    if found is None:
        abort(404)
    if page.status.lacks(table) and not found.rows:
        # Scoring did not answer this table's call and nothing is cached: an empty file
        # would pass for "no data". (A table that has rows came from a fresh or last-good
        # answer; an empty one whose call was answered is truly empty.)
        raise DownloadUnavailable()
    if table == "comments" and page.data.get("comments_partial"):
        raise DownloadUnavailable()  # not every page of comments came fresh: it would lie
    field = page.data.get("field")
    parts = [page.unit.code, field] if field else [page.unit.code]
    chosen = _filters() if table == "comments" else {}
    if table == "comments":
        # A filtered list is named apart from the whole one (rating 1, land, ...).
        if "rating" in chosen:
            parts.append(f"rating{chosen['rating']}")
        parts += [chosen[k] for k in ("field", "issue") if k in chosen]
    name = f"thuocdo-{page.kind}-{table}-{'-'.join(parts)}-{page.period.label}.{fmt}"
    if fmt == "xlsx":
        about = (messages.text("file_about", g.lang), _about(page, found, chosen))
        body = xlsx_export.encode(found.title, found.csv_header(), found.csv_rows(), about)
        content_type = XLSX_TYPE
    else:
        body = csv_export.encode(found.csv_header(), found.csv_rows())
        content_type = "text/csv; charset=utf-8"
    return Response(
        body,
        content_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/csv/overview/<table>.csv")
@bp.get("/xlsx/overview/<table>.xlsx", endpoint="xlsx_overview")
@login_required
def csv_overview(table: str) -> Any:
    return _download(_build("overview"), table, _format())


@bp.get("/csv/commune/<key>/<table>.csv")
@bp.get("/xlsx/commune/<key>/<table>.xlsx", endpoint="xlsx_commune")
@login_required
@commune_key
def csv_commune(key: str, table: str) -> Any:
    # The comments file holds every matching comment, not the page's 50.
    page = _build("commune", key=key, all_comments=table == "comments")
    return _download(page, table, _format())


@bp.get("/csv/issue/<code>/<table>.csv")
@bp.get("/xlsx/issue/<code>/<table>.xlsx", endpoint="xlsx_issue")
@login_required
def csv_issue(code: str, table: str) -> Any:
    return _download(_build("issue", code=code), table, _format())


def _about(page: model.Page, found: model.Table, chosen: dict[str, Any]) -> list[tuple[str, str]]:
    """What a downloaded table covers, for the Excel file's "about" sheet: a file
    forwarded on its own keeps its unit, period and field (and a comment list its
    filters), which its name carries only in codes."""
    lang = g.lang

    def t(key: str) -> str:
        return messages.text(key, lang)

    lines = [
        (t("file_table"), found.title),
        (t("unit"), str(page.data.get("title") or page.unit.name)),
        (t("period"), messages.period_label(page.period, lang)),
    ]
    if page.kind == "issue":
        lines.append((t("issue"), str(page.data["issue"]["name"])))
    # The commune page's own figures cover every field; its comments follow the filter.
    field_name = page.data.get("field_name") if page.kind != "commune" else None
    if "field" in chosen:
        field_name = reference.fields()[chosen["field"]].label.get(lang)
    lines.append((t("field"), field_name or t("all_fields")))
    if "rating" in chosen:
        lines.append((t("rating"), dict(messages.rating_choices(lang))[chosen["rating"]]))
    if "issue" in chosen:
        lines.append((t("issue_or_praise"), reference.issues()[chosen["issue"]].label.get(lang)))
    lines.append((t("file_made"), messages.local_time(dt.datetime.now(dt.UTC))))
    # Made from the last figures kept while scoring does not answer (or while they
    # stopped moving): the file says so, as the page's banner does.
    status = _status_text(page)
    if status:
        lines.append((t("file_status"), status))
    lines.append((t("file_page"), _page_url(page)))
    return lines


def _page_url(page: model.Page) -> str:
    """The full address of the page a file was downloaded from (its period, unit and
    filters; the first page of comments)."""
    args: dict[str, Any] = {k: v for k, v in _page_args().items() if k != "cpage"}
    args["period"] = page.period.label
    if page.kind == "commune":
        return url_for("views.commune", key=page.unit.key, _external=True, **args)
    if page.kind == "issue":
        return url_for("views.issue", code=page.data["issue"]["code"], _external=True, **args)
    return url_for("views.home", _external=True, **args)


def _format() -> str:
    """``xlsx`` for the Excel routes, else ``csv``."""
    return "xlsx" if request.path.startswith("/xlsx/") else "csv"


@bp.get("/events")
@login_required
def events() -> Any:
    scope = current_scope()
    hub = current_app.extensions["thuocdo_hub"]
    listener = current_app.extensions["thuocdo_listener"]
    if listener is None:  # not under gunicorn (tests of the app object): no live feed
        abort(503)
    body = live.stream(
        hub, lambda key: scope.allows_key(key), listener.ready, still_allowed=stream_guard()
    )
    return Response(
        body,
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
