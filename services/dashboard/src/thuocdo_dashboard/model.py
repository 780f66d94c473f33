"""What each page shows, built from scoring's answers and the user's scope.

The same builder serves the HTML page, its JSON twin (live refresh) and its CSV
downloads, so a table and its export can never differ in scope or numbers.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any, Protocol

from thuocdo_shared import reference
from thuocdo_shared.numbers import round_half_up
from thuocdo_shared.units import LOCAL_TZ, Unit, local_today, registry

from . import alerts as alert_rules
from .messages import (
    MONTHS_EN,
    commune_kinds,
    number,
    period_label,
    rating_bounds,
    rating_label,
    scoring_period_label,
    text,
)
from .periods import Period, containing, same_days_a_year_before, trend_window, year_before
from .scope import Scope
from .scoring_client import Fetched, ScoringClient, ScoringRejected, ScoringUnavailable

# Threads that wait on scoring for the pages of this worker (network-bound).
_POOL = ThreadPoolExecutor(max_workers=16, thread_name_prefix="scoring-call")


@dataclass(frozen=True)
class Link:
    """A table cell that links somewhere; CSV exports only its text."""

    text: str
    href: str


Cell = str | int | float | bool | dt.datetime | None | Link


@dataclass
class Table:
    """A table of a page: ``header`` texts, raw cells (numbers as numbers)."""

    name: str
    title: str
    header: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    numeric: set[int] = field(default_factory=set)  # columns formatted as numbers
    # Show the first two columns as one in HTML (a group and its items, e.g. SIPAS
    # dimension / criterion); the CSV keeps both.
    merge_first: bool = False
    # A leading column in the CSV only (e.g. the ISO period code beside its readable
    # name): its header and one value per row.
    csv_lead: tuple[str, list[str]] | None = None
    # Columns written by citizens, in Vietnamese whatever the page's language: marked
    # lang="vi" so that a screen reader reads them in a Vietnamese voice.
    vi_cols: set[int] = field(default_factory=set)
    # Columns the CSV and Excel files have instead of the HTML's last one, a text to
    # read ("Thời gian chờ đợi 27,5%"): their headers and each row's values, numbers
    # that a spreadsheet can sort and compute with.
    csv_tail: tuple[list[str], list[list[float | None]]] | None = None
    # Columns of unit names (Vietnamese): marked lang="vi" in an English page only
    # (messages.unit_name), leaving out its "(former)".
    unit_cols: set[int] = field(default_factory=set)
    # The first column names the row (a commune, a criterion, a field): on a phone it
    # stays in view while the figures scroll. Not so a rank or a date.
    named_rows: bool = True
    # Rows of text to read rather than figures to compare (comments): on a phone each
    # row is a card, each cell under the other with its heading, instead of a table
    # scrolling sideways.
    cards: bool = False
    # The column saying "Mẫu nhỏ" (small sample): in HTML a tag beside the row's name,
    # which stays in view on a phone, instead of a last column behind a swipe. The CSV
    # keeps the column.
    small_col: int | None = None
    # A row the files carry first, which the page shows above the table instead (the
    # overall SIPAS index). Not with ``csv_lead`` or ``csv_tail``.
    csv_first: list[Cell] | None = None

    @property
    def linked(self) -> bool:
        """Whether its rows hold links (Tab stops a keyboard may want to skip)."""
        return any(isinstance(c, Link) for row in self.rows for c in row)

    def csv_header(self) -> list[str]:
        header = self.header if self.csv_tail is None else self.header[:-1] + self.csv_tail[0]
        return ([self.csv_lead[0]] if self.csv_lead else []) + header

    def csv_rows(self) -> list[list[str | int | float | bool | dt.datetime | None]]:
        rows = [[c.text if isinstance(c, Link) else c for c in row] for row in self.rows]
        if self.csv_tail is not None:
            tail = self.csv_tail[1]
            rows = [[*row[:-1], *tail[i]] for i, row in enumerate(rows)]
        if self.csv_first and rows:
            assert self.csv_lead is None and self.csv_tail is None  # (see csv_first)
            rows.insert(0, [c.text if isinstance(c, Link) else c for c in self.csv_first])
        if self.csv_lead is None:
            return rows
        lead = self.csv_lead[1]
        return [[lead[i], *row] for i, row in enumerate(rows)]


MISSING = "missing"  # page.data["consumer"] when scoring gave no heartbeat field
CATCH_ALL = "other"  # the taxonomy's catch-all issue
COMMENTS_PER_PAGE = 50  # on the commune page
COMMENTS_PER_CALL = 100  # scoring's largest page, for the CSV
COMMENTS_CSV_MAX = 10_000  # comments in one CSV (the page says how many match)


def stalled(consumer: Any, stale_after: float) -> tuple[bool, dt.datetime | None]:
    """Whether the figures stopped moving, from scoring's ``consumer`` field (its
    consumer's last heartbeat), and since when (None: never updated). An answer
    without the field (an older scoring) or no answer at all says nothing."""
    if consumer == MISSING:
        return False, None
    if not isinstance(consumer, dict):
        return True, None
    if float(consumer.get("age_s") or 0.0) <= stale_after:
        return False, None
    try:
        return True, dt.datetime.fromisoformat(str(consumer.get("seen_at")))
    except ValueError:
        return True, None


def _version(fetched: Fetched) -> int | None:
    """The store version of a fresh answer (None: a kept one, or one from a scoring
    that gives none)."""
    version = None if fetched.stale else fetched.data.get("version")
    return version if isinstance(version, int) else None


class Pending:
    """One scoring call sent in the background (:meth:`Status.start`), that can be
    sent again (:meth:`again`) when its answer turns out older than its page's
    others. The answer asked again replaces the first only if it comes fresh, no
    older, and by the deadline: a re-ask that fails or is slow leaves the first
    answer (a good page must not turn into a "scoring is down" one)."""

    def __init__(self, fn: Callable[[], Fetched]) -> None:
        self.fn = fn
        self.future: Future[Fetched] = _POOL.submit(fn)
        self.kept: Fetched | None = None  # the answer before a re-ask
        self.deadline: float | None = None

    def result(self) -> Fetched:
        if self.kept is None:
            return self.future.result()
        chosen = self.kept
        wait = None if self.deadline is None else max(0.0, self.deadline - time.monotonic())
        try:
            again = self.future.result(timeout=wait)
        except (ScoringUnavailable, ScoringRejected, FutureTimeout):
            pass
        else:
            now, before = _version(again), _version(self.kept)
            if now is not None and (before is None or now >= before):
                chosen = again
        # Decided once: a re-ask back after the deadline does not change an answer
        # the page may already have read.
        self.future, self.kept = Future(), None
        self.future.set_result(chosen)
        return chosen

    def version(self) -> int | None:
        """The store version of the answer (None: no answer now, a kept one, or one
        from a scoring that gives none)."""
        try:
            return _version(self.result())
        except (ScoringUnavailable, ScoringRejected):
            return None

    def again(self, deadline: float) -> None:
        self.kept = self.result()
        self.deadline = deadline
        self.future = _POOL.submit(self.fn)


# How many times, and for how long at most (s), a page asks again the answers read
# before its newest one.
SETTLE_ROUNDS = 2
SETTLE_BUDGET_S = 1.0


@dataclass
class Status:
    """How fresh the figures are: ``down`` when scoring did not answer now;
    ``since`` is the fetch time of the oldest figure shown (None: nothing to show)."""

    down: bool = False
    since: dt.datetime | None = None
    answered: int = 0  # calls scoring answered just now
    # The parts of the page (sections, tables) whose own figures are missing: only
    # they say "not loaded"; an empty part whose call succeeded is truly empty.
    missing_parts: set[str] = field(default_factory=set)
    # Scoring's consumer heartbeat from the answers (MISSING: none carried one).
    heartbeat: Any = MISSING
    # The calls started for the page, made consistent before the first is read.
    started: list[Pending] = field(default_factory=list)
    settled: bool = False

    def lacks(self, part: str) -> bool:
        """Whether ``part`` (a section or table name) lost a call it is built from."""
        return part in self.missing_parts

    def start(self, fn: Callable[[], Fetched]) -> Pending:
        """Send one scoring call now, in the background: a page's calls are
        independent, so they go out together and the page waits for the slowest,
        not for their sum."""
        pending = Pending(fn)
        self.started.append(pending)
        return pending

    def settle(self) -> None:
        """Make the page's answers agree: each is read in one snapshot of scoring's
        store, but the calls of a page are separate, and a batch counted between
        them made the ranking say 420 responses beside 421 in the heatmap. Answers
        read at an older version than the newest are asked again: up to
        SETTLE_ROUNDS times (under steady traffic a newer batch may come meanwhile),
        within SETTLE_BUDGET_S after the first answers (a re-ask slower than that
        leaves the answer it was to replace). The version is the whole store's: a
        batch of another commune's also makes a page ask again."""
        self.settled = True
        deadline: float | None = None
        for _ in range(SETTLE_ROUNDS):
            versions = [(p, p.version()) for p in self.started]
            known = [v for _, v in versions if v is not None]
            if len(set(known)) <= 1:
                return
            deadline = deadline or time.monotonic() + SETTLE_BUDGET_S
            if time.monotonic() >= deadline:
                return
            newest = max(known)
            for p, v in versions:
                if v is not None and v < newest:
                    p.again(deadline)

    def call(
        self, fn: Callable[[], Fetched] | Pending | None, *parts: str
    ) -> dict[str, Any] | None:
        """The data of one scoring call (run now, or started with :meth:`start`);
        None when there is no call, scoring rejected it, or nothing is cached.
        ``parts`` are the sections and tables built from it. The first call waits
        for every call started and makes them agree (:meth:`settle`)."""
        if fn is None:
            return None
        if isinstance(fn, Pending) and not self.settled:
            self.settle()
        try:
            fetched = fn.result() if isinstance(fn, Pending) else fn()
        except ScoringUnavailable:
            self.down = True
            self.missing_parts.update(parts)
            return None
        except ScoringRejected:
            return None
        if fetched.stale:
            self.down = True
            if self.since is None or fetched.fetched_at < self.since:
                self.since = fetched.fetched_at
        else:
            self.answered += 1
        if "consumer" in fetched.data and (self.heartbeat is MISSING or not fetched.stale):
            self.heartbeat = fetched.data["consumer"]
        return fetched.data


