"""Crop-health follow-up: a report is a case (open → acknowledged → advised → resolved), each step told to the
other side once, escalated by SMS to the FPO's admins when nobody takes it up in time (once, whoever runs the
sweep), and nobody outside the farmer's FPO may see or move it (both databases)."""

from datetime import timedelta

import pytest
from sqlmodel import col, select

from kisaan_app.db import session_scope
from kisaan_app.models.accounts import User
from kisaan_app.models.base import utcnow
from kisaan_app.models.feeds import CropHealthReport
from kisaan_app.models.notifications import NotificationHistory
from kisaan_app.services import accounts, crop_cases, crop_health
from kisaan_app.services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tests.factories import META, bearer, make_org, make_user, token_for


def _p(user_id: int):
    with session_scope() as session:
        return accounts.to_principal(session.get(User, user_id))


def _told(key_prefix: str) -> list[tuple[int, str]]:
    with session_scope() as session:
        rows = session.exec(
            select(NotificationHistory).where(col(NotificationHistory.idempotency_key).startswith(key_prefix))
        ).all()
        return sorted((r.user_id, r.channel) for r in rows)


@pytest.fixture
def fpo(db):
    org = make_org("Nashik FPO")
    farmer = make_user("farmer", org_id=org, name="Ramesh")
    helper = make_user("org_admin", org_id=org, name="Sunita Extension")
    other_org_admin = make_user("org_admin", org_id=make_org("Pune FPO"), name="Other Office")
    with session_scope() as session:
        case = crop_health.report_issue(session, _p(farmer.id), META, crop="Onion", issue_type="pest", note="holes")
        case_id = case.id
    return {"org": org, "farmer": farmer.id, "helper": helper.id, "other": other_org_admin.id, "case": case_id}


def test_a_case_moves_step_by_step_and_each_step_is_told_once(fpo):
    farmer, helper, case = fpo["farmer"], fpo["helper"], fpo["case"]
    assert _told(f"crop-case:{case}:opened") == [(helper, "in_app"), (helper, "sms")]  # the FPO hears at once
    with session_scope() as session:
        assert crop_cases.acknowledge(session, _p(helper), META, case).status == "acknowledged"
    with pytest.raises(Conflict) as lost:  # a second press, or a colleague at the same moment
        with session_scope() as session:
            crop_cases.acknowledge(session, _p(helper), META, case)
    assert lost.value.params == {"status": "acknowledged"}
    advice = "Spray neem oil 5 ml per litre in the evening; check again in 3 days."
    for _ in range(2):  # a retried send of the same advice
        with session_scope() as session:
            assert crop_cases.give_advice(session, _p(helper), META, case, advice).status == "advised"
    with session_scope() as session:
        told = session.exec(
            select(NotificationHistory).where(
                NotificationHistory.user_id == farmer, col(NotificationHistory.idempotency_key).contains(":advice:")
            )
        ).all()
        assert sorted((r.channel, advice in r.body) for r in told) == [("in_app", True), ("sms", True)]
    assert _told(f"crop-case:{case}:acknowledged") == [(farmer, "in_app"), (farmer, "sms")]
    with session_scope() as session:  # the farmer marks it solved; the helper who took it up hears of it
        assert crop_cases.close(session, _p(farmer), META, case).status == "resolved"
    assert _told(f"crop-case:{case}:closed") == [(helper, "in_app"), (helper, "sms")]
    with pytest.raises(Conflict):
        with session_scope() as session:
            crop_cases.close(session, _p(farmer), META, case)
    with session_scope() as session:
        row = session.get(CropHealthReport, case)
        assert (row.advice, row.acknowledged_by_id, row.closed_at is not None) == (advice, helper, True)


def test_only_the_farmers_fpo_may_see_or_move_a_case(fpo):
    with pytest.raises(NotFound):
        with session_scope() as session:
            crop_cases.acknowledge(session, _p(fpo["other"]), META, fpo["case"])
    with pytest.raises(PermissionDenied):
        with session_scope() as session:
            crop_cases.acknowledge(session, _p(fpo["farmer"]), META, fpo["case"])
    stranger = make_user("farmer", org_id=fpo["org"], name="Another Farmer")
    with pytest.raises(PermissionDenied):  # another farmer cannot close someone else's case
        with session_scope() as session:
            crop_cases.close(session, _p(stranger.id), META, fpo["case"])
    with session_scope() as session:
        assert crop_cases.cases(session, _p(fpo["other"])) == []
        assert [c.id for c in crop_cases.cases(session, _p(fpo["helper"]))] == [fpo["case"]]
    with pytest.raises(ValidationFailed):
        with session_scope() as session:
            crop_cases.give_advice(session, _p(fpo["helper"]), META, fpo["case"], "x" * 1001)


