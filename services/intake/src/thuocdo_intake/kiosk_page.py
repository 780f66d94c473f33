"""``GET /kiosk``: the page a citizen taps. All assets are served from ``static/``;
the strings come from :mod:`messages` as JSON."""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

from flask import Blueprint, Response, current_app, make_response, render_template
from thuocdo_shared import reference

from .messages import kiosk_catalogue

bp = Blueprint("kiosk", __name__)

# Scripts and styles only from this origin; nothing inline can run, nothing can frame
# the page, and the enrolment token (in the URL fragment) is never sent as referrer.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)


_HERE = Path(__file__).parent
_PAGE_FILES = ("static/kiosk.js", "static/kiosk.css", "static/kiosk-sw.js", "templates/kiosk.html")


@functools.cache
def page_version() -> str:
    """A short digest of what makes the kiosk page (its files, strings and scale): the
    configuration carries it, so that a page left open for weeks on a tablet sees
    that intake was upgraded and reloads itself, and the asset URLs carry it, so that
    the reload cannot be served an old script from the browser's cache."""
    digest = hashlib.sha256()
    for name in _PAGE_FILES:
        digest.update((_HERE / name).read_bytes())
    digest.update(json.dumps([kiosk_catalogue(), _scale()], sort_keys=True).encode())
    return digest.hexdigest()[:12]


def _scale() -> list[tuple[int, str, str]]:
    """The SIPAS scale's labels as the page shows them."""
    return [(value, label.vi, label.en) for value, label in reference.sipas().scale]


@bp.get("/kiosk")
def kiosk() -> Response:
    catalogue = kiosk_catalogue()
    response = make_response(
        render_template(
            "kiosk.html",
            text=catalogue["vi"],
            catalogue=catalogue,
            scale=_scale(),
            version=page_version(),
        )
    )
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/kiosk-sw.js")
def service_worker() -> Response:
    """The service worker, served from the root so that its scope covers /kiosk."""
    response = current_app.send_static_file("kiosk-sw.js")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Content-Type"] = "text/javascript; charset=utf-8"
    return response
