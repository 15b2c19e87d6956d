"""Real time in the browser: an admin's red alert for Nashik reaches the Nashik farmer's open dashboard
without a reload, and not the Pune farmer's; a broadcast reaches everyone's header."""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_accounts_journey import login

pytestmark = pytest.mark.e2e

RAMESH, SAVITA, ADMIN = ("9800000003", "Farmer@123"), ("9800000004", "Farmer@123"), ("9800000001", "Admin@12345")


def _signed_in(browser, live_server, who, width=360):
    ctx = browser.new_context(base_url=live_server, viewport={"width": width, "height": 800})
    ctx.set_default_timeout(20_000)
    page = ctx.new_page()
    login(page, *who)
    expect(page.locator("#greeting")).to_be_visible()  # signed in and on the home page (not /login/)
    return ctx, page


def test_red_alert_reaches_nashik_farmer_live_and_not_pune(browser, live_server):
    ramesh_ctx, ramesh = _signed_in(browser, live_server, RAMESH)
    savita_ctx, savita = _signed_in(browser, live_server, SAVITA)
    admin_ctx, admin = _signed_in(browser, live_server, ADMIN, width=1200)
    try:
        for page in (ramesh, savita):
            expect(page.locator("#farmer-dashboard")).to_be_visible()
            expect(page.locator("#mandi-prices .price-row").first).to_be_visible()  # seeded sample prices
        expect(ramesh.locator(".weather-alert[data-severity='red']")).to_have_count(0)
        # Getting started: the seed gave Ramesh a village, district and crops, so those steps are never listed
        # (language and notifications depend on what earlier journeys did, and the card goes once all are done).
        for step in ("profile", "crops"):
            expect(ramesh.locator(f"#onboarding-checklist [data-step='{step}']")).to_have_count(0)
        screenshot(ramesh, "dashboard-getting-started-360")
        ramesh.set_viewport_size({"width": 1280, "height": 800})
        screenshot(ramesh, "dashboard-getting-started-1280")
        ramesh.set_viewport_size({"width": 360, "height": 800})
        before = ramesh.evaluate("performance.now()")  # a reload would reset this clock

        admin.goto("/admin/alerts")
        admin.fill("#alert-district", "Nashik")
        admin.fill("#alert-state", "Maharashtra")
        admin.select_option("#alert-severity", "red")
        admin.fill("#alert-title-en", "Extremely heavy rain")
        admin.fill("#alert-message-en", "Harvest onions today and move them under cover.")
        admin.click("#alert-submit")  # checks it and shows who it reaches
        admin.click("#alert-confirm")
        issued = time.monotonic()
        expect(admin.locator("#active-alerts")).to_contain_text("Extremely heavy rain")

        red = ramesh.locator(".weather-alert[data-severity='red']")
        expect(red).to_contain_text("Extremely heavy rain", timeout=2_000)
        seen_after = time.monotonic() - issued
        assert ramesh.evaluate("performance.now()") > before, "the farmer's page was reloaded"
        expect(ramesh.locator("#unread-count")).to_have_text(re.compile(r"[1-9]"))
        expect(ramesh.locator("#inbox")).to_contain_text("Extremely heavy rain")
        screenshot(ramesh, "live-red-alert-360")
        print(f"red alert visible on the farmer's screen {seen_after:.2f}s after issuing")

        time.sleep(1)  # give a wrongly addressed event every chance to arrive
        expect(savita.locator(".weather-alert[data-severity='red']")).to_have_count(0)

        admin.goto("/admin/live")
        # At least these two farmers (tabs left by earlier journeys may still count): 2-9 or any two-digit-plus
        expect(admin.locator("#live-farmers")).to_have_text(re.compile(r"^(?:[2-9]|[1-9]\d+)$"))
        admin.fill("#broadcast-message", "Mandi closed on Monday")
        admin.click("#broadcast-submit")
        for page in (ramesh, savita):
            expect(page.locator("#system-banner")).to_contain_text("Mandi closed on Monday")
        screenshot(admin, "admin-live-desktop")
    finally:
        for ctx in (ramesh_ctx, savita_ctx, admin_ctx):
            ctx.close()
