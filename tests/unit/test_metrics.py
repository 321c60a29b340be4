"""The metrics module: Prometheus naming, bounded labels, and what the dashboards select exists.

The registry is scraped (``generate_latest``) after the offline pipeline has run over the
seeds and every recording helper has been called, so the check covers the series a worker
exposes, including Faust's own.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest
import yaml
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from sitrep.codec import decode_raw
from sitrep.errors import RejectedMessage
from sitrep.pipeline import STAGES, Pipeline
from sitrep.readers import read_messages
from sitrep.settings import Settings
from sitrep.stream import metrics
from sitrep.stream.app import create_app

ROOT = Path(__file__).resolve().parents[2]
DASHBOARDS = sorted((ROOT / "ops/grafana/dashboards").glob("*.json"))
RULES = sorted((ROOT / "ops/prometheus/rules").glob("*.rules.yml"))
LABEL_NAMES = {
    "stage",
    "topic",
    "partition",
    "reason",
    "error",
    "kind",
    "table",
    "source",
    "type",
    "category",
    "cause",
    "governorate",
    "country",
    "lat",
    "lon",
    "le",
    "dedup",
}


class FakeTP:
    def __init__(self, topic: str, partition: int) -> None:
        self.topic, self.partition = topic, partition

    def __hash__(self) -> int:
        return hash((self.topic, self.partition))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FakeTP) and (self.topic, self.partition) == (other.topic, other.partition)


class FakeConsumer:
    """The calls ``sample_offsets`` makes on Faust's consumer."""

    def __init__(self) -> None:
        self.tps = [FakeTP("app.raw", 0), FakeTP("app.raw", 1), FakeTP("app-dedup-index-changelog", 0)]
        self._committed_offset = {self.tps[0]: 40}

    def assignment(self) -> set[FakeTP]:
        return set(self.tps)

    def highwater(self, tp: FakeTP) -> int:
        return 100

    async def earliest_offsets(self, *tps: FakeTP) -> dict[FakeTP, int]:
        return {tp: 10 for tp in tps}


@pytest.fixture(scope="module")
def scrape() -> list[Sample]:
    """Every sample in the registry after the seeds and each helper went through it."""
    metrics.prepare()
    create_app(Settings(app_id="metrics-test"))  # installs Faust's sensors in the registry
    pipeline = Pipeline()
    for n, message in enumerate(read_messages([str(ROOT / "seeds")])):
        outcome = pipeline.run(decode_raw(message.value, max_body_bytes=1_000_000), n)
        metrics.record_outcome(outcome.facts, outcome.verdict.status, outcome.credibility.score)
    try:
        decode_raw(b"{broken", max_body_bytes=10)
    except RejectedMessage as exc:
        metrics.DEAD_LETTERS.labels(reason=exc.reason, stage="decode").inc()
    metrics.count_error("analyze", ValueError("a message with free text that must not become a label"))
    metrics.sample_tables({"dedup-index": [{b"k" * 8: b"v" * 92}]})
    asyncio.run(metrics.sample_offsets(FakeConsumer(), {"app.raw": "raw"}))
    families = text_string_to_metric_families(generate_latest(REGISTRY).decode())
    return [s for f in families for s in f.samples if s.name.startswith(("sitrep_", "faust_"))]


def value(scrape: list[Sample], name: str, **labels: str) -> float:
    return sum(s.value for s in scrape if s.name == name and labels.items() <= s.labels.items())


def by_label(scrape: list[Sample], name: str, *labels: str) -> dict:
    return {tuple(s.labels[label] for label in labels): s.value for s in scrape if s.name == name}


def test_names_follow_prometheus_conventions(scrape: list[Sample]) -> None:
    families = {f.name: f for f in REGISTRY.collect() if f.name.startswith("sitrep_")}
    assert families
    for name, family in families.items():
        assert re.fullmatch(r"sitrep_[a-z][a-z0-9_]*[a-z0-9]", name), name
        if family.type == "counter":
            assert not name.endswith("_total"), f"{name}: the client adds _total itself"
            assert all(s.name.startswith(name) for s in family.samples)
        if family.type == "histogram":
            assert name.endswith(("_seconds", "_score")), f"{name}: histograms observe seconds (or a unitless score)"
        if family.type == "gauge":
            assert not name.endswith("_total"), f"{name}: _total is for counters"
        assert not re.search(r"_(ms|milliseconds|kb|mb|minutes|hours)(_|$)", name), f"{name}: use base units"


