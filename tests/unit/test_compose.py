"""docker-compose.yml parses, pins its images, and runs only real `sitrep` subcommands.

There is no Docker engine on the dev and CI machines, so this checks the file itself.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest
import yaml

from sitrep.cli import build_parser
from sitrep.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize("name", [n for n, s in SERVICES.items() if "build" in s])
def test_sitrep_services_run_real_subcommands(name: str) -> None:
    command = SERVICES[name]["command"]
    assert command[0] == "sitrep"
    build_parser().parse_args(command[1:])  # exits (fails the test) on an unknown command or option


def test_every_image_tag_is_pinned() -> None:
    for name, service in SERVICES.items():
        image = service.get("image", "")
        tag = image.rpartition(":")[2]
        assert ":" in image and tag not in ("", "latest"), f"{name}: image {image!r} is not pinned"


def test_stack_has_the_parts_users_expect() -> None:
    assert {"kafka", "topics", "worker", "replay", "prometheus", "grafana"} <= set(SERVICES)
    assert SERVICES["kafka"]["image"].startswith("apache/kafka:")
    assert SERVICES["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"


def test_grafana_password_comes_from_the_environment_without_default() -> None:
    password = SERVICES["grafana"]["environment"]["GF_SECURITY_ADMIN_PASSWORD"]
    assert password.startswith("${GRAFANA_ADMIN_PASSWORD:?")


def test_grafana_datasource_has_a_fixed_uid() -> None:
    datasources = yaml.safe_load((ROOT / "ops/grafana/provisioning/datasources/prometheus.yml").read_text())["datasources"]
    assert datasources[0]["uid"] == "sitrep-prometheus"


def test_every_cli_subcommand_has_help() -> None:
    for name, sub in subcommands(build_parser()).items():
        assert sub.format_help(), name


def named_volume_at(service: dict, target: str) -> str:
    """The named volume mounted at ``target`` (a bind mount or no mount fails the test)."""
    for volume in service.get("volumes", []):
        source, _, rest = volume.partition(":")
        if rest.split(":")[0] == target:
            assert not source.startswith((".", "/")), f"{target} is a bind mount of {source}, not a named volume"
            assert source in COMPOSE["volumes"], f"volume {source} is not declared"
            return source
    raise AssertionError(f"nothing is mounted at {target}")


def test_kafka_writes_its_log_to_the_mounted_volume_with_a_fixed_cluster_id() -> None:
    kafka = SERVICES["kafka"]
    log_dirs = str(kafka["environment"]["KAFKA_LOG_DIRS"]).split(",")
    assert log_dirs, "KAFKA_LOG_DIRS unset: the image writes to /tmp/kraft-combined-logs"
    for log_dir in log_dirs:
        named_volume_at(kafka, log_dir)
    cluster_id = str(kafka["environment"]["CLUSTER_ID"])
    # kafka-storage.sh format wants a UUID in Kafka's base64 form: 22 URL-safe characters.
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", cluster_id), cluster_id


@pytest.mark.parametrize(("name", "data_dir"), [("prometheus", "/prometheus"), ("grafana", "/var/lib/grafana")])
def test_prometheus_and_grafana_keep_their_data_and_restart(name: str, data_dir: str) -> None:
    service = SERVICES[name]
    named_volume_at(service, data_dir)
    assert service["restart"] in ("always", "unless-stopped")
    if name == "prometheus":
        assert f"--storage.tsdb.path={data_dir}" in service["command"]


def test_grafana_dashboards_are_not_mounted_inside_its_data_volume() -> None:
    grafana = SERVICES["grafana"]
    mounts = [v.split(":")[1] for v in grafana["volumes"]]
    provider = yaml.safe_load((ROOT / "ops/grafana/provisioning/dashboards/sitrep.yml").read_text())["providers"][0]
    assert provider["options"]["path"] in mounts
    assert not provider["options"]["path"].startswith("/var/lib/grafana")
    assert grafana["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"].startswith(provider["options"]["path"] + "/")


def duration_seconds(text: str) -> float:
    return sum(float(n) * {"s": 1, "m": 60, "h": 3600}[u] for n, u in re.findall(r"(\d+(?:\.\d+)?)([smh])", text))


@pytest.mark.parametrize("name", ["kafka", "worker", "prometheus", "grafana"])
def test_long_running_services_have_a_light_healthcheck(name: str) -> None:
    check = SERVICES[name]["healthcheck"]
    test = check["test"]
    assert test[0] in ("CMD", "CMD-SHELL")
    # Checked often only while starting; a JVM or an interpreter every 5 s is not light.
    assert duration_seconds(check["interval"]) >= 30
    assert duration_seconds(check.get("start_interval", check["interval"])) <= 5
    if name in ("prometheus", "grafana"):
        assert test[1] == "wget" and test[-1].startswith("http://127.0.0.1:"), test


def test_the_worker_healthcheck_asks_its_metrics_port() -> None:
    check = " ".join(SERVICES["worker"]["healthcheck"]["test"])
    port = SERVICES["worker"]["environment"].get("SITREP_METRICS_PORT", Settings.model_fields["metrics_port"].default)
    assert f"127.0.0.1:{port}/metrics" in check
    assert f"{port}" in [str(p) for p in SERVICES["worker"]["expose"]]


def test_replay_waits_for_a_healthy_worker_and_the_topics() -> None:
    depends = SERVICES["replay"]["depends_on"]
    assert depends["worker"]["condition"] == "service_healthy"
    assert depends["topics"]["condition"] == "service_completed_successfully"
    assert SERVICES["topics"]["depends_on"]["kafka"]["condition"] == "service_healthy"
