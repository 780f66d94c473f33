"""Simulated kiosks and the books they keep, for the fault suite.

Each :class:`Kiosk` is a thread that behaves like the kiosk page: it makes a new
response every ``interval`` seconds and POSTs it to intake; a response intake did
not acknowledge (a 503/507, a connection refused or reset, a timeout) stays in the
kiosk's own queue (IndexedDB on a tablet) and is sent again, oldest first, until
intake answers 202. The kiosk records what intake answered for every id.

:class:`Pipeline` runs the real processes of one scenario: ``thuocdo-intake serve``,
``thuocdo-scoring consume`` and ``thuocdo-scoring serve``. :func:`account` compares
the kiosks' books with scoring's store and read API.
"""

from __future__ import annotations

import collections
import concurrent.futures
import dataclasses
import datetime as dt
import itertools
import re
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import requests
from thuocdo_intake.kiosks import KioskRegistry
from thuocdo_scoring.store import SqliteStore
from thuocdo_shared.config import KafkaSettings
from thuocdo_shared.units import LOCAL_TZ as HCM

from tests.intake.helpers import auth, intake_env
from tests.support.servers import ServiceProcess

# The five communes of former Phú Bình after 2025-07-01 (valid today).
COMMUNES = ("05908", "05923", "05941", "05953", "05917")
ACKNOWLEDGED = frozenset({"accepted", "queued", "duplicate"})
SCORING_TOKEN = "fault-suite-scoring-token"


@dataclasses.dataclass
class Books:
    """What one kiosk knows: every response it made and what intake answered."""

    sent: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    acknowledged: dict[str, str] = dataclasses.field(default_factory=dict)  # id -> status
    statuses: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)
    pending: collections.deque[dict[str, Any]] = dataclasses.field(
        default_factory=collections.deque
    )
    # Answers no fault excuses (a 4xx for a valid response, a 500): the scenario fails.
    unexpected: list[tuple[int, str]] = dataclasses.field(default_factory=list)


class Kiosk(threading.Thread):
    """One tablet: new responses every ``interval`` s, unacknowledged ones re-sent."""

    _serial = itertools.count(1)

    def __init__(
        self, base_url: str, enrolment: dict[str, str], commune: str, interval: float = 0.1
    ) -> None:
        super().__init__(daemon=True, name=f"kiosk-{commune}")
        self.base_url = base_url
        self.enrolment = enrolment
        self.commune = commune
        self.interval = interval
        self.books = Books()
        self.producing = threading.Event()
        self.producing.set()
        self.stopped = threading.Event()
        self._http = requests.Session()
        self._retry_at = 0.0

    def new_response(self) -> dict[str, Any]:
        n = next(self._serial)
        return {
            "id": str(uuid.uuid4()),
            "submitted_at": dt.datetime.now(HCM).isoformat(timespec="seconds"),
            "kiosk_id": self.enrolment["id"],
            "commune_code": self.commune,
            "field": "ho_tich",
            "overall": 1 + n % 5,
            "issues": ["waiting_time"] if n % 5 < 3 else [],
            # Unique text: the privacy test looks for it in the logs.
            "comment": f"Góp ý thử nghiệm số {n} tại quầy {self.commune}",
        }

    def post(self, data: dict[str, Any]) -> bool:
        """Send once; True when intake acknowledged it."""
        try:
            answer = self._http.post(
                f"{self.base_url}/api/v1/responses",
                json=data,
                headers=auth(self.enrolment),
                timeout=15,
            )
        except requests.RequestException as exc:
            self.books.statuses[f"error:{type(exc).__name__}"] += 1
            return False
        self.books.statuses[str(answer.status_code)] += 1
        if answer.status_code == 202:
            status = str(answer.json().get("status"))
            if status not in ACKNOWLEDGED:
                self.books.unexpected.append((202, answer.text[:200]))
                return False
            self.books.statuses[status] += 1
            self.books.acknowledged.setdefault(data["id"], status)
            return True
        if answer.status_code not in (503, 507):
            self.books.unexpected.append((answer.status_code, answer.text[:200]))
        return False

    def step(self) -> None:
        now = time.monotonic()
        if self.books.pending and now >= self._retry_at:
            data = self.books.pending[0]
            if self.post(data):
                self.books.pending.popleft()
            else:
                self._retry_at = now + 0.3
            return
        if not self.producing.is_set():
            return
        data = self.new_response()
        self.books.sent[data["id"]] = data
        if not self.post(data):
            self.books.pending.append(data)
            self._retry_at = now + 0.3

    def run(self) -> None:
        while not self.stopped.is_set():
            self.step()
            time.sleep(self.interval)