@dataclass
class Page:
    kind: str
    period: Period
    unit: Unit
    status: Status
    data: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)


def _estimate(obj: dict[str, Any] | None) -> dict[str, Any]:
    keys = ("n", "satisfied", "index", "ci_low", "ci_high", "small_sample")
    return {k: (obj or {}).get(k) for k in keys}


def _headline(index: dict[str, Any] | None) -> dict[str, Any] | None:
    """The page's headline estimate, with how many suspect responses it leaves out."""
    if not index:
        return None
    return {**_estimate(index), "suspect_excluded": index.get("suspect_excluded") or 0}


def _trend_call(
    client: ScoringClient,
    key: str,
    period: Period,
    issue: str | None = None,
    field: str | None = None,
) -> Callable[[], Fetched]:
    start, end, granularity = trend_window(period)
    return lambda: client.trend(key, start, end, granularity, field=field, issue=issue)


def _points(a: float | None, b: float | None) -> float | None:
    """``a`` − ``b`` (indexes, %) in points, between the two figures as the pages
    show them (one decimal): 79,8 against 68,2 is 11,6."""
    if a is None or b is None:
        return None
    return round_half_up(round_half_up(a, 1) - round_half_up(b, 1), 1)


def _days(first: dt.date, last: dt.date, lang: str) -> str:
    """A span of days within one year: "01/07–28/11/2025", "1 Jul – 28 Nov 2025"."""
    if lang == "vi":
        return f"{first:%d/%m}–{last:%d/%m/%Y}"
    start, end = MONTHS_EN[first.month - 1], MONTHS_EN[last.month - 1]
    return f"{first.day} {start} – {last.day} {end} {last.year}"


def _year_ago_call(
    client: ScoringClient, unit: Unit, span: tuple[dt.date, dt.date], field: str | None = None
) -> Callable[[], Fetched]:
    return lambda: client.index_between(unit.key, *span, field=field)


def _year_ago(
    found: dict[str, Any] | None,
    now: dict[str, Any] | None,
    unit: Unit,
    period: Period,
    span: tuple[dt.date, dt.date],
    lang: str,
) -> str | None:
    """The headline's line on the same days a year before (``span``, see
    periods.same_days_a_year_before): their index and the change since, with a
    two-proportion test (the drop alert's), or why there is nothing to compare with.
    None without this period's figures or the year-ago answer."""
    if not now or not now.get("n") or found is None:
        return None
    ago = year_before(period)
    # The days the figure a year before covers. A commune's are its own (it counts
    # nothing before it was formed); a district's or a province's go on in the
    # communes formed from it, which scoring counts in it.
    first, last = span
    if unit.level == "commune":
        first = max(first, unit.valid_from) if unit.valid_from else first
        last = min(last, unit.valid_to) if unit.valid_to else last
    if first <= last and (first, last) != (ago.start, ago.end):
        label = _days(first, last, lang)
    else:
        label = period_label(ago, lang)
        label = label[:1].lower() + label[1:] if lang == "vi" else label  # mid-sentence
    n_now, sat_now = int(now["n"]), int(now.get("satisfied") or 0)
    n_ago, sat_ago = int(found.get("n") or 0), int(found.get("satisfied") or 0)
    if n_ago == 0:
        key = "year_ago_absent" if first > last else "year_ago_none"
        return text(key, lang, period=label)
    shown_ago = found.get("index")
    points = _points(now.get("index"), shown_ago)
    if points is None or shown_ago is None:
        return None  # (scoring gives an index with every n > 0)
    if points == 0:
        change = text("year_ago_same", lang)
    else:
        shown = number(abs(points), lang)
        change = text("year_ago_up" if points > 0 else "year_ago_down", lang, points=shown)
        z = alert_rules.two_proportion_z(sat_now, n_now, sat_ago, n_ago)
        if z is not None:
            p = alert_rules.two_sided_p(z)
            sure = "year_ago_sure" if p < 0.05 else "year_ago_unsure"
            change = text(sure, lang, change=change, p=_p_value(p, lang))
    index = number(shown_ago, lang) + "%"
    n = number(n_ago, lang, 0)
    return text("year_ago", lang, period=label, index=index, n=n, change=change)


