"""Read-side use cases: turn validated parameters into the JSON documents of the
read API (see notes/scoring-api.md). Sums aggregate rows from the store and hands
them to the pure index functions; raw responses are read only for comments."""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Concatenate, ParamSpec, TypeVar

from thuocdo_shared.numbers import ratio_half_up, round_half_up
from thuocdo_shared.reference import fields, issues, sipas
from thuocdo_shared.units import Unit, UnitRegistry, registry

from .aggregate import Counts
from .aggregate import total as sum_counts
from .classifier import IssueModel, load_model
from .index import (
    damped_weight,
    levels_estimate,
    mean_100,
    mean_score,
    satisfied_of,
    sipas_index,
)
from .periods import Period, buckets
from .shrinkage import fit_prior
from .store import ConsumerState, Filters, Store

THEME_TEXTS_MAX = 2000


class UnitNotFound(LookupError):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def unit_dict(unit: Unit) -> dict[str, Any]:
    return {
        "key": unit.key,
        "code": unit.code,
        "name": unit.name,
        "level": unit.level,
        "valid_from": unit.valid_from.isoformat() if unit.valid_from else None,
        "valid_to": unit.valid_to.isoformat() if unit.valid_to else None,
    }


def resolve_unit(text: str, period: Period, units: UnitRegistry | None = None) -> Unit:
    """A unit from ``code`` or ``code@valid_from`` (``code@-``): a bare code means the
    version in force on the period's last day, else the latest version overlapping
    the period, else the latest version that exists."""
    units = units or registry()
    code, sep, _ = text.partition("@")
    if sep:
        unit = units.by_key(text)
        if unit is None:
            raise UnitNotFound(text)
        return unit
    versions = units.versions(code)
    if not versions:
        raise UnitNotFound(text)
    for u in versions:
        if u.valid_on(period.end):
            return u
    overlapping = [u for u in versions if u.overlaps(period.start, period.end)]
    return (overlapping or versions)[-1]


def communes_under(unit: Unit, period: Period, units: UnitRegistry | None = None) -> list[Unit]:
    """Commune versions whose data roll up into ``unit`` for ``period``.

    A district or province abolished before the period ends goes on in the communes
    formed (wholly or partly) from its old communes: they count for the rest of the
    period, so a former district's index and trend run on across the reform instead
    of stopping at it (the dashboard ranks the same communes for its leader).
    """
    units = units or registry()
    if unit.level == "commune":
        return [unit] if unit.overlaps(period.start, period.end) else []
    found = {
        u
        for u in units.descendants_between(unit.code, period.start, period.end)
        if u.level == "commune"
    }
    if unit.valid_to is not None and unit.valid_to < period.end:
        found.update(u for u in units.carried_on_by(unit) if u.overlaps(period.start, period.end))
    return sorted(found, key=lambda u: (u.code, u.valid_from or dt.date.min))


def consumer_dict(state: ConsumerState | None, now: dt.datetime) -> dict[str, Any] | None:
    """The consumer's last heartbeat as the API gives it (None: never seen)."""
    if state is None:
        return None
    return {
        "seen_at": state.seen_at.isoformat(),
        "age_s": round(state.age_s(now), 1),
        "lag": state.lag_now(now),
        "dead_lettered": state.dead_lettered,
    }


def consumer_health(
    state: ConsumerState | None, now: dt.datetime, max_age_s: float
) -> tuple[bool, str]:
    """Whether the consumer still counts (its heartbeat at most ``max_age_s`` old),
    and one line that says so for an operator or a container's health check."""
    if state is None:
        return False, "no heartbeat: the consumer has never run against this store"
    age = state.age_s(now)
    lag = state.lag_now(now)
    said = (
        f"heartbeat {age:.1f} s old, lag {'unknown' if lag is None else lag},"
        f" {state.dead_lettered} dead-lettered"
    )
    if age > max_age_s:
        return False, f"{said}: over {max_age_s:g} s, the consumer is not counting (see its log)"
    return True, said


def _as_of(latest: str) -> str | None:
    if not latest:
        return None
    return dt.datetime.strptime(latest, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC).isoformat()


P = ParamSpec("P")
T = TypeVar("T")


