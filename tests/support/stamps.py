"""The time stamp every log line starts with (thuocdo_shared.logs.stamp), as a regular
expression for the tests that read logs: ISO 8601, milliseconds and UTC offset."""

from __future__ import annotations

import re

STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d"
STAMP_RE = re.compile(STAMP)