def test_every_label_value_is_bounded(scrape: list[Sample]) -> None:
    article_ids = {m.key.decode() for m in read_messages([str(ROOT / "seeds")]) if m.key}
    for sample in scrape:
        if not sample.name.startswith("sitrep_"):
            continue
        where = f"{sample.name}{sample.labels}"
        assert set(sample.labels) <= LABEL_NAMES, f"{where}: unexpected label"
        for label in sample.labels.values():
            assert len(label) <= 40, f"{where}: free text?"
            assert label not in article_ids, f"{where}: an article id"
            assert not re.search(r"[0-9a-f]{12,}", label), f"{where}: looks like an id"


def test_the_seeds_show_up_on_the_content_metrics(scrape: list[Sample]) -> None:
    assert value(scrape, "sitrep_source_articles_total", source="Reuters") >= 1
    assert value(scrape, "sitrep_source_articles_total", source="other") >= 1  # Daily Star is not on the outlet list
    assert value(scrape, "sitrep_dedup_decisions_total", kind="near_duplicate") >= 1
    assert value(scrape, "sitrep_casualty_claims_total", governorate="Idlib") >= 1
    assert value(scrape, "sitrep_entities_total", type="ARMED_GROUP", category="islamic-state") >= 1
    assert value(scrape, "sitrep_credibility_score_count", source="Reuters") >= 1
    assert value(scrape, "sitrep_dead_letters_total", reason="invalid_json", stage="decode") >= 1
    assert value(scrape, "sitrep_errors_total", stage="analyze", error="ValueError") >= 1
    assert value(scrape, "sitrep_governorate_info", governorate="Idlib", country="SY", lat="35.93", lon="36.63") == 1


def test_consumer_lag_covers_the_consumed_topics_only(scrape: list[Sample]) -> None:
    lag = by_label(scrape, "sitrep_consumer_lag_messages", "topic", "partition")
    end = by_label(scrape, "sitrep_topic_messages_total", "topic", "partition")
    # Partition 0 committed 40 of 100; partition 1 never committed, so it starts at the earliest offset, 10.
    assert lag == {("raw", "0"): 60, ("raw", "1"): 90}
    assert end == {("raw", "0"): 100, ("raw", "1"): 100}


def test_state_size_is_entries_times_sampled_entry_size(scrape: list[Sample]) -> None:
    assert value(scrape, "sitrep_state_entries", table="dedup-index") == 1
    assert value(scrape, "sitrep_state_bytes", table="dedup-index") == 100


def test_faust_sensors_share_the_registry_under_a_fixed_prefix(scrape: list[Sample]) -> None:
    names = {s.name for s in scrape}
    assert {"faust_messages_received_total", "faust_producer_send_latency_bucket", "faust_consumer_commit_latency_bucket"} <= names
    create_app(Settings(app_id="another-app"))  # a second app reuses the same sensors


def test_faust_monitor_counts_what_the_dashboards_read() -> None:
    """The lean per-message hooks still feed the series of the pipeline-health dashboard."""
    from faust.types import TP

    monitor = create_app(Settings(app_id="monitor-test")).monitor
    tp = TP("monitor-test.events", 1)
    before = {
        name: REGISTRY.get_sample_value(name, labels) or 0.0
        for name, labels in (
            ("faust_messages_received_per_topic_total", {"topic": tp.topic}),
            ("faust_topic_messages_sent_total", {"topic": "topic.monitor-test.enriched"}),
            ("faust_producer_send_latency_count", {}),
        )
    }
    for offset in range(3):
        monitor.on_message_in(tp, offset, object())
        state = monitor.on_stream_event_in(tp, offset, object(), object())
        monitor.on_stream_event_out(tp, offset, object(), object(), state)
        monitor.on_message_out(tp, offset, object())
    sent = monitor.on_send_initiated(None, "monitor-test.enriched", object(), 3, 100)
    monitor.on_send_completed(None, sent, object())
    after = {
        name: REGISTRY.get_sample_value(name, labels)
        for name, labels in (
            ("faust_messages_received_per_topic_total", {"topic": tp.topic}),
            ("faust_topic_messages_sent_total", {"topic": "topic.monitor-test.enriched"}),
            ("faust_producer_send_latency_count", {}),
        )
    }
    assert [after[name] - before[name] for name in before] == [3, 1, 1]
    assert tp in monitor.stream_inbound_time  # Faust's stall detector reads it


