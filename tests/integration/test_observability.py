"""Issue 7 on a real Prometheus: every dashboard panel has data and every alert evaluates.

Debian's ``prometheus`` runs with the project's own ops/prometheus/prometheus.yml (the same
job, rules and scrape settings; the compose DNS discovery swapped for the test worker's
metrics port, and a 1 s scrape interval), scrapes a real ``sitrep worker`` on the real
broker while ``sitrep replay`` sends seeds/ and two malformed messages, and then answers
every panel's query the way Grafana would ask it (template variables, ``$__range``,
``$__rate_interval``; a range query for time series, an instant query otherwise), and
every alert expression. The test fails, never skips, when prometheus is missing. Where a
Docker engine answers, Prometheus is the compose file's image instead (tests/conftest.py).
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from sitrep.readers import read_messages
from tests.integration.kafka_helpers import ROOT, Worker, end_offsets, free_port, isolated_env, produce, run_sitrep, topic

pytestmark = pytest.mark.integration

SCRAPE_SECONDS = 1
DASHBOARDS = sorted((ROOT / "ops/grafana/dashboards").glob("*.json"))
RULES_DIR = ROOT / "ops/prometheus/rules"
SEED_ARTICLES = sum(1 for _ in read_messages([str(ROOT / "seeds")]))
# Panels drawn over time; every other panel type asks for one instant value per series.
RANGE_PANELS = {"timeseries", "heatmap"}
# Series that exist only once something went wrong: a clean replay raises no exception.
ONLY_AFTER_A_FAILURE = {"sitrep_errors_total"}


# --- a Prometheus process ---------------------------------------------------------------------


def scrape_config(targets: list[str]) -> dict[str, Any]:
    """ops/prometheus/prometheus.yml, pointed at ``targets`` and the repository's rules."""
    config = yaml.safe_load((ROOT / "ops/prometheus/prometheus.yml").read_text())
    interval = f"{SCRAPE_SECONDS}s"
    config["global"].update(scrape_interval=interval, scrape_timeout=interval, evaluation_interval=interval)
    config["rule_files"] = [str(RULES_DIR / Path(pattern).name) for pattern in config["rule_files"]]
    for job in config["scrape_configs"]:
        job.pop("dns_sd_configs")
        job["static_configs"] = [{"targets": targets}]
    return config


class Prometheus:
    """Prometheus on a free port with its own storage, started the way the session's runtime
    says (tests/conftest.py: Debian's binary, or the compose image through testcontainers);
    ``api`` calls its HTTP API."""

    def __init__(self, config: dict[str, Any], workdir: Path, command: Any) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        (workdir / "prometheus.yml").write_text(yaml.safe_dump(config))
        self.port = free_port()
        self.log = workdir / "prometheus.log"
        kind, how = command(workdir / "prometheus.yml", workdir / "data", self.port)
        self.proc: subprocess.Popen | None = None
        self.container = None
        if kind == "process":
            self.proc = subprocess.Popen(how, stdout=self.log.open("wb"), stderr=subprocess.STDOUT)
        else:
            self.container = how.start()
        self.started = time.time()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.exited():
                raise AssertionError(f"prometheus exited:\n{self.output()[-4000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/-/ready", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"prometheus not ready after 60 s:\n{self.output()[-4000:]}")

    def exited(self) -> bool:
        if self.proc is not None:
            return self.proc.poll() is not None
        self.container.get_wrapped_container().reload()
        return self.container.get_wrapped_container().status == "exited"

    def output(self) -> str:
        if self.proc is not None:
            return self.log.read_text(errors="replace")
        out, err = self.container.get_logs()
        return (out + err).decode(errors="replace")

    def api(self, path: str, **params: Any) -> Any:
        url = f"http://127.0.0.1:{self.port}/api/v1/{path}?{urllib.parse.urlencode(params, doseq=True)}"
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                body = json.load(response)
        except urllib.error.HTTPError as exc:
            body = json.load(exc)
        assert body["status"] == "success", f"{path} {params}: {body.get('errorType')}: {body.get('error')}"
        return body["data"]

    def value(self, expr: str) -> float | None:
        """The single value of an instant query, or None while it has no result."""
        result = self.api("query", query=expr)["result"]
        return float(result[0]["value"][1]) if result else None

    def stop(self) -> None:
        if self.container is not None:
            self.container.stop()
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def wait_for(prom: Prometheus, expr: str, ok: Any, what: str, worker: Worker, timeout: float = 45.0) -> float:
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = prom.value(expr)
        if value is not None and ok(value):
            return value
        time.sleep(0.5)
    raise AssertionError(f"{what}: `{expr}` is {value} after {timeout} s; worker log:\n{worker.log.read_text(errors='replace')[-3000:]}")


# --- Grafana's side: variables and the queries of a panel -------------------------------------


def regex_escape(value: str) -> str:
    """Grafana's escaping of a variable value inside a Prometheus regex matcher: a special
    character gets two backslashes, one for the PromQL string and one for the regex
    (``127.0.0.1:9108`` becomes ``127\\\\.0...``)."""
    return re.sub(r"([\\^$*+?.()|{}\[\]])", r"\\\\\1", value)


