"""Kiosks the simulator has enrolled with intake, and their tokens.

Enrolment runs intake's own command, ``thuocdo-intake kiosk add --commune CODE
--name NAME --accepts-from DAY``, against the same ``THUOCDO_DATA_DIR`` as the
running intake; the token it prints once is kept in the sim's state file (mode 0600).

Intake refuses a response dated before its kiosk was enrolled, unless the kiosk was
enrolled with ``--accepts-from``. A simulated kiosk stands for a counter that has
been there all along, and the same kiosks carry both a backfill through intake and
the live stream, so each is enrolled to accept responses from the first day of its
commune version (earlier ones intake refuses anyway: they belong to another unit).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from thuocdo_shared.units import Unit, registry

from . import phrases
from .generator import demo_communes
from .profiles import PROFILES

# intake's tokens are URL-safe base64 of 32 bytes (43 characters); ids "k<code>-<hex>".
_TOKEN = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{40,128}(?![A-Za-z0-9_-])")
_KIOSK_ID = re.compile(r"(?<![A-Za-z0-9])(k[0-9]{5}[A-Za-z0-9_.:-]*)")
# The first day of simulated history, for a commune version with no start date.
HISTORY_FROM = dt.date(2025, 1, 1)


class EnrolError(RuntimeError):
    """``thuocdo-intake kiosk add`` failed or printed nothing we recognise."""


@dataclass(frozen=True)
class EnrolledKiosk:
    """A kiosk intake knows: its id, commune code (valid today), name, token, the
    enrolment URL that opens the kiosk page with the token, and the first local date
    it may send responses for (ISO; "" for a kiosk enrolled before the simulator
    asked for one: :func:`ensure_enrolled` gives it one)."""

    kiosk_id: str
    commune_code: str
    name: str
    token: str
    enrolment_url: str = ""
    accepts_from: str = ""

    def accepts(self, day: dt.date) -> bool:
        """False if intake would refuse a response of local date ``day`` as dated
        before this kiosk's ``accepts_from`` (unknown: True, intake decides)."""
        return not self.accepts_from or dt.date.fromisoformat(self.accepts_from) <= day


def load(path: Path) -> list[EnrolledKiosk]:
    """Kiosks from the state file (none if it does not exist)."""
    if not path.exists():
        return []
    raw = json.loads(path.read_text(encoding="utf-8"))
    return [EnrolledKiosk(**k) for k in raw.get("kiosks", [])]