def _freshness(page: Page, index: dict[str, Any] | None) -> None:
    """The time of the newest response (from scoring's /index answer, None without
    one) and the consumer's heartbeat, which every answer a page builds on carries
    (MISSING when none did)."""
    page.data["as_of"] = (index or {}).get("as_of")
    page.data["consumer"] = page.status.heartbeat


def unit_title(unit: Unit, lang: str) -> str:
    """A unit's name, marked "(cũ)" for a version no longer in force (a commune of the
    same name may exist today: old Xã Kha Sơn 05959 and today's 05953)."""
    return text("former_name", lang, name=unit.name) if unit.valid_to else unit.name


def _title_of(entry: dict[str, Any], lang: str) -> str:
    """The name to show for a unit in one of scoring's answers (``{"key", "name"}``),
    marked "(cũ)" like :func:`unit_title`: a June 2025 ranking lists the old Xã Kha Sơn
    (05959), which a reader would take for today's."""
    key = str(entry.get("key", ""))
    unit = registry().by_key(key)
    return unit_title(unit, lang) if unit is not None else str(entry.get("name", key))


def in_force(
    unit: Unit, period: Period, link_for_unit: Callable[[Unit], str | None], lang: str = "vi"
) -> dict[str, Any] | None:
    """None when ``unit`` was in force during the whole of ``period``; else whether
    the period is ``before`` it was formed, ``after`` it ended, or holds the day it
    was formed (``formed_within``: its figures count from that day) or ended
    (``ended_within``), the day that happened (dd/mm/yyyy), and links to the
    versions before or after it that the user may see (a commune of the 2025 reform
    and the communes it was formed from)."""
    if unit.valid_from is not None and period.end < unit.valid_from:
        near, when, since = registry().predecessors(unit), "before", _dmy(unit.valid_from)
    elif unit.valid_to is not None and period.start > unit.valid_to:
        near, when, since = registry().successors(unit), "after", _ended(unit)
    elif unit.valid_from is not None and period.start < unit.valid_from:
        near, when = registry().predecessors(unit), "formed_within"
        since = _dmy(unit.valid_from)
    elif unit.valid_to is not None and period.end > unit.valid_to:
        near, when, since = registry().successors(unit), "ended_within", _ended(unit)
    else:
        return None
    links = [(unit_title(u, lang), link_for_unit(u)) for u in near]
    return {"when": when, "since": since, "links": [(n, href) for n, href in links if href]}


def _dmy(day: dt.date) -> str:
    """A date as leaders write it: 01/07/2025."""
    return day.strftime("%d/%m/%Y")


def _ended(unit: Unit) -> str:
    """The first day ``unit`` was no longer in force (dd/mm/yyyy); "" while it is."""
    return _dmy(unit.valid_to + dt.timedelta(days=1)) if unit.valid_to else ""


def _trend(
    status: Status, pending: Pending | None, lang: str, index_key: str = "index_short"
) -> tuple[list[dict[str, Any]], Table]:
    """The trend's points and its table; ``index_key`` names the index column."""
    data = status.call(pending, "trend")
    points = []
    table = Table(
        "trend",
        text("trend", lang),
        [
            text("trend_period", lang),
            text("n_answers", lang),
            text(index_key, lang),
            text("ci_low", lang),
            text("ci_high", lang),
        ],
        numeric={1, 2, 3, 4},
    )
    codes: list[str] = []
    table.csv_lead = (text("period_iso", lang), codes)
    for point in (data or {}).get("points", []):
        est = _estimate(point)
        label = str(point.get("period", {}).get("label", ""))
        points.append({"label": label, "from": point.get("period", {}).get("from"), **est})
        name = scoring_period_label(label, lang)
        table.rows.append([name, est["n"], est["index"], est["ci_low"], est["ci_high"]])
        codes.append(label)
    if not any(p["n"] for p in points):
        # A window without a single response: "no figures" (its file the header only,
        # as the ranking's of such a period), not twelve rows of zeros. The chart's
        # points stay: it says why it draws nothing.
        table.rows = []
        codes.clear()
    return points, table


def _unit_changes(key: str | None, period: Period) -> list[dict[str, Any]]:
    """The days within the trend's window on which the unit charted, or a unit under
    it, began or ended (the 2025 reform: 01/07/2025). The chart marks them; ``formed``
    when it is the day the unit charted began (it has no figures before), ``ended``
    the day after its last (none after)."""
    unit = registry().by_key(key) if key else None
    if unit is None:
        return []
    start, end, _ = trend_window(period)
    days: set[dt.date] = set()
    for u in [unit, *registry().descendants_between(unit.code, start, end)]:
        if u.valid_from is not None and start < u.valid_from <= end:
            days.add(u.valid_from)
        if u.valid_to is not None and start <= u.valid_to < end:
            days.add(u.valid_to + dt.timedelta(days=1))
    # ended: nothing carries it on (a district abolished in 2025 goes on in the communes
    # formed from its own, and its trend with them)
    ended = unit.valid_to is not None and not registry().carried_on_by(unit)
    gone = unit.valid_to + dt.timedelta(days=1) if ended and unit.valid_to else None
    return [
        {
            "date": d.isoformat(),
            "shown": _dmy(d),
            "formed": d == unit.valid_from,
            "ended": d == gone,
        }
        for d in sorted(days)
    ]


class UnitHref(Protocol):
    """The address of a commune's page (``issue``: its comments filtered to those of
    the unsatisfied raising it, and opened there ``at_comments``)."""

    def __call__(self, key: str, issue: str | None = None, at_comments: bool = True) -> str: ...


