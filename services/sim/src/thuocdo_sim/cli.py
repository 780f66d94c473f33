"""``thuocdo-sim`` command line: enrol, backfill, live, sample."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import signal
import sys
import threading
import time
from collections.abc import Sequence
from types import FrameType

from thuocdo_shared.config import closed_pipe_is_fine, says_config_errors
from thuocdo_shared.units import local_today

from .generator import Options, generate
from .kiosks import EnrolError, ensure_enrolled
from .profiles import VN_TZ
from .runner import Tally, backfill_intake, backfill_kafka, live
from .senders import IntakeClient, KafkaSink, intake_problem
from .settings import Settings


def _day(text: str) -> dt.date:
    if text == "today":
        return local_today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD or 'today'): {text}") from None


def _rate(text: str) -> float | None:
    if text == "max":
        return None
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a rate ('max' or a number): {text}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("rate must be > 0")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="thuocdo-sim",
        description="Simulated kiosks of the Phú Bình district, sending realistic responses.",
    )
    parser.add_argument("--seed", type=int, help="random seed (default THUOCDO_SIM_SEED)")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("enrol", help="enrol kiosks for today's demo communes (once; kept in state)")

    p_back = sub.add_parser("backfill", help="send history for a date range")
    p_back.add_argument("--from", dest="start", type=_day, required=True, help="first day")
    p_back.add_argument("--to", dest="end", type=_day, default="today", help="last day")
    p_back.add_argument("--rate", type=_rate, default=None, help="responses/s or 'max'")
    p_back.add_argument(
        "--via",
        choices=("intake", "kafka"),
        default="intake",
        help="intake: the real API with kiosk tokens and intake's per-kiosk rate limit"
        " (about 13 responses/s with 11 kiosks); a kiosk belongs to a commune as it is"
        " today, and intake refuses a response dated before that commune existed, so no"
        " history before 2025-07-01 goes (the 5 reused codes named other communes then,"
        " e.g. 05953 in June 2025 is Lương Phú): it is skipped. kafka: straight to the"
        " responses topic with the shared producer, everything, fast",
    )
    p_back.add_argument("--scale", type=float, default=1.0, help="volume multiplier")
    p_back.add_argument("--workers", type=int, default=8, help="HTTP threads (via intake)")
    p_back.add_argument("--no-progress", action="store_true", help="no progress bar")

    p_live = sub.add_parser("live", help="send responses stamped now, until stopped")
    p_live.add_argument("--rate", type=float, default=0.5, help="responses per second")
    p_live.add_argument("--duration", type=float, help="stop after this many seconds")
    p_live.add_argument(
        "--respect-hours", action="store_true", help="send nothing while the shops are closed"
    )

    p_sample = sub.add_parser("sample", help="print generated responses as JSON lines")
    p_sample.add_argument("--from", dest="start", type=_day, required=True)
    p_sample.add_argument("--to", dest="end", type=_day, required=True)
    p_sample.add_argument("--scale", type=float, default=1.0)
    return parser


@says_config_errors("thuocdo-sim")
def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("kafka").setLevel(logging.ERROR)  # connection and event-loop chatter
    settings = Settings.from_env()
    seed = settings.seed if args.seed is None else args.seed
    try:
        if args.command == "enrol":
            return _enrol(settings)
        if args.command == "backfill":
            return _backfill(settings, seed, args)
        if args.command == "live":
            return _live(settings, args)
        if args.command == "sample":
            return _sample(seed, args)
    except EnrolError as exc:
        print(f"thuocdo-sim: enrolment failed: {exc}", file=sys.stderr)
        return 1
    return 2


def _enrol(settings: Settings) -> int:
    kiosks = ensure_enrolled(
        settings.intake_command, settings.data_dir, settings.state_file, local_today()
    )
    for k in kiosks:
        print(f"{k.commune_code}  {k.kiosk_id}  {k.name}  {k.enrolment_url}")
    print(f"{len(kiosks)} kiosks; tokens kept in {settings.state_file}")
    return 0


def _backfill(settings: Settings, seed: int, args: argparse.Namespace) -> int:
    now = dt.datetime.now(VN_TZ)
    if args.start > args.end:
        print("thuocdo-sim: --from is after --to", file=sys.stderr)
        return 2
    if args.via == "intake":
        # Each response would be retried for about 16 s before counting as failed: with
        # intake away, the run sat still for hours without a word.
        problem = intake_problem(settings.intake_url)
        if problem is not None:
            print(
                f"thuocdo-sim: intake cannot take responses: {problem}; start it (make up)"
                " or set THUOCDO_INTAKE_URL",
                file=sys.stderr,
            )
            return 1
    started = time.monotonic()
    options = Options(scale=args.scale)
    responses = list(generate(seed, args.start, args.end, until=now, options=options))
    show = not args.no_progress
    if args.via == "kafka":
        sink = KafkaSink(settings.kafka)
        try:
            tally = backfill_kafka(sink, responses, show, args.rate)
        finally:
            sink.close()
    else:
        kiosks = ensure_enrolled(
            settings.intake_command, settings.data_dir, settings.state_file, local_today()
        )
        client = IntakeClient(settings.intake_url, kiosks)
        tally = backfill_intake(client, responses, workers=args.workers, rate=args.rate, show=show)
    _report("backfill", tally, len(responses), time.monotonic() - started, args)
    if tally.counts["skipped"]:
        print(
            f"  {tally.counts['skipped']} responses were not sent: intake binds a kiosk to"
            " its commune as it is today, so history dated before that commune existed"
            " (before 2025-07-01) can only go --via kafka.",
            file=sys.stderr,
        )
    return 0 if tally.ok + tally.counts["skipped"] == len(responses) else 1


def _report(what: str, tally: Tally, total: int, seconds: float, args: argparse.Namespace) -> None:
    rate = tally.ok / seconds if seconds > 0 else 0.0
    print(
        f"{what}: {total} responses {args.start}..{args.end} via {args.via}"
        f" in {seconds:.1f} s ({rate:.0f}/s): {tally.summary()}"
    )
    for problem in tally.problems:
        print(f"  e.g. {problem}", file=sys.stderr)


def _live(settings: Settings, args: argparse.Namespace) -> int:
    if args.rate <= 0:
        print("thuocdo-sim: --rate must be > 0", file=sys.stderr)
        return 2
    kiosks = ensure_enrolled(
        settings.intake_command, settings.data_dir, settings.state_file, local_today()
    )
    stop = threading.Event()
    # Retries end at once on SIGTERM: `make down` stops intake first, then waits for us.
    client = IntakeClient(settings.intake_url, kiosks, stop=stop)

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    logging.getLogger("thuocdo_sim").info(
        "live: %.2f responses/s through %s with %d kiosks", args.rate, client.url, len(kiosks)
    )
    tally = live(
        client,
        rate=args.rate,
        stop=stop,
        respect_hours=args.respect_hours,
        duration=args.duration,
    )
    print(f"live: stopped; {tally.summary()}")
    return 0


def _sample(seed: int, args: argparse.Namespace) -> int:
    options = Options(scale=args.scale)
    with closed_pipe_is_fine():
        for response in generate(seed, args.start, args.end, options=options):
            sys.stdout.write(json.dumps(response.to_dict(), ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
