"""docker-compose.yml parses, pins its images, and runs only real `sitrep` subcommands.

There is no Docker engine on the dev and CI machines, so this checks the file itself.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
import yaml

from sitrep.cli import build_parser

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
