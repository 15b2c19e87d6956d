"""Notifications over HTTP: sends and campaigns (admins / org admins only), Twilio's signed status callback into
the live API, history and stats with the account balance, templates and preview, preferences, push devices."""

import httpx
from sqlmodel import select

from kisaan_app.db import session_scope
from kisaan_app.models.accounts import User
from kisaan_app.models.audit import AuditLog
from kisaan_app.models.notifications import NotificationCampaign, NotificationHistory
from kisaan_app.models.realtime import RealTimeEvent
from kisaan_app.services.notifications.delivery import deliver_due
from kisaan_app.tasks.notifications import run_campaign
from tests.factories import bearer, make_org, make_user, token_for
from tests.notifications_support import browser_device, person, rows, wait_for


def admin_headers(role: str = "admin", org_id: int | None = None) -> dict:
    return bearer(token_for(make_user(role, org_id=org_id, name="Asha Admin")))


def test_an_admin_sends_an_sms_and_sees_it_delivered_in_history_and_stats(api, messaging):
    farmer = person(phone="+919822000001")
    headers = admin_headers()
    sent = api.post(
        "/api/notifications/sms/send",
        json={
            "phones": ["98220 00001"],
            "category": "weather",
            "text": "Hail in {{ district }} tonight",
            "data": {"district": "Nashik"},
        },
        headers=headers,
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["deliveries"] == {"sms": 1}
    assert deliver_due() == {"queued": 1}
    wait_for(lambda: rows(channel="sms")[0].status == "delivered")

    listed = api.get("/api/notifications/sms/history", headers=headers).json()
    assert listed["total"] == 1
    item = listed["items"][0]
    assert (item["recipient"], item["status"], item["segments"]) == (farmer.phone, "delivered", 1)
    assert item["body"] == "Hail in Nashik tonight" and item["provider_message_id"].startswith("SM")
    detail = api.get(f"/api/notifications/history/{item['id']}", headers=headers).json()
    assert detail["attempts"] == 1

    stats = api.get("/api/notifications/sms/stats", headers=headers).json()
    assert stats["sms"]["total"] == 1 and stats["sms"]["delivered"] == 1 and stats["sms"]["rate"] == 1.0
    assert stats["balance"]["currency"] == "USD" and float(stats["balance"]["balance"]) > 0
    assert sum(day["sms_sent"] for day in stats["by_day"]) == 1


def test_a_forged_status_callback_is_refused(live_api_url, db):
    answer = httpx.post(
        f"{live_api_url}/api/notifications/sms/status",
        data={"MessageSid": "SM" + "0" * 32, "MessageStatus": "delivered"},
        headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"},
    )
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "twilio_signature_invalid"


def test_farmers_cannot_send_and_a_missing_variable_names_itself(api, messaging):
    farmer = person(email="meena@example.in")
    farmer_headers = bearer(token_for(farmer))
    body = {"user_ids": [farmer.id], "category": "payments", "subject": "Hi", "text": "₹{{ amount }} received"}
    assert api.post("/api/notifications/email/send", json=body, headers=farmer_headers).status_code == 403

    refused = api.post("/api/notifications/email/send", json=body, headers=admin_headers())
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "template_missing_variable" and "amount" in error["message"]
    assert rows() == []


def test_email_from_a_template_reaches_the_smtp_standin(api, messaging):
    farmer = person(email="kiran@example.in")
    headers = admin_headers()
    template = {
        "key": "payments.received",
        "channel": "email",
        "category": "payments",
        "subject": "₹{{ amount }} received",
        "body": "Namaste {{ name }}, ₹{{ amount }} arrived.",
        "html_body": "<p>Namaste {{ name }}, <b>₹{{ amount }}</b> arrived.</p>",
    }
    created = api.post("/api/notifications/templates", json=template, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["variables"] == ["amount", "name"]
    sent = api.post(
        "/api/notifications/email/template",
        json={
            "user_ids": [farmer.id],
            "template_key": "payments.received",
            "category": "payments",
            "data": {"amount": "2,500"},
        },
        headers=headers,
    )
    assert sent.status_code == 201, sent.text
    assert deliver_due() == {"sent": 1}
    (mail,) = [r.detail for r in messaging.outbox.list("smtp", "email")]
    assert mail["subject"] == "₹2,500 received" and "<b>₹2,500</b>" in mail["html"]
    assert mail["text"].strip() == "Namaste Test Person, ₹2,500 arrived."
    assert api.get("/api/notifications/email/history", headers=headers).json()["items"][0]["status"] == "sent"


def test_template_preview_lists_missing_variables_and_counts_segments(api, db):
    headers = admin_headers()
    preview = api.post(
        "/api/notifications/templates/preview",
        json={"body": "Rain in {{ district }} on {{ day }}", "data": {"district": "Nashik"}},
        headers=headers,
    ).json()
    assert preview["missing"] == ["day"] and preview["body"] == "Rain in Nashik on {{ day }}"
    assert preview["segments"] == 1
    farmer_headers = bearer(token_for(make_user("farmer")))
    assert api.post("/api/notifications/templates", json={}, headers=farmer_headers).status_code == 422
    bad = {"key": "x.y", "channel": "sms", "body": "hi"}
    assert api.post("/api/notifications/templates", json=bad, headers=farmer_headers).status_code == 403


def test_preferences_round_trip_and_validation(api, db):
    farmer = make_user("farmer")
    headers = bearer(token_for(farmer))
    defaults = api.get("/api/notifications/preferences", headers=headers).json()
    assert defaults["channels"]["weather"] == ["in_app", "push", "sms"]
    assert defaults["channels"]["payments"] == ["in_app", "push", "sms", "email"]
    assert defaults["has_push_device"] is False and defaults["phone"] == farmer.phone

    saved = api.put(
        "/api/notifications/preferences",
        json={"channels": {"prices": ["sms"]}, "quiet_start": "22:00", "quiet_end": "06:00"},
        headers=headers,
    ).json()
    assert saved["channels"]["prices"] == ["in_app", "sms"]  # in-app is always on
    assert (saved["quiet_start"], saved["quiet_end"]) == ("22:00", "06:00")
    bad_channel = api.put("/api/notifications/preferences", json={"channels": {"prices": ["fax"]}}, headers=headers)
    assert bad_channel.status_code == 422 and bad_channel.json()["error"]["code"] == "channel_unknown"
    bad_time = api.put(
        "/api/notifications/preferences", json={"quiet_start": "25:00", "quiet_end": "06:00"}, headers=headers
    )
    assert bad_time.json()["error"]["code"] == "invalid_time"


def test_push_devices_subscribe_and_unsubscribe(api, messaging):
    farmer = make_user("farmer")
    headers = bearer(token_for(farmer))
    key = api.get("/api/notifications/push/vapid-key").json()["public_key"]
    assert len(key) == 87 and api.get("/api/notifications/push/vapid-key").json()["public_key"] == key
    device = browser_device(messaging.config.url)
    assert api.post("/api/notifications/push/subscribe", json=device, headers=headers).status_code == 201
    assert api.get("/api/notifications/preferences", headers=headers).json()["has_push_device"] is True
    bad = {**device, "keys": {"p256dh": "A" * 40, "auth": "B" * 22}}
    assert api.post("/api/notifications/push/subscribe", json=bad, headers=headers).status_code == 422
    gone = api.post("/api/notifications/push/unsubscribe", json={"endpoint": device["endpoint"]}, headers=headers)
    assert gone.json() == {"removed": 1}


def test_a_district_campaign_runs_in_the_background_and_reports_progress(api, messaging):
    org = make_org("Nashik Kisan FPO")
    nashik = [person(phone=f"+9198230000{i:02d}", district="Nashik", org_id=org) for i in range(6)]
    person(phone="+919823000099", district="Pune")
    headers = admin_headers()
    counted = api.post(
        "/api/notifications/audience/count",
        json={"district": "Nashik", "channels": ["in_app", "sms"], "category": "weather"},
        headers=headers,
    ).json()
    assert counted == {"in_app": 6, "sms": 6}

    started = api.post(
        "/api/notifications/campaigns",
        json={
            "district": "Nashik",
            "channels": ["in_app", "sms"],
            "category": "weather",
            "title": "Hail",
            "text": "Hail warning for Nashik tonight, {{ name }}",
        },
        headers=headers,
    )
    assert started.status_code == 202, started.text
    campaign = started.json()
    assert campaign["recipients"] == 6 and campaign["status"] == "queued"
    with session_scope() as session:
        assert session.exec(select(NotificationHistory)).all() == []  # the request wrote nothing to send
        (entry,) = session.exec(select(AuditLog).where(AuditLog.action == "notification.bulk_send")).all()
        assert entry.details["recipients"] == 6

    assert run_campaign.call_local(campaign["id"]) == 12
    progress = api.get(f"/api/notifications/campaigns/{campaign['id']}", headers=headers).json()
    assert progress["total"] == 12 and progress["pending"] == 6 and progress["delivered"] == 6
    assert progress["done"] is False
    assert deliver_due() == {"queued": 6}
    done = wait_for(
        lambda: (p := api.get(f"/api/notifications/campaigns/{campaign['id']}", headers=headers).json())["done"] and p
    )
    assert done["per_channel"]["sms"]["delivered"] == 6 and done["failed"] == 0
    # The sender's screen hears it on the bus; the throttle's trailing update carries the final state.
    final = wait_for(lambda: [e for e in campaign_events() if e.payload["done"]])
    assert final[-1].target == f"user:{campaign_creator(campaign['id'])}" and final[-1].payload["delivered"] == 12
    assert {r.user_id for r in rows(channel="in_app")} == {p.id for p in nashik}
    listed = api.get("/api/notifications/campaigns", headers=headers).json()
    assert listed[0]["id"] == campaign["id"] and listed[0]["total"] == 12


def campaign_events() -> list[RealTimeEvent]:
    with session_scope() as session:
        return list(session.exec(select(RealTimeEvent).where(RealTimeEvent.topic == "campaign")).all())


def campaign_creator(campaign_id: int) -> int:
    with session_scope() as session:
        return session.get(NotificationCampaign, campaign_id).created_by_id


def test_an_org_admin_reaches_only_their_own_organisation(api, db):
    own, other = make_org("Own FPO"), make_org("Other FPO")
    person(district="Nashik", org_id=own)
    person(district="Nashik", org_id=other)
    headers = admin_headers("org_admin", org_id=own)
    counted = api.post(
        "/api/notifications/audience/count",
        json={"district": "Nashik", "organization_id": other, "channels": ["in_app"]},
        headers=headers,
    ).json()
    assert counted == {"in_app": 1}


def test_a_campaign_checks_every_language_it_will_render_before_starting(api, db):
    headers = admin_headers()
    hindi = person(district="Nashik")
    with session_scope() as session:
        session.get(User, hindi.id).preferred_language = "hi"
    for language, body in (("en", "Rain {{ mm }} mm"), ("hi", "{{ mm }} मिमी बारिश, {{ hour }} बजे")):
        spec = {"key": "weather.rain", "channel": "in_app", "language": language, "category": "weather", "body": body}
        assert api.post("/api/notifications/templates", json=spec, headers=headers).status_code == 201
    body = {
        "district": "Nashik",
        "channels": ["in_app"],
        "category": "weather",
        "template_key": "weather.rain",
        "data": {"mm": 40},
    }
    refused = api.post("/api/notifications/campaigns", json=body, headers=headers)
    assert refused.status_code == 422 and refused.json()["error"]["details"]["name"] == "hour"
    assert api.get("/api/notifications/campaigns", headers=headers).json() == []
    body["data"]["hour"] = 5
    assert api.post("/api/notifications/campaigns", json=body, headers=headers).status_code == 202
