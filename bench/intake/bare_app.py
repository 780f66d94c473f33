"""The baseline: a bare Flask endpoint at the same path, doing only what any JSON
API does (parse the body, answer 202 with the id). Served by the same gunicorn
settings as intake in ``run.py``."""

from __future__ import annotations

from flask import Flask, Response, jsonify, request

app = Flask(__name__)


@app.post("/api/v1/responses")
def responses() -> tuple[Response, int]:
    data = request.get_json(silent=True) or {}
    return jsonify(id=data.get("id"), status="accepted"), 202


@app.get("/healthz")
def healthz() -> Response:
    return jsonify(status="ok")
