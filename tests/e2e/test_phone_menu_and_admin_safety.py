"""On a 360 px phone in Hindi: every page of each role's menu is reachable, a role change and a red warning each
ask first and say what will happen, and a logged-out visitor meets the public page, not a signed-in shell."""

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kisaan_app.menu import bar_for, menu_for
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e

HI = json.loads((Path(__file__).resolve().parents[2] / "kisaan_app/i18n/hi.json").read_text(encoding="utf-8"))
PEOPLE = {  # demo data (kisaan_app/seed.py)
    "farmer": ("9800000003", "Farmer@123"),
    "buyer": ("9800000005", "Buyer@1234"),
    "org_admin": ("9800000002", "FpoAdmin@123"),
    "admin": ("9800000001", "Admin@12345"),
}


def _sign_in_in_hindi(page, role: str) -> None:
    phone, password = PEOPLE[role]
    page.goto("/login")
    page.fill("#identifier", phone)
    page.fill("#password", password)
    page.click("#login-submit")
    expect(page).to_have_url(re.compile(r"/$"), timeout=20_000)
    expect(page.locator("main.app-main")).to_have_attribute("data-access", "ok")
    page.select_option("#language-switch", "hi")  # saved on the account: put back by _back_to_english
    expect(page.locator("#language-switch")).to_have_value("hi")


def _back_to_english(page) -> None:
    """The demo people read English in the other journeys."""
    if page.locator("#language-switch").count():
        page.select_option("#language-switch", "en")
        expect(page.locator("#language-switch")).to_have_value("en")


def test_a_logged_out_visitor_meets_the_public_page(page, live_server):
    page.context.add_cookies([{"name": "kisaan_lang", "value": "hi", "url": live_server}])
    page.goto("/")
    welcome = page.locator("#welcome")
    expect(welcome).to_be_visible(timeout=20_000)
    expect(welcome).to_contain_text(HI["welcome.prices"])
    expect(page.locator("#public-prices")).to_contain_text("₹")
    # None of the signed-in shell: no bell, no menu, no "Log out".
    for chrome in ("#inbox-bell", "#logout-button", "#bottom-bar", "#menu-button"):
        expect(page.locator(chrome)).to_have_count(0)
    screenshot(page, "public-home-hi-360")
    page.set_viewport_size({"width": 1280, "height": 800})
    screenshot(page, "public-home-hi-1280")
    page.click("#welcome-login")
    expect(page).to_have_url(re.compile(r"/login"))


@pytest.mark.parametrize("role", ["farmer", "buyer", "org_admin", "admin"])
def test_every_menu_item_of_each_role_is_reachable_at_360(page, role):
    _sign_in_in_hindi(page, role)
    try:
        bar = page.locator("#bottom-bar a.bar-link")
        expect(bar).to_have_count(len(bar_for(role)))
        assert [bar.nth(i).get_attribute("data-path") for i in range(bar.count())] == [m.path for m in bar_for(role)]
        expect(page.locator(".main-nav")).to_be_hidden()  # the laptop's nav gives way to the bar and the drawer
        items = menu_for(role, production=False)  # the e2e server runs with the developer outbox
        page.click("#menu-button")
        links = page.locator("#menu-drawer a.drawer-link")
        expect(links).to_have_count(len(items))
        screenshot(page, f"menu-{role}-hi-360")
        page.click("#menu-close")
        for item in items:
            page.click("#menu-button")
            link = page.locator(f"#menu-drawer a.drawer-link[data-path='{item.path}']")
            expect(link).to_have_text(HI[item.label_key])
            link.click()
            expect(page).to_have_url(re.compile(re.escape(item.path) + r"/?(\?.*)?$"))
            expect(page.locator("main.app-main")).to_have_attribute("data-access", "ok")
            expect(page.locator("#forbidden-state")).to_have_count(0)
        if role == "buyer":
            page.goto("/")
            expect(page.locator("#buyer-listings")).to_contain_text("₹")  # something to do on arrival
            screenshot(page, "buyer-home-hi-360")
    finally:
        _back_to_english(page)


