"""Where simulated responses go: intake's real HTTP API (as a kiosk would send
them) or straight onto the responses topic (for history intake cannot take).

Both answer with an :class:`Outcome` per response. Sending the same response
twice is harmless: intake answers ``duplicate`` and scoring dedupes by id.
"""

from __future__ import annotations

import email.utils
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

import requests
from kafka.errors import KafkaError
from thuocdo_shared.config import KafkaSettings
from thuocdo_shared.events import SurveyResponse, encode_response
from thuocdo_shared.kafka import close_producer, make_producer
from thuocdo_shared.units import local_date, local_today, registry

from .kiosks import EnrolledKiosk

SUCCESS = ("accepted", "queued", "duplicate")


@dataclass(frozen=True)
class Outcome:
    """What happened to one response. ``status`` is intake's (accepted, queued,
    duplicate) or ours: ``rejected`` (a 4xx other than 429), ``failed`` (gave up
    after retries), ``skipped`` (no kiosk may send it). ``http`` is the last status
    code (None for Kafka or no answer)."""

    status: str
    http: int | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status in SUCCESS


class Sender(Protocol):
    """Something that delivers one response at a time (:class:`IntakeClient`)."""

    def can_send(self, response: SurveyResponse) -> bool: ...

    def send(self, response: SurveyResponse) -> Outcome: ...


def retry_after_seconds(value: str | None, default: float = 1.0, cap: float = 60.0) -> float:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date),
    between 0 and ``cap``; ``default`` when absent or unreadable."""
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return default
        seconds = when.timestamp() - time.time()
    return min(cap, max(0.0, seconds))


def backoff_seconds(attempt: int, base: float = 0.25, cap: float = 8.0) -> float:
    """Exponential backoff before retry number ``attempt`` (1, 2, ...), in seconds."""
    return float(min(cap, base * 2 ** (attempt - 1)))


def pick_kiosk(kiosks: list[EnrolledKiosk], response_id: str) -> EnrolledKiosk:
    """One of a commune's kiosks, the same one for the same response id (so a
    retried response comes from the same tablet)."""
    return kiosks[zlib.crc32(response_id.encode()) % len(kiosks)]


class IntakeClient:
    """POSTs responses to ``/api/v1/responses`` with a kiosk's bearer token.

    A response goes through a kiosk bound to its ``commune_code`` (intake checks
    this), with ``kiosk_id`` set to that kiosk's id. 429 waits for Retry-After and
    tries again; 5xx and connection errors back off and try again up to
    ``max_attempts``; any other 4xx is ``rejected``. Safe to use from many threads.
    Once ``stop`` is set, waiting ends and the response counts as ``failed``.
    """

    def __init__(
        self,
        base_url: str,
        kiosks: Iterable[EnrolledKiosk],
        *,
        timeout: float = 10.0,
        max_attempts: int = 6,
        max_wait: float = 300.0,
        sleep: Callable[[float], None] = time.sleep,
        stop: threading.Event | None = None,
    ) -> None:
        self.url = base_url.rstrip("/") + "/api/v1/responses"
        self.by_commune: dict[str, list[EnrolledKiosk]] = {}
        for kiosk in kiosks:
            self.by_commune.setdefault(kiosk.commune_code, []).append(kiosk)
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.max_wait = max_wait
        self._sleep = sleep
        self._stop = stop
        self._local = threading.local()

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            self._local.session = session
        return session

    def _senders(self, response: SurveyResponse) -> list[EnrolledKiosk]:
        """The kiosks of the response's commune that accept its local date."""
        day = local_date(response.submitted_at)
        return [k for k in self.by_commune.get(response.commune_code, []) if k.accepts(day)]

    def can_send(self, response: SurveyResponse) -> bool:
        """True if a kiosk is enrolled for the response's commune code and that code
        named the same commune version on the response's local date as today: intake
        binds a kiosk to the version of its enrolment and refuses (422) a response
        dated before that version existed (e.g. 05953 before 2025-07-01), or before
        the day the kiosk was enrolled to accept responses from."""
        if not self._senders(response):
            return False
        units = registry()
        then = units.find(response.commune_code, local_date(response.submitted_at))
        now = units.find(response.commune_code, local_today())
        return then is not None and now is not None and then.key == now.key

    def send(self, response: SurveyResponse) -> Outcome:
        """Deliver one response; never raises for network or HTTP trouble."""
        if not self.by_commune.get(response.commune_code):
            return Outcome("skipped", detail=f"no kiosk for commune {response.commune_code}")
        kiosks = self._senders(response)
        if not kiosks:
            day = local_date(response.submitted_at).isoformat()
            return Outcome("skipped", detail=f"no kiosk of {response.commune_code} accepts {day}")
        if not self.can_send(response):
            return Outcome("skipped", detail=f"{response.commune_code} was another commune then")
        kiosk = pick_kiosk(kiosks, response.id)
        body = replace(response, kiosk_id=kiosk.kiosk_id).to_dict()
        headers = {"Authorization": f"Bearer {kiosk.token}"}
        attempt, waited = 0, 0.0
        last = Outcome("failed", detail="not sent")
        while attempt < self.max_attempts and waited <= self.max_wait:
            try:
                answer = self._session().post(
                    self.url, json=body, headers=headers, timeout=self.timeout
                )
            except requests.RequestException as exc:
                attempt += 1
                last = Outcome("failed", detail=f"{type(exc).__name__}: {exc}"[:300])
                delay = backoff_seconds(attempt)
            else:
                if answer.status_code == 202:
                    return Outcome(_status(answer), 202)
                if answer.status_code == 429:
                    # Being told to slow down is not a failure: wait as asked.
                    delay = retry_after_seconds(answer.headers.get("Retry-After"))
                    last = Outcome("failed", 429, "rate limited until the end")
                elif answer.status_code >= 500:
                    attempt += 1
                    last = Outcome("failed", answer.status_code, answer.text[:300])
                    delay = backoff_seconds(attempt)
                else:
                    return Outcome("rejected", answer.status_code, answer.text[:300])
            if self._stop is not None:
                if self._stop.wait(delay):
                    return Outcome("failed", last.http, "stopped while retrying")
            else:
                self._sleep(delay)
            waited += delay
        return last


