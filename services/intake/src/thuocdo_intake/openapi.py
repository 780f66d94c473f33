"""The OpenAPI 3 document of intake's API, generated from the marshmallow schemas
(the shared ``ResponseSchema`` is the request body) and served at
``/api/v1/openapi.json``."""

from __future__ import annotations

from functools import cache
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, Response, jsonify
from marshmallow import Schema, fields, validate
from thuocdo_shared.events import ResponseSchema


class ReceiptSchema(Schema):
    id = fields.UUID(required=True)
    status = fields.String(
        required=True, validate=validate.OneOf(["accepted", "queued", "duplicate"])
    )


class ValidationErrorsSchema(Schema):
    # A field's messages, or for a mapping field (criteria) its messages per key.
    errors = fields.Dict(keys=fields.String(), values=fields.Raw(), required=True)


class ErrorSchema(Schema):
    error = fields.String(required=True)
    message = fields.String(required=True)
    status = fields.Integer(required=True)


def _json(ref: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": _json("Error")}


@cache
def build_spec() -> dict[str, Any]:
    """The OpenAPI document as a dict (built once per process)."""
    spec = APISpec(
        title="Thước đo intake",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": "Kiosk responses in, Kafka records out."},
    )
    spec.components.schema("SurveyResponse", schema=ResponseSchema)
    spec.components.schema("Receipt", schema=ReceiptSchema)
    spec.components.schema("ValidationErrors", schema=ValidationErrorsSchema)
    spec.components.schema("Error", schema=ErrorSchema)
    spec.components.security_scheme("kiosk", {"type": "http", "scheme": "bearer"})
    spec.path(
        path="/api/v1/responses",
        operations={
            "post": {
                "summary": "Submit one citizen's response",
                "security": [{"kiosk": []}],
                "requestBody": {"required": True, "content": _json("SurveyResponse")},
                "responses": {
                    "202": {
                        "description": "accepted (Kafka acknowledged), queued (durably "
                        "spooled) or duplicate (this id was taken before)",
                        "content": _json("Receipt"),
                    },
                    "400": _error("The body is not a JSON object"),
                    "401": _error("Missing, unknown or revoked kiosk token"),
                    "403": _error("The response's commune or kiosk id is not this kiosk's"),
                    "413": _error("The body is larger than 16 KiB"),
                    "415": _error("Content-Type is not application/json"),
                    "422": {
                        "description": "Invalid fields (also submitted_at more than"
                        " 10 minutes ahead, before/after the kiosk's commune version, or"
                        " more than 10 minutes before the kiosk was enrolled)",
                        "content": _json("ValidationErrors"),
                    },
                    "429": _error("Rate limit of this kiosk exceeded (see Retry-After)"),
                },
            }
        },
    )
    spec.path(
        path="/api/v1/kiosk/config",
        operations={
            "get": {
                "summary": "The calling kiosk's configuration and labels",
                "security": [{"kiosk": []}],
                "responses": {
                    "200": {"description": "Kiosk configuration"},
                    "401": _error("Missing, unknown or revoked kiosk token"),
                },
            }
        },
    )
    return spec.to_dict()


bp = Blueprint("openapi", __name__)


@bp.get("/api/v1/openapi.json")
def openapi_json() -> Response:
    return jsonify(build_spec())
