"""Journeys a person takes in Chromium against the production build."""

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e


def login(page, phone: str, password: str) -> None:
    page.goto("/login")
    page.fill("#identifier", phone)
    page.fill("#password", password)
    page.click("#login-submit")


def test_farmer_registers_logs_in_sees_home_in_hindi_and_logs_out(page):
    phone = f"9{uuid.uuid4().int % 10**9:09d}"
    page.goto("/register")
    page.fill("#full_name", "Kamla Devi")
    page.fill("#phone", phone)
    page.fill("#password", "kisaan-pass-2026")
    page.fill("#district", "Nashik")
    page.click("#register-submit")
    expect(page).to_have_url(re.compile(r"/$"), timeout=20_000)
    expect(page.locator("#greeting")).to_have_text("Namaste, Kamla Devi")
    expect(page.locator("#farmer-home")).to_be_visible()
    # The session is an HttpOnly cookie that JavaScript cannot read.
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["kisaan_session"]["httpOnly"] is True
    assert "kisaan_session" not in page.evaluate("document.cookie")

    page.select_option("#language-switch", "hi")
    expect(page.locator("#greeting")).to_have_text("नमस्ते, Kamla Devi")
    expect(page.locator(".main-nav")).to_contain_text("मेरी प्रोफ़ाइल")
    screenshot(page, "farmer-home-hi-360")

    page.click("#logout-button")
    expect(page).to_have_url(re.compile(r"/login"))
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login"))  # the old session is gone

    page.context.clear_cookies()  # forget the language cookie: the account remembers Hindi by itself
    login(page, phone, "kisaan-pass-2026")
    expect(page.locator("#greeting")).to_have_text("नमस्ते, Kamla Devi", timeout=20_000)
    page.click("#logout-button")
    expect(page).to_have_url(re.compile(r"/login"))


def test_wrong_password_shows_a_clear_error(page):
    login(page, "9800000003", "not-my-password")
    expect(page.locator("#login-error")).to_contain_text("wrong")
    expect(page).to_have_url(re.compile(r"/login"))


def test_forged_cookie_gets_the_login_page_not_data(page, live_server):
    page.context.add_cookies(
        [{"name": "kisaan_session", "value": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.forged", "url": live_server}]
    )
    page.goto("/admin/users")
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.locator("#users-table")).to_have_count(0)


def test_org_admin_sees_only_their_own_organisation(page):
    login(page, "9800000002", "FpoAdmin@123")  # Nashik FPO admin (demo data)
    expect(page.locator("#admin-home")).to_be_visible(timeout=20_000)
    page.goto("/admin/users")
    table = page.locator("#users-table")
    expect(table).to_contain_text("Ramesh Pawar")  # Nashik member
    expect(table).not_to_contain_text("Savita Jadhav")  # Pune member
    expect(page.locator("#filter-organization")).to_have_count(0)
    screenshot(page, "org-admin-users-360")


def test_admin_deactivates_a_user_and_it_is_in_the_audit_log(page):
    login(page, "9800000001", "Admin@12345")
    expect(page.locator("#admin-home")).to_be_visible(timeout=20_000)
    page.goto("/admin/users")
    page.fill("#user-search", "Savita")
    page.click("#user-search-submit")
    row = page.locator(".user-row", has_text="Savita Jadhav")
    expect(row).to_have_count(1)
    row.get_by_role("button", name="Deactivate").click()
    page.click("#confirm-deactivate")
    expect(page.locator("#users-message")).to_contain_text("Savita Jadhav")
    expect(row).to_contain_text("Deactivated")
    row.get_by_role("button", name="Reactivate").click()
    expect(row).to_contain_text("Active")
    page.goto("/admin/audit")
    expect(page.locator("#audit-table")).to_contain_text("user.deactivated")
    page.set_viewport_size({"width": 1280, "height": 800})
    screenshot(page, "admin-audit-desktop")
