"""The operator's documents agree with the code: every metric the suite exposes is explained in
docs/operations.md, the alert rules read only metrics that exist and point at runbooks that
exist, and the example scrape configuration names the compose processes and their ports."""
import re
from pathlib import Path

import pytest
import yaml

from chassis import metrics

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = ROOT / "docs" / "operations.md"
ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yml"
SCRAPE = ROOT / "deploy" / "prometheus" / "prometheus.yml"
# What Prometheus itself adds for every target.
PROMETHEUS_OWN = {"up"}
KEYWORDS = {"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring",
            "group_left", "group_right", "inf", "nan"}


def exposed() -> set[str]:
    return {name for family, (kind, _) in metrics.catalogue().items()
            for name in metrics.sample_names(family, kind)} | PROMETHEUS_OWN


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads: identifiers that are neither functions or
    aggregations (followed by "("), nor keywords, nor inside {matchers}, [ranges], strings or
    by/without/on/ignoring(label lists)."""
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', expr)
    text = re.sub(r"\{[^}]*\}|\[[^\]]*\]", " ", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names = set()
    for m in re.finditer(r"(?<![\w.])([A-Za-z_:][\w:]*)(\s*\()?", text):
        word, call = m.group(1), m.group(2)
        if not call and word.lower() not in KEYWORDS:
            names.add(word)
    return names


def test_the_name_reader_finds_metrics_and_only_metrics():
    expr = ('histogram_quantile(0.95, sum by (job, le) (rate(crm_a_bucket{x=~"y|z"}[5m]))) > 1 '
            'or max by (q) (crm_b{q!~".*\\\\.dead"}) / on(q) group_left up == bool 0')
    assert metric_names(expr) == {"crm_a_bucket", "crm_b", "up"}


def rules() -> list[dict]:
    return [r for g in yaml.safe_load(ALERTS.read_text(encoding="utf-8"))["groups"] for r in g["rules"]]


@pytest.mark.parametrize("rule", rules(), ids=lambda r: r["alert"])
def test_every_alert_reads_only_metrics_the_suite_exposes(rule):
    names = metric_names(rule["expr"])
    assert names, "an alert that reads no metric"
    assert names <= exposed(), f"unknown metrics: {sorted(names - exposed())}"


def anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-")
            for h in re.findall(r"^#+\s+(.*)$", markdown, flags=re.M)}


@pytest.mark.parametrize("rule", rules(), ids=lambda r: r["alert"])
def test_every_alert_says_who_acts_and_links_a_runbook_that_exists(rule):
    assert rule["labels"]["severity"] in ("page", "ticket")
    assert rule["annotations"]["summary"]
    doc, _, anchor = rule["annotations"]["runbook"].partition("#")
    assert doc == "docs/operations.md" and anchor in anchors(OPERATIONS.read_text(encoding="utf-8"))


def test_every_metric_is_explained_in_the_operations_guide():
    text = OPERATIONS.read_text(encoding="utf-8")
    missing = [family for family, (kind, _) in metrics.catalogue().items()
               if not any(f"`{name}`" in text for name in metrics.sample_names(family, kind) | {family})]
    assert not missing, f"not in docs/operations.md: {missing}"


def test_the_guide_names_no_metric_the_suite_does_not_expose():
    named = set(re.findall(r"`(crm_[a-z_]+)", OPERATIONS.read_text(encoding="utf-8")))
    families = set(metrics.catalogue())
    assert named <= exposed() | families, sorted(named - exposed() - families)


def test_the_scrape_example_covers_every_compose_process_at_its_metrics_port():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"]
    config = yaml.safe_load(SCRAPE.read_text(encoding="utf-8"))
    assert config["rule_files"] == ["alerts.yml"]
    targets = {t for job in config["scrape_configs"] for sc in job["static_configs"] for t in sc["targets"]}
    expected = set()
    for name, service in compose.items():
        command = service.get("command") or []
        if "-b" in command:
            expected.add(f"{name}:{command[command.index('-b') + 1].rsplit(':', 1)[1]}")
        elif "CRM_WORKER_METRICS_ADDR" in (service.get("environment") or {}):
            expected.add(f"{name}:{service['environment']['CRM_WORKER_METRICS_ADDR'].rsplit(':', 1)[1]}")
    assert targets == expected