def save(path: Path, kiosks: list[EnrolledKiosk]) -> None:
    """Write the state file atomically, readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump({"kiosks": [asdict(k) for k in kiosks]}, out, ensure_ascii=False, indent=1)
    os.replace(tmp, path)


def parse_add_output(text: str) -> tuple[str, str, str]:
    """(kiosk id, token, enrolment URL or "") from what ``thuocdo-intake kiosk add
    --json`` printed; falls back to reading the human format."""
    for line in text.splitlines():
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if isinstance(obj, dict) and isinstance(obj.get("id"), str) and obj.get("token"):
            return obj["id"], str(obj["token"]), str(obj.get("enrolment_url") or "")
    token_line = next((ln for ln in text.splitlines() if "token" in ln.lower()), text)
    tokens = _TOKEN.findall(token_line) or _TOKEN.findall(text)
    ids = _KIOSK_ID.findall(text)
    if not tokens or not ids:
        raise EnrolError(f"could not read a kiosk id and token from: {text.strip()[:300]!r}")
    urls = re.findall(r"https?://\S+", text)
    return ids[0], tokens[-1], urls[0] if urls else ""


def intake_argv(command: str) -> list[str]:
    """``thuocdo-intake`` as argv: the configured command, else the one installed
    next to this Python (the venv), else whatever PATH has."""
    parts = shlex.split(command)
    if parts == ["thuocdo-intake"]:
        beside = Path(sys.executable).with_name("thuocdo-intake")
        if beside.exists():
            return [str(beside)]
        found = shutil.which("thuocdo-intake")
        if found:
            return [found]
    return parts


def accepts_from(unit: Unit, today: dt.date) -> dt.date:
    """The day a simulated kiosk of ``unit`` accepts responses from: the first day
    of that commune version (history before it is another unit's), at most today."""
    return min(unit.valid_from or HISTORY_FROM, today)


def _intake(command: str, data_dir: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    """Run ``thuocdo-intake <args>`` on ``data_dir``; raises :class:`EnrolError` when
    it cannot run or fails."""
    env = dict(os.environ, THUOCDO_DATA_DIR=str(data_dir))
    argv = [*intake_argv(command), *args]
    try:
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise EnrolError(f"cannot run {argv[0]}: {exc}") from exc
    if done.returncode != 0:
        raise EnrolError(
            f"{' '.join(argv[:3])} exited {done.returncode}: {done.stderr.strip()[:300]}"
        )
    # What intake says besides (e.g. "note: no kiosk file at …; starting a new one", run
    # from another directory than the running intake's): passed on, each line once.
    for line in done.stderr.splitlines():
        if line.strip() and line not in _SAID:
            _SAID.add(line)
            print(line, file=sys.stderr)
    return done


_SAID: set[str] = set()


def enrol_one(
    command: str,
    data_dir: Path,
    commune_code: str,
    name: str,
    since: dt.date | None = None,
) -> EnrolledKiosk:
    """Run ``thuocdo-intake kiosk add`` once and return the new kiosk; ``since``
    is its ``--accepts-from`` date (None: it sends from its enrolment on)."""
    args = ["kiosk", "add", "--commune", commune_code, "--name", name]
    if since is not None:
        args += ["--accepts-from", since.isoformat()]
    done = _intake(command, data_dir, [*args, "--json"])
    kiosk_id, token, url = parse_add_output(done.stdout + "\n" + done.stderr)
    day = since.isoformat() if since is not None else ""
    return EnrolledKiosk(kiosk_id, commune_code, name, token, url, day)


def set_accepts_from(
    command: str, data_dir: Path, kiosk: EnrolledKiosk, since: dt.date
) -> EnrolledKiosk:
    """Run ``thuocdo-intake kiosk accepts-from`` for a kiosk enrolled without it
    (a state file from before the simulator asked for one); returns it updated."""
    _intake(command, data_dir, ["kiosk", "accepts-from", kiosk.kiosk_id, since.isoformat()])
    return replace(kiosk, accepts_from=since.isoformat())


def ensure_enrolled(
    command: str, data_dir: Path, state_file: Path, today: dt.date, parallel: int = 4
) -> list[EnrolledKiosk]:
    """Every demo commune valid ``today`` has as many kiosks as its profile says;
    missing ones are enrolled now (``parallel`` at a time: each is a Python start-up
    of a few seconds on a busy machine), accepting history from :func:`accepts_from`.
    Returns all kiosks valid for today's communes. The state file is saved after each
    enrolment, so no printed-once token is lost."""
    kiosks = load(state_file)
    wanted = demo_communes(today)
    # Kiosks of an older state file, enrolled without --accepts-from: intake would
    # refuse their history; given the day now rather than enrolled again.
    by_code = {u.code: u for u in wanted}
    for i, k in enumerate(kiosks):
        if not k.accepts_from and k.commune_code in by_code:
            since = accepts_from(by_code[k.commune_code], today)
            kiosks[i] = set_accepts_from(command, data_dir, k, since)
            save(state_file, kiosks)
    missing: list[tuple[str, str, dt.date]] = []
    for unit in wanted:
        have = sum(1 for k in kiosks if k.commune_code == unit.code)
        for n in range(have + 1, PROFILES[unit.key].kiosks + 1):
            name = phrases.KIOSK_NAME.format(commune=unit.name, n=n)
            missing.append((unit.code, name, accepts_from(unit, today)))
    lock = threading.Lock()

    def one(code: str, name: str, since: dt.date) -> None:
        kiosk = enrol_one(command, data_dir, code, name, since)
        with lock:
            kiosks.append(kiosk)
            save(state_file, kiosks)

    if missing:
        with ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="enrol") as pool:
            for fut in [pool.submit(one, *args) for args in missing]:
                fut.result()  # re-raises the first EnrolError
    kiosks.sort(key=lambda k: (k.commune_code, k.name))
    codes = {u.code for u in wanted}
    return [k for k in kiosks if k.commune_code in codes and registry().find(k.commune_code, today)]