def overview(
    client: ScoringClient,
    scope: Scope,
    unit: Unit,
    period: Period,
    previous: Period,
    threshold: float,
    lang: str,
    url_for_unit: UnitHref,
    field: str | None = None,
    url_for_field: Callable[[str], str] | None = None,
) -> Page:
    """Overview of ``unit`` (a district/province, or what remains of it) for ``period``;
    with ``field``, every figure is that of the responses about that field of
    procedure (which communes fall short on land, say). ``url_for_field`` gives the
    overview filtered to a field (the fields table's links)."""
    status = Status()
    page = Page("overview", period, unit, status)
    page.data["title"] = unit_title(unit, lang)
    page.data["field"] = field
    page.data["field_name"] = _field_names(lang).get(field, field) if field else None
    parent = scope.ranking_parent(unit, period.start, period.end)
    page.data["unit_gone"] = not unit.overlaps(period.start, period.end)
    page.data["unit_ended"] = _ended(unit)
    page.data["parent"] = parent
    prev_parent = scope.ranking_parent(unit, previous.start, previous.end)
    # A unit gone in this period still has figures: scoring counts the communes formed
    # from it (the ones ranked below) in its index and trend.
    p_head = status.start(lambda: client.index(unit.key, period.label, field=field))
    ago_span = same_days_a_year_before(period, local_today())
    p_ago = status.start(_year_ago_call(client, unit, ago_span, field=field))
    p_trend = status.start(_trend_call(client, unit.key, period, field=field))
    p_units = p_before = p_matrix = None
    if parent is not None:
        p_units = status.start(lambda: client.units(parent.key, period.label, field=field))
        p_matrix = status.start(lambda: client.matrix(parent.key, period.label, field=field))
    if prev_parent is not None:
        p_before = status.start(lambda: client.units(prev_parent.key, previous.label, field=field))
    # Groups pool their communes' responses: asked only where every commune under the
    # parent is the user's to see.
    p_groups = None
    if parent is not None and scope.allows(parent):
        p_groups = status.start(lambda: client.groups(parent.key, period.label, field=field))
    headline = status.call(p_head, "headline", "sipas", "fields")
    page.data["headline"] = _headline(headline)
    _freshness(page, headline)
    year_ago = status.call(p_ago, "year_ago")
    page.data["year_ago"] = _year_ago(year_ago, headline, unit, period, ago_span, lang)
    # The SIPAS and field tables of the commune page, over the unit's communes; each
    # field leads to the overview of its responses. (Filtered to a field, the section
    # shows no table, whose one line would repeat the headline: it leads back.)
    _sipas_part(page, headline, lang)
    page.tables["fields"] = _fields_table(headline, lang, None if field else url_for_field)

    rows: list[dict[str, Any]] = []
    if parent is not None:
        ranked = status.call(p_units, "ranking", "alerts")  # alerts compare the ranking
        for row in (ranked or {}).get("units", []):
            key = row.get("unit", {}).get("key", "")
            if scope.allows_key(key):
                rows.append(row)
    kinds = _kinds([r.get("unit", {}).get("name", "") for r in rows], scope, period, parent)
    if not any(r.get("n") for r in rows):
        rows = []  # a period without a single response: "no figures", not a list of zeros
    # A period across the 2025 reform ranks the communes before it and those after it
    # together, each with the responses of its own months: the page says so.
    page.data["ranking_mixed"] = any(
        not _covers(registry().by_key(r.get("unit", {}).get("key", "")), period) for r in rows
    )
    page.data["ranking"] = [
        {
            "key": r["unit"]["key"],
            "label": _title_of(r["unit"], lang),
            "href": url_for_unit(r["unit"]["key"]),
            "rank": r.get("rank"),
            "shrunk": r.get("shrunk"),
            # no response is no figure at all, not a small sample
            "small": bool(r.get("small_sample") and r.get("n")),
            **_estimate(r),
        }
        for r in rows
    ]
    ranking = Table(
        "ranking",
        text("ranking", lang, **kinds),
        [
            text("rank", lang),
            text("commune", lang, **kinds),
            text("n_answers", lang),
            text("index_short", lang),
            text("ci_low", lang),
            text("ci_high", lang),
            text("shrunk", lang),
            text("small_sample", lang),
        ],
        numeric={2, 3, 4, 5, 6},
        unit_cols={1},
        named_rows=False,
    )
    for r in page.data["ranking"]:
        ranking.rows.append(
            [
                r["rank"],
                Link(r["label"], r["href"]),
                r["n"],
                r["index"],
                r["ci_low"],
                r["ci_high"],
                r["shrunk"],
                text("small_sample", lang) if r["small"] else "",
            ]
        )
    page.tables["ranking"] = ranking

    # Alerts: this period against the previous one, for the units in scope.
    prev_rows: dict[str, alert_rules.Estimate] = {}
    # The figures as the pages show them: scoring's index (of the ranking here, and of
    # the previous period's page), not one worked out again from the counts, which
    # rounds differently at a second decimal of 5 (70,446 is shown 70,5 there).
    shown = {r["key"]: r["index"] for r in page.data["ranking"]}
    shown_before: dict[str, float | None] = {}
    if prev_parent is not None and rows:
        before = status.call(p_before, "alerts")
        for r in (before or {}).get("units", []):
            key = r.get("unit", {}).get("key", "")
            if scope.allows_key(key):
                shown_before[key] = r.get("index")
                prev_rows[key] = alert_rules.Estimate(
                    key,
                    r["unit"].get("name", key),
                    int(r.get("n") or 0),
                    int(r.get("satisfied") or 0),
                    bool(r.get("small_sample")),
                )
    current = [
        alert_rules.Estimate(
            r["key"],
            r["label"],
            int(r["n"] or 0),
            int(r["satisfied"] or 0),
            r["small"],
            r["ci_high"],
        )
        for r in page.data["ranking"]
    ]
    found = alert_rules.alerts(current, prev_rows, threshold)
    page.data["alerts"] = [
        {
            "key": a.key,
            "label": a.name,
            "href": url_for_unit(a.key),
            "kind": a.kind,
            "small": a.small_sample,
            "message": (
                text(
                    "alert_below",
                    lang,
                    index=number(shown.get(a.key, a.index), lang) + "%",
                    threshold=number(threshold, lang, 0) + "%",
                )
                if a.kind == "below"
                else text(
                    "alert_drop",
                    lang,
                    # the two figures as shown, subtracted: 80,0 to 75,1 is 4,9 points
                    points=number(
                        _points(
                            shown_before.get(a.key, a.previous_index), shown.get(a.key, a.index)
                        ),
                        lang,
                    ),
                    previous=number(shown_before.get(a.key, a.previous_index), lang) + "%",
                    index=number(shown.get(a.key, a.index), lang) + "%",
                    p=_p_value(a.p_value, lang),
                )
            ),
        }
        for a in found
    ]
    alerts_table = Table(
        "alerts",
        text("alerts", lang),
        [text("commune", lang, **kinds), text("alert_kind", lang), text("small_sample", lang)],
        unit_cols={0},
    )
    for a in page.data["alerts"]:
        alerts_table.rows.append(
            [
                Link(a["label"], a["href"]),
                a["message"],
                text("small_sample", lang) if a["small"] else "",
            ]
        )
    page.tables["alerts"] = alerts_table

    # Heatmap: commune x issue shares.
    matrix = status.call(p_matrix, "heatmap")
    issues_meta = (matrix or {}).get("issues", [])
    names = _issue_names(lang)
    heat = Table(
        "heatmap",
        text("heatmap", lang, **kinds),
        [text("commune", lang, **kinds), text("n_answers", lang)]
        + [names.get(i["code"], i.get("name", i["code"])) for i in issues_meta]
        # the page's "Mẫu nhỏ" tag: a share of 5 responses must not travel as a finding
        + [text("small_sample", lang)],
        numeric=set(range(1, 2 + len(issues_meta))),
        unit_cols={0},
    )
    heat_rows = []
    for row in (matrix or {}).get("rows", []):
        key = row.get("unit", {}).get("key", "")
        if not scope.allows_key(key):
            continue
        label = _title_of(row["unit"], lang)
        heat_rows.append(
            {
                "key": key,
                "label": label,
                "href": url_for_unit(key),
                "n": row.get("n"),
                # few responses: the row says so and its colours are paler (a share of 5
                # responses, one of them, read as a finding beside ones of 300)
                "small": bool(row.get("small_sample")),
                "shares": row.get("shares", []),
                # A cell leads to the commune's comments that raise its issue: why,
                # beside how often (none where no response raised it).
                "links": [
                    url_for_unit(key, issue=i["code"]) if share else None
                    for i, share in zip(issues_meta, row.get("shares", []), strict=False)
                ],
            }
        )
        tag = text("small_sample", lang) if row.get("small_sample") else ""
        heat.rows.append(
            [Link(label, url_for_unit(key)), row.get("n"), *row.get("shares", []), tag]
        )
    if not any(r["n"] for r in heat_rows):
        heat_rows, heat.rows = [], []  # no response in the period: "no figures"
    page.data["heatmap"] = {
        "issues": [
            {"code": i["code"], "name": names.get(i["code"], i.get("name", i["code"]))}
            for i in issues_meta
        ],
        "rows": heat_rows,
    }
    page.tables["heatmap"] = heat

    shares = {
        r["key"]: {i["code"]: v for i, v in zip(issues_meta, r["shares"], strict=False)}
        for r in heat_rows
    }
    grouped = status.call(p_groups, "groups") if p_groups is not None else None
    # Fewer than three communes to group: scoring puts them all in one group, which
    # says nothing of what they share. No table then; the page says why.
    placed = sum(len(g.get("units", [])) for g in (grouped or {}).get("groups", []))
    page.tables["groups"] = _groups(
        grouped if placed >= 3 else None,
        {r["key"]: r for r in page.data["ranking"]},
        shares,
        names,
        lang,
        kinds,
        url_for_unit,
    )
    page.data["groups_note"] = text("groups_note", lang, **kinds)
    page.data["groups_empty"] = None
    if grouped and placed < 3 and (placed or grouped.get("ungrouped")):
        # (without a single response: "no figures", as the other sections say)
        page.data["groups_empty"] = text(
            "groups_too_few", lang, n=grouped.get("small_sample"), placed=placed, **kinds
        )

    page.data["trend"], page.tables["trend"] = _trend(status, p_trend, lang)
    page.data["trend_marks"] = _unit_changes(unit.key, period)
    return page


