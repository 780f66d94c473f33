"""Pure generator of realistic survey responses for the Phú Bình demo district.

No I/O, no clock: every function takes the seed and the dates it needs. Each
(seed, day, unit) has its own random stream, so any date range yields exactly the
responses those days would have in a longer run, and response ids are the same on
every run: a repeated backfill is a stream of duplicates, harmless downstream.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import unicodedata
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from thuocdo_shared import reference
from thuocdo_shared.events import SurveyResponse
from thuocdo_shared.units import Unit, UnitRegistry, registry

from . import phrases
from .profiles import (
    FIELD_SHARE,
    FIELD_SHIFT,
    ISSUE_DIMENSION,
    PRAISE_WEIGHTS,
    PROBLEM_WEIGHTS,
    PROFILES,
    REFORM_DAY,
    VN_TZ,
    WEEKDAY_FACTOR,
    CommuneProfile,
    opening_windows,
    reform_shift,
    trend_shift,
)

SIPAS_SHARE = 0.15  # share of full SIPAS questionnaires
PLAIN_SHARE = 0.30  # share of comments typed without diacritics
RATING_SPREAD = 0.9  # sd of the bell around mu, in scale points
BURST_CHANCE = 0.02  # per unit-day: a child taps the same face again and again


@dataclass(frozen=True)
class Options:
    """Knobs of a run. ``scale`` multiplies every daily volume (1.0 gives about 80
    responses per weekday across the district); ``sipas_share`` and ``plain_share``
    are fractions 0-1."""

    scale: float = 1.0
    sipas_share: float = SIPAS_SHARE
    plain_share: float = PLAIN_SHARE


def demo_communes(day: dt.date, units: UnitRegistry | None = None) -> list[Unit]:
    """The simulated communes in force on ``day`` (those with a profile), by code."""
    reg = units or registry()
    return sorted(
        (u for u in reg if u.level == "commune" and u.valid_on(day) and u.key in PROFILES),
        key=lambda u: u.code,
    )


def kiosk_ids(unit: Unit) -> list[str]:
    """Simulated kiosk ids of a unit: ``sim-<code>-<n>``, n from 1."""
    return [f"sim-{unit.code}-{n}" for n in range(1, PROFILES[unit.key].kiosks + 1)]


def expected_daily(unit: Unit, day: dt.date, options: Options = Options()) -> float:
    """Mean number of responses of ``unit`` on ``day`` (0 when the shop is closed)."""
    if not opening_windows(day):
        return 0.0
    return PROFILES[unit.key].daily * WEEKDAY_FACTOR[day.weekday()] * options.scale


def generate(
    seed: int,
    start: dt.date,
    end: dt.date,
    *,
    until: dt.datetime | None = None,
    options: Options = Options(),
) -> Iterator[SurveyResponse]:
    """Responses for every day in [start, end] (inclusive), in time order.

    ``until`` (aware) drops anything later, so a backfill "to today" never
    produces responses from the future.
    """
    day = start
    while day <= end:
        batch: list[SurveyResponse] = []
        for unit in demo_communes(day):
            batch.extend(day_responses(seed, unit, day, options))
        batch.sort(key=lambda r: (r.submitted_at, r.id))
        for response in batch:
            if until is not None and response.submitted_at > until:
                return
            yield response
        day += dt.timedelta(days=1)


def day_responses(
    seed: int, unit: Unit, day: dt.date, options: Options = Options()
) -> list[SurveyResponse]:
    """All responses of one unit on one day, in time order."""
    rng = random.Random(f"thuocdo-sim:{seed}:{day.isoformat()}:{unit.key}")  # noqa: S311
    mean = expected_daily(unit, day, options)
    if mean <= 0:
        return []
    count = poisson(rng, mean)
    out = [
        make_response(
            rng, unit, arrival_time(rng, day), kiosk=rng.choice(kiosk_ids(unit)), options=options
        )
        for _ in range(count)
    ]
    if count and rng.random() < BURST_CHANCE:
        out.extend(burst(rng, unit, out[0]))
    out.sort(key=lambda r: r.submitted_at)
    return out


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method; ``mean`` here is at most a few dozen)."""
    if mean > 60:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def arrival_time(rng: random.Random, day: dt.date) -> dt.datetime:
    """A moment inside the day's opening windows (+07:00, whole seconds), busiest
    mid-morning and early afternoon. ``day`` must have opening windows."""
    windows = opening_windows(day)
    if len(windows) == 2 and rng.random() >= 0.62:
        start, end = windows[1]
    else:
        start, end = windows[0]
    lo = start.hour * 3600 + start.minute * 60
    hi = end.hour * 3600 + end.minute * 60
    # Peak an hour and a half after opening (queues form after the first arrivals).
    second = int(rng.triangular(lo, hi, lo + 5400))
    second = min(max(second, lo), hi - 1)
    base = dt.datetime(day.year, day.month, day.day, tzinfo=VN_TZ)
    return base + dt.timedelta(seconds=second)