def enrol_many(data_dir: Path, codes: tuple[str, ...]) -> list[dict[str, str]]:
    """Enrol one kiosk per commune through intake's registry (in this process: the
    CLI costs seconds per kiosk on a busy machine; the fuzz and access suites use it)."""
    registry = KioskRegistry(data_dir / "intake-kiosks.sqlite3")
    out = []
    for i, code in enumerate(codes):
        kiosk, token = registry.add(code, f"Quầy thử {i + 1}")
        out.append({"id": kiosk.id, "token": token})
    return out


class Fleet:
    """A few kiosks, one per commune."""

    def __init__(self, base_url: str, data_dir: Path, count: int = 4) -> None:
        codes = COMMUNES[:count]
        self.kiosks = [
            Kiosk(base_url, enrolment, code)
            for enrolment, code in zip(enrol_many(data_dir, codes), codes, strict=True)
        ]

    def start(self) -> None:
        for k in self.kiosks:
            k.start()

    def drain(self, timeout: float) -> None:
        """Stop making new responses; wait until every kiosk's queue is empty."""
        for k in self.kiosks:
            k.producing.clear()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and any(k.books.pending for k in self.kiosks):
            time.sleep(0.1)
        self.stop()

    def stop(self) -> None:
        for k in self.kiosks:
            k.stopped.set()
        for k in self.kiosks:
            k.join(timeout=30)

    @property
    def sent(self) -> dict[str, dict[str, Any]]:
        return {i: d for k in self.kiosks for i, d in k.books.sent.items()}

    @property
    def acknowledged(self) -> dict[str, str]:
        return {i: s for k in self.kiosks for i, s in k.books.acknowledged.items()}

    @property
    def unexpected(self) -> list[tuple[int, str]]:
        return [u for k in self.kiosks for u in k.books.unexpected]

    @property
    def pending(self) -> int:
        return sum(len(k.books.pending) for k in self.kiosks)

    @property
    def statuses(self) -> collections.Counter[str]:
        total: collections.Counter[str] = collections.Counter()
        for k in self.kiosks:
            total.update(k.books.statuses)
        return total

    def sent_count(self) -> int:
        return sum(len(k.books.sent) for k in self.kiosks)


class Pipeline:
    """intake serve + scoring consume + scoring serve on one set of topics."""

    def __init__(self, settings: KafkaSettings, work: Path, intake_dir: Path | None = None) -> None:
        self.settings = settings
        self.work = work
        self.intake_dir = intake_dir or work / "intake"
        self.intake_dir.mkdir(parents=True, exist_ok=True)
        self.logs = work / "logs"
        self.db = work / "scoring.sqlite3"
        group = f"g-{uuid.uuid4().hex[:10]}"
        self.scoring_env = {
            **settings.to_env(),
            "THUOCDO_SCORING_DB": str(self.db),
            "THUOCDO_SCORING_GROUP": group,
            "THUOCDO_SCORING_INSTANCE_ID": f"{group}-1",
            "THUOCDO_SCORING_SESSION_TIMEOUT_MS": "6000",
            "THUOCDO_SCORING_MAX_POLL_RECORDS": "100",
            "THUOCDO_SCORING_CLASSIFY": "false",
            "THUOCDO_SCORING_TOKEN": SCORING_TOKEN,
        }
        self.intake = ServiceProcess(
            "intake",
            env=intake_env(settings, self.intake_dir, THUOCDO_INTAKE_LEASE_TTL="2"),
            log_dir=self.logs,
        )
        self.consumer = self.new_consumer()
        self.api = ServiceProcess("scoring", env=self.scoring_env, log_dir=self.logs)

    def new_consumer(self) -> ServiceProcess:
        return ServiceProcess(
            "scoring", env=self.scoring_env, command=("consume",), log_dir=self.logs
        )

    def new_intake(self) -> ServiceProcess:
        """A fresh intake on the same port and data (after the old one was killed)."""
        return ServiceProcess(
            "intake", env=self.intake.env, port=self.intake.port, log_dir=self.logs
        )

    def start(self) -> Pipeline:
        self.consumer.start()
        # The two HTTP services boot side by side (each waits for its /healthz).
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            for started in [pool.submit(p.start) for p in (self.intake, self.api)]:
                started.result()
        return self

    def stop(self) -> None:
        for proc in (self.intake, self.consumer, self.api):
            proc.stop()

    def stored_ids(self) -> collections.Counter[str]:
        """Response ids in scoring's store, read through the store interface."""
        if not self.db.exists():
            return collections.Counter()
        store = SqliteStore(self.db)
        try:
            return collections.Counter(r.id for r in store.records())
        except Exception:  # tables not created yet
            return collections.Counter()
        finally:
            store.close()

    def stored_records(self) -> dict[str, Any]:
        store = SqliteStore(self.db)
        try:
            return {r.id: r for r in store.records()}
        finally:
            store.close()

    def wait_stored(self, ids: set[str], timeout: float = 40.0) -> None:
        """Until every id in ``ids`` is in the store (or ``timeout`` s)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ids <= set(self.stored_ids()):
                return
            time.sleep(0.3)

    def counted(self) -> int:
        """Responses counted by scoring's aggregates (sum of ``n`` over the communes)."""
        today = dt.datetime.now(HCM).date()
        params = {
            "from": (today - dt.timedelta(days=1)).isoformat(),
            "to": (today + dt.timedelta(days=1)).isoformat(),
            "include_suspect": "true",
        }
        total = 0
        for code in COMMUNES:
            answer = requests.get(
                f"{self.api.url}/api/v1/index",
                params={**params, "unit": code},
                headers={"Authorization": f"Bearer {SCORING_TOKEN}"},
                timeout=10,
            )
            assert answer.status_code == 200, answer.text
            total += int(answer.json()["n"])
        return total


