"""Abuse limits (issue 11): notification sends and campaigns per sender, sensor readings per device and farmer,
each refused with 429, Retry-After and the one error shape; the same limits shared through Redis. Caller-chosen
idempotency keys for notification sends belong to their caller."""

import uuid

from sqlmodel import select

from kisaan_app.db import session_scope
from kisaan_app.models.accounts import User
from kisaan_app.models.feeds import SensorDevice
from kisaan_app.services import ratelimit
from kisaan_app.services.accounts import membership
from kisaan_app.settings import get_settings
from tests.factories import bearer, make_org, make_user, token_for
from tests.notifications_support import person, rows
from tests.services import require_redis


def _refused(response) -> dict:
    assert response.status_code == 429, response.text
    assert 0 < int(response.headers["Retry-After"]) <= 3600
    error = response.json()["error"]
    assert set(error) == {"code", "message", "field", "details"} and error["code"] == "rate_limited"
    return error


def _sms(api, headers, user_id: int, key: str | None = None):
    body = {
        "user_ids": [user_id],
        "category": "weather",
        "text": "Hail tonight",
        **({"idempotency_key": key} if key else {}),
    }
    return api.post("/api/notifications/sms/send", json=body, headers=headers)


def test_notification_sends_are_limited_per_sender(api, monkeypatch):
    monkeypatch.setattr(get_settings(), "notify_send_rate_per_sender", "2/minute")
    farmer = person(phone="+919822100001")
    first, second = bearer(token_for(make_user("admin"))), bearer(token_for(make_user("admin")))
    assert _sms(api, first, farmer.id).status_code == 201
    assert api.post("/api/notifications/email/send", json={"user_ids": [farmer.id], "text": "x"}, headers=first)
    _refused(_sms(api, first, farmer.id))  # sms and email sends share the sender's budget
    assert _sms(api, second, farmer.id).status_code == 201  # another sender has a budget of their own
    assert len(rows(channel="sms")) == 2  # the refused send wrote nothing


def test_campaigns_and_bulk_sends_are_limited_per_sender(api, monkeypatch):
    monkeypatch.setattr(get_settings(), "campaign_rate_per_sender", "2/hour")
    org = make_org("Sinnar FPO")
    person(phone="+919822100002", org_id=org)
    org_admin = bearer(token_for(make_user("org_admin", org_id=org)))
    # Weather is a category farmers get by SMS unless they opt out: a send that reaches nobody is refused (422)
    # before the limit is counted, so the budget is spent only by sends that reach someone.
    body = {"organization_id": org, "text": "Meeting at 5", "channels": ["in_app"], "category": "weather"}
    assert api.post("/api/notifications/campaigns", json=body, headers=org_admin).status_code == 202
    bad = api.post("/api/notifications/campaigns", json={**body, "text": " "}, headers=org_admin)
    assert bad.status_code == 422  # an invalid request does not use up the budget
    assert api.post("/api/notifications/sms/bulk", json=body, headers=org_admin).status_code == 202
    error = _refused(api.post("/api/notifications/campaigns", json=body, headers=org_admin))
    assert error["details"]["minutes"] >= 1


def _device(api, farmer_headers) -> str:
    made = api.post("/api/crop-health/devices", json={"name": "Drip line probe"}, headers=farmer_headers)
    assert made.status_code == 201, made.text
    return made.json()["api_key"]


def _reading(api, key: str, value: float = 40.0):
    return api.post(
        "/api/crop-health/readings", json={"metric": "soil_moisture_pct", "value": value}, headers={"X-Device-Key": key}
    )


def test_sensor_readings_are_limited_per_device_and_per_farmer(api, monkeypatch):
    monkeypatch.setattr(get_settings(), "sensor_reading_rate_per_device", "2/minute")
    monkeypatch.setattr(get_settings(), "sensor_reading_rate_per_farmer", "3/minute")
    farmer = bearer(token_for(make_user("farmer")))
    probe, pump = _device(api, farmer), _device(api, farmer)
    assert [_reading(api, probe).status_code for _ in range(2)] == [200, 200]
    _refused(_reading(api, probe))
    assert _reading(api, pump).status_code == 200  # another device of the same farmer: its own budget...
    _refused(_reading(api, pump))  # ...until the farmer's budget is used up
    other = _device(api, bearer(token_for(make_user("farmer"))))
    assert _reading(api, other).status_code == 200  # other farmers are unaffected
    assert _reading(api, "ks_wrong-key").status_code == 401  # a bad key is refused, and counts for nobody


