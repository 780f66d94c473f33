"""Taking in one valid response: claim its id, publish it or spool it.

The caller has already authenticated the kiosk and validated the response. This
module decides the answer (``accepted``, ``queued`` or ``duplicate``) and makes it
true: ``accepted`` only after Kafka acknowledged, ``queued`` only after the spool
write reached the disk.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from thuocdo_shared.events import SurveyResponse, encode_response
from thuocdo_shared.kafka import DeliveryError

from .spool import Claim, SpoolStore

log = logging.getLogger(__name__)

ACCEPTED = "accepted"
QUEUED = "queued"
DUPLICATE = "duplicate"

Publish = Callable[[str, bytes | None, bytes], object]


class Intake:
    """``publish(topic, key, value)`` must return only once the broker acknowledged
    and raise :class:`DeliveryError` otherwise. ``on_spooled`` is called after a
    spool write (to wake the flusher)."""

    def __init__(
        self,
        store: SpoolStore,
        publish: Publish,
        topic: str,
        on_spooled: Callable[[], None] = lambda: None,
        on_failure: Callable[[], None] = lambda: None,
        clock: Callable[[], float] = time.time,
        poll: float = 0.05,
    ) -> None:
        self.store = store
        self.publish = publish
        self.topic = topic
        self.on_spooled = on_spooled
        self.on_failure = on_failure
        self.clock = clock
        self.poll = poll

    def submit(self, response: SurveyResponse) -> str:
        """Returns ``accepted``, ``queued`` or ``duplicate``. Raises only when even
        the spool cannot be written (the caller answers 503)."""
        deadline = self.clock() + self.store.stale_after + 1.0
        while True:
            claim, backlog = self.store.claim(response.id, self.clock())
            # Another request holds this id right now: wait for its outcome rather
            # than answer "duplicate" for a record that may still fail.
            if claim is not Claim.BUSY or self.clock() > deadline:
                break
            time.sleep(self.poll)
        if claim is not Claim.NEW:
            return DUPLICATE
        key = response.commune_code.encode("ascii")
        value = encode_response(response)
        if not backlog:
            try:
                self.publish(self.topic, key, value)
            except DeliveryError as exc:
                log.warning(
                    "kafka did not acknowledge; spooling",
                    extra={"fields": {"event": "publish_failed", "error": str(exc)[:200]}},
                )
                self.on_failure()
            else:
                self.store.mark_published(response.id)
                return ACCEPTED
        try:
            self.store.put(response.id, key, value, self.clock())
        except BaseException:
            self.store.release(response.id)
            raise
        self.on_spooled()
        return QUEUED
