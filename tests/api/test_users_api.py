"""Admin user list, role changes and deactivation — and that org admins stay inside their own FPO."""

from sqlmodel import select

from kisaan_app.db import session_scope
from kisaan_app.models.accounts import User
from kisaan_app.models.audit import AuditLog
from tests.factories import PASSWORD, bearer, make_org, make_user, token_for


def test_admin_lists_and_filters_users(api):
    nashik = make_org("Nashik FPO")
    make_user("farmer", org_id=nashik, district="Nashik", name="Ramesh Pawar")
    make_user("farmer", district="Pune", name="Savita Jadhav")
    make_user("buyer", district="Mumbai", name="Imran Traders")
    admin = make_user("admin", name="Asha Admin")
    headers = bearer(token_for(admin))
    everyone = api.get("/api/users", headers=headers).json()
    assert everyone["total"] == 4
    assert [u["full_name"] for u in api.get("/api/users?role=buyer", headers=headers).json()["items"]] == [
        "Imran Traders"
    ]
    assert [u["full_name"] for u in api.get("/api/users?district=pune", headers=headers).json()["items"]] == [
        "Savita Jadhav"
    ]
    by_org = api.get(f"/api/users?organization_id={nashik}", headers=headers).json()
    assert [u["full_name"] for u in by_org["items"]] == ["Ramesh Pawar"]
    assert api.get("/api/users?search=savi", headers=headers).json()["total"] == 1


def test_org_admin_sees_and_acts_on_own_organisation_only(api):
    nashik, pune = make_org("Nashik FPO"), make_org("Pune FPO", "Pune")
    own = make_user("farmer", org_id=nashik, name="Own Member")
    other = make_user("farmer", org_id=pune, name="Other Member")
    org_admin = make_user("org_admin", org_id=nashik, name="Nashik Admin")
    headers = bearer(token_for(org_admin))
    listed = api.get("/api/users", headers=headers).json()
    names = {u["full_name"] for u in listed["items"]}
    assert names == {"Own Member", "Nashik Admin"}
    # Asking for another organisation explicitly changes nothing.
    assert {
        u["full_name"] for u in api.get(f"/api/users?organization_id={pune}", headers=headers).json()["items"]
    } == names
    assert api.post(f"/api/users/{other.id}/deactivate", headers=headers).status_code == 404
    assert api.post(f"/api/users/{other.id}/role", headers=headers, json={"role": "buyer"}).status_code == 404
    with session_scope() as session:
        assert session.get(User, other.id).is_active and session.get(User, other.id).role == "farmer"
    assert api.post(f"/api/users/{own.id}/role", headers=headers, json={"role": "admin"}).status_code == 403
    ok = api.post(f"/api/users/{own.id}/role", headers=headers, json={"role": "buyer"})
    assert ok.status_code == 200 and ok.json()["role"] == "buyer"


def test_deactivation_logs_the_user_out_and_blocks_login(api):
    admin = make_user("admin")
    farmer = make_user("farmer")
    farmer_token = token_for(farmer)
    assert api.post(f"/api/users/{admin.id}/deactivate", headers=bearer(token_for(admin))).status_code == 403
    res = api.post(f"/api/users/{farmer.id}/deactivate", headers=bearer(token_for(admin)))
    assert res.status_code == 200 and res.json()["is_active"] is False
    assert api.get("/api/auth/me", headers=bearer(farmer_token)).status_code == 401
    login = api.post("/api/auth/login", json={"identifier": farmer.phone, "password": PASSWORD})
    assert login.status_code == 401 and login.json()["error"]["code"] == "account_inactive"
    assert api.post(f"/api/users/{farmer.id}/reactivate", headers=bearer(token_for(admin))).status_code == 200
    assert api.post("/api/auth/login", json={"identifier": farmer.phone, "password": PASSWORD}).status_code == 200


def test_role_change_and_deactivation_are_audited(api):
    org = make_org("Audit FPO")
    admin = make_user("admin")
    farmer = make_user("farmer", org_id=org)
    headers = bearer(token_for(admin))
    api.post(f"/api/users/{farmer.id}/role", headers=headers, json={"role": "org_admin"})
    api.post(f"/api/users/{farmer.id}/deactivate", headers=headers)
    with session_scope() as session:
        entries = {e.action: e for e in session.exec(select(AuditLog).where(AuditLog.actor_id == admin.id)).all()}
    assert entries["user.role_changed"].details == {"from": "farmer", "to": "org_admin"}
    assert entries["user.role_changed"].target_id == str(farmer.id)
    assert entries["user.role_changed"].organization_id == org
    assert entries["user.deactivated"].ip  # from where
    audit = api.get("/api/audit?action=user.", headers=headers).json()
    assert {e["action"] for e in audit["items"]} >= {"user.role_changed", "user.deactivated"}


def test_org_admin_audit_view_is_scoped(api):
    nashik, pune = make_org("Nashik FPO"), make_org("Pune FPO", "Pune")
    make_user("farmer", org_id=nashik)
    make_user("farmer", org_id=pune)
    org_admin = make_user("org_admin", org_id=nashik)
    items = api.get("/api/audit", headers=bearer(token_for(org_admin))).json()["items"]
    assert items and all(e["organization_id"] == nashik for e in items)


def test_profile_update_validates_and_saves(api):
    farmer = make_user("farmer")
    headers = bearer(token_for(farmer))
    bad = api.patch("/api/users/me", headers=headers, json={"land_area_acres": -3})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "land_area_acres"
    res = api.patch(
        "/api/users/me",
        headers=headers,
        json={
            "village": "Lasalgaon",
            "crops": ["onion", " Grapes ", "onion"],
            "land_area_acres": 4.5,
            "preferred_language": "hi",
        },
    )
    assert res.status_code == 200, res.text
    assert res.json()["crops"] == ["Onion", "Grapes"] and res.json()["preferred_language"] == "hi"
    buyer = make_user("buyer")
    bad_gstin = api.patch("/api/users/me", headers=bearer(token_for(buyer)), json={"gstin": "27AAPFU0939F1ZX"})
    assert bad_gstin.status_code == 422 and bad_gstin.json()["error"]["code"] == "invalid_gstin"
    good = api.patch("/api/users/me", headers=bearer(token_for(buyer)), json={"gstin": "27aapfu0939f1zv"})
    assert good.json()["gstin"] == "27AAPFU0939F1ZV"


def test_docs_and_openapi_are_served(api):
    spec = api.get("/api/openapi.json")
    assert spec.status_code == 200
    assert {"/api/auth/login", "/api/auth/register", "/api/auth/me", "/api/health"} <= set(spec.json()["paths"])
    assert "swagger" in api.get("/api/docs").text.lower()