def _groups(
    found: dict[str, Any] | None,
    ranked: dict[str, dict[str, Any]],
    shares: dict[str, dict[str, float | None]],
    issue_names: dict[str, str],
    lang: str,
    kinds: dict[str, str],
    url_for_unit: UnitHref,
) -> Table:
    """Scoring's groups of communes alike (``found``, its /groups answer) as a table:
    each group's row (its pooled responses, index and most raised issues), then one
    row per commune (its own figures from the ranking, ``ranked``, and its shares of
    the group's issues from the heatmap, ``shares``); last, the communes too small to
    be grouped. Its file has a column per issue named in any group instead of the
    issues' text: each row's share (%, 0-100) as a number."""
    table = Table(
        "groups",
        text("groups", lang, **kinds),
        [
            text("group", lang),
            text("commune", lang, **kinds),
            text("n_answers", lang),
            text("index_short", lang),
            text("group_issues", lang),
        ],
        numeric={2, 3},
        merge_first=True,
        unit_cols={1},
    )
    got = found or {}
    # The file's issue columns: every issue a group names, in the groups' order.
    named = list(
        dict.fromkeys(
            c for g in got.get("groups", []) for c in g.get("profile", {}).get("top_issues", [])
        )
    )
    numbers: list[list[float | None]] = []
    table.csv_tail = (
        [text("group_issue_share", lang, issue=issue_names.get(c, c)) for c in named],
        numbers,
    )

    def members(units: list[dict[str, Any]], codes: list[str]) -> None:
        for u in units:
            key = u.get("key", "")
            of = shares.get(key, {})
            table.rows.append(
                [
                    "",
                    Link(_title_of(u, lang), url_for_unit(key)),
                    u.get("n"),
                    ranked.get(key, {}).get("index"),  # (none without the ranking)
                    # the group's issues, in its order: the names are on its row
                    "; ".join(f"{number(of.get(c) or 0, lang)}%" for c in codes),
                ]
            )
            # (the ungrouped, whose page row names no issue, none in the file either)
            numbers.append([of.get(c) if codes else None for c in named])

    for g in got.get("groups", []):
        profile = g.get("profile", {})
        top = list(profile.get("top_issues", []))
        of = profile.get("shares", {})
        raised = "; ".join(f"{issue_names.get(c, c)} {number(of.get(c), lang)}%" for c in top)
        table.rows.append(
            [
                text("group_label", lang, id=g.get("id")),
                "",
                g.get("n"),
                profile.get("satisfaction_index"),
                raised or text("group_no_issue", lang),
            ]
        )
        numbers.append([of.get(c) for c in named])
        members(g.get("units", []), top)
    small = got.get("ungrouped", [])
    if small:
        n = sum(int(u.get("n") or 0) for u in small)
        label = text("group_ungrouped", lang, n=got.get("small_sample"))
        table.rows.append([label, "", n, None, ""])
        numbers.append([None for _ in named])
        members(small, [])
    return table


def _covers(unit: Unit | None, period: Period) -> bool:
    """Whether ``unit`` was in force over the whole of ``period``."""
    if unit is None:
        return True
    started = unit.valid_from is None or unit.valid_from <= period.start
    return started and (unit.valid_to is None or unit.valid_to >= period.end)