def mu_for(unit: Unit, field: str, day: dt.date) -> float:
    """Latent satisfaction (1-5 scale) of a visit for ``field`` in ``unit`` on ``day``."""
    profile = PROFILES[unit.key]
    shift = FIELD_SHIFT.get(field, 0.0) + profile.field_shift.get(field, 0.0)
    return profile.mu + shift + reform_shift(day) + trend_shift(day)


def rating(rng: random.Random, mu: float) -> int:
    """A 1-5 rating from a bell of sd :data:`RATING_SPREAD` around ``mu``."""
    weights = [math.exp(-((k - mu) ** 2) / (2 * RATING_SPREAD**2)) for k in range(1, 6)]
    return rng.choices(range(1, 6), weights=weights)[0]


def make_response(
    rng: random.Random,
    unit: Unit,
    when: dt.datetime,
    *,
    kiosk: str,
    options: Options = Options(),
) -> SurveyResponse:
    """One visit's response at ``when`` (aware) in ``unit``."""
    profile = PROFILES[unit.key]
    day = when.astimezone(VN_TZ).date()
    field = weighted(rng, FIELD_SHARE)
    overall = rating(rng, mu_for(unit, field, day))
    issues = pick_issues(rng, profile, field, overall, day)
    comment: str | None = None
    if rng.random() < comment_chance(overall):
        comment = compose_comment(rng, field, overall, issues, after_reform=day >= REFORM_DAY)
        if rng.random() < options.plain_share:
            comment = strip_diacritics(comment)
            if rng.random() < 0.5:
                comment = comment.lower()
        # Many who write do not also tick tags: clustering has to place these.
        if rng.random() < 0.3:
            issues = ()
    criteria: dict[str, int] = {}
    if rng.random() < options.sipas_share:
        criteria = sipas_answers(rng, overall, issues)
    return SurveyResponse(
        id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        submitted_at=when,
        kiosk_id=kiosk,
        commune_code=unit.code,
        field=field,
        overall=overall,
        criteria=criteria,
        issues=issues,
        comment=comment,
        lang="vi",
    )


def burst(rng: random.Random, unit: Unit, first: SurveyResponse) -> list[SurveyResponse]:
    """Repeated taps of one face seconds after ``first``, flagged as the kiosk would."""
    out = []
    when = first.submitted_at
    for _ in range(rng.randint(3, 6)):
        when += dt.timedelta(seconds=rng.randint(1, 3))
        out.append(
            SurveyResponse(
                id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                submitted_at=when,
                kiosk_id=first.kiosk_id,
                commune_code=unit.code,
                field=first.field,
                overall=first.overall,
                suspect=("rapid_taps",),
            )
        )
    return out


def weighted(rng: random.Random, weights: Mapping[str, float]) -> str:
    """One key of ``weights``, with probability proportional to its value."""
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def comment_chance(overall: int) -> float:
    """Probability (0-1) that a citizen giving ``overall`` writes a comment."""
    return {1: 0.45, 2: 0.45, 3: 0.3}.get(overall, 0.12)


