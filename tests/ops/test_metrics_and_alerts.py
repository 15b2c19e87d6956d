"""/metrics (closed without its token; request latency and the system-wide figures) and the Alertmanager webhook
that tells admins through notify(), on SQLite and PostgreSQL."""

import re
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from kisaan_app.db import session_scope
from kisaan_app.jobs import enqueue, huey
from kisaan_app.models.base import utcnow
from kisaan_app.models.notifications import NotificationHistory
from kisaan_app.models.payments import WebhookEvent
from kisaan_app.services import inbox
from kisaan_app.settings import get_settings
from tests.factories import bearer, make_user

METRICS_TOKEN = "metrics-token-for-tests-0123456789"
ALERT_TOKEN = "alert-token-for-tests-0123456789"


@pytest.fixture
def ops_tokens(monkeypatch):
    monkeypatch.setenv("KISAAN_METRICS_TOKEN", METRICS_TOKEN)
    monkeypatch.setenv("KISAAN_ALERT_WEBHOOK_TOKEN", ALERT_TOKEN)
    get_settings.cache_clear()
    yield
    monkeypatch.delenv("KISAAN_METRICS_TOKEN")
    monkeypatch.delenv("KISAAN_ALERT_WEBHOOK_TOKEN")
    get_settings.cache_clear()


def samples(text: str) -> dict[tuple, float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_metrics_are_closed_without_the_token(api, monkeypatch):
    assert api.get("/metrics").status_code == 404  # no token configured: as if absent
    monkeypatch.setenv("KISAAN_METRICS_TOKEN", METRICS_TOKEN)
    get_settings.cache_clear()
    try:
        assert api.get("/metrics").status_code == 404
        assert api.get("/metrics", headers=bearer("wrong")).status_code == 404
        assert api.get("/metrics", headers=bearer(METRICS_TOKEN)).status_code == 200
    finally:
        get_settings.cache_clear()


def test_metrics_report_latency_and_the_systems_backlogs(api, ops_tokens):
    huey.flush()
    assert api.get("/api/health").status_code in (200, 503)
    old = utcnow() - timedelta(minutes=10)
    with session_scope() as session:
        session.add(WebhookEvent(provider="razorpay", event_id="evt_backlog_1", event_type="payment.captured"))
        session.add(
            WebhookEvent(provider="razorpay", event_id="evt_done", event_type="payment.captured", processed_at=old)
        )
        farmer = make_user("farmer")
        for n, status in enumerate(("failed", "failed", "delivered")):
            session.add(
                NotificationHistory(
                    idempotency_key=f"metrics-test:{n}",
                    user_id=farmer.id,
                    channel="sms",
                    recipient=farmer.phone,
                    body="Rain",
                    category="weather",
                    status=status,
                )
            )
    enqueue("notifications.deliver", [999_999])  # a job waiting for the worker

    answer = api.get("/metrics", headers=bearer(METRICS_TOKEN))
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    figures = samples(answer.text)
    route = (("method", "GET"), ("route", "/api/health"))
    counts = [
        v
        for (name, labels), v in figures.items()
        if name == "kisaan_http_request_duration_seconds_count" and set(route) <= set(labels)
    ]
    assert counts and counts[0] >= 1
    assert figures[("kisaan_figures_up", ())] == 1
    assert figures[("kisaan_queue_depth", ())] == 1
    assert figures[("kisaan_queue_oldest_job_age_seconds", ())] >= 0
    assert figures[("kisaan_webhook_backlog", ())] == 1
    assert figures[("kisaan_deliveries_last_hour", (("channel", "sms"), ("status", "failed")))] == 2
    assert figures[("kisaan_deliveries_last_hour", (("channel", "sms"), ("status", "delivered")))] == 1
    assert 0 < figures[("kisaan_disk_free_ratio", ())] <= 1
    # No route label carries an id: the /api/payment/status/{order_id} template, never the raw path (Razorpay's
    # ids look like order_Nx3q…, pay_…, rzp_…; a template's "{order_id}" is not one).
    raw_id = re.compile(r"\b(?:rzp|order|pay|rfnd|trf)_[A-Za-z0-9]{8,}")
    assert not any(raw_id.search(str(labels)) for _name, labels in figures)
    assert not any(re.search(r"/\d+(?:/|'|$)", str(labels)) for _name, labels in figures)
    huey.flush()


def _alertmanager_post(status: str = "firing", starts: str = "2026-12-07T06:00:00Z") -> dict:
    return {
        "version": "4",
        "status": status,
        "receiver": "kisaansay-admins",
        "groupLabels": {"alertname": "PaymentSuccessLow"},
        "alerts": [
            {
                "status": status,
                "labels": {"alertname": "PaymentSuccessLow", "severity": "critical"},
                "annotations": {"summary": "Only 80% of payments succeeded in the last hour"},
                "startsAt": starts,
                "endsAt": "0001-01-01T00:00:00Z",
                "fingerprint": "5c3a1d0e9f2b7a44",
            }
        ],
    }


def test_an_alert_reaches_every_admin_once_and_its_resolution_once_more(api, ops_tokens):
    admins = [make_user("admin", name="Asha Admin"), make_user("admin", name="Vikram Admin")]
    farmer = make_user("farmer")
    post = _alertmanager_post()
    assert api.post("/api/ops/alerts", json=post).status_code == 404  # no token: nothing, not even a 422
    assert api.post("/api/ops/alerts", json={"junk": 1}, headers=bearer("wrong")).status_code == 404
    first = api.post("/api/ops/alerts", json=post, headers=bearer(ALERT_TOKEN))
    assert first.status_code == 200, first.text
    assert first.json()["received"] == 1 and first.json()["messages"] >= 2
    # Alertmanager repeats a firing group every repeat_interval: nothing new is written.
    again = api.post("/api/ops/alerts", json=post, headers=bearer(ALERT_TOKEN))
    assert again.json()["messages"] == 0
    resolved = api.post("/api/ops/alerts", json=_alertmanager_post("resolved"), headers=bearer(ALERT_TOKEN))
    assert resolved.json()["messages"] >= 2

    with session_scope() as session:
        for admin in admins:
            texts = [item.body for item in inbox.recent(session, admin.id)]
            assert sum("[FIRING] PaymentSuccessLow (critical)" in t for t in texts) == 1, texts
            assert sum("[RESOLVED] PaymentSuccessLow" in t for t in texts) == 1, texts
        assert inbox.recent(session, farmer.id) == []

    bad = api.post("/api/ops/alerts", json={"alerts": [{"status": "exploded"}]}, headers=bearer(ALERT_TOKEN))
    assert bad.status_code == 422
    too_many = {"alerts": [_alertmanager_post()["alerts"][0]] * 51}
    assert api.post("/api/ops/alerts", json=too_many, headers=bearer(ALERT_TOKEN)).status_code == 422
