"""Fixtures of the integration tests (the broker's are in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.kafka_helpers import Worker


@pytest.fixture(autouse=True)
def no_worker_left_running() -> Iterator[None]:
    yield
    Worker.kill_left_over()