def _kinds(names: list[str], scope: Scope, period: Period, parent: Unit | None) -> dict[str, str]:
    """What the headings call the communes listed (``names``): "xã, thị trấn" before the
    2025 reform in Phú Bình, "xã" after. With none listed (scoring does not answer),
    the communes under ``parent`` (the unit ranked) in force in the period, in the
    user's scope; all of the scope's when none is under it (a district gone since)."""
    if not any(names):
        units = scope.communes(period.start, period.end)
        if parent is not None and parent.level == "commune":
            units = [parent]
        elif parent is not None:
            under = {
                u.key for u in registry().descendants_between(parent.code, period.start, period.end)
            }
            units = [u for u in units if u.key in under] or units
        names = [u.name for u in units]
    return commune_kinds(names)


def _p_value(p: float | None, lang: str) -> str:
    """A p-value with its relation for display: "= 0,023", or "< 0,001"."""
    if p is not None and p < 0.001:
        return "< " + number(0.001, lang, 3)
    return "= " + number(p, lang, 3)


def _tag_names(lang: str) -> tuple[dict[str, str], dict[str, str]]:
    """Each issue tag as a problem ("Chờ đợi lâu") and as praise ("Giải quyết nhanh")."""
    issues = reference.issues()
    return (
        {code: i.problem.get(lang) for code, i in issues.items()},
        {code: i.praise.get(lang) for code, i in issues.items()},
    )


def _issue_names(lang: str) -> dict[str, str]:
    return {code: issue.label.get(lang) for code, issue in reference.issues().items()}


def _field_names(lang: str) -> dict[str, str]:
    return {code: f.label.get(lang) for code, f in reference.fields().items()}


def _sipas_part(page: Page, index: dict[str, Any] | None, lang: str) -> None:
    """``page.data["sipas"]`` (the overall SIPAS index) and ``page.tables["sipas"]``
    (each dimension and its criteria) from an /index answer. The files carry the
    overall index as their first row; the page shows it above the table."""
    criteria_names = {c.code: c.label.get(lang) for c in reference.sipas().criteria.values()}
    dimension_names = {d.code: d.label.get(lang) for d in reference.sipas().dimensions}
    sipas = (index or {}).get("sipas")
    sipas_table = Table(
        "sipas",
        text("sipas", lang),
        [
            text("dimension", lang),
            text("criterion", lang),
            text("n_answers", lang),
            text("index_short", lang),
            text("ci_low", lang),
            text("ci_high", lang),
            text("small_sample", lang),
        ],
        numeric={2, 3, 4, 5},
        merge_first=True,
        small_col=6,
    )
    page.data["sipas"] = None
    if sipas:
        page.data["sipas"] = {
            "overall": sipas.get("overall"),
            "ci_low": sipas.get("ci_low"),  # None from a scoring older than the interval
            "ci_high": sipas.get("ci_high"),
            "n": sipas.get("n"),
            "small": bool(sipas.get("small_sample")),
            # Dimensions counted at less than their weight for their small sample, each
            # in quotes: a name has commas of its own ("Tiếp nhận, giải quyết góp ý, …").
            "damped": "; ".join(
                f"“{dimension_names.get(code, code)}”" for code in sipas.get("damped") or []
            ),
        }
        small = text("small_sample", lang)
        overall = page.data["sipas"]
        sipas_table.csv_first = [
            text("sipas_overall", lang),
            "",
            overall["n"],
            overall["overall"],
            overall["ci_low"],
            overall["ci_high"],
            small if overall["small"] else "",
        ]
        for dim in sipas.get("dimensions", []):
            dname = dimension_names.get(dim.get("code"), dim.get("name", ""))
            sipas_table.rows.append(
                [
                    dname,
                    "",
                    dim.get("n"),
                    dim.get("index"),
                    dim.get("ci_low"),
                    dim.get("ci_high"),
                    small if dim.get("small_sample") and dim.get("n") else "",
                ]
            )
            for crit in dim.get("criteria", []):
                est = _estimate(crit)
                sipas_table.rows.append(
                    [
                        "",
                        criteria_names.get(crit.get("code"), crit.get("name", "")),
                        est["n"],
                        est["index"],
                        est["ci_low"],
                        est["ci_high"],
                        small if est["small_sample"] and est["n"] else "",
                    ]
                )
    page.tables["sipas"] = sipas_table


def _fields_table(
    index: dict[str, Any] | None, lang: str, href: Callable[[str], str] | None = None
) -> Table:
    """Each field of procedure's estimate from an /index answer; ``href`` links a
    field's name (the overview filtered to it)."""
    field_names = _field_names(lang)

    fields_table = Table(
        "fields",
        text("fields", lang),
        [
            text("field", lang),
            text("n_answers", lang),
            text("index_short", lang),
            text("ci_low", lang),
            text("ci_high", lang),
            text("small_sample", lang),
        ],
        numeric={1, 2, 3, 4},
        small_col=5,
    )
    for f in (index or {}).get("fields", []):
        est = _estimate(f)
        code = f.get("code") or ""
        name = field_names.get(code, f.get("name", ""))
        if code == reference.NO_FIELD and not est["n"]:
            continue  # "field not given" only when some rating was left that way
        fields_table.rows.append(
            [
                Link(name, href(code)) if href and code else name,
                est["n"],
                est["index"],
                est["ci_low"],
                est["ci_high"],
                text("small_sample", lang) if est["small_sample"] else "",
            ]
        )
    return fields_table


