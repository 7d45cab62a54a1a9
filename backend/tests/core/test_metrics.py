"""/metrics: off without a token, bearer-protected with one, and after real traffic every
label name and value of every series is on core/metrics.py's allow-list (no user ids,
e-mails, raw paths or values)."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from glucolens.core.config import Settings
from glucolens.core.metrics import LABEL_PATTERNS, LABEL_VALUES
from glucolens.main import create_app

TOKEN = "metrics-token-for-tests"


@pytest.fixture
def metrics_client() -> TestClient:
    return TestClient(create_app(Settings(metrics_token=TOKEN)), base_url="https://testserver")


def _scrape(client: TestClient) -> str:
    r = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200
    return r.text


def test_metrics_are_absent_without_a_token(client):
    assert client.get("/metrics").status_code == 404


def test_metrics_need_the_bearer_token(metrics_client):
    assert metrics_client.get("/metrics").status_code == 401
    bad = metrics_client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401


def test_every_label_after_real_traffic_is_on_the_allow_list(
    metrics_client, make_user, auth_headers
):
    user = make_user(email="label.leak@example.org")
    headers = auth_headers(user)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    items = [
        {
            "timestamp": (now - dt.timedelta(minutes=5 * i)).isoformat(),
            "value": 100 + i,
            "source": "my-phone-1234",
        }
        for i in range(3)
    ] + [{"timestamp": now.isoformat(), "value": "not a number", "source": "my-phone-1234"}]
    r = metrics_client.post("/api/v1/glucose/bulk", json={"items": items}, headers=headers)
    assert r.status_code in (200, 201, 207, 422), r.text
    metrics_client.get(f"/api/v1/insights/jobs/{uuid.uuid4()}", headers=headers)
    metrics_client.get(f"/no/such/{user.id}/path")
    metrics_client.get("/api/v1/dashboard/summary", headers=headers)

    text = _scrape(metrics_client)
    assert str(user.id) not in text and "label.leak" not in text and "my-phone" not in text
    families = list(text_string_to_metric_families(text))
    names = {f.name for f in families}
    assert "glucolens_ingest_readings" in names
    assert "http_requests" in names
    bad: list[str] = []
    for family in families:
        for sample in family.samples:
            for label, value in sample.labels.items():
                allowed = LABEL_VALUES.get(label, frozenset())
                pattern = LABEL_PATTERNS.get(label)
                ok = (
                    value in allowed
                    if allowed is not None
                    else bool(pattern and pattern.match(value))
                )
                if not ok:
                    bad.append(f"{sample.name}{{{label}={value!r}}}")
    assert not bad, bad


def test_ingest_counts_readings_by_source_and_outcome(metrics_client, make_user, auth_headers):
    headers = auth_headers(make_user())
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)

    def inserted() -> float:
        m = re.search(
            r'^glucolens_ingest_readings_total\{outcome="inserted",source="other"\} (\S+)$',
            _scrape(metrics_client),
            re.M,
        )
        return float(m.group(1)) if m else 0.0

    before = inserted()
    items = [
        {
            "timestamp": (now - dt.timedelta(minutes=5 * i)).isoformat(),
            "value": 120,
            "source": "some-uploader",
        }
        for i in range(4)
    ]
    body = {"items": items}
    assert metrics_client.post("/api/v1/glucose/bulk", json=body, headers=headers).is_success
    assert inserted() == before + 4