def in_snapshot(
    method: Callable[Concatenate[ReadModel, P], T],
) -> Callable[Concatenate[ReadModel, P], T]:
    """Run a :class:`ReadModel` use case inside one ``store.snapshot()``, so all its
    SELECTs see the same committed batches (an answer never mixes two). An answer
    (a dict) also says the store's ``version`` it was read at: a client that asks
    several questions for one page can tell answers read before and after a batch
    was counted, and ask the older ones again."""

    @functools.wraps(method)
    def wrapper(model: ReadModel, /, *args: P.args, **kwargs: P.kwargs) -> T:
        with model.store.snapshot():
            out = method(model, *args, **kwargs)
            if isinstance(out, dict):
                out["version"] = model.store.version()
            return out

    return wrapper


@dataclass(frozen=True)
class Query:
    """Common parameters after validation."""

    unit: str
    period: Period
    field: str | None = None
    issue: str | None = None
    include_suspect: bool = False


class ReadModel:
    """The read API's use cases over one store."""

    def __init__(
        self,
        store: Store,
        small_sample: int = 30,
        weights: Mapping[str, float] | None = None,
        units: UnitRegistry | None = None,
        model_loader: Callable[[], IssueModel | None] = load_model,
    ) -> None:
        self.store = store
        self.model_loader = model_loader
        self.small_sample = small_sample
        self.weights = dict(weights or {})
        self.units = units or registry()
        self._themes: OrderedDict[tuple[Any, ...], list[dict[str, Any]]] = OrderedDict()
        # Partitions by profile: every open overview asks /groups again after each live
        # update, all with the same profiles; k-means (~30 ms) runs once for them.
        self._partitions: OrderedDict[tuple[Any, ...], list[list[str]]] = OrderedDict()
        self._lock = threading.Lock()

    # -- helpers -----------------------------------------------------------------
    def _filters(self, q: Query, keys: list[Unit], **over: Any) -> Filters:
        base = Filters(
            unit_keys=tuple(u.key for u in keys),
            start=q.period.start,
            end=q.period.end,
            field=q.field,
            issue=q.issue or "",
            include_suspect=q.include_suspect,
        )
        return replace(base, **over)

    def _estimate(self, c: Counts | None) -> dict[str, Any]:
        return levels_estimate(c.levels if c else (0, 0, 0, 0, 0), self.small_sample).to_dict()

    def _scope(self, q: Query) -> tuple[Unit, list[Unit]]:
        unit = resolve_unit(q.unit, q.period, self.units)
        return unit, communes_under(unit, q.period, self.units)

    def _heartbeat(self) -> dict[str, Any] | None:
        """The consumer's heartbeat, in every answer a page may build on: a consumer
        that stopped leaves the figures as they were, and nothing else in an answer
        would show it (a page need not ask /index only to learn it)."""
        return consumer_dict(self.store.consumer_state(), dt.datetime.now(dt.UTC))

    def _sipas(self, c: Counts) -> dict[str, Any] | None:
        result = sipas_index(c.criteria, sipas(), c.n_sipas, self.weights, self.small_sample)
        return None if result is None else result.to_dict()

    # -- endpoints ---------------------------------------------------------------
    @in_snapshot
    def index(self, q: Query) -> dict[str, Any]:
        unit, keys = self._scope(q)
        by_suspect = self.store.sum_rows(
            self._filters(q, keys, include_suspect=True), ("suspect",), criteria=True
        )
        included = [c for (s,), c in by_suspect.items() if q.include_suspect or not s]
        main = sum_counts(included)
        suspect = by_suspect.get((1,))
        by_field = self.store.sum_rows(self._filters(q, keys), ("field",))
        return {
            "unit": unit_dict(unit),
            "period": q.period.to_dict(),
            "filters": {"field": q.field, "issue": q.issue},
            "as_of": _as_of(main.latest),
            "consumer": self._heartbeat(),
            **self._estimate(main),
            "counts": {str(i + 1): main.levels[i] for i in range(5)},
            "mean": mean_score(main.levels),
            "mean_100": mean_100(main.levels),
            "suspect_excluded": 0 if q.include_suspect or suspect is None else suspect.n,
            "sipas": self._sipas(main),
            "fields": [
                {"code": code, "name": f.label.vi, **self._estimate(by_field[(code,)])}
                for code, f in fields().items()
                if (code,) in by_field and by_field[(code,)].n > 0
            ],
        }

    @in_snapshot
    def units_ranking(self, q: Query) -> dict[str, Any]:
        parent, keys = self._scope(q)
        by_unit = self.store.sum_rows(self._filters(q, keys), ("unit_key",))
        pairs = {u.key: by_unit.get((u.key,), Counts()) for u in keys}
        prior = fit_prior([(c.levels[3] + c.levels[4], c.n) for c in pairs.values()])
        rows = []
        for u in keys:
            c = pairs[u.key]
            est = self._estimate(c)
            shrunk = (
                round_half_up(100 * prior.posterior_mean(est["satisfied"], c.n), 2) if c.n else None
            )
            rows.append({"unit": unit_dict(u), **est, "shrunk": shrunk})
        rows.sort(
            key=lambda r: (r["shrunk"] is None, -(r["shrunk"] or 0), -r["n"], r["unit"]["key"])
        )
        rank_rows(rows)
        return {
            "parent": unit_dict(parent),
            "period": q.period.to_dict(),
            "prior": {"alpha": round(prior.alpha, 4), "beta": round(prior.beta, 4)},
            "units": rows,
            "consumer": self._heartbeat(),
        }

    @in_snapshot
    def issues(self, q: Query) -> dict[str, Any]:
        unit, keys = self._scope(q)
        total = self.store.sum_rows(self._filters(q, keys, issue="")).get((), Counts())
        by_issue = self.store.sum_rows(self._filters(q, keys), ("issue",))
        out = []
        for code, issue in issues().items():
            c = by_issue.get((code,), Counts())
            out.append(
                {
                    "code": code,
                    "name": issue.label.vi,
                    "count": c.n,
                    "complaints": c.unsatisfied,
                    "share": _share(c, total.n),
                    **self._estimate(c),
                }
            )
        return {
            "unit": unit_dict(unit),
            "period": q.period.to_dict(),
            "n": total.n,
            "issues": out,
            "consumer": self._heartbeat(),
        }

    @in_snapshot
    def _issue_counts(
        self, q: Query, keys: list[Unit], criteria: bool = False
    ) -> tuple[dict[tuple[Any, ...], Counts], dict[tuple[Any, ...], Counts]]:
        """Per unit: all its responses, and those that raised each issue (any rating)."""
        totals = self.store.sum_rows(
            self._filters(q, keys, issue=""), ("unit_key",), criteria=criteria
        )
        cells = self.store.sum_rows(self._filters(q, keys), ("unit_key", "issue"))
        return totals, cells

    @in_snapshot
    def matrix(self, q: Query) -> dict[str, Any]:
        parent, keys = self._scope(q)
        totals, cells = self._issue_counts(q, keys)
        codes = list(issues())
        rows = []
        for u in keys:
            n = totals.get((u.key,), Counts()).n
            shares = [_share(cells.get((u.key, code), Counts()), n) for code in codes]
            small = 0 < n < self.small_sample
            rows.append({"unit": unit_dict(u), "n": n, "small_sample": small, "shares": shares})
        return {
            "parent": unit_dict(parent),
            "period": q.period.to_dict(),
            "issues": [{"code": c, "name": issues()[c].label.vi} for c in codes],
            "rows": rows,
            "consumer": self._heartbeat(),
        }

    @in_snapshot
    def trend(self, q: Query, granularity: str) -> dict[str, Any]:
        unit, keys = self._scope(q)
        by_day = self.store.sum_rows(self._filters(q, keys), ("day",))
        # One pass over the days: each falls in the bucket whose start is the last
        # one at or before it (buckets are contiguous and ordered).
        bounds = list(buckets(q.period.start, q.period.end, granularity))
        starts = [b.start.isoformat() for b in bounds]
        ends = [b.end.isoformat() for b in bounds]
        sums = [Counts() for _ in bounds]
        for (day,), row in by_day.items():
            i = bisect.bisect_right(starts, day) - 1
            if i >= 0 and day <= ends[i]:
                sums[i] = sums[i] + row
        points = [
            {"period": b.to_dict(), **self._estimate(c)} for b, c in zip(bounds, sums, strict=True)
        ]
        return {
            "unit": unit_dict(unit),
            "granularity": granularity,
            "points": points,
            "consumer": self._heartbeat(),
        }

    @in_snapshot
    def comments(
        self, q: Query, ratings: tuple[int, int] | None, page: int, per_page: int
    ) -> dict[str, Any]:
        """A page of comments; ``ratings``: only those rated in that range (inclusive;
        an empty range, none)."""
        _, keys = self._scope(q)
        total, items = self.store.comments(
            self._filters(q, keys), ratings=ratings, limit=per_page, offset=(page - 1) * per_page
        )
        by_key = {u.key: u for u in keys}
        purged = self.store.comments_purged_before()
        return {
            "total": total,
            "page": page,
            "per_page": per_page,
            # Comments submitted before this were blanked by the retention rule: a
            # period before it has fewer (or no) comments for that reason.
            "purged_before": purged.isoformat() if purged else None,
            "items": [
                {
                    "id": c.id,
                    "submitted_at": c.submitted_at,
                    "unit": unit_dict(by_key[c.unit_key]),
                    "field": c.field,
                    "overall": c.overall,
                    "issues": list(c.issues),
                    "predicted_issue": c.predicted_issue,
                    "comment": c.comment,
                }
                for c in items
            ],
        }

    def themes(self, q: Query) -> dict[str, Any]:
        """Emerging themes among comments that fit no issue, found apart in the
        comments of unsatisfied citizens (ratings 1-3, ``tone`` "complaint") and of
        satisfied ones (4-5, "praise"): clustered together, "phòng chờ chật" and
        "phòng chờ rộng rãi" fall into one theme. Complaints come first."""
        unit, keys = self._scope(q)
        filters = self._filters(q, keys, issue="")
        # Count and page from one snapshot; the themes are computed outside it.
        with self.store.snapshot():
            total, items = self.store.comments(
                filters, limit=THEME_TEXTS_MAX, offset=0, unassigned_only=True
            )
            version = self.store.version()
        cache_key = (filters, total, items[0].id if items else None)
        with self._lock:
            cached = self._themes.get(cache_key)
        if cached is None:
            # Each tone's labels take their spelling from its own comments, from the
            # other tone's, and from the comments put under an issue (see Spellings):
            # a theme of comments typed without diacritics ("nguoi dan rat vat va")
            # was labelled so although the same words came with them elsewhere.
            unhappy = [c.comment for c in items if c.overall <= 3]
            happy = [c.comment for c in items if c.overall >= 4]
            own = {c.id for c in items}
            with self.store.snapshot():  # spellings only: a later snapshot will do
                _, every = self.store.comments(filters, limit=THEME_TEXTS_MAX, offset=0)
            assigned = [c.comment for c in every if c.id not in own]
            cached = [
                *self._compute_themes(unhappy, "complaint", [*happy, *assigned]),
                *self._compute_themes(happy, "praise", [*unhappy, *assigned]),
            ]
            with self._lock:
                self._themes[cache_key] = cached
                while len(self._themes) > 128:
                    self._themes.popitem(last=False)
        return {
            "unit": unit_dict(unit),
            "period": q.period.to_dict(),
            "themes": cached,
            "version": version,
        }

    def _compute_themes(
        self, texts: list[str], tone: str, spell_from: list[str]
    ) -> list[dict[str, Any]]:
        model = self.model_loader()
        if model is None or not texts:
            return []
        return [
            {
                "id": str(t.id),
                "tone": tone,
                "label": t.label,
                "top_terms": list(t.top_terms),
                "size": int(t.size),
                "examples": list(t.examples),
            }
            for t in model.themes(texts, spell_from=spell_from)
        ]

    def _partition(self, vectors: dict[str, list[float]]) -> list[list[str]]:
        """:func:`_group` of ``vectors``, kept for the next call with the same ones."""
        key = tuple(sorted((k, tuple(v)) for k, v in vectors.items()))
        with self._lock:
            cached = self._partitions.get(key)
        if cached is None:
            cached = _group(vectors)
            with self._lock:
                self._partitions[key] = cached
                while len(self._partitions) > 64:
                    self._partitions.popitem(last=False)
        return cached

    @in_snapshot
    def groups(self, q: Query) -> dict[str, Any]:
        """Communes grouped by their profile (k-means over standardised columns):
        each issue's share, the satisfaction index once, and the index of each SIPAS
        dimension some commune of the set was answered on.

        A commune with fewer than ``small_sample`` responses is not grouped: one
        citizen's answer would make it a group of its own, 100 % on one issue. It is
        listed under ``ungrouped`` with its n. A dimension a commune has no answer
        for takes the mean of the communes that have one, which is neutral once the
        column is standardised (the commune's own satisfaction index there weighed
        it up to six times, and 0 put a commune whose citizens were all very
        satisfied, in quick mode, beside one whose SIPAS answers were all 1); one
        with few answers, a mix of its own and that mean (see _blend). A group's
        profile pools its communes' responses, so a commune weighs by its n.
        """
        parent, keys = self._scope(q)
        totals, cells = self._issue_counts(q, keys, criteria=True)
        codes = list(issues())
        dims = [d.code for d in sipas().dimensions]
        placed: list[tuple[Unit, Counts, dict[str, Any]]] = []
        ungrouped: list[dict[str, Any]] = []
        for u in keys:
            c = totals.get((u.key,))
            if c is None or c.n == 0:
                continue
            if c.n < self.small_sample:
                ungrouped.append({**unit_dict(u), "n": c.n})
                continue
            s = sipas_index(c.criteria, sipas(), c.n_sipas, self.weights, self.small_sample)
            found = {d.code: d for d in s.dimensions if d.index is not None} if s else {}
            placed.append((u, c, found))
        answered = {d: [f[d].index for _, _, f in placed if d in f] for d in dims}
        means = {d: sum(v) / len(v) for d, v in answered.items() if v}
        vectors: dict[str, list[float]] = {}
        unhappy: dict[str, list[int]] = {}
        for u, c, found in placed:
            # Each issue's responses raising it as a problem (rated 1-3).
            unhappy[u.key] = [cells.get((u.key, code), Counts()).unsatisfied for code in codes]
            vectors[u.key] = [
                *(k / c.n for k in unhappy[u.key]),
                _satisfied(c),
                *(
                    _blend(f.index, f.n, mean, self.small_sample)
                    if (f := found.get(d)) is not None
                    else mean
                    for d, mean in means.items()
                ),
            ]
        counts = {u.key: c for u, c, _ in placed}
        by_key = {u.key: u for u, _, _ in placed}
        out = []
        for i, members in enumerate(self._partition(vectors), 1):
            n = sum(counts[k].n for k in members)
            raised = {code: sum(unhappy[k][j] for k in members) for j, code in enumerate(codes)}
            top = sorted(codes, key=lambda code: -raised[code])[:3]
            satisfied = sum(satisfied_of(counts[k].levels) for k in members)
            out.append(
                {
                    "id": i,
                    "n": n,
                    "units": [{**unit_dict(by_key[k]), "n": counts[k].n} for k in members],
                    "profile": {
                        "satisfaction_index": ratio_half_up(100 * satisfied, n, 2),
                        "top_issues": [c for c in top if raised[c] > 0],
                        "shares": {c: ratio_half_up(100 * k, n, 2) for c, k in raised.items()},
                    },
                }
            )
        return {
            "parent": unit_dict(parent),
            "period": q.period.to_dict(),
            "groups": out,
            "ungrouped": ungrouped,
            "small_sample": self.small_sample,
        }