def test_limits_hold_across_processes_through_redis(api, monkeypatch):
    """With REDIS_URL the counts live in Redis: a limiter made afresh (another worker) sees the same budget."""
    monkeypatch.setenv("REDIS_URL", require_redis())
    get_settings.cache_clear()
    ratelimit.reset_limiter()
    try:
        monkeypatch.setattr(get_settings(), "notify_send_rate_per_sender", "2/minute")
        monkeypatch.setattr(get_settings(), "sensor_reading_rate_per_device", "1/minute")
        admin = make_user("admin")
        farmer = make_user("farmer")
        # Ids repeat between runs and databases; Redis keeps counts between runs: start this run's keys clean.
        ratelimit.clear("2/minute", "notify-send", str(admin.id))
        headers = bearer(token_for(admin))
        assert _sms(api, headers, farmer.id).status_code == 201
        ratelimit.reset_limiter()  # as in a second worker process
        assert _sms(api, headers, farmer.id).status_code == 201
        _refused(_sms(api, headers, farmer.id))
        key = _device(api, bearer(token_for(farmer)))
        with session_scope() as session:
            device_id = session.exec(select(SensorDevice.id).where(SensorDevice.farmer_id == farmer.id)).one()
        ratelimit.clear("1/minute", "sensor-device", str(device_id))
        ratelimit.clear(get_settings().sensor_reading_rate_per_farmer, "sensor-farmer", str(farmer.id))
        assert _reading(api, key).status_code == 200
        ratelimit.reset_limiter()
        _refused(_reading(api, key))
    finally:
        ratelimit.clear("2/minute", "notify-send", str(admin.id))
        monkeypatch.delenv("REDIS_URL")
        get_settings.cache_clear()
        ratelimit.reset_limiter()


# --- caller-chosen idempotency keys ------------------------------------------------------------------------------


def test_two_senders_with_the_same_key_never_collide_and_a_retry_gets_the_same_answer(api):
    farmer = person(phone="+919822100003")
    org = make_org("Niphad FPO")
    with session_scope() as session:  # an org admin may message only their own members
        membership.assign(session, session.get(User, farmer.id), org)
    first, second = bearer(token_for(make_user("admin"))), bearer(token_for(make_user("org_admin", org_id=org)))

    key = "harvest-" + uuid.uuid4().hex[:8]
    mine = _sms(api, first, farmer.id, key)
    assert mine.status_code == 201 and mine.json()["deliveries"] == {"sms": 1}
    theirs = _sms(api, second, farmer.id, key)
    assert theirs.status_code == 201, theirs.text
    assert theirs.json()["deliveries"] == {"sms": 1}  # not "already sent": the key is not shared
    assert set(theirs.json()["delivery_ids"]).isdisjoint(mine.json()["delivery_ids"])
    assert theirs.json()["batch_id"] != mine.json()["batch_id"]

    retry = _sms(api, first, farmer.id, key)
    assert retry.status_code == 201 and retry.json() == mine.json()  # the same answer, nothing sent twice
    assert len(rows(channel="sms")) == 2
    assert all(not r.idempotency_key.startswith(key) for r in rows())  # stored in each caller's namespace


def test_a_caller_key_with_like_wildcards_reads_back_only_its_own_rows(api):
    farmer = person(phone="+919822100004")
    headers = bearer(token_for(make_user("admin")))
    assert _sms(api, headers, farmer.id, "ab-1").status_code == 201
    wildcard = _sms(api, headers, farmer.id, "a%")  # a LIKE pattern that would match "ab-1"'s rows
    assert wildcard.status_code == 201 and wildcard.json()["deliveries"] == {"sms": 1}
    assert len(wildcard.json()["delivery_ids"]) == 1
