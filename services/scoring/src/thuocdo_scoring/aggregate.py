"""Incremental aggregates of responses: pure data and arithmetic, no storage.

The store keeps one row of :class:`Counts` per :data:`AggKey` = (unit key, local
day, field, suspect, issue), where ``issue == ""`` is the row of *all* responses and
``issue == code`` the row of the responses that raise that issue (ticked by the
citizen or given by the comment classifier). Every index figure is a sum of such
rows, so applying a batch only adds :func:`fold` of the new responses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field

from thuocdo_shared.units import local_date

LEVELS = (1, 2, 3, 4, 5)
ALL = ""

AggKey = tuple[str, dt.date, str, bool, str]
Levels = tuple[int, int, int, int, int]
ZERO: Levels = (0, 0, 0, 0, 0)


def add_levels(a: Levels, b: Levels) -> Levels:
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3], a[4] + b[4])


def one_hot(score: int) -> Levels:
    """Levels with a single 1 at ``score`` (1..5)."""
    if score not in LEVELS:
        raise ValueError(f"score must be 1..5, got {score}")
    out = [0, 0, 0, 0, 0]
    out[score - 1] = 1
    return (out[0], out[1], out[2], out[3], out[4])


@dataclass(frozen=True)
class Record:
    """A response as the scoring service keeps it: resolved to a unit version and a
    local day, with the comment classifier's issue (or None)."""

    id: str
    submitted_at: dt.datetime
    unit_key: str
    commune_code: str
    field: str
    overall: int
    criteria: Mapping[str, int] = dc_field(default_factory=dict)
    issues: tuple[str, ...] = ()
    predicted_issue: str | None = None
    suspect: bool = False
    comment: str | None = None
    kiosk_id: str = ""

    @property
    def local_date(self) -> dt.date:
        return local_date(self.submitted_at)

    @property
    def raised_issues(self) -> tuple[str, ...]:
        """Ticked issues plus the classifier's one, each once, ticked first."""
        if self.predicted_issue and self.predicted_issue not in self.issues:
            return (*self.issues, self.predicted_issue)
        return self.issues


def utc_iso(when: dt.datetime) -> str:
    """Fixed-width UTC ISO text, so that string max == time max."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Counts:
    """Additive counts: answers per overall level 1..5, responses that answered any
    SIPAS criterion, answers per level for each criterion, and the latest
    ``submitted_at`` (UTC ISO text, "" if none)."""

    levels: Levels = ZERO
    n_sipas: int = 0
    criteria: Mapping[str, Levels] = dc_field(default_factory=dict)
    latest: str = ""

    @property
    def n(self) -> int:
        return sum(self.levels)

    @property
    def unsatisfied(self) -> int:
        """Answers 1 to 3. On a row of one issue, the responses that raised it as a
        problem: the kiosk asks "what went wrong?" for 1-3 and "what went well?" for
        4-5, with the same tags."""
        return sum(self.levels[:3])

    def __add__(self, other: Counts) -> Counts:
        crit = dict(self.criteria)
        for code, lv in other.criteria.items():
            crit[code] = add_levels(crit.get(code, ZERO), lv)
        return Counts(
            levels=add_levels(self.levels, other.levels),
            n_sipas=self.n_sipas + other.n_sipas,
            criteria=crit,
            latest=max(self.latest, other.latest),
        )


def contribution(record: Record) -> Counts:
    """What one response adds to each of its aggregate rows."""
    return Counts(
        levels=one_hot(record.overall),
        n_sipas=1 if record.criteria else 0,
        criteria={code: one_hot(score) for code, score in record.criteria.items()},
        latest=utc_iso(record.submitted_at),
    )


def keys_for(record: Record) -> list[AggKey]:
    """The rows a response counts in: the all-responses row and one per raised issue."""
    base = (record.unit_key, record.local_date, record.field, record.suspect)
    return [(*base, ALL), *((*base, code) for code in record.raised_issues)]


def fold(
    records: Iterable[Record], into: Mapping[AggKey, Counts] | None = None
) -> dict[AggKey, Counts]:
    """Aggregate rows of ``records`` (added to ``into`` when given; not mutated).

    Same result as summing :func:`contribution` over :func:`keys_for` of each record
    (the property tests check that), with mutable accumulators for speed.
    """
    acc: dict[AggKey, tuple[list[int], list[int], dict[str, list[int]], list[str]]] = {}
    for record in records:
        level = record.overall - 1
        if not 0 <= level <= 4:
            raise ValueError(f"score must be 1..5, got {record.overall}")
        latest = utc_iso(record.submitted_at)
        has_sipas = 1 if record.criteria else 0
        for key in keys_for(record):
            a = acc.get(key)
            if a is None:
                a = acc[key] = ([0, 0, 0, 0, 0], [0], {}, [""])
            a[0][level] += 1
            a[1][0] += has_sipas
            for code, score in record.criteria.items():
                if not 1 <= score <= 5:
                    raise ValueError(f"score must be 1..5, got {score}")
                crit = a[2].get(code)
                if crit is None:
                    crit = a[2][code] = [0, 0, 0, 0, 0]
                crit[score - 1] += 1
            if latest > a[3][0]:
                a[3][0] = latest
    out: dict[AggKey, Counts] = dict(into or {})
    for key, (lv, n_sipas, crits, last) in acc.items():
        c = Counts(
            levels=(lv[0], lv[1], lv[2], lv[3], lv[4]),
            n_sipas=n_sipas[0],
            criteria={k: (v[0], v[1], v[2], v[3], v[4]) for k, v in crits.items()},
            latest=last[0],
        )
        prev = out.get(key)
        out[key] = c if prev is None else prev + c
    return out


def total(rows: Iterable[Counts]) -> Counts:
    """Sum of aggregate rows."""
    acc = Counts()
    for row in rows:
        acc = acc + row
    return acc
