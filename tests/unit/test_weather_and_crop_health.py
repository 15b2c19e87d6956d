"""Weather warnings (who may issue, who hears, ordering, cancel) and crop-health thresholds (SQLite and PG)."""

from datetime import datetime, timedelta

import pytest
from sqlmodel import col, select

from kisaan_app.db import session_scope
from kisaan_app.models.accounts import User
from kisaan_app.models.audit import AuditLog
from kisaan_app.models.base import utcnow
from kisaan_app.models.feeds import CropHealthReport, SensorDevice
from kisaan_app.models.realtime import RealTimeEvent
from kisaan_app.realtime import managers_target, user_target
from kisaan_app.services import accounts, crop_health, sensors
from kisaan_app.services.errors import AuthenticationFailed, NotFound, PermissionDenied, ValidationFailed
from kisaan_app.services.feeds import weather
from tests.factories import META, make_org, make_user


def _p(user: User):
    return accounts.to_principal(user)


def _alert(
    actor: User, *, district="Nashik", severity="orange", hours=6, starts_in=0, title="Heavy rain", allow_empty=True
):
    """A warning; most tests here are about order and scope, not reach, so an empty district is allowed."""
    now = utcnow()
    with session_scope() as session:
        return weather.issue_alert(
            session,
            _p(actor),
            META,
            district=district,
            state="Maharashtra",
            severity=severity,
            title=title,
            message="Keep the harvest covered",
            valid_from=now + timedelta(hours=starts_in),
            valid_until=now + timedelta(hours=starts_in + hours),
            allow_empty=allow_empty,
        )


def _events(topic: str) -> list[RealTimeEvent]:
    with session_scope() as session:
        return list(session.exec(select(RealTimeEvent).where(RealTimeEvent.topic == topic)).all())


def test_an_fpo_admin_warns_only_their_own_members_in_that_district(db):
    fpo, other_fpo = make_org("Lasalgaon FPO"), make_org("Niphad FPO")
    member = make_user("farmer", district="Nashik", org_id=fpo)
    outsider = make_user("farmer", district="Nashik", org_id=other_fpo)
    away = make_user("farmer", district="Pune", org_id=fpo)
    gone = make_user("farmer", district="Nashik", org_id=fpo)
    with session_scope() as session:
        session.get(User, gone.id).is_active = False  # a deactivated account hears nothing
    fpo_admin = make_user("org_admin", org_id=fpo)
    alert = _alert(fpo_admin)
    assert [e.target for e in _events("weather")] == [user_target(member.id)]
    assert alert.organization_id == fpo
    assert {outsider.id, away.id, gone.id}.isdisjoint({int(e.target.split(":")[1]) for e in _events("weather")})
    with session_scope() as session:
        [entry] = session.exec(select(AuditLog).where(AuditLog.action == "weather.alert_issued")).all()
    assert (entry.actor_id, entry.target_id, entry.details["farmers"]) == (fpo_admin.id, str(alert.id), 1)
    payload = _events("weather")[0].payload
    assert set(payload) == {"id", "district", "severity", "title", "message", "valid_from", "valid_until"}


def test_a_platform_admin_may_warn_a_district_with_no_farmers_yet(db):
    admin = make_user("admin")
    with pytest.raises(ValidationFailed) as err:  # by default a warning that reaches nobody is refused
        _alert(admin, district="Satara", allow_empty=False)
    assert (err.value.code, err.value.field) == ("alert_no_farmers", "district")
    assert err.value.params == {"district": "Satara"}
    alert = _alert(admin, district="Satara")  # on purpose: recorded for farmers who have not joined yet
    assert alert.organization_id is None and _events("weather") == []


