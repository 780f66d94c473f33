"""The response API: ``POST /api/v1/responses`` and ``GET /api/v1/kiosk/config``.

Refusals, in the order they are checked: 401 (no valid kiosk token), 429 (kiosk
over its rate), 415 (not ``application/json``), 413 (body over the limit), 400 (not
a JSON object), 422 (invalid fields, ``{"errors": {field: [messages]}}``), 403 (the
response names another commune or kiosk), 422 again when ``submitted_at`` falls
outside the kiosk's own commune version (before it existed or after it was
abolished) or before the kiosk was enrolled (or before the ``--accepts-from`` date
it was enrolled with), give or take the clock skew the future check allows.
Nothing a client sends yields a 5xx.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from thuocdo_shared import reference
from thuocdo_shared.events import (
    InvalidEvent,
    NotJSON,
    ResponseSchema,
    load_response,
    parse_json_object,
)
from thuocdo_shared.units import local_today, registry
from werkzeug.exceptions import RequestEntityTooLarge

from . import metrics
from .kiosk_page import page_version
from .messages import API
from .rules import Kiosk, binding_problem, enrolment_errors, era_errors, future_errors
from .runtime import Runtime
from .tokens import bearer_token

log = logging.getLogger(__name__)

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def runtime() -> Runtime:
    rt: Runtime = current_app.extensions["thuocdo_intake"]
    return rt


def refuse(status: int, error: str, message: str, **headers: str) -> Response:
    """A JSON refusal ``{"error", "message", "status"}`` (the shared error shape),
    counted in the responses metric when it answers a POST of a response."""
    if request.endpoint == "api.post_response":
        metrics.RESPONSES.labels(str(status)).inc()
    response = jsonify(error=error, message=message, status=status)
    response.status_code = status
    response.headers.update(headers)
    return response


def invalid(errors: Any) -> Response:
    """422 with ``{"errors": {field: [messages]}}``, counted like every answer."""
    metrics.RESPONSES.labels("422").inc()
    answer = jsonify(errors=errors)
    answer.status_code = 422
    return answer


def _kiosk() -> Kiosk | None:
    token = bearer_token(request.headers.get("Authorization"))
    return None if token is None else runtime().kiosks.by_token(token)


def _unauthorized() -> Response:
    return refuse(401, "Unauthorized", API["unauthorized"], **{"WWW-Authenticate": "Bearer"})


def _uuid_or_none(value: Any) -> str | None:
    try:
        return str(uuid.UUID(value)) if isinstance(value, str) and len(value) <= 40 else None
    except ValueError:
        return None


_FIELDS = frozenset(ResponseSchema().fields) | {"_schema"}


def refusal_fields(
    status: int, body: Any, kiosk_id: str | None, response_id: str | None
) -> dict[str, Any]:
    """What the log says of a refused response: the kiosk, the id and the reason as
    intake gave it (its own messages, per field for a 422; nested errors only by
    their field's name), never a value the kiosk sent."""
    reason: Any = None
    if isinstance(body, dict) and isinstance(body.get("errors"), dict):
        reason = {
            # An unknown field's error is keyed by the name as sent: not logged.
            (field if field in _FIELDS else "(unknown field)"): (
                [m for m in messages if isinstance(m, str)]
                if isinstance(messages, list)
                else ["(nested errors)"]
            )
            for field, messages in body["errors"].items()
        }
    elif isinstance(body, dict):
        reason = body.get("message")
    return {
        "event": "refused",
        "status": status,
        "kiosk_id": kiosk_id,
        "id": response_id,
        "reason": reason,
    }


@bp.post("/responses")
def post_response() -> Response:
    answer = _post_response()
    if answer.status_code >= 400:
        # A refused rating is lost unless someone sees why: one line per refusal, a
        # WARNING when a known kiosk's rating was refused for what it said.
        fields = refusal_fields(
            answer.status_code,
            answer.get_json(silent=True),
            g.get("kiosk_id"),
            g.get("response_id"),
        )
        if g.get("kiosk_id") and g.get("revoked"):
            fields["reason"] = "the kiosk was revoked"
        # 429: the limiter already holds that kiosk back; a line per request is noise.
        level = {403: logging.WARNING, 422: logging.WARNING, 429: logging.DEBUG}.get(
            answer.status_code, logging.INFO
        )
        log.log(level, "response refused", extra={"fields": fields})
    return answer


def _post_response() -> Response:
    rt = runtime()
    token = bearer_token(request.headers.get("Authorization"))
    kiosk = None if token is None else rt.kiosks.by_token(token)
    if kiosk is None:
        if token is not None:  # for the log: a revoked tablet is worth naming
            g.kiosk_id, g.revoked = rt.kiosks.revoked_id(token), True
        return _unauthorized()
    g.kiosk_id = kiosk.id
    allowed, retry_after = rt.limiter.check(kiosk.id, time.monotonic())
    if not allowed:
        return refuse(
            429, "Too Many Requests", API["rate_limited"], **{"Retry-After": str(retry_after)}
        )
    if request.mimetype != "application/json":
        return refuse(415, "Unsupported Media Type", API["content_type"])
    try:
        raw = request.get_data(cache=False)
    except RequestEntityTooLarge:
        raw = None
    if raw is None or len(raw) > rt.settings.max_body_bytes:
        return refuse(413, "Content Too Large", API["too_large"])
    try:
        data = parse_json_object(raw)
    except NotJSON:
        return refuse(400, "Bad Request", API["not_json"])
    g.response_id = _uuid_or_none(data.get("id"))  # for the log, if it is an id at all
    try:
        response = load_response(data, strict=True)
    except InvalidEvent as exc:
        return invalid(exc.errors)
    errors = future_errors(response, dt.datetime.now(dt.UTC), rt.settings.max_future_skew)
    if errors:
        return invalid(errors)
    problem = binding_problem(response, kiosk)
    if problem is not None:
        return refuse(403, "Forbidden", problem)
    # After the binding check: only the kiosk's own commune code reaches this.
    errors = era_errors(response, kiosk, registry()) or enrolment_errors(
        response, kiosk, rt.settings.max_future_skew
    )
    if errors:
        return invalid(errors)
    try:
        status = rt.intake.submit(response)
    except Exception:
        log.exception("response could not be stored", extra={"fields": {"event": "store_failed"}})
        return refuse(503, "Service Unavailable", API["unavailable"], **{"Retry-After": "5"})
    metrics.RESPONSES.labels(status).inc()
    # One line per response is for debugging; queued and duplicate answers are
    # worth an operator's attention.
    log.log(
        logging.DEBUG if status == "accepted" else logging.INFO,
        "response",
        extra={
            "fields": {
                "event": "response",
                "status": status,
                "id": response.id,
                "kiosk_id": kiosk.id,
                "commune_code": kiosk.commune_code,
                "suspect": list(response.suspect),
            }
        },
    )
    answer = jsonify(id=response.id, status=status)
    answer.status_code = 202
    return answer


@bp.get("/kiosk/config")
def kiosk_config() -> Response:
    kiosk = _kiosk()
    if kiosk is None:
        return _unauthorized()
    answer = jsonify(config_for(kiosk, runtime()))
    answer.headers["Cache-Control"] = "no-store"
    return answer


def config_for(kiosk: Kiosk, rt: Runtime) -> dict[str, Any]:
    """What the kiosk page needs: who it is, how it asks, and the labels it shows."""
    unit = registry().find(kiosk.commune_code, local_today())
    sipas = reference.sipas()
    s = rt.settings
    return {
        "kiosk": {
            "id": kiosk.id,
            "name": kiosk.name,
            "commune_code": kiosk.commune_code,
            "commune_name": unit.name if unit else kiosk.commune_code,
            "mode": kiosk.mode,
            "field": kiosk.field,
        },
        # The page an open tablet should run: it reloads itself when this changes.
        "page_version": page_version(),
        # The tablet dates ratings by this clock, not its own (which may be far off).
        "server_time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
        "idle_reset_seconds": s.idle_reset_seconds,
        "config_refresh_seconds": s.config_refresh_seconds,
        "min_tap_interval_ms": s.min_tap_interval_ms,
        "identical_burst": {"count": s.burst_count, "window_seconds": s.burst_window_seconds},
        "scale": [{"value": v, "vi": lab.vi, "en": lab.en} for v, lab in sipas.scale],
        "fields": [
            {"code": f.code, "vi": f.label.vi, "en": f.label.en}
            for f in reference.choosable_fields().values()
        ],
        "issues": [
            {
                "code": i.code,
                "problem": {"vi": i.problem.vi, "en": i.problem.en},
                "praise": {"vi": i.praise.vi, "en": i.praise.en},
            }
            for i in reference.issues().values()
        ],
        "sipas": [
            {
                "code": d.code,
                "vi": d.label.vi,
                "en": d.label.en,
                "criteria": [
                    {"code": c.code, "vi": c.label.vi, "en": c.label.en} for c in d.criteria
                ],
            }
            for d in sipas.dimensions
        ],
    }
