"""Joining an FPO is a request its org admin (or a platform admin) decides; nobody joins by themselves."""

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import func, select

from kisaan_app.db import session_scope
from kisaan_app.models.accounts import MembershipRequest, User
from kisaan_app.models.audit import AuditLog
from kisaan_app.models.notifications import NotificationHistory
from kisaan_app.services import accounts
from kisaan_app.services.errors import PermissionDenied
from tests.factories import META, bearer, make_org, make_user, token_for


def _user(user_id: int) -> User:
    with session_scope() as session:
        return session.get(User, user_id)


def _inbox(user_id: int) -> list[str]:
    with session_scope() as session:
        rows = session.exec(
            select(NotificationHistory).where(
                NotificationHistory.user_id == user_id, NotificationHistory.channel == "in_app"
            )
        ).all()
        return [r.subject for r in rows]


def test_registration_cannot_set_an_organisation(api):
    org = make_org("Nashik FPO")
    body = {"full_name": "Sneaky Stranger", "phone": "98111 22233", "password": "onion-season-2026"}
    res = api.post("/api/auth/register", json=body | {"organization_id": org})
    assert res.status_code == 422
    error = res.json()["error"]
    assert error["code"] == "organization_not_at_signup" and error["field"] == "organization_id"
    assert "profile" in error["message"]
    with session_scope() as session:
        assert session.exec(select(func.count()).select_from(User)).one() == 0
    ok = api.post("/api/auth/register", json=body)
    assert ok.status_code == 201 and ok.json()["user"]["organization_id"] is None


def test_farmer_asks_and_own_org_admin_approves(api):
    nashik, pune = make_org("Nashik FPO"), make_org("Pune FPO", "Pune")
    farmer = make_user("farmer", name="Ramesh Pawar")
    nashik_admin = make_user("org_admin", org_id=nashik)
    pune_admin = make_user("org_admin", org_id=pune)
    asked = api.post("/api/memberships", headers=bearer(token_for(farmer)), json={"organization_id": nashik})
    assert asked.status_code == 201
    request_id = asked.json()["id"]
    assert asked.json()["status"] == "pending" and asked.json()["organization_name"] == "Nashik FPO"
    # Asking is not joining.
    assert _user(farmer.id).organization_id is None

    assert api.get("/api/memberships?status=pending", headers=bearer(token_for(pune_admin))).json() == []
    assert api.post(f"/api/memberships/{request_id}/approve", headers=bearer(token_for(pune_admin))).status_code == 404
    listed = api.get("/api/memberships?status=pending", headers=bearer(token_for(nashik_admin))).json()
    assert [r["full_name"] for r in listed] == ["Ramesh Pawar"]

    res = api.post(f"/api/memberships/{request_id}/approve", headers=bearer(token_for(nashik_admin)))
    assert res.status_code == 200 and res.json()["status"] == "approved"
    assert _user(farmer.id).organization_id == nashik
    again = api.post(f"/api/memberships/{request_id}/decline", headers=bearer(token_for(nashik_admin)))
    assert again.status_code == 409 and again.json()["error"]["code"] == "join_request_decided"
    assert _user(farmer.id).organization_id == nashik
    assert _inbox(farmer.id) == ["Welcome to Nashik FPO"]
    with session_scope() as session:
        entry = session.exec(select(AuditLog).where(AuditLog.action == "membership.approved")).one()
        assert entry.actor_id == nashik_admin.id and entry.organization_id == nashik
        assert entry.target_id == str(farmer.id)
        row = session.get(MembershipRequest, request_id)
        assert row.decided_by_id == nashik_admin.id and row.decided_at is not None
    assert api.get("/api/memberships?status=approved", headers=bearer(token_for(nashik_admin))).json()[0]["id"] == (
        request_id
    )


