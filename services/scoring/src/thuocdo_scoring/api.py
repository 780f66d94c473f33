# mypy: disable-error-code="untyped-decorator"
"""The read API (``/api/v1``): thin Flask views over :class:`queries.ReadModel`.

Query parameters are validated with marshmallow schemas (via flask-smorest, which
also writes ``/api/v1/openapi.json``); a bad parameter answers 400
``{"errors": {param: [messages]}}``. With ``THUOCDO_SCORING_TOKEN`` set every route
needs ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import hmac
import sqlite3
from itertools import islice
from typing import Any

from flask import Flask, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from flask_smorest import Api, Blueprint, abort
from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema
from thuocdo_shared.reference import fields as field_ref
from thuocdo_shared.reference import issues as issue_ref
from werkzeug.exceptions import HTTPException

from . import api_schemas
from .messages import msg
from .periods import GRANULARITIES, PeriodError, buckets, date_range, last_days, parse_period
from .queries import Query, ReadModel, UnitNotFound

MAX_TREND_POINTS = 1000

blp = Blueprint("scoring_api", __name__, url_prefix="/api/v1", description="Satisfaction index")


class PeriodQuery(Schema):
    """``period`` or ``from`` & ``to`` (local dates); default the last 30 days."""

    period = fields.String(
        metadata={"description": "2025 | 2025-Q3 | 2025-07 | 2025-W27 | 2025-07-14"}
    )
    from_ = fields.Date(data_key="from", metadata={"description": "first local date (inclusive)"})
    to = fields.Date(metadata={"description": "last local date (inclusive)"})
    field = fields.String(validate=validate.OneOf(list(field_ref())))
    issue = fields.String(validate=validate.OneOf(list(issue_ref())))
    include_suspect = fields.Boolean(load_default=False)

    @validates_schema
    def _period(self, data: dict[str, Any], **_: Any) -> None:
        has_range = "from_" in data or "to" in data
        if "period" in data and has_range:
            raise ValidationError(msg("period_or_range"), "period")
        if has_range and not ("from_" in data and "to" in data):
            raise ValidationError(msg("from_and_to"), "from" if "to" in data else "to")
        try:
            if "period" in data:
                parse_period(data["period"])
            elif has_range:
                date_range(data["from_"], data["to"])
        except PeriodError as exc:
            param = "period" if "period" in data else (exc.param or "to")
            raise ValidationError(str(exc), param) from None

    @post_load
    def _build(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        if "period" in data:
            data["period"] = parse_period(data["period"])
        elif "from_" in data:
            data["period"] = date_range(data.pop("from_"), data.pop("to"))
        else:
            data["period"] = last_days()
        return data


class UnitQuery(PeriodQuery):
    unit = fields.String(required=True, validate=validate.Length(min=1, max=40))


class ParentQuery(PeriodQuery):
    parent = fields.String(required=True, validate=validate.Length(min=1, max=40))


class TrendQuery(UnitQuery):
    granularity = fields.String(
        load_default="day", validate=validate.OneOf(GRANULARITIES, error=msg("granularity"))
    )


class CommentsQuery(UnitQuery):
    rating = fields.Integer(
        validate=validate.Range(1, 5),
        metadata={
            "description": "one rating; with min_rating/max_rating, what is in both (an"
            " empty range gives no comment)"
        },
    )
    min_rating = fields.Integer(
        validate=validate.Range(1, 5), metadata={"description": "lowest rating (inclusive)"}
    )
    max_rating = fields.Integer(
        validate=validate.Range(1, 5),
        metadata={"description": "highest rating (inclusive): 3 for the unsatisfied (1-3)"},
    )
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=20, validate=validate.Range(1, 100))


def _model() -> ReadModel:
    model: ReadModel = current_app.extensions["thuocdo_read_model"]
    return model


def _query(args: dict[str, Any], unit_param: str = "unit") -> Query:
    return Query(
        unit=args[unit_param],
        period=args["period"],
        field=args.get("field"),
        issue=args.get("issue"),
        include_suspect=args.get("include_suspect", False),
    )


def _run(fn: Any, *args: Any) -> ResponseReturnValue:
    try:
        return jsonify(fn(*args))
    except UnitNotFound as exc:
        # "unit" tells this refusal from a wrong address's 404 (the dashboard's client).
        abort(404, message=msg("unit_not_found", unit=exc.text), unit=exc.text)
        raise  # unreachable; abort raises


@blp.before_request
def _auth() -> None:
    token: str = current_app.config.get("SCORING_TOKEN", "")
    if not token:
        return
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        abort(401, message=msg("unauthorized"))


@blp.route("/index")
@blp.response(200, api_schemas.IndexOut)
@blp.arguments(UnitQuery, location="query", error_status_code=400)
def index(args: dict[str, Any]) -> ResponseReturnValue:
    """Index of one unit for a period: counts, Wilson interval, mean, SIPAS, fields."""
    return _run(_model().index, _query(args))


@blp.route("/units")
@blp.response(200, api_schemas.UnitsOut)
@blp.arguments(ParentQuery, location="query", error_status_code=400)
def units(args: dict[str, Any]) -> ResponseReturnValue:
    """Communes under a parent ranked by the empirical-Bayes shrunk % satisfied."""
    return _run(_model().units_ranking, _query(args, "parent"))


@blp.route("/issues")
@blp.response(200, api_schemas.IssuesOut)
@blp.arguments(UnitQuery, location="query", error_status_code=400)
def issues(args: dict[str, Any]) -> ResponseReturnValue:
    """Per issue: responses that raised it (ticked it, or their comment was classified
    under it), those rated 1-3 (complaints), the share of complaints among all
    responses, and the index among those that raised it."""
    return _run(_model().issues, _query(args))


@blp.route("/matrix")
@blp.response(200, api_schemas.MatrixOut)
@blp.arguments(ParentQuery, location="query", error_status_code=400)
def matrix(args: dict[str, Any]) -> ResponseReturnValue:
    """Commune x issue shares (%) for a heatmap."""
    return _run(_model().matrix, _query(args, "parent"))


@blp.route("/groups")
@blp.response(200, api_schemas.GroupsOut)
@blp.arguments(ParentQuery, location="query", error_status_code=400)
def groups(args: dict[str, Any]) -> ResponseReturnValue:
    """Communes grouped by issue and SIPAS dimension profile (k-means)."""
    return _run(_model().groups, _query(args, "parent"))


@blp.route("/themes")
@blp.response(200, api_schemas.ThemesOut)
@blp.arguments(UnitQuery, location="query", error_status_code=400)
def themes(args: dict[str, Any]) -> ResponseReturnValue:
    """Emerging themes among comments that fit no issue."""
    return _run(_model().themes, _query(args))


@blp.route("/trend")
@blp.response(200, api_schemas.TrendOut)
@blp.arguments(TrendQuery, location="query", error_status_code=400)
def trend(args: dict[str, Any]) -> ResponseReturnValue:
    """Index per day, week, month or quarter over a range."""
    q = _query(args)
    # Count the points (stopping one past the limit): a week or month is not a
    # fixed number of days, and the partial buckets at both ends count too.
    points = buckets(q.period.start, q.period.end, args["granularity"])
    if sum(1 for _ in islice(points, MAX_TREND_POINTS + 1)) > MAX_TREND_POINTS:
        abort(400, errors={"granularity": [msg("too_many_points", limit=MAX_TREND_POINTS)]})
    return _run(_model().trend, q, args["granularity"])


@blp.route("/comments")
@blp.response(200, api_schemas.CommentsOut)
@blp.arguments(CommentsQuery, location="query", error_status_code=400)
def comments(args: dict[str, Any]) -> ResponseReturnValue:
    """Comments, newest first, paginated and filterable (by one rating, or a range)."""
    low, high = args.get("min_rating", 1), args.get("max_rating", 5)
    if "rating" in args:
        low, high = max(low, args["rating"]), min(high, args["rating"])
    ratings = None if (low, high) == (1, 5) else (low, high)
    return _run(_model().comments, _query(args), ratings, args["page"], args["per_page"])


class ErrorBody(Schema):
    """The body of every refusal (documentation only): 400 carries ``errors``;
    401, 404 and 503 carry ``error``, ``message`` and ``status``; an unknown unit's
    404 also ``unit`` (the key asked for)."""

    error = fields.String()
    message = fields.String()
    status = fields.Integer()
    errors = fields.Dict()
    unit = fields.String()


class _Api(Api):  # type: ignore[misc]
    # flask-smorest documents its own error shape ({code, status: str, ...}) by
    # default, which our answers do not have (schemathesis: tests/fuzz).
    ERROR_SCHEMA = ErrorBody


def init_api(app: Flask, model: ReadModel, token: str) -> None:
    """Attach the read API, its OpenAPI document and the error format."""
    app.config.update(
        API_TITLE="Thước đo scoring API",
        API_VERSION="1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        SCORING_TOKEN=token,
    )
    app.extensions["thuocdo_read_model"] = model
    api = _Api(app)
    api.register_blueprint(blp)

    @app.errorhandler(sqlite3.Error)
    @app.errorhandler(OSError)
    def _store_down(exc: Exception) -> ResponseReturnValue:
        app.logger.error("store unavailable: %s: %s", type(exc).__name__, exc)
        body = {"error": "Service Unavailable", "message": msg("store_unavailable"), "status": 503}
        return jsonify(body), 503

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> ResponseReturnValue:
        data = getattr(exc, "data", None) or {}
        if "messages" in data:  # webargs: {location: {param: [messages]}} -> {param: [...]}
            flat: dict[str, Any] = {}
            for location in data["messages"].values():
                flat.update(location)
            return jsonify(errors=flat), exc.code or 400
        if "errors" in data:
            return jsonify(errors=data["errors"]), exc.code or 400
        message = data.get("message") or exc.description
        extra = {"unit": data["unit"]} if "unit" in data else {}
        return jsonify(error=exc.name, message=message, status=exc.code, **extra), exc.code or 500
