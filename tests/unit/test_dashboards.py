"""The Grafana dashboards import anywhere and filter everywhere the series allow; the content
panels stay meaningful after a restart and a replay of known articles; alerts link a runbook.

The restart case is run, not described: the metrics a worker records for the seeds, then for
the same seeds again in a fresh registry (a restarted worker: its dedup state says they are
all copies), and each content panel's selectors are applied to both.
(tests/integration/test_observability.py asks a real Prometheus every panel's query.)"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from sitrep.stream import metrics

ROOT = Path(__file__).resolve().parents[2]
DASHBOARDS = {p.name: json.loads(p.read_text()) for p in sorted((ROOT / "ops/grafana/dashboards").glob("*.json"))}
RULES = [r for f in sorted((ROOT / "ops/prometheus/rules").glob("*.rules.yml")) for g in yaml.safe_load(f.read_text())["groups"] for r in g["rules"]]
SELECTOR = re.compile(r"\b((?:sitrep|faust)_[a-z_]+|up)\b\s*(\{[^}]*\})?(?=\s*[\[)])")


def panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for panel in dashboard["panels"]:
        found += panel.get("panels", [])
        if panel["type"] != "row":
            found.append(panel)
    return found


def variables(dashboard: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {v["name"]: v for v in dashboard["templating"]["list"]}


def labels_of(metric_name: str) -> set[str]:
    counted = (metrics.MESSAGES_CONSUMED, metrics.DEDUP_DECISIONS, metrics.SOURCE_ARTICLES, metrics.CREDIBILITY)
    families = {m._name: m for m in (*counted, metrics.ENTITIES, metrics.CASUALTY_CLAIMS, metrics.GOVERNORATE_INFO)}
    base = re.sub(r"_(total|bucket|sum|count)$", "", metric_name)
    family = families.get(base)
    return set(family._labelnames) if family is not None else set()


@pytest.mark.parametrize("name", sorted(DASHBOARDS))
def test_a_datasource_variable_and_job_and_instance_variables(name: str) -> None:
    found = variables(DASHBOARDS[name])
    assert found["datasource"]["type"] == "datasource" and found["datasource"]["query"] == "prometheus"
    assert found["job"]["definition"].startswith("label_values(sitrep_")
    assert '{job=~"$job"}' in found["instance"]["definition"]
    for variable in found.values():
        if variable["type"] == "query":
            assert variable["datasource"]["uid"] == "${datasource}"
    names = list(found)
    assert names.index("job") < names.index("instance"), "instance values depend on the job"


@pytest.mark.parametrize("name", sorted(DASHBOARDS))
def test_every_selector_filters_on_job_and_instance(name: str) -> None:
    for panel in panels(DASHBOARDS[name]):
        for target in panel["targets"]:
            selectors = SELECTOR.findall(target["expr"])
            assert selectors, f"{panel['title']}: no selector found"
            for metric, matchers in selectors:
                assert 'job=~"$job"' in matchers and 'instance=~"$instance"' in matchers, f"{panel['title']}: {metric}{matchers}"


def test_the_source_filter_reaches_every_panel_whose_series_have_a_source() -> None:
    content = DASHBOARDS["content.json"]
    filtered = 0
    for panel in panels(content):
        has_source = [all("source" in labels_of(m) for m, _ in SELECTOR.findall(t["expr"]) if m != "sitrep_governorate_info") for t in panel["targets"]]
        if all(has_source):
            filtered += 1
            for target in panel["targets"]:
                for metric, matchers in SELECTOR.findall(target["expr"]):
                    assert 'source=~"$source"' in matchers, f"{panel['title']}: {metric} has a source label but no source filter"
        else:
            assert "Source filter does not apply" in panel["description"], f"{panel['title']}: say why the source filter is not there"
    assert filtered >= 6


def test_entity_and_claim_panels_count_every_report_unless_asked_not_to() -> None:
    content = DASHBOARDS["content.json"]
    reports = variables(content)["dedup"]
    assert reports["allValue"] == ".*" and set(reports["query"].split(",")) == {metrics.UNIQUE, metrics.DUPLICATE}
    for panel in panels(content):
        for target in panel["targets"]:
            for metric, matchers in SELECTOR.findall(target["expr"]):
                if metric in ("sitrep_entities_total", "sitrep_casualty_claims_total"):
                    assert 'dedup=~"$dedup"' in matchers and 'dedup="unique"' not in matchers, panel["title"]


def test_every_alert_links_a_runbook_section_in_the_docs() -> None:
    assert RULES
    for rule in RULES:
        url = rule["annotations"]["runbook_url"]
        page, _, anchor = url.partition("#")
        assert page.startswith("docs/") and (ROOT / page).is_file(), url
        headings = re.findall(r"^#+ (.+)$", (ROOT / page).read_text(), re.M)
        anchors = {re.sub(r"[^a-z0-9 _-]", "", h.lower()).replace(" ", "-") for h in headings}
        assert anchor == rule["alert"].lower() and anchor in anchors, f"{rule['alert']}: no heading for #{anchor} in {page}"


# --- after a restart: the panels' own queries on real samples --------------------------------


def seed_counts(restarted: bool) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """What a worker's registry holds after the seeds: fresh (every verdict as the pipeline
    gives it), or restarted and fed the same seeds again (every article a copy)."""
    from prometheus_client import CollectorRegistry, Counter
    from prometheus_client.parser import text_string_to_metric_families

    from sitrep.codec import decode_raw
    from sitrep.pipeline import Pipeline
    from sitrep.readers import read_messages

    pipeline = Pipeline()
    outcomes = [pipeline.run(decode_raw(m.value, max_body_bytes=1_000_000), n) for n, m in enumerate(read_messages([str(ROOT / "seeds")]))]
    registry = CollectorRegistry()
    saved = {}
    for name in ("DEDUP_DECISIONS", "ENTITIES", "CASUALTY_CLAIMS", "SOURCE_ARTICLES"):
        original = getattr(metrics, name)
        saved[name] = original
        setattr(metrics, name, Counter(original._name, original._documentation, original._labelnames, registry=registry))
    metrics.child.cache_clear()
    try:
        for outcome in outcomes:
            status = "exact_duplicate" if restarted else outcome.verdict.status
            metrics.record_outcome(outcome.facts, status, outcome.credibility.score)
    finally:
        for name, original in saved.items():
            setattr(metrics, name, original)
        metrics.child.cache_clear()
    from prometheus_client import generate_latest

    samples = {}
    for family in text_string_to_metric_families(generate_latest(registry).decode()):
        for sample in family.samples:
            if sample.name.endswith("_total"):
                samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def selected(samples: dict, metric: str, matchers: str, chosen: dict[str, str]) -> float:
    """The sum of the samples a selector picks, the dashboard's variables set to ``chosen``."""
    for name, value in chosen.items():
        matchers = matchers.replace(f"${name}", value)
    rules = re.findall(r'(\w+)\s*(=~|!~|!=|=)\s*"([^"]*)"', matchers)
    total = 0.0
    for (name, labels), value in samples.items():
        if name != metric:
            continue
        have = dict(labels)
        if all(_holds(have.get(label, ""), op, wanted) for label, op, wanted in rules if label not in ("job", "instance")):
            total += value
    return total