def test_decline_leaves_the_farmer_outside_and_tells_them(api):
    org = make_org("Nashik FPO")
    farmer = make_user("farmer")
    admin = make_user("admin")
    request_id = api.post("/api/memberships", headers=bearer(token_for(farmer)), json={"organization_id": org}).json()[
        "id"
    ]
    res = api.post(f"/api/memberships/{request_id}/decline", headers=bearer(token_for(admin)))
    assert res.status_code == 200 and res.json()["status"] == "declined"
    assert _user(farmer.id).organization_id is None
    assert _inbox(farmer.id) == ["Nashik FPO did not accept your request"]
    with session_scope() as session:
        assert session.exec(select(AuditLog).where(AuditLog.action == "membership.declined")).one().actor_id == admin.id
    # After an answer they may ask again.
    again = api.post("/api/memberships", headers=bearer(token_for(farmer)), json={"organization_id": org})
    assert again.status_code == 201


def test_one_pending_request_per_person(api):
    a, b = make_org("A FPO"), make_org("B FPO")
    farmer = make_user("farmer")
    headers = bearer(token_for(farmer))
    assert api.post("/api/memberships", headers=headers, json={"organization_id": a}).status_code == 201
    second = api.post("/api/memberships", headers=headers, json={"organization_id": b})
    assert second.status_code == 409 and second.json()["error"]["code"] == "join_request_pending"
    with pytest.raises(IntegrityError), session_scope() as session:  # the database refuses it too
        session.add(MembershipRequest(user_id=farmer.id, organization_id=b))
        session.flush()


def test_buyers_and_staff_cannot_ask_and_unknown_fpo_is_refused(api):
    org = make_org("Nashik FPO")
    buyer = make_user("buyer")
    res = api.post("/api/memberships", headers=bearer(token_for(buyer)), json={"organization_id": org})
    assert res.status_code == 403
    farmer = make_user("farmer")
    unknown = api.post("/api/memberships", headers=bearer(token_for(farmer)), json={"organization_id": org + 99})
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "unknown_organization"
    assert api.get("/api/memberships", headers=bearer(token_for(farmer))).status_code == 403
    with session_scope() as session:
        assert session.exec(select(func.count()).select_from(MembershipRequest)).one() == 0


def test_org_admin_without_an_organisation_sees_and_decides_nothing(api):
    org = make_org("Nashik FPO")
    farmer = make_user("farmer")
    request_id = api.post("/api/memberships", headers=bearer(token_for(farmer)), json={"organization_id": org}).json()[
        "id"
    ]
    orphan = make_user("org_admin")  # an org admin whose FPO link was removed
    headers = bearer(token_for(orphan))
    assert api.get("/api/memberships", headers=headers).json() == []
    assert api.post(f"/api/memberships/{request_id}/approve", headers=headers).status_code == 404
    assert _user(farmer.id).organization_id is None
    admin = make_user("admin")
    assert [r["id"] for r in api.get("/api/memberships", headers=bearer(token_for(admin))).json()] == [request_id]


def test_org_admin_cannot_promote_or_take_in_a_stranger_until_approved(api):
    org = make_org("Nashik FPO")
    org_admin = make_user("org_admin", org_id=org)
    stranger = make_user("farmer")
    headers = bearer(token_for(org_admin))
    res = api.post(f"/api/users/{stranger.id}/role", headers=headers, json={"role": "org_admin"})
    assert res.status_code == 404
    with pytest.raises(PermissionDenied), session_scope() as session:
        principal = accounts.to_principal(session.get(User, org_admin.id))
        accounts.set_organization(session, principal, stranger.id, org, META)
    assert _user(stranger.id).role == "farmer" and _user(stranger.id).organization_id is None

    request_id = api.post(
        "/api/memberships", headers=bearer(token_for(stranger)), json={"organization_id": org}
    ).json()["id"]
    assert api.post(f"/api/memberships/{request_id}/approve", headers=headers).status_code == 200
    promoted = api.post(f"/api/users/{stranger.id}/role", headers=headers, json={"role": "org_admin"})
    assert promoted.status_code == 200 and promoted.json()["role"] == "org_admin"


def test_invalid_status_filter_is_422(api):
    admin = make_user("admin")
    assert api.get("/api/memberships?status=everything", headers=bearer(token_for(admin))).status_code == 422
