"""deploy/grafana's dashboard asks only for series GlucoLens exports: every metric name in
every panel query is a family (or a family's _total/_bucket/_sum/_count series) of a real
/metrics scrape, and every label it groups or filters by is on the allow-list. Prometheus'
scrape config and Grafana's provisioning point at each other and at the app."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from glucolens.core.config import Settings
from glucolens.core.metrics import LABEL_VALUES
from glucolens.main import create_app

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"
DASHBOARD = DEPLOY / "grafana" / "dashboards" / "glucolens.json"
PROMQL_WORDS = {
    "sum",
    "rate",
    "increase",
    "histogram_quantile",
    "by",
    "without",
    "le",
    "avg",
    "max",
    "min",
    "count",
    "irate",
    "topk",
    "on",
    "ignoring",
    "and",
    "or",
    "unless",
}
SUFFIXES = ("_total", "_bucket", "_sum", "_count", "_created", "")


def _exported() -> set[str]:
    client = TestClient(create_app(Settings(metrics_token="t")))
    client.get("/healthz")  # so that the HTTP series have samples
    text = client.get("/metrics", headers={"Authorization": "Bearer t"}).text
    names = set()
    for family in text_string_to_metric_families(text):
        names |= {family.name + s for s in SUFFIXES}
    return names


def _queries() -> list[str]:
    dash = json.loads(DASHBOARD.read_text())
    return [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]


def test_every_dashboard_query_names_an_exported_metric():
    exported = _exported()
    queries = _queries()
    assert len(queries) >= 15
    unknown = []
    for q in queries:
        stripped = re.sub(r'"[^"]*"|\[[^\]]*\]|\{[^}]*\}', " ", q)  # strings, ranges, matchers
        names = [w for w in re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", stripped)]
        metrics = [n for n in names if n not in PROMQL_WORDS and n not in LABEL_VALUES]
        assert metrics, q
        unknown += [m for m in metrics if m not in exported]
    assert not unknown, unknown


def test_dashboard_labels_are_allow_listed():
    bad = []
    for q in _queries():
        labels = re.findall(r"by \(([^)]*)\)", q)
        labels += [m.split("=")[0].strip("!~ ") for m in re.findall(r"\{([^}]*)\}", q)]
        for group in labels:
            bad += [lab.strip() for lab in group.split(",") if lab.strip() not in LABEL_VALUES]
    assert not bad, bad


def test_dashboard_covers_what_operators_watch():
    text = DASHBOARD.read_text()
    for series in (
        "http_requests_total",
        "http_request_duration_seconds_bucket",
        "glucolens_ingest_readings_total",
        "glucolens_job_duration_seconds_bucket",
        "glucolens_alert_deliveries_total",
        "glucolens_websocket_connections",
    ):
        assert series in text, series


def test_prometheus_scrapes_the_api_with_the_token_and_grafana_reads_prometheus():
    prom = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    job = prom["scrape_configs"][0]
    assert job["metrics_path"] == "/metrics"
    assert job["authorization"]["credentials_file"] == "/etc/prometheus/metrics_token"
    assert job["static_configs"][0]["targets"] == ["api:8000"]
    ds = yaml.safe_load(
        (DEPLOY / "grafana" / "provisioning" / "datasources" / "prometheus.yml").read_text()
    )["datasources"][0]
    dash = json.loads(DASHBOARD.read_text())
    uids = {p["datasource"]["uid"] for p in dash["panels"]}
    assert uids == {ds["uid"]}
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    mounts = compose["services"]["prometheus"]["volumes"]
    assert "./metrics_token:/etc/prometheus/metrics_token:ro" in mounts
    assert "GLUCOLENS_METRICS_TOKEN" in compose["services"]["api"]["environment"]
