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
        the spool cannot be written (the caller answers 503); whatever it raises, the
        id's claim is released, so a retry of the same id can still succeed."""
        # Encode before claiming: a response that cannot be encoded must not leave
        # its id "inflight" (pruning skips those, and retries would wait on it).
        key = response.commune_code.encode("ascii")
        value = encode_response(response)
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
        try:
            status = self._publish_or_spool(response.id, key, value, backlog)
        except BaseException:
            self.store.release(response.id)
            raise
        if status == QUEUED:
            self.on_spooled()
        return status

    def _publish_or_spool(self, response_id: str, key: bytes, value: bytes, backlog: bool) -> str:
        """Publish (no backlog and the broker acknowledges) or spool; the caller
        holds the id's claim and releases it if this raises."""
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
                self.store.mark_published(response_id)
                return ACCEPTED
        self.store.put(response_id, key, value, self.clock())
        return QUEUED