@pytest.mark.parametrize(
    ("source", "url", "label"),
    [
        ("Reuters", None, "Reuters"),
        ("reuters.com", None, "Reuters"),
        ("Reuters via Yahoo News", None, "Reuters"),
        (None, "https://www.aljazeera.com/news/2017/4/4/idlib", "Al Jazeera"),
        ("Daily Star", None, "other"),
        ("A blog nobody has heard of, posting since 2012", None, "other"),
        (None, None, "unknown"),
        ("  ", None, "unknown"),
    ],
)
def test_source_label_is_an_outlet_of_the_prior_table_or_other(source: str | None, url: str | None, label: str) -> None:
    assert metrics.source_label(source, url) == label


@pytest.mark.parametrize(("given", "label"), [("Idlib", "Idlib"), ("Deir ez-Zor", "Deir ez-Zor"), ("Hatay", "other"), (None, "unknown")])
def test_governorate_label_is_a_gazetteer_governorate_or_other(given: str | None, label: str) -> None:
    assert metrics.governorate_label(given) == label


def test_error_label_is_the_exception_class() -> None:
    assert metrics.error_label(KeyError("free text")) == "KeyError"


def test_timed_stages_are_the_pipeline_stages() -> None:
    assert metrics.TIMED_STAGES is STAGES  # one definition of the stage names


def _exprs() -> list[tuple[str, str]]:
    found = []
    for path in DASHBOARDS:
        for panel in json.loads(path.read_text())["panels"]:
            found += [(f"{path.name}: {panel['title']}", t["expr"]) for t in panel.get("targets", [])]
    for path in RULES:
        for group in yaml.safe_load(path.read_text())["groups"]:
            found += [(f"{path.name}: {rule['alert']}", rule["expr"]) for rule in group["rules"]]
    return found


@pytest.mark.parametrize(("where", "expr"), _exprs(), ids=[w for w, _ in _exprs()])
def test_dashboards_and_alerts_select_only_registered_series(scrape: list[Sample], where: str, expr: str) -> None:
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}
    registered = {f.name + suffix for f in REGISTRY.collect() for suffix in suffixes.get(f.type, ("",))}
    names = set(re.findall(r"\b((?:sitrep|faust)_[a-z_]+|up)\b(?=\s*[{\[)])", expr))
    assert names, f"{where}: selects nothing"
    assert names - {"up"} <= registered, f"{where}: {names - registered - {'up'}} not registered"


def test_dashboards_name_no_datasource_uid_and_say_milliseconds_for_faust() -> None:
    uid = yaml.safe_load((ROOT / "ops/grafana/provisioning/datasources/prometheus.yml").read_text())["datasources"][0]["uid"]
    assert {p.name for p in DASHBOARDS} == {"pipeline-health.json", "content.json"}
    for path in DASHBOARDS:
        assert uid not in path.read_text(), f"{path.name} names the provisioned datasource: not importable elsewhere"
        dashboard = json.loads(path.read_text())
        for panel in dashboard["panels"]:
            if panel["type"] == "row":
                continue
            assert panel["datasource"]["uid"] == "${datasource}"
            assert all(t["datasource"]["uid"] == "${datasource}" for t in panel["targets"])
            if any("faust_" in t["expr"] and "latency" in t["expr"] for t in panel["targets"]):
                assert "(ms)" in panel["title"] and "milliseconds" in panel["description"]
                assert panel["fieldConfig"]["defaults"]["unit"] == "ms"