def _holds(value: str, op: str, wanted: str) -> bool:
    if op == "=":
        return value == wanted
    if op == "!=":
        return value != wanted
    found = re.fullmatch(wanted, value) is not None
    return found if op == "=~" else not found


def test_content_panels_show_a_replay_of_known_articles_after_a_restart() -> None:
    fresh, replayed = seed_counts(restarted=False), seed_counts(restarted=True)
    every = {"job": ".*", "instance": ".*", "dedup": ".*", "source": ".*"}
    checked = set()
    for panel in panels(DASHBOARDS["content.json"]):
        for target in panel["targets"]:
            for metric, matchers in SELECTOR.findall(target["expr"]):
                if metric not in ("sitrep_entities_total", "sitrep_casualty_claims_total"):
                    continue
                before, after = selected(fresh, metric, matchers, every), selected(replayed, metric, matchers, every)
                assert before > 0, f"{panel['title']}: nothing on the seeds"
                assert after == before, f"{panel['title']}: {after} after a restart and a replay of the seeds, {before} before"
                # First reports only: the replay adds nothing, as it should.
                assert selected(replayed, metric, matchers, {**every, "dedup": "unique"}) == 0
                checked.add(panel["title"])
    assert {"Top actors", "Entities by type", "Claims by governorate", "Claims by cause over time", "Casualty claims by governorate"} <= checked