def intake_problem(base_url: str, timeout: float = 5.0) -> str | None:
    """Why intake at ``base_url`` cannot take responses now (its ``/healthz`` does not
    answer 200), or None when it can."""
    url = base_url.rstrip("/") + "/healthz"
    try:
        answer = requests.get(url, timeout=timeout)
    except requests.RequestException as exc:
        return f"{url} does not answer ({type(exc).__name__})"
    if answer.status_code != 200:
        return f"{url} answered HTTP {answer.status_code}"
    return None


def _status(answer: requests.Response) -> str:
    try:
        payload: Any = answer.json()
    except ValueError:
        return "accepted"
    status = payload.get("status") if isinstance(payload, Mapping) else None
    return status if status in SUCCESS else "accepted"


class KafkaSink:
    """Produces responses to the responses topic, keyed by commune code, with the
    shared idempotent acks=all producer. Up to ``window`` records are in flight;
    each is counted only once the broker has acknowledged it."""

    def __init__(self, settings: KafkaSettings, window: int = 5000) -> None:
        self.settings = settings
        self.window = window
        # Larger batches than intake's (which answers a kiosk per record): a backfill
        # is throughput, not latency.
        self._producer = make_producer(
            settings, linger_ms=20, batch_size=256 * 1024, client_id="thuocdo-sim"
        )

    def send_all(
        self,
        responses: Iterable[SurveyResponse],
        progress: Callable[[Outcome], None],
        pause: Callable[[], float] = lambda: 0.0,
    ) -> None:
        """Produce every response; ``progress`` is called once per acknowledged
        (or failed) record, from this thread. ``pause()`` gives seconds to wait
        before each record (a rate limit)."""
        pending: deque[Any] = deque()
        topic = self.settings.responses_topic
        for response in responses:
            delay = pause()
            if delay > 0:
                time.sleep(delay)
            key = response.commune_code.encode()
            pending.append(self._producer.send(topic, key=key, value=encode_response(response)))
            while len(pending) > self.window:
                progress(_wait(pending.popleft()))
        self._producer.flush()
        while pending:
            progress(_wait(pending.popleft()))

    def close(self) -> None:
        close_producer(self._producer, 10)


def _wait(future: Any, timeout: float = 30.0) -> Outcome:
    try:
        future.get(timeout=timeout)
    except KafkaError as exc:
        return Outcome("failed", detail=f"{type(exc).__name__}: {exc}"[:300])
    return Outcome("accepted")