def rank_rows(rows: list[dict[str, Any]]) -> None:
    """Set ``rank`` on ranking rows sorted best first. A unit without a response in
    the period has no place in the ranking (it is listed last, unranked): a rank
    would read as a result. Units whose adjusted index reads the same as the
    dashboard shows it (one decimal) share a rank, the next one skipping (1, 2, 2,
    4): which of two equals came first was the order of their codes."""
    shown_before: float | None = None
    for i, r in enumerate(rows, 1):
        shown = None if r["shrunk"] is None else round_half_up(r["shrunk"], 1)
        if not r["n"]:
            r["rank"] = None
        elif i > 1 and shown == shown_before:
            r["rank"] = rows[i - 2]["rank"]
        else:
            r["rank"] = i
        shown_before = shown


def _satisfied(c: Counts) -> float:
    """% of a unit's responses rated 4 or 5."""
    return 100.0 * satisfied_of(c.levels) / c.n


def _blend(index: float | None, n: int, fallback: float, small_sample: int) -> float:
    """A dimension's index for a commune's profile: its own from ``small_sample``
    answers up, ``fallback`` (the mean of the communes answered on it) without any,
    and in between a mix by n (one answer's 0 or 100 would stand far out once
    scaled)."""
    if index is None or n <= 0:
        return fallback
    trust = damped_weight(1.0, n, small_sample)  # the index's own weight rule
    return trust * index + (1.0 - trust) * fallback


def _share(issue: Counts, total: int) -> float | None:
    """% of a unit's ``total`` responses that raised the issue as a problem (rated 1-3
    and raised it: ticked, or in a comment classified under it); raised with a 4-5
    answer it is praise and is not counted. None without
    a response: no share at all, not 0 %."""
    return ratio_half_up(100 * issue.unsatisfied, total, 2) if total else None


def _group(vectors: dict[str, list[float]]) -> list[list[str]]:
    if not vectors:
        return []
    try:
        from thuocdo_scoring.comments import group_units
    except Exception:  # the clustering package is optional: one group then
        return [sorted(vectors)]
    groups: list[list[str]] = group_units(vectors)
    return groups