def test_warnings_in_force_are_red_first_then_newest(db):
    admin = make_user("admin")
    yellow = _alert(admin, severity="yellow")
    red_old = _alert(admin, severity="red")
    green = _alert(admin, severity="green")
    red_new = _alert(admin, severity="red")
    orange = _alert(admin, severity="orange")
    _alert(admin, severity="red", starts_in=2)  # not yet in force
    _alert(admin, district="Pune", severity="red")
    with session_scope() as session:
        ids = [a.id for a in weather.active_alerts(session, " nashik ")]
        later = [a.id for a in weather.active_alerts(session, "Nashik", now=utcnow() + timedelta(hours=7))]
    assert ids == [red_new.id, red_old.id, orange.id, yellow.id, green.id]
    assert len(later) == 1  # only the one that started two hours late is still in force


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"message": "ok"}, "alert_message", "message"),
        ({"message": "x" * 1001}, "alert_message", "message"),
        ({"title": "t" * 161}, "alert_title", "title"),
        ({"valid_until": datetime(2099, 1, 1)}, "alert_validity", "valid_until"),  # a bare time is ambiguous
        ({"valid_from": datetime(2020, 1, 1)}, "alert_validity", "valid_from"),
        ({"valid_from": utcnow() + timedelta(hours=8)}, "alert_validity", "valid_until"),  # ends before it starts
    ],
)
def test_warning_validation(db, change, code, field):
    admin = make_user("admin")
    now = utcnow()
    good = dict(
        district="Nashik",
        state="",
        severity="red",
        title="Hail",
        message="Cover the nursery",
        valid_from=now,
        valid_until=now + timedelta(hours=6),
    )
    with session_scope() as session, pytest.raises(ValidationFailed) as err:
        weather.issue_alert(session, _p(admin), META, **(good | change))
    assert (err.value.code, err.value.field) == (code, field)


def test_cancel_is_for_the_issuing_fpo_and_happens_once(db):
    fpo, other_fpo = make_org("FPO A"), make_org("FPO B")
    farmer = make_user("farmer", district="Nashik", org_id=fpo)
    alert = _alert(make_user("org_admin", org_id=fpo))
    with session_scope() as session, pytest.raises(NotFound):
        weather.cancel_alert(session, _p(make_user("org_admin", org_id=other_fpo)), META, alert.id)
    with session_scope() as session, pytest.raises(PermissionDenied):
        weather.cancel_alert(session, _p(farmer), META, alert.id)
    admin = make_user("admin")
    for _ in range(2):  # a double click, or a retried request
        with session_scope() as session:
            weather.cancel_alert(session, _p(admin), META, alert.id)
    cancels = [e for e in _events("weather") if e.payload.get("cancelled")]
    assert [e.target for e in cancels] == [user_target(farmer.id)]
    with session_scope() as session:
        audits = session.exec(select(AuditLog).where(AuditLog.action == "weather.alert_cancelled")).all()
        assert len(audits) == 1 and weather.active_alerts(session, "Nashik") == []


def test_crop_health_report_rules_and_who_sees_them(db):
    fpo = make_org("Nashik FPO")
    farmer, neighbour = make_user("farmer", org_id=fpo), make_user("farmer", org_id=fpo)
    fpo_admin, admin = make_user("org_admin", org_id=fpo), make_user("admin")
    with session_scope() as session:
        for change, code in (
            ({"crop": " "}, "report_crop"),
            ({"severity": "green"}, "report_severity"),
            ({"note": "n" * 1001}, "report_note"),
        ):
            args = {"crop": "Onion", "issue_type": "pest", "note": "", "severity": "yellow"} | change
            with pytest.raises(ValidationFailed) as err:
                crop_health.report_issue(session, _p(farmer), META, **args)
            assert err.value.code == code
        with pytest.raises(PermissionDenied):
            crop_health.report_issue(session, _p(fpo_admin), META, crop="Onion", issue_type="pest")
        report = crop_health.report_issue(
            session, _p(farmer), META, crop=" Onion ", issue_type="disease", note="Purple blotch", severity="orange"
        )
    assert [e.target for e in _events("crop_health")] == [user_target(farmer.id), managers_target(fpo)]
    with session_scope() as session:
        assert report.crop == "Onion"
        assert [r.id for r in crop_health.recent_reports(session, _p(fpo_admin))] == [report.id]
        assert [r.id for r in crop_health.recent_reports(session, _p(admin))] == [report.id]
        assert crop_health.recent_reports(session, _p(neighbour)) == []