@dataclasses.dataclass(frozen=True)
class Figures:
    scenario: str
    sent: int
    acknowledged: int
    not_acknowledged: int
    stored: int
    lost: int
    duplicated: int
    refusals: dict[str, int]

    def line(self) -> str:
        refused = ", ".join(f"{k}={v}" for k, v in sorted(self.refusals.items())) or "none"
        return (
            f"[faults] {self.scenario}: sent={self.sent} acknowledged={self.acknowledged} "
            f"stored={self.stored} lost={self.lost} duplicated={self.duplicated} "
            f"not_acknowledged={self.not_acknowledged} (retry-later answers: {refused})"
        )


def account(scenario: str, fleet: Fleet, pipeline: Pipeline) -> Figures:
    """Compare what the kiosks were told with what scoring stored and counts.

    Waits until every acknowledged id is stored (bounded), then a little longer so
    that a late duplicate would show up too.
    """
    sent = fleet.sent
    acked = set(fleet.acknowledged)
    pipeline.wait_stored(acked)
    for proc in (pipeline.intake, pipeline.consumer, pipeline.api):
        assert proc.proc is not None and proc.proc.poll() is None, (
            f"{proc.service} {proc.command[0]} died:\n{proc.tail()}"
        )
    time.sleep(1.5)
    ids = pipeline.stored_ids()
    counted = pipeline.counted()
    stored_acked = acked & set(ids)
    duplicated = sum(n - 1 for n in ids.values() if n > 1) + max(0, counted - len(ids))
    refusals = {k: v for k, v in fleet.statuses.items() if k not in ACKNOWLEDGED and k != "202"}
    figures = Figures(
        scenario=scenario,
        sent=len(sent),
        acknowledged=len(acked),
        not_acknowledged=len(set(sent) - acked),
        stored=len(ids),
        lost=len(acked - stored_acked),
        duplicated=duplicated,
        refusals=refusals,
    )
    print(figures.line())
    retried = sum(
        len(
            re.findall(r"batch failed \(\d+ time\(s\) in a row\)", path.read_text(errors="replace"))
        )
        for path in pipeline.logs.glob("scoring-consume-*.log")
    )
    if retried:
        print(f"[faults] {scenario}: scoring rewound and retried {retried} batch(es)")
    assert not fleet.unexpected, fleet.unexpected[:5]
    # Nothing in the store that no kiosk sent; the content is what the kiosk sent.
    assert set(ids) <= set(sent), set(ids) - set(sent)
    assert counted == len(ids), (counted, len(ids))
    for rid, record in pipeline.stored_records().items():
        want = sent[rid]
        got = (record.commune_code, record.overall, record.comment, record.kiosk_id)
        assert got == (
            want["commune_code"],
            want["overall"],
            want["comment"],
            want["kiosk_id"],
        ), rid
    return figures
