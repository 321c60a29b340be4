"""Shared fixtures: a real Kafka broker for the integration tests, started once per session.

The broker is Apache Kafka's own jars run by ops/kafka/kafka.sh on a test port. When it
cannot be started the integration tests fail with the broker's log: they never skip,
because a skipped test proves nothing in CI.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Below the ephemeral range (32768+), so an outgoing connection can never hold the port.
TEST_PORT = int(os.environ.get("SITREP_TEST_KAFKA_PORT", "21092"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--chaos", action="store_true", help="also run the chaos test (20,000 articles, SIGKILLs, a broker restart)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # The chaos test takes minutes: it runs when asked for (ops/test --chaos), and is then
    # a real test that passes or fails; otherwise it is left out of the run, not skipped.
    if config.getoption("--chaos"):
        return
    kept = [item for item in items if "chaos" not in item.keywords]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if "chaos" in i.keywords])
        items[:] = kept


@pytest.fixture(scope="session")
def broker() -> str:
    """Bootstrap address of a running single-node KRaft broker (started if needed)."""
    env = {**os.environ, "SITREP_KAFKA_PORT": str(TEST_PORT)}
    result = subprocess.run(["bash", str(ROOT / "ops/kafka/kafka.sh"), "up"], env=env, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        pytest.fail(f"could not start the test Kafka broker on port {TEST_PORT}:\n{result.stdout}\n{result.stderr}", pytrace=False)
    yield f"127.0.0.1:{TEST_PORT}"
    if not os.environ.get("SITREP_TEST_KEEP_BROKER"):
        subprocess.run(["bash", str(ROOT / "ops/kafka/kafka.sh"), "down"], env=env, capture_output=True, timeout=120)