def test_a_role_change_and_a_red_warning_each_ask_first(page):
    _sign_in_in_hindi(page, "admin")
    try:
        page.goto("/admin/users")
        row = page.locator(".user-row", has_text="Savita Jadhav")
        select = row.locator("select")
        select.select_option("admin")
        question = page.locator("#role-confirm-question")
        expect(question).to_have_text("Savita Jadhav को प्लेटफ़ॉर्म एडमिन बनाएँ?")
        screenshot(page, "role-confirm-hi-360")
        page.click("#cancel-role")
        expect(question).to_have_count(0)
        expect(select).to_have_value("farmer")  # nothing changed

        select.select_option("org_admin")
        expect(question).to_have_text("Savita Jadhav को एफ़पीओ एडमिन बनाएँ?")
        page.click("#confirm-role")
        expect(page.locator("#users-message")).to_contain_text("Savita Jadhav")
        expect(select).to_have_value("org_admin")
        select.select_option("farmer")  # and back, as the other journeys know her
        page.click("#confirm-role")
        expect(select).to_have_value("farmer")

        page.goto("/admin/alerts")
        expect(page.locator("main.app-main")).to_have_attribute("data-access", "ok")
        page.fill("#alert-district", "Nasik")  # a typo
        page.select_option("#alert-severity", "red")
        page.fill("#alert-title-en", "Hailstorm tonight")
        page.fill("#alert-message-en", "Cover the onion nursery before evening.")
        page.fill("#alert-title-hi", "आज रात ओलावृष्टि")
        page.fill("#alert-message-hi", "शाम से पहले प्याज़ की नर्सरी ढक दें।")
        page.click("#alert-submit")
        expect(page.locator("#alert-form")).to_contain_text("Nashik")  # "did you mean Nashik?"
        expect(page.locator("#alert-confirm-question")).to_have_count(0)  # nothing to confirm: it reaches nobody
        page.click("#use-suggestion")
        expect(page.locator("#alert-district")).to_have_value("Nashik")
        page.click("#alert-submit")
        confirm = page.locator("#alert-confirm-question")
        # "1 किसान", "2 किसानों": the count takes Hindi's CLDR plural form (one = 0 or 1)
        expect(confirm).to_contain_text(re.compile(r"Nashik के (1 किसान|\d+ किसानों) को लाल चेतावनी भेजें\?"))
        expect(page.locator("#alert-reach-channels")).to_contain_text(HI["channel.sms"])
        screenshot(page, "alert-confirm-hi-360")
        page.click("#alert-confirm")
        expect(page.locator("#alert-issued")).to_be_visible()
        mine = page.locator(".active-alert", has_text="आज रात ओलावृष्टि")  # in the admin's language
        expect(mine).to_have_count(1)
        mine.get_by_role("button").click()  # withdraw it: the other journeys start without it
        expect(mine).to_have_count(0)

        page.goto("/admin/audit")
        cards = page.locator("#audit-cards")  # a phone reads entries as cards, nothing to scroll sideways
        expect(cards).to_be_visible()
        expect(cards.locator(".audit-card", has_text="user.role_changed").first).to_contain_text("Savita Jadhav")
        screenshot(page, "audit-hi-360")
        page.set_viewport_size({"width": 1280, "height": 800})
        table = page.locator("#audit-table")
        expect(table).to_be_visible()
        expect(table).to_contain_text("Savita Jadhav")  # the role change names her, not user:4
        screenshot(page, "audit-hi-1280")
        page.goto("/admin/messages/history")
        expect(page.locator("main.app-main")).to_have_attribute("data-access", "ok")
        screenshot(page, "message-history-hi-1280")
    finally:
        _back_to_english(page)
