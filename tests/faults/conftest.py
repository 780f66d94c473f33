"""One broker of the fault suite's own, shared by the scenarios that stop it.

Starting a broker from the jars takes 10-50 s on a busy 2-core machine, so the
package shares one per test worker (what ``controllable_kafka`` makes, at package
scope; each scenario has its own topics and leaves the broker running).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import Broker, own_broker


@pytest.fixture(scope="package")
def own_kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    """A broker the scenarios may stop, kill and start again (package scope)."""
    yield from own_broker(tmp_path_factory.mktemp("kafka-faults"))
