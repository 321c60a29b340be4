"""Shared fixtures: a real Kafka broker (and Prometheus) for the integration tests.

One fixture, ``runtime``, decides where they run, once per session: where a Docker engine
answers (``DOCKER_HOST``, else the default socket; a ping of at most two seconds), Kafka
(the ``apache/kafka`` image docker-compose.yml runs) and Prometheus (its ``prom/prometheus``
image) start as containers through testcontainers; where none answers, Apache Kafka's own
jars run from ops/kafka/kafka.sh and Debian's ``prometheus`` runs as a process. A machine
with a docker client and no engine (no socket, or nothing answering on it) takes the local
path at once and says so in one line of the pytest header. ``SITREP_TEST_RUNTIME=local`` or
``=docker`` forces one. When the broker cannot be started the integration tests fail with
its log: they never skip, because a skipped test proves nothing in CI.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.parse
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
# Below the ephemeral range (32768+), so an outgoing connection can never hold the port.
TEST_PORT = int(os.environ.get("SITREP_TEST_KAFKA_PORT", "21092"))
PING_SECONDS = 2.0


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--chaos", action="store_true", help="also run the chaos test (20,000 articles, SIGKILLs, a broker restart)")
    parser.addoption("--slow", action="store_true", help="also run the slow tests (the 20-round forced dedup race, a worker joining and leaving)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # The chaos and slow tests take minutes: they run when asked for (ops/test --chaos,
    # --slow), and are then real tests that pass or fail; otherwise they are left out of
    # the run, not skipped.
    left_out = {marker for marker in ("chaos", "slow") if not config.getoption(f"--{marker}")}
    kept = [item for item in items if not left_out & set(item.keywords)]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if left_out & set(i.keywords)])
        items[:] = kept


# --- which runtime --------------------------------------------------------------------------------


def docker_endpoint(environ: dict[str, str] | os._Environ = os.environ) -> tuple[str, Any] | None:
    """Where a Docker engine would answer: ("unix", path) or ("tcp", (host, port)); None
    when there is nowhere to ask (no DOCKER_HOST and no socket file)."""
    host = environ.get("DOCKER_HOST", "")
    if not host:
        path = "/var/run/docker.sock"
        return ("unix", path) if os.path.exists(path) else None
    url = urllib.parse.urlparse(host)
    if url.scheme == "unix":
        return ("unix", url.path) if os.path.exists(url.path) else None
    if url.scheme in ("tcp", "http", "https") and url.hostname:
        return ("tcp", (url.hostname, url.port or 2375))
    return None


def docker_answers(endpoint: tuple[str, Any] | None, timeout: float = PING_SECONDS) -> bool:
    """True when the engine at ``endpoint`` answers ``GET /_ping`` with OK within ``timeout``.

    A raw HTTP request on the socket: importing the docker library or testcontainers to
    find out would cost time and print warnings where there is no engine.
    """
    if endpoint is None:
        return False
    kind, address = endpoint
    try:
        family = socket.AF_UNIX if kind == "unix" else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(address)
            sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            reply = sock.recv(256)
    except OSError:
        return False
    return reply.startswith(b"HTTP/1.") and b" 200 " in reply.split(b"\r\n", 1)[0] + b" "


@lru_cache(maxsize=1)
def choose_runtime() -> str:
    """``docker`` or ``local``, decided once per session."""
    forced = os.environ.get("SITREP_TEST_RUNTIME", "")
    if forced in ("docker", "local"):
        return forced
    return "docker" if docker_answers(docker_endpoint()) else "local"


def pytest_report_header(config: pytest.Config) -> str:
    runtime = choose_runtime()
    if runtime == "docker":
        return "sitrep integration runtime: docker (testcontainers: apache/kafka, prom/prometheus)"
    return "sitrep integration runtime: local (no Docker engine answers: Kafka jars via ops/kafka/kafka.sh, Debian's prometheus)"


@pytest.fixture(scope="session")
def runtime() -> str:
    return choose_runtime()


# --- Kafka ----------------------------------------------------------------------------------------


class Broker(Protocol):
    bootstrap: str

    def stop(self) -> None: ...  # keeps the data
    def start(self) -> None: ...  # back on the same address, with its data
    def close(self) -> None: ...  # stops and removes


def kafka_image() -> str:
    """The Kafka image docker-compose.yml runs, so the tests and the stack use one version."""
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["kafka"]["image"]


class LocalBroker:
    """Apache Kafka's jars run by ops/kafka/kafka.sh on TEST_PORT."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.bootstrap = f"127.0.0.1:{port}"
        self.env = {**os.environ, "SITREP_KAFKA_PORT": str(port)}

    def _run(self, action: str, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run(["bash", str(ROOT / "ops/kafka/kafka.sh"), action], env=self.env, capture_output=True, text=True, timeout=timeout)

    def start(self) -> None:
        result = self._run("up")
        if result.returncode != 0:
            pytest.fail(f"could not start the test Kafka broker on port {self.port}:\n{result.stdout}\n{result.stderr}", pytrace=False)

    def stop(self) -> None:
        self._run("stop", timeout=120)

    def close(self) -> None:
        if not os.environ.get("SITREP_TEST_KEEP_BROKER"):
            self._run("down", timeout=120)


class DockerBroker:
    """The apache/kafka image (KRaft, one node) through testcontainers, published on TEST_PORT.

    The host port is fixed, not random, so the advertised listener is known before the
    container starts and a stopped container comes back on the same address.
    """

    def __init__(self, port: int) -> None:
        from testcontainers.core.container import DockerContainer

        self.port = port
        self.container = DockerContainer(kafka_image())
        host = self.container.get_container_host_ip()
        self.bootstrap = f"{host}:{port}"
        for key, value in {
            "KAFKA_NODE_ID": "1",
            "KAFKA_PROCESS_ROLES": "broker,controller",
            "KAFKA_CONTROLLER_QUORUM_VOTERS": "1@localhost:9093",
            "KAFKA_CONTROLLER_LISTENER_NAMES": "CONTROLLER",
            "KAFKA_LISTENERS": "PLAINTEXT://0.0.0.0:9092,CONTROLLER://0.0.0.0:9093",
            "KAFKA_ADVERTISED_LISTENERS": f"PLAINTEXT://{self.bootstrap}",
            "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR": "1",
            "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR": "1",
            "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR": "1",
            "KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS": "0",
            "KAFKA_LOG_DIRS": "/var/lib/kafka/data",
        }.items():
            self.container.with_env(key, value)
        self.container.with_bind_ports(9092, port)
        self.started = False

    def start(self) -> None:
        if not self.started:
            self.container.start()
            self.started = True
        else:
            self.container.get_wrapped_container().start()
        wait_for_kafka(self.bootstrap, lambda: self.container.get_logs()[0].decode(errors="replace")[-4000:])

    def stop(self) -> None:
        self.container.get_wrapped_container().stop(timeout=30)

    def close(self) -> None:
        self.container.stop()


def wait_for_kafka(bootstrap: str, log: Any, timeout: float = 120.0) -> None:
    """Until the broker answers a metadata request (what ops/kafka/wait_ready.py checks)."""
    from kafka import KafkaAdminClient

    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
            admin.list_topics()
            admin.close()
            return
        except Exception as exc:  # not up yet
            last = exc
            time.sleep(1)
    pytest.fail(f"Kafka at {bootstrap} not ready after {timeout:g} s ({last}):\n{log()}", pytrace=False)


@pytest.fixture(scope="session")
def kafka(runtime: str) -> Iterator[Broker]:
    """The session's broker, with stop/start for tests that take it away."""
    broker: Broker = DockerBroker(TEST_PORT) if runtime == "docker" else LocalBroker(TEST_PORT)
    broker.start()
    try:
        yield broker
    finally:
        broker.close()


@pytest.fixture(scope="session")
def broker(kafka: Broker) -> str:
    """Bootstrap address of a running single-node KRaft broker (started if needed)."""
    return kafka.bootstrap


# --- Prometheus -----------------------------------------------------------------------------------


def prometheus_image() -> str:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["prometheus"]["image"]


@pytest.fixture
def prometheus_command(runtime: str) -> Any:
    """A function (config path, storage dir, port) -> how to start Prometheus on this runtime:
    ("process", argv) for Debian's binary, ("container", DockerContainer) for the image, run
    on the host's network so it scrapes the test worker on 127.0.0.1."""

    def command(config: Path, storage: Path, port: int) -> tuple[str, Any]:
        args = [f"--storage.tsdb.path={storage}", f"--web.listen-address=127.0.0.1:{port}"]
        if runtime != "docker":
            import shutil

            binary = shutil.which("prometheus")
            if binary is None:
                pytest.fail("prometheus is not installed: ops/setup.sh installs Debian's prometheus package", pytrace=False)
            return "process", [binary, f"--config.file={config}", *args]
        from testcontainers.core.container import DockerContainer

        container = DockerContainer(prometheus_image())
        container.with_volume_mapping(str(config.parent), str(config.parent), "rw")
        rules = ROOT / "ops/prometheus/rules"
        container.with_volume_mapping(str(rules), str(rules), "ro")
        container.with_kwargs(network_mode="host", user=f"{os.getuid()}:{os.getgid()}")
        container.with_command([f"--config.file={config}", *args])
        return "container", container

    return command