def variable_values(prom: Prometheus, variable: dict[str, Any], chosen: dict[str, str]) -> list[str]:
    """The values Grafana offers: a query variable's label values (its selector interpolated
    with the variables before it), a custom variable's list; none for the datasource."""
    if variable["type"] == "datasource":
        return []
    if variable["type"] == "custom":
        return variable["query"].split(",")
    match = re.fullmatch(r"label_values\((\w+(?:\{.*\})?),\s*(\w+)\)", variable["definition"])
    assert match, f"variable {variable['name']}: unsupported query {variable['definition']!r}"
    selector, label = match.groups()
    for name, value in chosen.items():
        selector = selector.replace(f"${name}", value)
    values = prom.api(f"label/{label}/values", **{"match[]": selector})
    assert values, f"variable {variable['name']}: no values for {selector}"
    return values


def selection(variable: dict[str, Any], values: list[str]) -> str:
    """What Grafana puts in place of ``$name`` for a multi-value variable set to ``values``."""
    escaped = [regex_escape(v) for v in values]
    return escaped[0] if len(escaped) == 1 else "(" + "|".join(escaped) + ")"


def seconds(duration: str) -> int:
    """A Grafana duration ("30s", "1m", "2h") in seconds."""
    number, unit = re.fullmatch(r"(\d+)([smhd])", duration).groups()
    return int(number) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit]


def intervals(panel: dict[str, Any], range_s: int) -> tuple[int, int]:
    """Grafana's $__interval (range over ~1000 points, at least the scrape interval and the
    panel's min interval) and $__rate_interval (max of interval + scrape, 4 scrapes)."""
    interval = max(SCRAPE_SECONDS, math.ceil(range_s / 1000), seconds(panel.get("interval", "0s")))
    return interval, max(interval + SCRAPE_SECONDS, 4 * SCRAPE_SECONDS)


def interpolate(expr: str, variables: dict[str, str], range_s: int, interval: int, rate_interval: int) -> str:
    """Substitute Grafana's built-ins and the dashboard's variables, as Grafana would."""
    expr = expr.replace("$__rate_interval", f"{rate_interval}s").replace("$__interval", f"{interval}s").replace("$__range", f"{range_s}s")
    for name, value in variables.items():
        expr = expr.replace(f"${{{name}}}", value).replace(f"${name}", value)
    assert "$" not in expr, f"unsubstituted variable in {expr}"
    return expr


def panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in dashboard["panels"]:
        yield from panel.get("panels", [])
        if panel["type"] != "row":
            yield panel


def run_panel(prom: Prometheus, panel: dict[str, Any], variables: dict[str, str], start: float, end: float) -> list[dict[str, Any]]:
    """Every series the panel's targets return (each target must parse and evaluate)."""
    range_s = math.ceil(end - start)
    interval, rate_interval = intervals(panel, range_s)
    series = []
    for target in panel["targets"]:
        expr = interpolate(target["expr"], variables, range_s, interval, rate_interval)
        if panel["type"] in RANGE_PANELS and not target.get("instant"):
            # Points every step, the last one at the end of the range (as on a live dashboard).
            first = end - math.ceil((end - start) / interval) * interval
            data = prom.api("query_range", query=expr, start=first, end=end, step=interval)
        else:
            data = prom.api("query", query=expr, time=end)
        series += data["result"]
    return series


def numbers(series: list[dict[str, Any]]) -> list[float]:
    points = [p for s in series for p in s.get("values", [s.get("value")]) if p]
    return [v for v in (float(p[1]) for p in points) if math.isfinite(v)]


def metric_names(expr: str) -> set[str]:
    """The series names an expression selects (as exposed: with _total, _bucket, _sum)."""
    return set(re.findall(r"\b((?:sitrep|faust)_[a-z_]+|up)\b(?=\s*[{\[)])", expr))


# --- the test ---------------------------------------------------------------------------------


@pytest.fixture
def stack(broker: str, tmp_path: Path, prometheus_command: Any) -> Iterator[tuple[Worker, Prometheus]]:
    with monitored_worker(broker, tmp_path, prometheus_command) as pair:
        yield pair


@contextlib.contextmanager
def monitored_worker(broker: str, tmp_path: Path, prometheus_command: Any) -> Iterator[tuple[Worker, Prometheus]]:
    """A worker on fresh topics and a real Prometheus scraping it; both stopped afterwards."""
    env = isolated_env(broker, tmp_path)
    run_sitrep(env, "topics", "create")
    worker = Worker(env, tmp_path / "worker.log").start()
    prom = None
    try:
        prom = Prometheus(scrape_config([f"127.0.0.1:{env['SITREP_METRICS_PORT']}"]), tmp_path / "prometheus", prometheus_command)
        yield worker, prom
    finally:
        if prom is not None:
            prom.stop()
        worker.stop()


