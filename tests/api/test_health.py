"""/api/health reports the database, and Redis when it is configured."""

from kisaan_app.settings import get_settings
from tests.services import require_redis


def test_health_reports_database(api, database):
    res = api.get("/api/health")
    assert res.status_code == 200
    body = res.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "up"
    assert body["checks"]["database"]["backend"] == ("sqlite" if database.startswith("sqlite") else "postgresql")
    assert "redis" not in body["checks"]


def test_health_reports_redis_up_and_down(api, monkeypatch):
    url = require_redis()
    monkeypatch.setattr(get_settings(), "redis_url", url)
    assert api.get("/api/health").json()["checks"]["redis"]["status"] == "up"
    monkeypatch.setattr(get_settings(), "redis_url", "redis://127.0.0.1:1/0")
    res = api.get("/api/health")
    assert res.status_code == 503
    assert res.json()["status"] == "degraded" and res.json()["checks"]["redis"]["status"] == "down"