def test_an_unanswered_case_is_escalated_once_by_sms_and_an_answered_one_never(fpo):
    helper = fpo["helper"]
    with session_scope() as session:
        answered = crop_health.report_issue(session, _p(fpo["farmer"]), META, crop="Wheat", issue_type="disease")
        answered_id = answered.id
    with session_scope() as session:
        crop_cases.acknowledge(session, _p(helper), META, answered_id)
    early = utcnow() + timedelta(hours=23)
    late = utcnow() + timedelta(hours=25)
    with session_scope() as session:
        assert crop_cases.escalate_overdue(session, early) == []  # not yet
    for _ in range(3):  # the sweep runs again, after a restart, or on a second worker
        with session_scope() as session:
            found = crop_cases.escalate_overdue(session, late)
            assert found in ([fpo["case"]], [])
    assert _told(f"crop-case:{fpo['case']}:escalated") == [(helper, "in_app"), (helper, "sms")]
    assert _told(f"crop-case:{answered_id}:escalated") == []
    with session_scope() as session:
        sms = session.exec(
            select(NotificationHistory).where(
                NotificationHistory.idempotency_key == f"crop-case:{fpo['case']}:escalated:{helper}:sms"
            )
        ).one()
        assert sms.is_critical and "unanswered" in sms.body


def test_the_api_lists_cases_to_helpers_only(api, fpo):
    helper_h = bearer(token_for(_user(fpo["helper"])))
    listed = api.get("/api/crop-cases", headers=helper_h)
    assert [c["id"] for c in listed.json()] == [fpo["case"]]
    assert api.get("/api/crop-cases", headers=bearer(token_for(_user(fpo["farmer"])))).status_code == 403
    step = api.post(f"/api/crop-cases/{fpo['case']}/advice", json={"advice": "Use pheromone traps."}, headers=helper_h)
    assert step.json() == {"id": fpo["case"], "status": "advised", "advice": "Use pheromone traps."}
    other_h = bearer(token_for(_user(fpo["other"])))
    assert api.post(f"/api/crop-cases/{fpo['case']}/close", headers=other_h).status_code == 404


def _user(user_id: int) -> User:
    with session_scope() as session:
        return session.get(User, user_id)


@pytest.mark.parametrize("case_id", [2**31, 2**63])
def test_an_id_no_row_can_have_is_a_422_not_a_server_error(api, fpo, case_id):
    helper_h = bearer(token_for(_user(fpo["helper"])))
    for step in ("acknowledge", "close"):
        answer = api.post(f"/api/crop-cases/{case_id}/{step}", headers=helper_h)
        assert answer.status_code == 422, answer.text
    advice = api.post(f"/api/crop-cases/{case_id}/advice", json={"advice": "Neem oil."}, headers=helper_h)
    assert advice.status_code == 422, advice.text


def test_an_org_admin_whose_fpo_is_gone_sees_no_case_of_farmers_without_one(db):
    lone = make_user("farmer", name="No FPO Farmer")
    with session_scope() as session:
        case_id = crop_health.report_issue(session, _p(lone.id), META, crop="Onion", issue_type="pest").id
    org = make_org("Closing FPO")
    orphan = make_user("org_admin", org_id=org, name="Former FPO Office")
    with session_scope() as session:  # the FPO is deleted: its admins' organization_id is set NULL
        session.get(User, orphan.id).organization_id = None
    for look in (crop_cases.cases, crop_cases.status_counts):
        with pytest.raises(PermissionDenied):
            with session_scope() as session:
                look(session, _p(orphan.id))
    with pytest.raises(PermissionDenied):
        with session_scope() as session:
            crop_cases.acknowledge(session, _p(orphan.id), META, case_id)
    with session_scope() as session:
        assert session.get(CropHealthReport, case_id).status == "open"


def test_a_farmer_cannot_flood_the_helpers_with_reports(fpo):
    """Each report SMSes the FPO's admins: past KISAAN_CROP_REPORT_RATE_PER_FARMER the farmer is told to wait."""
    from kisaan_app.services.errors import RateLimited

    made = 1  # the fixture's report
    with pytest.raises(RateLimited):
        for _ in range(20):
            with session_scope() as session:
                crop_health.report_issue(session, _p(fpo["farmer"]), META, crop="Onion", issue_type="pest")
            made += 1
    assert made == 10
    with session_scope() as session:
        assert len(session.exec(select(CropHealthReport)).all()) == 10