@pytest.mark.parametrize(
    ("metric", "value", "expected"),
    [
        ("soil_moisture_pct", 15, None),  # at the line is not past it
        ("soil_moisture_pct", 14.9, ("orange", "water_stress")),
        ("soil_moisture_pct", 7.9, ("red", "water_stress")),
        ("leaf_wetness_hours", 10, None),
        ("leaf_wetness_hours", 10.5, ("yellow", "disease")),
        ("temperature_c", 42, None),
        ("temperature_c", 42.5, ("orange", "sensor")),
        ("temperature_c", 46, ("red", "sensor")),
    ],
)
def test_sensor_thresholds(db, metric, value, expected):
    fpo = make_org("Nashik FPO")
    farmer = make_user("farmer", org_id=fpo)
    with session_scope() as session:
        device, key = sensors.register_device(session, _p(farmer), "Plot 3 probe", "Onion")
    with session_scope() as session:
        report = sensors.record_reading(session, key, metric, value)
        got = (report.severity, report.issue_type) if report else None
    assert got == expected
    with session_scope() as session:
        assert session.get(SensorDevice, device.id).last_seen_at is not None
        assert len(session.exec(select(CropHealthReport)).all()) == (1 if expected else 0)
    targets = [e.target for e in _events("crop_health")]
    assert targets == ([user_target(farmer.id), managers_target(fpo)] if expected else [])


def test_a_sensor_needs_a_live_key(db):
    farmer = make_user("farmer")
    with session_scope() as session:
        device, key = sensors.register_device(session, _p(farmer), "Probe", None)
    assert key not in device.api_key_hash
    with session_scope() as session:
        session.get(SensorDevice, device.id).is_active = False
    for bad in (key, "", None, "ks_guess"):
        with session_scope() as session, pytest.raises(AuthenticationFailed):
            sensors.record_reading(session, bad, "soil_moisture_pct", 5)


def test_warnings_go_through_the_notification_pipeline_and_red_ignores_quiet_hours(db):
    from zoneinfo import ZoneInfo

    from kisaan_app.models.notifications import NotificationHistory
    from kisaan_app.services.notifications import preferences
    from kisaan_app.tasks.notifications import notify_weather_alert

    farmer = make_user("farmer", district="Nashik")
    now_ist = datetime.now(ZoneInfo("Asia/Kolkata"))
    with session_scope() as session:  # asleep right now, and wants weather by SMS
        preferences.save_preferences(
            session,
            _p(farmer),
            channels={"weather": ["in_app", "sms"]},
            quiet_start=(now_ist - timedelta(hours=1)).strftime("%H:%M"),
            quiet_end=(now_ist + timedelta(hours=1)).strftime("%H:%M"),
        )
    admin = make_user("admin")
    yellow = _alert(admin, severity="yellow", title="Light showers")
    red = _alert(admin, severity="red", title="Cloudburst")

    def rows(alert):
        with session_scope() as session:
            found = session.exec(
                select(NotificationHistory).where(
                    col(NotificationHistory.idempotency_key).startswith(f"weather:{alert.id}:")
                )
            ).all()
            return {(r.channel, r.recipient, r.is_critical, r.status) for r in found}

    # The request writes the inbox rows; the provider channels are a job queued after commit.
    assert rows(red) == {("in_app", f"user:{farmer.id}", True, "delivered")}
    for alert in (yellow, red, red):  # the job may run twice (a retry): it writes each row once
        notify_weather_alert.call_local(alert.id)
    assert rows(yellow) == {("in_app", f"user:{farmer.id}", False, "delivered")}  # quiet hours hold the SMS
    assert rows(red) == {
        ("in_app", f"user:{farmer.id}", True, "delivered"),
        ("sms", farmer.phone, True, "pending"),  # written before any provider call; the worker sends it
    }
