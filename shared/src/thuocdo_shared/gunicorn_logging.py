"""gunicorn's logger with the services' time stamps (``--logger-class``).

gunicorn writes its own lines as ``[2026-11-28 09:35:33 +0000]`` and its access log
as ``[28/Nov/2026:09:35:33 +0000]``; beside the services' lines that made three ways
to write a time in one log. This logger writes both like every other line:
:func:`thuocdo_shared.logs.stamp`, then the level, ``gunicorn`` and the process id.
"""

from __future__ import annotations

import time
from typing import Any

from gunicorn import glogging

from .logs import PlainFormatter, stamp

ERROR_FORMAT = "%(asctime)s %(levelname)s gunicorn [%(process)d] %(message)s"
ACCESS_FORMAT = "%(asctime)s access %(message)s"


class GunicornLogger(glogging.Logger):  # type: ignore[misc]
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log, fmt in ((self.error_log, ERROR_FORMAT), (self.access_log, ACCESS_FORMAT)):
            for handler in log.handlers:
                if getattr(handler, "_gunicorn", False):
                    handler.setFormatter(PlainFormatter(fmt))

    def now(self) -> str:
        """The ``%(t)s`` atom of an access log format, if one is used."""
        return "[" + stamp(time.time()) + "]"
