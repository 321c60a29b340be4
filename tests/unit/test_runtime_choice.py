"""tests/conftest.py's one decision: testcontainers where a Docker engine answers, the local
jar broker where none does, decided without importing Docker libraries and without output."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import choose_runtime, docker_answers, docker_endpoint, kafka_image, prometheus_image

ROOT = Path(__file__).resolve().parents[2]


def serve_once(path: Path, reply: bytes | None) -> threading.Thread:
    """A unix socket that answers one request with ``reply`` (None: accepts, never answers)."""
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)

    def run() -> None:
        conn, _ = server.accept()
        with conn:
            conn.recv(1024)
            if reply is not None:
                conn.sendall(reply)
            else:
                conn.recv(1024)  # hold the line until the client gives up
        server.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.fixture
def short_dir() -> Iterator[Path]:
    # A unix socket path must be short (108 bytes): pytest's tmp_path can be longer.
    import tempfile

    with tempfile.TemporaryDirectory(prefix="dk") as name:
        yield Path(name)


def test_an_engine_that_answers_ping_is_docker(short_dir: Path) -> None:
    sock = short_dir / "d.sock"
    serve_once(sock, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK")
    endpoint = docker_endpoint({"DOCKER_HOST": f"unix://{sock}"})
    assert endpoint == ("unix", str(sock))
    assert docker_answers(endpoint)


def test_a_socket_that_does_not_answer_or_errs_is_no_engine(short_dir: Path) -> None:
    silent = short_dir / "s.sock"
    serve_once(silent, None)
    assert not docker_answers(("unix", str(silent)), timeout=0.3)
    failing = short_dir / "f.sock"
    serve_once(failing, b"HTTP/1.1 500 Internal Server Error\r\n\r\n")
    assert not docker_answers(("unix", str(failing)))


def test_no_socket_file_means_no_question_asked() -> None:
    assert docker_endpoint({"DOCKER_HOST": "unix:///nonexistent/docker.sock"}) is None
    assert docker_answers(None) is False


def test_a_tcp_docker_host_that_refuses_is_no_engine() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    endpoint = docker_endpoint({"DOCKER_HOST": f"tcp://127.0.0.1:{port}"})
    assert endpoint == ("tcp", ("127.0.0.1", port))
    assert not docker_answers(endpoint)


def test_here_the_choice_is_local_silently_and_without_docker_libraries() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DOCKER_HOST", "SITREP_TEST_RUNTIME")}
    code = (
        "import sys; from tests.conftest import choose_runtime; print(choose_runtime()); "
        "print(sorted(m for m in ('docker', 'testcontainers') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    expected = "docker" if docker_answers(docker_endpoint(env)) else "local"
    assert result.stdout.split("\n")[:2] == [expected, "[]"]
    assert result.stderr == ""


def test_the_runtime_can_be_forced(monkeypatch: pytest.MonkeyPatch) -> None:
    choose_runtime.cache_clear()
    try:
        monkeypatch.setenv("SITREP_TEST_RUNTIME", "docker")
        assert choose_runtime() == "docker"
    finally:
        choose_runtime.cache_clear()


def test_the_containers_are_the_compose_files_images() -> None:
    assert kafka_image().startswith("apache/kafka:") and prometheus_image().startswith("prom/prometheus:")


def test_testcontainers_is_a_test_dependency_and_the_fixture_uses_it() -> None:
    import tomllib

    test_extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["test"]
    assert any(r.startswith("testcontainers==") for r in test_extra)
    from testcontainers.core.container import DockerContainer  # noqa: F401  (importable where it is used)

    assert "from testcontainers.core.container import DockerContainer" in (ROOT / "tests/conftest.py").read_text()