def test_every_panel_has_data_and_every_alert_evaluates_after_a_seed_replay(broker: str, stack: tuple[Worker, Prometheus]) -> None:
    worker, prom = stack
    env = worker.env
    # The zero-valued series must be scraped before the first article, or increase() misses it.
    wait_for(prom, 'sum(up{job="sitrep-worker"})', lambda v: v == 1, "worker scraped", worker)
    wait_for(prom, "count(sitrep_casualty_claims_total)", lambda v: v > 0, "pre-created series scraped", worker)

    run_sitrep(env, "replay", "--no-progress", str(ROOT / "seeds"))
    produce(broker, topic(env, "raw"), [(b"bad-1", b"{not json"), (b"bad-2", b'{"id": "x", "title": "no body"}')])

    wait_for(prom, 'sum(sitrep_messages_produced_total{topic=~"enriched|duplicates"})', lambda v: v == SEED_ARTICLES, "articles out", worker)
    wait_for(prom, "sum(sitrep_dead_letters_total)", lambda v: v == 2, "dead letters", worker)
    wait_for(prom, "sum(sitrep_state_entries)", lambda v: v > 0, "state sampled", worker)
    raw_end = sum(end_offsets(broker, topic(env, "raw")).values())  # the articles and replay's order marks
    assert raw_end > SEED_ARTICLES + 2
    wait_for(prom, 'sum(sitrep_topic_messages_total{topic="raw"})', lambda v: v == raw_end, "raw end offsets sampled", worker)
    wait_for(prom, "sum(sitrep_consumer_lag_messages)", lambda v: v == 0, "lag drained", worker)
    time.sleep(2 * SCRAPE_SECONDS)
    start, end = prom.started, time.time()
    known = set(prom.api("label/__name__/values")) | ONLY_AFTER_A_FAILURE

    answers: dict[str, list[dict[str, Any]]] = {}
    for path in DASHBOARDS:
        dashboard = json.loads(path.read_text())
        templating = [v for v in dashboard.get("templating", {}).get("list", []) if v["type"] != "datasource"]
        values: dict[str, list[str]] = {}
        everything: dict[str, str] = {}
        for v in templating:  # in order: a variable's query may use the ones before it
            values[v["name"]] = variable_values(prom, v, everything)
            everything[v["name"]] = v.get("allValue") or selection(v, values[v["name"]])
        for panel in panels(dashboard):
            where = f"{path.name}: {panel['title']}"
            for target in panel["targets"]:
                unknown = metric_names(target["expr"]) - known
                assert not unknown, f"{where}: Prometheus has no series named {unknown}"
            series = run_panel(prom, panel, everything, start, end)
            assert numbers(series), f"{where}: no data"
            answers[panel["title"]] = series
            for variable in templating:
                if f"${variable['name']}" in json.dumps(panel["targets"]):
                    # One value picked from the variable's own list, as a user would.
                    pick = {"source": "Reuters", "dedup": "unique"}.get(variable["name"], values[variable["name"]][0])
                    assert pick in values[variable["name"]]
                    one = {**everything, variable["name"]: selection(variable, [pick])}
                    assert numbers(run_panel(prom, panel, one, start, end)), f"{where} with {variable['name']}={pick}: no data"

    # What the seeds say shows on the content panels.
    by_source = {s["metric"]["source"]: float(s["value"][1]) for s in answers["Articles by source"]}
    assert by_source.get("Reuters", 0) >= 1 and "other" in by_source
    assert 0 < float(answers["Duplicate rate"][0]["value"][1]) < 0.5
    claims = answers["Casualty claims by governorate"]
    places = {s["metric"]["governorate"]: (float(s["metric"]["lat"]), float(s["metric"]["lon"])) for s in claims}
    assert "Idlib" in places and all(29 < lat < 38 and 34 < lon < 49 for lat, lon in places.values())
    assert {s["metric"]["category"] for s in answers["Top actors"]} >= {"islamic-state", "syrian-government"}
    assert max(numbers(answers["Claims by cause over time"])) > 0
    assert max(numbers(answers["Messages consumed by stage"])) > 0
    assert {s["metric"]["reason"] for s in answers["Dead letters by reason"] if max(numbers([s])) > 0} == {"invalid_json", "missing_body"}

    # Every alert expression evaluates, and the rule groups Prometheus loaded are healthy.
    rules = [r for f in sorted(RULES_DIR.glob("*.rules.yml")) for g in yaml.safe_load(f.read_text())["groups"] for r in g["rules"]]
    assert rules
    for rule in rules:
        prom.api("query", query=rule["expr"], time=end)
        unknown = metric_names(rule["expr"]) - known
        assert not unknown, f"alert {rule['alert']}: Prometheus has no series named {unknown}"
    loaded = {r["name"]: r for g in prom.api("rules")["groups"] for r in g["rules"]}
    assert set(loaded) == {r["alert"] for r in rules}
    for name, rule in loaded.items():
        assert rule["health"] == "ok", f"alert {name}: {rule.get('lastError')}"
        assert rule["state"] != "firing", f"alert {name} fires on a healthy pipeline"

    # Idle, the worker lets go of what it finished: the pending table empties (parts are
    # kept 10 s after their article's output, for a crash to replay), no batch needed.
    wait_for(prom, 'sum(sitrep_state_entries{table="gather-pending"})', lambda v: v == 0, "pending table emptied", worker)
