"""ops/prometheus with promtool: the config and rules load, and every alert is unit-tested.

promtool comes with Debian's prometheus package (ops/setup.sh installs it); without it these
tests fail rather than skip.
"""

from __future__ import annotations

import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = ROOT / "ops/prometheus"
RULES = sorted((PROMETHEUS / "rules").glob("*.rules.yml"))
TESTS = PROMETHEUS / "rules/tests.yml"


def promtool(*args: str) -> str:
    binary = shutil.which("promtool")
    if binary is None:
        pytest.fail("promtool is not installed: ops/setup.sh installs Debian's prometheus package", pytrace=False)
    result = subprocess.run([binary, *args], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"promtool {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_compose_config_is_valid(tmp_path: Path) -> None:
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    # The compose file mounts ops/prometheus/rules at /etc/prometheus/rules; check the same glob here.
    patterns = config["rule_files"]
    assert all(p.startswith("/etc/prometheus/rules/") for p in patterns)
    config["rule_files"] = [str(PROMETHEUS / "rules" / Path(p).name) for p in patterns]
    copy = tmp_path / "prometheus.yml"
    copy.write_text(yaml.safe_dump(config))
    out = promtool("check", "config", str(copy))
    assert f"SUCCESS: {len(RULES)} rule files found" in out
    assert not any(TESTS.match(Path(p).name) for p in patterns), "the rule glob must not load promtool's tests.yml"


def test_local_config_is_valid_and_matches_the_compose_one() -> None:
    out = promtool("check", "config", str(PROMETHEUS / "prometheus.local.yml"))
    assert f"SUCCESS: {len(RULES)} rule files found" in out
    local, compose = (yaml.safe_load((PROMETHEUS / name).read_text()) for name in ("prometheus.local.yml", "prometheus.yml"))
    assert [j["job_name"] for j in local["scrape_configs"]] == [j["job_name"] for j in compose["scrape_configs"]]
    assert [Path(p).name for p in local["rule_files"]] == [Path(p).name for p in compose["rule_files"]]
    assert local["global"] == compose["global"]


def test_compose_mounts_the_config_and_the_rules() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["prometheus"]
    assert "./ops/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro" in compose["volumes"]
    assert "./ops/prometheus/rules:/etc/prometheus/rules:ro" in compose["volumes"]


def test_rules_are_valid() -> None:
    assert RULES
    out = promtool("check", "rules", *map(str, RULES))
    assert "SUCCESS" in out


def test_rule_unit_tests_pass() -> None:
    promtool("test", "rules", str(TESTS))


def test_every_alert_has_a_firing_and_a_quiet_case() -> None:
    alerts = {rule["alert"] for path in RULES for group in yaml.safe_load(path.read_text())["groups"] for rule in group["rules"]}
    assert {"SitrepWorkerDown", "SitrepConsumerLagGrowing", "SitrepDeadLetterRate", "SitrepNoThroughput", "SitrepEndToEndLatencyHigh"} <= alerts
    cases: dict[str, set[bool]] = defaultdict(set)
    for test in yaml.safe_load(TESTS.read_text())["tests"]:
        for case in test.get("alert_rule_test", []):
            cases[case["alertname"]].add(bool(case.get("exp_alerts")))
    for alert in alerts:
        assert cases[alert] == {True, False}, f"{alert}: needs a case that fires and one that does not"


def test_every_alert_says_what_to_do() -> None:
    for path in RULES:
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                assert rule["labels"]["severity"] in {"warning", "critical"}, rule["alert"]
                assert rule["annotations"]["summary"] and rule["annotations"]["description"], rule["alert"]
                assert rule.get("for"), f"{rule['alert']}: alerts wait a while before firing"
