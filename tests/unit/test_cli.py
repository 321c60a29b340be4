"""CLI habits: -b on every command, one-line errors, warnings for unknown SITREP_* names,
bounds on --rate and --limit, JSON-lines logs. Each error case runs the real ``sitrep``
executable and checks the whole of stderr: one line, no traceback."""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from sitrep import logs
from sitrep.cli import build_parser, load_settings
from sitrep.settings import Settings, setting_names, unknown_variables

ROOT = Path(__file__).resolve().parents[2]
SITREP = str(Path(sys.executable).with_name("sitrep"))
# Nothing listens here: a command that got as far as connecting would fail differently.
NO_BROKER = "127.0.0.1:9"


def sitrep(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SITREP_")}
    return subprocess.run([SITREP, *args], env={**clean, **env}, capture_output=True, text=True, timeout=60, cwd=ROOT)


def one_line(result: subprocess.CompletedProcess) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def leaf_commands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        return [(prefix, parser)]
    return [leaf for name, sub in subs[0].choices.items() for leaf in leaf_commands(sub, (*prefix, name))]


COMMANDS = leaf_commands(build_parser())


@pytest.mark.parametrize("command", [c for c, _ in COMMANDS], ids=" ".join)
def test_every_command_takes_bootstrap_server_before_or_after_its_name(command: tuple[str, ...]) -> None:
    positional = {"replay": ["seeds"], "process": ["seeds", "-o", "x"], "tail": ["enriched"]}.get(command[0], [])
    for args in (["-b", "kafka:9092", *command, *positional], [*command, *positional, "--bootstrap-server", "kafka:9092"]):
        parsed = build_parser().parse_args(args)
        assert parsed.bootstrap_server == "kafka:9092"
        assert load_settings(parsed).bootstrap_servers == "kafka:9092"


def test_bootstrap_server_option_overrides_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITREP_BOOTSTRAP_SERVERS", "envhost:9092")
    assert load_settings(build_parser().parse_args(["topics", "create"])).bootstrap_servers == "envhost:9092"
    assert load_settings(build_parser().parse_args(["topics", "create", "-b", "a:1,b:2"])).bootstrap_servers == "a:1,b:2"


@pytest.mark.parametrize("servers", ["localhost", "kafka:9092,broker2", "::1", "host:port"])
def test_a_server_without_a_port_is_one_line(servers: str) -> None:
    by_option = sitrep("topics", "create", "-b", servers)
    assert by_option.returncode == 2
    assert "-b/--bootstrap-server" in one_line(by_option)
    by_variable = sitrep("topics", "create", SITREP_BOOTSTRAP_SERVERS=servers)
    assert by_variable.returncode == 2
    line = one_line(by_variable)
    assert line.startswith(f"sitrep topics: bad setting SITREP_BOOTSTRAP_SERVERS={servers!r}: "), line


@pytest.mark.parametrize(("name", "value", "says"), [
    ("SITREP_PARTITIONS", "four", "valid integer"),
    ("SITREP_PARTITIONS", "0", "greater than or equal to 1"),
    ("SITREP_STORE", "redis", "'memory' or 'rocksdb'"),
    ("SITREP_THRESHOLDS__NEAR_DUPLICATE", "2", "less than or equal to 1"),
    ("SITREP_LOG_FORMAT", "xml", "'text' or 'json'"),
    ("SITREP_TOPICS", "{not json", "error parsing value"),
])
def test_a_bad_setting_is_one_line_naming_the_variable(name: str, value: str, says: str) -> None:
    result = sitrep("topics", "create", "-b", NO_BROKER, **{name: value})
    assert result.returncode == 2
    line = one_line(result)
    assert line.startswith("sitrep topics: bad setting") and says in line, line
    if name != "SITREP_TOPICS":
        assert name in line


def test_a_bad_password_setting_is_never_repeated() -> None:
    result = sitrep("topics", "create", SITREP_SASL_PASSWORD="x" * 3, SITREP_SECURITY_PROTOCOL="SASL_SSL", SITREP_SASL_MECHANISM="MD5")
    line = one_line(result)
    assert "SITREP_SASL_MECHANISM='MD5'" in line and "xxx" not in line


def test_unknown_sitrep_variables_are_warned_about_with_the_closest_name() -> None:
    result = sitrep("schemas", "export", "-o", "/dev/null/x", SITREP_PARTITONS="8", SITREP_TOPICS__ENRICHD="x", SITREP_KAFKA_PORT="1")
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "sitrep: warning: SITREP_PARTITONS is not a Sitrep setting and is ignored (did you mean SITREP_PARTITIONS?)"
    assert lines[1] == "sitrep: warning: SITREP_TOPICS__ENRICHD is not a Sitrep setting and is ignored (did you mean SITREP_TOPICS__ENRICHED?)"
    assert not any("SITREP_KAFKA_PORT" in line for line in lines), "ops/kafka/kafka.sh's variables are not settings"


def test_every_settings_field_has_a_variable_name() -> None:
    names = setting_names()
    assert {"SITREP_BOOTSTRAP_SERVERS", "SITREP_TOPICS__ENRICHED", "SITREP_THRESHOLDS__STORY", "SITREP_LOG_FORMAT"} <= names
    assert unknown_variables({name: "" for name in names}) == []


@pytest.mark.parametrize("output", ["/proc/sitrep-out.jsonl", "{file}/below-a-file.jsonl"])
def test_an_unwritable_output_is_one_line_before_any_work(output: str, tmp_path: Path) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("")
    output = output.format(file=a_file)
    result = sitrep("process", str(ROOT / "seeds"), "-o", output, "--no-progress")
    assert result.returncode == 2
    assert one_line(result).startswith(f"sitrep process: cannot write -o {output}: ")
    assert result.stdout == ""  # stopped before processing anything


def test_an_unwritable_schema_directory_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    result = sitrep("schemas", "export", "-o", str(tmp_path / "file" / "schemas"))
    assert result.returncode == 2
    assert one_line(result).startswith("sitrep schemas: cannot write to -o ")


@pytest.mark.parametrize("args", [
    ["replay", "seeds", "--rate", "-1"], ["replay", "seeds", "--rate", "0"], ["replay", "seeds", "--rate", "nan"],
    ["replay", "seeds", "--limit", "-5"], ["tail", "enriched", "--limit", "-1"], ["tail", "enriched", "--idle", "-2"],
])
def test_negative_rates_and_limits_are_rejected_in_one_line(args: list[str]) -> None:
    result = sitrep(*args, "-b", NO_BROKER)
    assert result.returncode == 2
    line = one_line(result)
    assert line.startswith(f"sitrep {args[0]}: argument {args[2]}"), line


def test_json_logs_are_one_object_a_line_with_the_workers_id(capsys: pytest.CaptureFixture[str]) -> None:
    logs.setup("json", "sitrep-test")
    try:
        log = logging.getLogger("sitrep.stream.app")
        log.info("ready with %d partitions", 4)
        try:
            raise ValueError("boom\nsecond line")
        except ValueError:
            log.exception("stage failed")
    finally:
        logs.setup("text", "sitrep")
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2
    first, second = (orjson.loads(line) for line in lines)
    assert first["message"] == "ready with 4 partitions" and first["level"] == "info" and first["logger"] == "sitrep.stream.app"
    assert first["worker_id"] == f"{os.uname().nodename}:{os.getpid()}" and first["app_id"] == "sitrep-test"
    assert first["time"].endswith("+00:00")
    assert "ValueError: boom" in second["exception"] and second["level"] == "error"


def test_log_format_comes_from_the_option_or_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings(build_parser().parse_args(["--log-format", "json", "topics", "create"])).log_format == "json"
    monkeypatch.setenv("SITREP_LOG_FORMAT", "json")
    assert load_settings(build_parser().parse_args(["topics", "create"])).log_format == "json"
    assert load_settings(build_parser().parse_args(["worker", "--log-format", "text"])).log_format == "text"
    assert Settings.model_fields["log_format"].default == "text"
