"""The event contract: a survey response inside a versioned JSON envelope.

Wire format of a value on ``survey.responses.v1``::

    {"schema": "survey.response/1", "data": {<response fields>}}

Consumers accept any ``survey.response/1`` or ``survey.response/1.<minor>``; a
different major version raises :class:`UnknownSchemaVersion` so the consumer can
dead-letter it instead of guessing. Decoding problems are :class:`EnvelopeError`
subclasses carrying a one-line ``reason`` and a ``{field: [messages]}`` mapping.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from marshmallow import (
    EXCLUDE,
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates_schema,
)

from . import reference
from .units import local_date, registry

RESPONSE_SCHEMA = "survey.response"
RESPONSE_MAJOR = 1
RESPONSE_SCHEMA_ID = f"{RESPONSE_SCHEMA}/{RESPONSE_MAJOR}"
UPDATE_SCHEMA_ID = "satisfaction.update/1"
DLQ_SCHEMA_ID = "survey.dlq/1"

COMMENT_MAX = 1000
# rapid_taps, identical_burst: misuse the kiosk saw. clock: the tablet could not know
# the rating's moment (intake refused the date it gave, or its clock changed twice
# while offline), so the kiosk dated it by intake's clock at sending: a real rating
# whose day is unknown.
SUSPECT_REASONS = ("rapid_taps", "identical_burst", "clock")
LANGS = ("vi", "en")
_EARLIEST = dt.datetime(2015, 1, 1, tzinfo=dt.UTC)
# Control characters other than tab/newline have no place in a citizen's comment and
# are a classic way to smuggle look-alike or log-forging text: so are the invisible
# zero-width space and the direction marks, overrides and isolates. The zero-width
# (non-)joiners are not refused: emoji sequences such as 👨‍👩‍👧 and 🏳️‍🌈 are made with them.
# Lone surrogates (valid in JSON's \u escapes, not in UTF-8) cannot be stored or re-encoded.
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


class EnvelopeError(ValueError):
    """Base class: the bytes are not a valid event. ``errors`` maps field -> messages."""

    def __init__(self, reason: str, errors: Mapping[str, Any] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.errors: dict[str, Any] = dict(errors or {})


class NotJSON(EnvelopeError):
    """The value is not UTF-8 JSON (or not a JSON object)."""


class UnknownSchemaVersion(EnvelopeError):
    """The envelope names a schema or major version this code does not know."""


class InvalidEvent(EnvelopeError):
    """The envelope is fine but the response fails validation."""


@dataclass(frozen=True)
class SurveyResponse:
    """One citizen's rating. Scores are integers 1..5 (5 = Rất hài lòng)."""

    id: str
    submitted_at: dt.datetime
    kiosk_id: str
    commune_code: str
    field: str
    overall: int
    procedure_code: str | None = None
    criteria: dict[str, int] = dc_field(default_factory=dict)
    issues: tuple[str, ...] = ()
    comment: str | None = None
    lang: str = "vi"
    suspect: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping (the ``data`` part of the envelope), keys in field order.

        Built by hand rather than with ``dataclasses.asdict``, whose recursive deep
        copy was two thirds of the cost of encoding a response on intake's hot path.
        """
        return {
            "id": self.id,
            "submitted_at": self.submitted_at.isoformat(),
            "kiosk_id": self.kiosk_id,
            "commune_code": self.commune_code,
            "field": self.field,
            "overall": self.overall,
            "procedure_code": self.procedure_code,
            "criteria": dict(self.criteria),
            "issues": list(self.issues),
            "comment": self.comment,
            "lang": self.lang,
            "suspect": list(self.suspect),
        }


_SCORE = validate.Range(1, 5, error="Must be a whole number between 1 and 5.")


def _nfc(value: Any) -> Any:
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


class ResponseSchema(Schema):
    """Marshmallow schema of a response. ``unknown=RAISE`` at the API edge (tell the
    kiosk), ``EXCLUDE`` in consumers (newer minor versions may add fields)."""

    id = fields.UUID(required=True)
    submitted_at = fields.AwareDateTime(
        required=True,
        error_messages={
            "invalid": "Must be an ISO 8601 date-time with a timezone offset.",
            "invalid_awareness": "Must be an ISO 8601 date-time with a timezone offset.",
        },
    )
    kiosk_id = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$",
            error="kiosk_id: 1-64 letters, digits, '_', '.', ':' or '-'.",
        ),
    )
    commune_code = fields.String(
        required=True,
        validate=validate.Regexp(r"^[0-9]{5}$", error="Must be a 5-digit GSO commune code."),
    )
    field = fields.String(required=True, validate=validate.OneOf(list(reference.fields())))
    procedure_code = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^[A-Za-z0-9._-]{1,64}$", error="Invalid procedure code."),
    )
    overall = fields.Integer(required=True, strict=True, validate=_SCORE)
    criteria = fields.Dict(
        keys=fields.String(validate=validate.OneOf(list(reference.sipas().criteria))),
        values=fields.Integer(strict=True, validate=_SCORE),
        load_default=dict,
    )
    issues = fields.List(
        fields.String(validate=validate.OneOf(list(reference.issues()))),
        load_default=list,
        validate=validate.Length(max=len(reference.issues())),
    )
    comment = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=COMMENT_MAX)
    )
    lang = fields.String(load_default="vi", validate=validate.OneOf(LANGS))
    suspect = fields.List(
        fields.String(validate=validate.OneOf(SUSPECT_REASONS)),
        load_default=list,
        validate=validate.Length(max=len(SUSPECT_REASONS)),
    )

    @pre_load
    def _normalise(self, data: Any, **_: Any) -> Any:
        # NFC first so that length limits and codes see one spelling of each letter.
        if isinstance(data, Mapping):
            data = {k: _nfc(v) for k, v in data.items()}
            if isinstance(data.get("comment"), str):
                data["comment"] = data["comment"].strip() or None
        return data

    @validates_schema
    def _cross_field(self, data: dict[str, Any], **_: Any) -> None:
        errors: dict[str, list[str]] = {}
        when: dt.datetime | None = data.get("submitted_at")
        if when is not None:
            day: dt.date | None = None
            if when < _EARLIEST:
                errors["submitted_at"] = ["Must not be before 2015-01-01."]
            else:
                try:  # year 9999 with a negative offset is past year 9999 in Vietnam
                    day = local_date(when)
                except OverflowError:
                    errors["submitted_at"] = ["Out of range."]
            code = data.get("commune_code")
            if day is not None and code:
                unit = registry().find(code, day)
                if unit is None:
                    errors["commune_code"] = [f"No commune {code} on {day.isoformat()}."]
                elif unit.level != "commune":
                    errors["commune_code"] = [f"{code} is not a commune."]
        comment = data.get("comment")
        if isinstance(comment, str) and _CONTROL.search(comment):
            errors["comment"] = ["Must not contain control or direction-override characters."]
        issues = data.get("issues") or []
        if len(set(issues)) != len(issues):
            errors["issues"] = ["Must not repeat an issue."]
        if errors:
            raise ValidationError(errors)

    @post_load
    def _build(self, data: dict[str, Any], **_: Any) -> SurveyResponse:
        return SurveyResponse(
            id=str(data["id"]),
            submitted_at=data["submitted_at"],
            kiosk_id=data["kiosk_id"],
            commune_code=data["commune_code"],
            field=data["field"],
            overall=data["overall"],
            procedure_code=data.get("procedure_code"),
            criteria=dict(data.get("criteria") or {}),
            issues=tuple(data.get("issues") or ()),
            comment=data.get("comment"),
            lang=data.get("lang", "vi"),
            suspect=tuple(data.get("suspect") or ()),
        )


_API_SCHEMA = ResponseSchema(unknown=RAISE)
_CONSUMER_SCHEMA = ResponseSchema(unknown=EXCLUDE)


def _messages(err: ValidationError) -> dict[str, Any]:
    msgs = err.messages
    return dict(msgs) if isinstance(msgs, Mapping) else {"_schema": list(msgs)}


def _summary(errors: Mapping[str, Any]) -> str:
    """One line for logs and the DLQ: each field with its first message."""
    parts = []
    for name in sorted(errors):
        first: Any = errors[name]
        while isinstance(first, (list, dict)) and first:
            first = first[0] if isinstance(first, list) else next(iter(first.values()))
        parts.append(f"{name}: {str(first)[:120]}")
    return "invalid fields: " + "; ".join(parts)


def load_response(payload: Any, *, strict: bool = True) -> SurveyResponse:
    """Validate a response mapping (the API body, or an envelope's ``data``).

    ``strict`` rejects unknown fields. Raises :class:`InvalidEvent` with
    ``errors = {field: [messages]}``.
    """
    if not isinstance(payload, Mapping):
        raise InvalidEvent("response must be a JSON object", {"_schema": ["Must be an object."]})
    schema = _API_SCHEMA if strict else _CONSUMER_SCHEMA
    try:
        result: SurveyResponse = schema.load(payload)
    except ValidationError as err:
        errors = _messages(err)
        raise InvalidEvent(_summary(errors), errors) from None
    return result


def encode_response(response: SurveyResponse) -> bytes:
    """The Kafka value for a response: compact UTF-8 JSON envelope."""
    body = {"schema": RESPONSE_SCHEMA_ID, "data": response.to_dict()}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """UTF-8 JSON object or :class:`NotJSON`."""
    try:
        obj = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise NotJSON(f"value is not UTF-8 JSON: {type(exc).__name__}") from None
    if not isinstance(obj, dict):
        raise NotJSON("value is JSON but not an object")
    return obj


def check_schema(envelope: Mapping[str, Any], name: str, major: int) -> None:
    """Raise :class:`UnknownSchemaVersion` unless ``envelope['schema']`` is
    ``name/major`` or ``name/major.minor``."""
    schema = envelope.get("schema")
    if not isinstance(schema, str):
        raise UnknownSchemaVersion("envelope has no 'schema' string", {"schema": ["Missing."]})
    match = re.fullmatch(r"([a-z][a-z0-9_.]*)/([0-9]{1,6})(?:\.[0-9]{1,6})?", schema)
    if not match or match.group(1) != name or int(match.group(2)) != major:
        raise UnknownSchemaVersion(
            f"unknown schema {schema[:80]!r}; this consumer reads {name}/{major}",
            {"schema": [f"Unknown schema or major version: {schema[:80]}"]},
        )


def decode_response(raw: bytes) -> SurveyResponse:
    """Parse and validate a Kafka value. Raises a subclass of :class:`EnvelopeError`
    (never anything else) so that a consumer can dead-letter it and go on."""
    envelope = parse_json_object(raw)
    check_schema(envelope, RESPONSE_SCHEMA, RESPONSE_MAJOR)
    data = envelope.get("data")
    if not isinstance(data, Mapping):
        raise InvalidEvent("envelope has no 'data' object", {"data": ["Missing or not an object."]})
    return load_response(data, strict=False)


def new_response_id() -> str:
    return str(uuid.uuid4())
