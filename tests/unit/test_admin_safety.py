"""Safe admin actions (SQLite and PostgreSQL): the reach a warning or a bulk message shows before it goes is the
reach the send acts on, a send that reaches nobody is refused with "did you mean Nashik?", a warning written in
two languages reaches each farmer in theirs, and the audit log reads in IST with people's names."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from kisaan_app.db import session_scope
from kisaan_app.models.accounts import User
from kisaan_app.models.audit import AuditLog
from kisaan_app.models.base import utcnow
from kisaan_app.models.notifications import NotificationHistory
from kisaan_app.models.realtime import RealTimeEvent
from kisaan_app.services import accounts, audit
from kisaan_app.services.errors import PermissionDenied, ValidationFailed
from kisaan_app.services.feeds import weather
from kisaan_app.services.notifications import campaigns
from kisaan_app.services.notifications.audience import Audience, reach_of
from tests.factories import META, make_org, make_user


def _p(user: User):
    return accounts.to_principal(user)


def _speaks(user: User, language: str) -> None:
    with session_scope() as session:
        row = session.get(User, user.id)
        row.preferred_language = language
        session.add(row)


def _warn(actor: User, district: str, **extra):
    now = utcnow()
    with session_scope() as session:
        return weather.issue_alert(
            session,
            _p(actor),
            META,
            district=district,
            state="",
            severity="red",
            title="Hail tonight",
            message="Cover the nursery beds",
            valid_from=now,
            valid_until=now + timedelta(hours=6),
            **extra,
        )


def _nashik(org_id: int | None = None) -> tuple[User, User]:
    ravi = make_user("farmer", district="Nashik", name="Ravi Kumar", org_id=org_id)
    kamla = make_user("farmer", district="Nashik", name="Kamla Devi", org_id=org_id)
    _speaks(kamla, "hi")
    make_user("farmer", district="Pune", name="Savita Jadhav")
    return ravi, kamla


def test_the_warning_preview_counts_what_the_send_reaches(db):
    admin = make_user("admin")
    ravi, kamla = _nashik()
    with session_scope() as session:
        reach = weather.warning_reach(session, _p(admin), " nashik ", "red")
    # Typed any way, the district is the one recorded; both Nashik farmers, not the one in Pune.
    assert (reach.district, reach.farmers, reach.suggestion) == ("Nashik", 2, "")
    assert reach.languages == {"en": 1, "hi": 1}
    assert reach.channels["in_app"] == 2 and reach.channels["sms"] == 2  # both have phones; red is critical
    assert set(reach.channels) == {"in_app", "push", "sms", "email"}

    alert = _warn(admin, " nashik ")
    assert alert.district == "Nashik"
    with session_scope() as session:
        told = session.exec(select(NotificationHistory.user_id).where(NotificationHistory.channel == "in_app")).all()
    assert sorted(told) == sorted([ravi.id, kamla.id])  # exactly the people the preview counted


def test_a_typo_district_is_refused_with_the_district_it_probably_means(db):
    admin = make_user("admin")
    _nashik()
    with session_scope() as session:
        reach = weather.warning_reach(session, _p(admin), "Nasik", "red")
    assert (reach.farmers, reach.suggestion) == (0, "Nashik")
    with pytest.raises(ValidationFailed) as err:
        _warn(admin, "Nasik")
    assert (err.value.code, err.value.field, err.value.params) == (
        "alert_district_unknown",
        "district",
        {"suggestion": "Nashik"},
    )
    with pytest.raises(ValidationFailed) as err:  # nothing like it: refused, no guess
        _warn(admin, "Satara")
    assert err.value.code == "alert_no_farmers" and "suggestion" not in err.value.params
    with session_scope() as session:
        assert session.exec(select(NotificationHistory)).all() == []  # nobody was told anything


def test_an_fpo_admin_is_offered_only_their_own_districts(db):
    fpo, other = make_org("Lasalgaon FPO"), make_org("Pune FPO", district="Pune")
    make_user("farmer", district="Nashik", org_id=fpo)
    make_user("farmer", district="Pune", org_id=other)
    fpo_admin = make_user("org_admin", org_id=fpo)
    with session_scope() as session:
        assert weather.warning_reach(session, _p(fpo_admin), "Nasik").suggestion == "Nashik"
        assert weather.warning_reach(session, _p(fpo_admin), "Pun").suggestion == ""  # another FPO's district
    with pytest.raises(PermissionDenied):
        _warn(fpo_admin, "Pune")


def test_a_warning_in_two_languages_reaches_each_farmer_in_theirs(db):
    admin = make_user("admin")
    ravi, kamla = _nashik()
    texts = {
        "en": {"title": "Hail tonight", "message": "Cover the nursery beds"},
        "hi": {"title": "आज रात ओले", "message": "नर्सरी की क्यारियाँ ढक दें"},
    }
    alert = _warn(admin, "Nashik", texts=texts)
    with session_scope() as session:
        inbox = {
            r.user_id: (r.subject, r.body)
            for r in session.exec(select(NotificationHistory).where(NotificationHistory.channel == "in_app")).all()
        }
        live = {
            e.target: e.payload["title"]
            for e in session.exec(select(RealTimeEvent).where(RealTimeEvent.topic == "weather")).all()
        }
        stored = session.get(type(alert), alert.id)
        assert weather.text_for(stored, "hi") == ("आज रात ओले", "नर्सरी की क्यारियाँ ढक दें")
        assert weather.text_for(stored, "ta") == ("Hail tonight", "Cover the nursery beds")  # falls back
    assert inbox[kamla.id] == ("लाल · आज रात ओले", "नर्सरी की क्यारियाँ ढक दें")
    assert inbox[ravi.id] == ("Red · Hail tonight", "Cover the nursery beds")
    assert live == {f"user:{ravi.id}": "Hail tonight", f"user:{kamla.id}": "आज रात ओले"}

    with pytest.raises(ValidationFailed) as err:  # a second language is checked like the first
        _warn(admin, "Nashik", texts={"hi": {"title": "ओ", "message": "नर्सरी ढकें"}})
    assert (err.value.code, err.value.field) == ("alert_title", "title_hi")


def _campaign(admin: User, district: str):
    with session_scope() as session:
        return campaigns.start_campaign(
            session,
            _p(admin),
            META,
            audience=Audience(district=district),
            channels=["in_app", "sms"],
            category="weather",
            template_key=None,
            subject="Mandi closed",
            text="The mandi is closed tomorrow",
        )


def test_a_bulk_send_reaches_what_its_preview_said_and_never_nobody(db):
    admin = make_user("admin")
    _nashik()
    with session_scope() as session:
        reach, _people = reach_of(session, _p(admin), Audience(district="nashik"), ["in_app", "sms"], "weather")
    assert (reach.people, reach.channels, reach.languages) == (2, {"in_app": 2, "sms": 2}, {"en": 1, "hi": 1})
    assert _campaign(admin, "nashik").recipients == reach.people

    with pytest.raises(ValidationFailed) as err:
        _campaign(admin, "Nasik")
    assert (err.value.code, err.value.params) == ("no_recipients_district", {"suggestion": "Nashik"})
    with pytest.raises(ValidationFailed) as err:
        _campaign(admin, "Satara")
    assert err.value.code == "no_recipients"


def test_the_audit_log_reads_in_ist_with_names(db):
    admin = make_user("admin", name="Asha Admin")
    ravi = make_user("farmer", name="Ravi Kumar")
    with session_scope() as session:
        entry = audit.record(
            session,
            "user.role_changed",
            actor=_p(admin),
            target_type="user",
            target_id=ravi.id,
            details={"old_role": "farmer", "new_role": "org_admin", "channels": ["sms", "email"]},
        )
        other = audit.record(session, "auth.login_failed", actor_label="+919800000099", outcome="failure")
        entry.created_at = datetime(2026, 12, 7, 6, 0, 5, tzinfo=UTC)  # 11:30:05 in India
        other.created_at = datetime(2026, 12, 6, 20, 0, tzinfo=UTC)  # already the 7th in India
        session.add_all([entry, other])
    with session_scope() as session:
        rows, _total = audit.query(session, _p(admin), audit.AuditFilter(), limit=10)
        mine = [r for r in rows if r.action in ("user.role_changed", "auth.login_failed")]
        english = {v.action: v for v in audit.readable(session, mine, "en")}
        hindi = {v.action: v for v in audit.readable(session, mine, "hi")}
        assert session.exec(select(AuditLog).where(col(AuditLog.id) == entry.id)).one().actor_id == admin.id
    changed = english["user.role_changed"]
    assert changed.when == "7 Dec 2026, 11:30:05"
    assert hindi["user.role_changed"].when == "7 दिस॰ 2026, 11:30:05"
    assert changed.who.startswith("Asha Admin") and changed.target == "Ravi Kumar"
    assert changed.details == "old role: farmer · new role: org_admin · channels: sms, email"
    with session_scope() as session:  # the page's search finds a person by name too
        found, _n = audit.query(session, _p(admin), audit.AuditFilter(search="asha"), limit=10)
    assert entry.id in {r.id for r in found}
    failed = english["auth.login_failed"]
    assert (failed.when, failed.who, failed.target) == ("7 Dec 2026, 01:30:00", "+919800000099", "—")
