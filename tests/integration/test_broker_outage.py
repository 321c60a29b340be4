"""A broker outage is visible: stop the real broker under a running worker and a real
Prometheus loading ops/prometheus/rules, and watch SitrepBrokerUnreachable go from inactive
to pending to firing, while `up` stays 1 (the worker still serves /metrics) and the poll age
grows; start the broker again and watch the alert resolve."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Broker
from tests.integration.kafka_helpers import Worker, isolated_env, run_sitrep
from tests.integration.test_observability import Prometheus, monitored_worker, wait_for

pytestmark = pytest.mark.integration

ALERT = "SitrepBrokerUnreachable"


def alert_state(prom: Prometheus, name: str) -> str:
    rules = {r["name"]: r for g in prom.api("rules")["groups"] for r in g["rules"]}
    return rules[name]["state"]


def wait_state(prom: Prometheus, name: str, wanted: str, timeout: float, seen: list[str]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = alert_state(prom, name)
        if not seen or seen[-1] != state:
            seen.append(state)
        if state == wanted:
            return
        time.sleep(0.5)
    raise AssertionError(f"{name} did not become {wanted} within {timeout:g} s; states seen: {seen}")


@pytest.fixture
def stack(kafka: Broker, tmp_path: Path, prometheus_command: Any) -> Iterator[tuple[Worker, Prometheus]]:
    with monitored_worker(kafka.bootstrap, tmp_path, prometheus_command) as pair:
        yield pair


def test_stopping_the_broker_fires_the_alert_and_starting_it_resolves_it(kafka: Broker, stack: tuple[Worker, Prometheus]) -> None:
    worker, prom = stack
    wait_for(prom, "max(sitrep_broker_up)", lambda v: v == 1, "broker seen up", worker)
    wait_for(prom, "max(sitrep_last_poll_age_seconds)", lambda v: v < 10, "consumer polling", worker)
    assert alert_state(prom, ALERT) == "inactive"

    # Inactive was just read: on a busy host the rule may be pending before the first poll below.
    seen: list[str] = ["inactive"]
    kafka.stop()
    try:
        wait_for(prom, "max(sitrep_broker_up)", lambda v: v == 0, "broker seen down", worker, timeout=30)
        wait_state(prom, ALERT, "firing", timeout=150, seen=seen)
        assert seen[:3] == ["inactive", "pending", "firing"], seen
        # The worker still answers scrapes: `up` alone would have said nothing.
        assert prom.value('sum(up{job="sitrep-worker"})') == 1
        assert prom.value("max(sitrep_last_poll_age_seconds)") > 30
        firing = prom.api("alerts")["alerts"]
        assert any(
            a["labels"]["alertname"] == ALERT and a["state"] == "firing" and a["annotations"]["runbook_url"].startswith("docs/runbooks.md#") for a in firing
        )
    finally:
        kafka.start()
    wait_for(prom, "max(sitrep_broker_up)", lambda v: v == 1, "broker seen up again", worker, timeout=60)
    wait_state(prom, ALERT, "inactive", timeout=30, seen=seen)


def test_a_worker_told_to_stop_while_the_broker_is_down_exits_at_its_stop_timeout(kafka: Broker, tmp_path: Path) -> None:
    env = isolated_env(kafka.bootstrap, tmp_path, SITREP_STOP_TIMEOUT="3")
    run_sitrep(env, "topics", "create")
    worker = Worker(env, tmp_path / "worker.log").start()
    assert worker.proc is not None
    kafka.stop()
    try:
        time.sleep(2)  # the consumer has lost the broker
        worker.proc.send_signal(signal.SIGTERM)
        try:
            # Faust's own stop waits a minute or more for the consumer thread.
            code = worker.proc.wait(40)
        except subprocess.TimeoutExpired:
            raise AssertionError("the worker was still stopping 40 s after SIGTERM") from None
    finally:
        kafka.start()
    log = worker.log.read_text(errors="replace")
    assert code == 1, log[-3000:]
    assert "worker did not stop within 3 s of SIGTERM" in log