def pick_issues(
    rng: random.Random, profile: CommuneProfile, field: str, overall: int, day: dt.date
) -> tuple[str, ...]:
    """Ticked issue tags: problems for 1-3, praise for 4-5 (same taxonomy codes)."""
    if overall <= 3:
        base = dict(PROBLEM_WEIGHTS.get(field, PROBLEM_WEIGHTS["*"]))
        for code, factor in profile.issue_boost.items():
            base[code] = base.get(code, 0.0) * factor
        if reform_shift(day) < 0:  # new software and a new office after the merger
            base["online_systems"] *= 3.0
            base["other"] *= 3.0
        counts = {1: (0.1, 0.4, 0.35, 0.15), 2: (0.15, 0.45, 0.3, 0.1), 3: (0.35, 0.5, 0.15, 0)}
        how_many = rng.choices(range(4), weights=counts[overall])[0]
    else:
        base = dict(PRAISE_WEIGHTS)
        counts = {4: (0.55, 0.4, 0.05, 0), 5: (0.45, 0.4, 0.15, 0)}
        how_many = rng.choices(range(4), weights=counts[overall])[0]
    chosen: list[str] = []
    for _ in range(how_many):
        code = weighted(rng, {k: v for k, v in base.items() if k not in chosen})
        chosen.append(code)
    order = list(reference.issues())
    return tuple(sorted(chosen, key=order.index))


def sipas_answers(rng: random.Random, overall: int, issues: Sequence[str]) -> dict[str, int]:
    """Answers 1-5 to all 19 SIPAS criteria, near ``overall``; a ticked issue pulls
    its dimension down by one point for ratings 1-3."""
    hurt = {ISSUE_DIMENSION[i] for i in issues if i in ISSUE_DIMENSION} if overall <= 3 else set()
    out: dict[str, int] = {}
    for code, criterion in reference.sipas().criteria.items():
        value = overall + rng.gauss(0.0, 0.6) - (1.0 if criterion.dimension in hurt else 0.0)
        out[code] = min(5, max(1, round(value)))
    return out


def compose_comment(
    rng: random.Random,
    field: str,
    overall: int,
    issues: Sequence[str],
    *,
    after_reform: bool,
) -> str:
    """A Vietnamese comment (NFC, with diacritics) about ``issues`` in the tone of
    ``overall``: complaints for 1-3, praise for 4-5. At most 1000 characters."""
    problem = overall <= 3
    catalogue = phrases.PROBLEM if problem else phrases.PRAISE
    topics = [i for i in issues if i in catalogue]
    cores: list[str] = [fill(rng, rng.choice(catalogue[t])) for t in topics[:2]]
    if problem and after_reform and rng.random() < 0.12:
        cores.insert(0, rng.choice(phrases.AFTER_REFORM))
    generic = not cores
    if generic:
        cores = [rng.choice(phrases.GENERIC_PROBLEM if problem else phrases.GENERIC_PRAISE)]
    joiners = phrases.JOINERS_PROBLEM if problem else phrases.JOINERS_PRAISE
    body = cores[0]
    for core in cores[1:]:
        body += rng.choice(joiners) + core
    opener = rng.choice(phrases.OPENERS_PROBLEM if problem else phrases.OPENERS_PRAISE)
    if generic:  # "tôi thấy cảm ơn cán bộ xã" is not Vietnamese anyone writes
        opener = ""
    context = rng.choice(phrases.CONTEXTS).replace("{task}", rng.choice(phrases.TASKS[field]))
    closer = rng.choice(phrases.CLOSERS_PROBLEM if problem else phrases.CLOSERS_PRAISE)
    if closer.strip(" .,!").lower() in body.lower():  # no "rất hài lòng, rất hài lòng"
        closer = "."
    text = context + opener + body + closer
    text = text[0].upper() + text[1:]
    return unicodedata.normalize("NFC", text)


def fill(rng: random.Random, template: str) -> str:
    """Replace each ``{slot}`` of ``template`` with a filler from the catalogue."""
    out = template
    for slot, choices in phrases.FILLERS.items():
        token = "{" + slot + "}"
        while token in out:
            out = out.replace(token, rng.choice(choices), 1)
    return out


def strip_diacritics(text: str) -> str:
    """Vietnamese as typed without a Vietnamese keyboard: no tone marks, đ -> d."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def live_response(seed_rng: random.Random, now: dt.datetime) -> SurveyResponse:
    """One response at ``now`` (aware) from a commune in force that day, chosen in
    proportion to its usual volume. Used by live mode, which ignores opening hours
    so an evening demo still sees arrivals."""
    day = now.astimezone(VN_TZ).date()
    units = demo_communes(day)
    unit = seed_rng.choices(units, weights=[PROFILES[u.key].daily for u in units])[0]
    return make_response(seed_rng, unit, now, kiosk=seed_rng.choice(kiosk_ids(unit)))