def commune(
    client: ScoringClient,
    unit: Unit,
    period: Period,
    lang: str,
    filters: dict[str, Any],
    url_for_issue: Callable[[str], str],
    link_for_unit: Callable[..., str | None] = lambda u, at=None: None,
) -> Page:
    """The commune page for one commune version. ``link_for_unit`` gives the page of
    another commune version (for this period, or the period ``at``), or None when the
    user may not see it."""
    status = Status()
    page = Page("commune", period, unit, status)
    page.data["in_force"] = in_force(unit, period, link_for_unit, lang)
    # A unit that ended says where its area went: its own last month's page gave no
    # pointer to the commune that took it over. The link opens that commune's first
    # period (in this one it did not exist yet); a period after the end has the
    # banner's links instead.
    page.data["later_units"] = None
    told = page.data["in_force"] and page.data["in_force"]["when"] in ("after", "ended_within")
    if unit.valid_to is not None and not told:
        day = unit.valid_to + dt.timedelta(days=1)
        first = containing(day, period.kind)
        links = [
            (unit_title(u, lang), link_for_unit(u, first)) for u in registry().successors(unit)
        ]
        if shown := [(n, href) for n, href in links if href]:
            page.data["later_units"] = {"since": _dmy(day), "links": shown}
    page.data["title"] = unit_title(unit, lang)
    # a field chosen on the overview: the comments follow it, the figures do not
    page.data["field_name"] = _field_names(lang).get(filters.get("field") or "")
    p_index = status.start(lambda: client.index(unit.key, period.label))
    ago_span = same_days_a_year_before(period, local_today())
    p_ago = status.start(_year_ago_call(client, unit, ago_span))
    p_issues = status.start(lambda: client.issues(unit.key, period.label))
    p_themes = status.start(lambda: client.themes(unit.key, period.label))
    everything = bool(filters.get("all_comments"))  # the CSV: every page, not one
    per_page = COMMENTS_PER_CALL if everything else COMMENTS_PER_PAGE
    wanted = 1 if everything else int(filters.get("comments_page", 1))

    def comments_page(number: int, remember: bool = True) -> Fetched:
        low, high = rating_bounds(filters["rating"]) if "rating" in filters else (1, 5)
        return client.comments(
            unit.key,
            period.label,
            # One rating as rating= (a scoring from before the ranges ignores
            # min_rating/max_rating: update scoring first), a range as its bounds.
            rating=low if low == high else None,
            min_rating=low if low != high and low > 1 else None,
            max_rating=high if low != high and high < 5 else None,
            field=filters.get("field"),
            issue=filters.get("issue"),
            page=number,
            per_page=per_page,
            remember=remember,
        )

    # The CSV keeps its pages out of the last-good cache (see comments_page).
    p_comments = status.start(lambda: comments_page(wanted, remember=not everything))
    p_trend = status.start(_trend_call(client, unit.key, period))
    index = status.call(p_index, "headline", "sipas", "fields")
    page.data["headline"] = _headline(index)
    _freshness(page, index)
    year_ago = status.call(p_ago, "year_ago")
    page.data["year_ago"] = _year_ago(year_ago, index, unit, period, ago_span, lang)
    page.data["mean"] = (index or {}).get("mean")
    field_names, issue_names = _field_names(lang), _issue_names(lang)

    _sipas_part(page, index, lang)
    page.tables["fields"] = _fields_table(index, lang)

    issues = status.call(p_issues, "issues")
    # Comments filtered to an issue (where a heatmap share leads): how many responses
    # raised it, of which only those with words are listed (often far fewer, or none).
    # Only without a field filter: the commune's issue counts are of every field.
    chosen, rating = filters.get("issue"), filters.get("rating")
    entry = next(
        (i for i in (issues or {}).get("issues", []) if chosen and i.get("code") == chosen), None
    )
    page.data["issue_responses"] = None
    if entry is not None and not filters.get("field") and rating in (None, "1-3"):
        page.data["issue_responses"] = {
            "n": entry.get("complaints" if rating else "count") or 0,
            "unsatisfied": bool(rating),
        }
    issues_table = Table(
        "issues",
        text("issues", lang),
        [
            text("issue", lang),
            text("count", lang),
            text("complaints", lang),
            text("share", lang),
            text("index_among", lang),
            text("ci_low", lang),
            text("ci_high", lang),
        ],
        numeric={1, 2, 3, 4, 5, 6},
    )
    # A period without a response (or before the commune was formed) has no figures,
    # not a table of zeros.
    answered = bool((page.data["headline"] or {}).get("n")) or any(
        i.get("count") for i in (issues or {}).get("issues", [])
    )
    for i in (issues or {}).get("issues", []) if answered else []:
        est = _estimate(i)
        issues_table.rows.append(
            [
                Link(
                    issue_names.get(i["code"], i.get("name", i["code"])), url_for_issue(i["code"])
                ),
                i.get("count"),
                i.get("complaints"),
                i.get("share"),
                est["index"],
                est["ci_low"],
                est["ci_high"],
            ]
        )
    page.tables["issues"] = issues_table

    themes = status.call(p_themes, "themes")
    page.data["themes"] = [
        {
            "tone": "praise" if t.get("tone") == "praise" else "complaint",
            "label": t.get("label", ""),
            "terms": list(t.get("top_terms", []))[:8],
            "size": t.get("size", 0),
            "examples": list(t.get("examples", []))[:3],
        }
        for t in (themes or {}).get("themes", [])
    ]
    themes_table = Table(
        "themes",
        text("themes", lang),
        [
            text("theme_tone", lang),
            text("theme", lang),
            text("n_comments", lang),
            text("top_terms", lang),
            text("examples", lang),
        ],
        numeric={2},
        vi_cols={1, 3, 4},
    )
    for t in page.data["themes"]:
        themes_table.rows.append(
            [
                text(f"themes_{t['tone']}", lang),
                t["label"],
                t["size"],
                ", ".join(t["terms"]),
                " | ".join(t["examples"]),
            ]
        )
    page.tables["themes"] = themes_table

    comments = status.call(p_comments, "comments")
    comments_table = Table(
        "comments",
        text("comments", lang),
        [
            text("submitted_at", lang),
            text("rating", lang),
            text("field", lang),
            text("issue_or_praise", lang),
            text("comment", lang),
        ],
        vi_cols={4},
        named_rows=False,
        cards=True,
    )
    total = int((comments or {}).get("total", 0))
    items = list((comments or {}).get("items", []))
    page.data["comments_partial"] = False
    if everything:
        # The first page too must be fresh: an old copy of it (scoring down) would
        # make a file that looks complete and misses the newest comments.
        try:
            page.data["comments_partial"] = p_comments.result().stale
        except ScoringUnavailable:
            page.data["comments_partial"] = True
        except ScoringRejected:
            pass  # a query scoring refuses: no comments, not an outage
        # The rest, one fresh call at a time, up to COMMENTS_CSV_MAX. A page scoring
        # does not answer now (or answers from an old copy) would make a file that
        # looks complete and is not: the export is then refused (views).
        # Comments are newest first: one counted between two calls moves the later
        # pages down by one, and a comment came twice while the last was left out
        # (helper-66). What is seen again is skipped, and the pages are read until
        # one is not full, not up to the first page's total.
        number = 1
        seen = {c.get("id") for c in items}
        full = len(items) >= per_page
        while comments and not page.data["comments_partial"] and full:
            if len(items) >= COMMENTS_CSV_MAX:
                break
            number += 1
            try:
                more = comments_page(number, remember=False)
            except (ScoringUnavailable, ScoringRejected):
                more = None
            if more is None or more.stale:
                page.data["comments_partial"] = True
                break
            got = more.data.get("items") or []
            items.extend(c for c in got if c.get("id") is None or c["id"] not in seen)
            seen.update(c.get("id") for c in got)
            full = len(got) >= per_page
        items = items[:COMMENTS_CSV_MAX]
    page.data["comments_total"] = total
    # Comments blanked by the retention rule: a period from before then has fewer, or
    # none, for that reason, not because citizens wrote nothing.
    purged = (comments or {}).get("purged_before")
    page.data["comments_purged_before"] = None
    if purged:
        day = dt.datetime.fromisoformat(purged).astimezone(LOCAL_TZ).date()
        if period.start < day:
            page.data["comments_purged_before"] = day
    last = max(1, -(-total // COMMENTS_PER_PAGE))
    page.data["comments_past_end"] = bool(not everything and total and wanted > last)
    if page.data["comments_past_end"]:
        # A page past the last one (an old link, or fewer comments since: a filter,
        # the retention rule): the last page, not an empty "page 9 of 2". The page
        # itself redirects there (views.commune); its live update shows it.
        try:
            items = list(comments_page(last).data.get("items", []))
        except (ScoringUnavailable, ScoringRejected):
            items = []
        wanted = last
    page.data["comments_page"] = wanted
    page.data["comments_pages"] = last
    problems, praises = _tag_names(lang)
    for c in items:
        codes = list(c.get("issues") or [])
        predicted = c.get("predicted_issue")
        overall = c.get("overall")
        # The kiosk asks "what went wrong?" for 1-3 and "what went well?" for 4-5
        # with the same tags: a tag on a 4-5 rating is praise and reads as such.
        names = praises if isinstance(overall, int) and overall >= 4 else problems
        # Tags joined with "; " (a tag may hold a comma). The model's reading of the
        # text is not the citizen's tick: marked as such, and its "other" (the text
        # fits no issue) shown not at all.
        tags = "; ".join(names.get(code, code) for code in codes)
        if predicted and predicted != CATCH_ALL and predicted not in codes:
            guess = text("predicted_tag", lang, tag=names.get(predicted, predicted))
            tags = f"{tags} · {guess}" if tags else guess
        comments_table.rows.append(
            [
                _moment(c.get("submitted_at")),
                f"{overall} – {rating_label(overall, lang)}"
                if isinstance(overall, int) and 1 <= overall <= 5
                else "",
                field_names.get(c.get("field"), c.get("field") or ""),
                tags,
                c.get("comment", ""),
            ]
        )
    page.tables["comments"] = comments_table
    page.data["trend"], page.tables["trend"] = _trend(status, p_trend, lang)
    page.data["trend_marks"] = _unit_changes(unit.key, period)
    return page


def issue(
    client: ScoringClient,
    scope: Scope,
    unit: Unit,
    code: str,
    period: Period,
    lang: str,
    url_for_unit: UnitHref,
    field: str | None = None,
) -> Page:
    """One issue across the communes of ``unit`` and over time; with ``field``, among
    the responses about that field of procedure (as the overview's heatmap it came
    from)."""
    status = Status()
    page = Page("issue", period, unit, status)
    page.data["title"] = unit_title(unit, lang)
    page.data["field"] = field
    page.data["field_name"] = _field_names(lang).get(field, field) if field else None
    names = _issue_names(lang)
    page.data["issue"] = {"code": code, "name": names.get(code, code)}
    parent = scope.ranking_parent(unit, period.start, period.end)
    # A district or province gone in this period has a trend through the communes formed
    # from it (scoring counts them); a commune version gone has none of its own.
    own_trend = unit.level != "commune" or unit.overlaps(period.start, period.end)
    trend_key = unit.key if own_trend else (parent.key if parent else None)
    # Every call this page makes goes out now, together (see Status.start).
    p_own = p_matrix = p_units = p_trend = None
    if unit.level == "commune":
        p_own = status.start(lambda: client.issues(unit.key, period.label, field=field))
    elif parent is not None:
        p_matrix = status.start(lambda: client.matrix(parent.key, period.label, field=field))
        p_units = status.start(
            lambda: client.units(parent.key, period.label, field=field, issue=code)
        )
    if trend_key is not None and (trend_key == unit.key or scope.role == "admin"):
        p_trend = status.start(_trend_call(client, trend_key, period, code, field=field))
    # No /index call: the page shows none of its figures, and the consumer's heartbeat
    # (are the figures still moving?) comes with the answers above.
    shares: dict[str, Any] = {}
    ranked: dict[str, Any] | None
    if unit.level == "commune":
        # One commune: its own line from /issues (complaint share, and those ticking it).
        own = status.call(p_own, "communes")
        entry = next((i for i in (own or {}).get("issues", []) if i.get("code") == code), None)
        ranked = {"units": []}
        if entry is not None:
            shares[unit.key] = entry.get("share")
            ranked["units"].append({"unit": {"key": unit.key, "name": unit.name}, **entry})
    else:
        matrix = status.call(p_matrix, "communes")
        issues_meta = (matrix or {}).get("issues", [])
        column = next((i for i, m in enumerate(issues_meta) if m.get("code") == code), None)
        for row in (matrix or {}).get("rows", []):
            if column is not None and column < len(row.get("shares", [])):
                shares[row["unit"]["key"]] = row["shares"][column]
        ranked = status.call(p_units, "communes")
    listed = [
        r
        for r in (ranked or {}).get("units", [])
        if scope.allows_key(r.get("unit", {}).get("key", ""))
    ]
    kinds = _kinds([r["unit"].get("name", "") for r in listed], scope, period, parent)
    table = Table(
        "communes",
        text("across_communes", lang, **kinds),
        [
            text("commune", lang, **kinds),
            text("share", lang),
            text("count", lang),
            text("index_among", lang),
            text("ci_low", lang),
            text("ci_high", lang),
        ],
        numeric={1, 2, 3, 4, 5},
        unit_cols={0},
    )
    for r in listed:
        key = r["unit"]["key"]
        est = _estimate(r)
        table.rows.append(
            [
                # its complaints on this issue among its comments (what the share counts)
                Link(_title_of(r["unit"], lang), url_for_unit(key, issue=code, at_comments=False)),
                shares.get(key),
                est["n"],
                est["index"],
                est["ci_low"],
                est["ci_high"],
            ]
        )
    # Where the issue is raised most first (scoring's order, by index, among equals):
    # the page answers "where does this fall short".
    table.rows.sort(key=lambda row: (row[1] is None, -float(row[1] or 0)))  # type: ignore[arg-type]
    page.tables["communes"] = table
    if p_trend is not None:
        # Over time, the index is that of the responses that raised this issue
        # (ticked it, or its comment was classified under it).
        page.data["trend"], page.tables["trend"] = _trend(
            status, p_trend, lang, index_key="issue_index_over_time"
        )
        page.data["trend_marks"] = _unit_changes(trend_key, period)
    else:  # (no trend for this page: no note that it has no answers either)
        page.data["trend"], page.tables["trend"] = [], Table("trend", text("over_time", lang), [])
        page.data["trend_asked"] = False
    page.tables["trend"].title = text("over_time", lang)
    _freshness(page, None)
    return page


def _moment(value: str | None) -> dt.datetime | str:
    """An aware datetime (shown and exported in Vietnam's time), or the text as it
    came when it is not one."""
    if not value:
        return ""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    return moment if moment.tzinfo else value
