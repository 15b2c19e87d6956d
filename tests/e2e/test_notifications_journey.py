"""Notifications in the browser: an admin's bulk message to Nashik (in-app + SMS) shows its recipient count,
sends without blocking, fills its progress bar live, and lands in the Nashik farmer's open inbox without a
reload (not the Pune farmer's); the admin drills into a delivery and sees the SMS in the developer outbox.
A person's notification preferences save and survive a reload."""

import json
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_live_dashboard import ADMIN, RAMESH, SAVITA, _signed_in

pytestmark = pytest.mark.e2e

BUYER, ORG_ADMIN = ("9800000005", "Buyer@1234"), ("9800000002", "FpoAdmin@123")
TITLE = "Onion procurement camp"
FORBIDDEN = "You do not have access to this page"
TEXT = "Bring 2 kg samples to Lasalgaon mandi on Friday, 10 am."


def test_bulk_message_to_nashik_reaches_its_farmer_live(browser, live_server):
    ramesh_ctx, ramesh = _signed_in(browser, live_server, RAMESH)
    savita_ctx, savita = _signed_in(browser, live_server, SAVITA)
    admin_ctx, admin = _signed_in(browser, live_server, ADMIN)
    try:
        for page in (ramesh, savita):
            expect(page.locator("#inbox")).to_be_visible()
        before = ramesh.evaluate("performance.now()")  # a reload would reset this clock

        admin.goto("/admin/messages")
        expect(admin.locator("#msg-district")).to_be_visible()
        admin.fill("#msg-district", "Nashik")
        admin.select_option("#msg-category", "weather")  # farmers get weather messages by SMS too by default
        admin.click("#msg-channel-sms")
        # Ramesh, and any Nashik farmer an earlier journey registered (the suite shares one database; one
        # registered by email alone has no number, so SMS may reach fewer than in-app).
        expect(admin.locator("#count-in_app")).to_contain_text(re.compile(r"[1-9]"))
        expect(admin.locator("#count-sms")).to_contain_text(re.compile(r"[1-9]"))
        in_app, sms = (
            int(re.search(r"\d+", admin.locator(f"#count-{c}").inner_text()).group()) for c in ("in_app", "sms")
        )
        assert sms <= in_app
        admin.fill("#msg-subject", TITLE)
        admin.fill("#msg-text", TEXT)
        admin.click("#msg-preview-button")
        expect(admin.locator("#msg-preview")).to_contain_text(TEXT)
        screenshot(admin, "admin-messages-compose-360")

        admin.click("#msg-send")
        expect(admin.locator("#msg-confirm-question")).to_contain_text(re.compile(r"\d+ (people|person)\?"))
        admin.click("#msg-confirm-send")
        progress = admin.locator("#campaign-progress")
        expect(progress).to_be_visible()
        expect(admin.locator("#campaign-figures")).to_contain_text(f"of {in_app + sms}")  # one row per channel each
        expect(admin.locator("#campaign-state")).to_have_text("Done", timeout=60_000)
        expect(progress).to_have_attribute("data-done", "true")
        expect(admin.locator("#campaign-figures")).to_contain_text("failed 0")
        expect(admin.locator("#campaigns-table")).to_contain_text(TITLE)
        screenshot(admin, "admin-messages-done-360")

        expect(ramesh.locator("#inbox")).to_contain_text(TITLE, timeout=15_000)
        assert ramesh.evaluate("performance.now()") > before, "the farmer's page was reloaded"
        expect(ramesh.locator("#unread-count")).to_have_text(re.compile(r"[1-9]"))
        screenshot(ramesh, "inbox-campaign-360")
        expect(savita.locator("#inbox")).not_to_contain_text(TITLE)

        admin.click("text=See every delivery")
        rows = admin.locator("#history-table .delivery-row")
        expect(rows).to_have_count(in_app + sms)
        expect(admin.locator("#channel-stats")).to_be_visible()
        expect(admin.locator("#history-chart")).to_be_visible()
        screenshot(admin, "message-history-360")
        rows.filter(has_text="SMS").first.locator("a").click()
        detail = admin.locator("#delivery-detail")
        expect(detail).to_contain_text("Provider message id")
        expect(detail).to_contain_text(re.compile(r"SM[0-9a-f]{10,}"))  # the Twilio stand-in's message sid
        screenshot(admin, "message-history-detail-360")

        admin.goto("/dev/outbox")
        admin.select_option("#outbox-provider", "twilio")
        expect(admin.locator("#outbox-list")).to_contain_text("+919800000003")
        screenshot(admin, "dev-outbox-360")
    finally:
        for ctx in (ramesh_ctx, savita_ctx, admin_ctx):
            ctx.close()


def test_notification_preferences_save_and_survive_a_reload(browser, live_server):
    ctx, page = _signed_in(browser, live_server, BUYER)
    try:
        page.goto("/settings/notifications")
        box = page.locator("#pref-prices-sms")
        expect(box).to_have_attribute("data-state", "unchecked")
        box.click()
        expect(box).to_have_attribute("data-state", "checked")
        page.fill("#quiet-start", "22:00")
        page.fill("#quiet-end", "06:00")
        page.click("#prefs-save")
        expect(page.locator("#prefs-saved")).to_be_visible()
        # Headless Chromium has no push service: the page says so in words instead of failing silently.
        expect(page.locator("#push-status")).to_contain_text("not on for this device")
        page.click("#push-enable")
        expect(page.locator("#push-status")).to_contain_text(re.compile("blocked|could not|cannot"))
        screenshot(page, "notification-settings-360")

        page.reload()
        expect(page.locator("#pref-prices-sms")).to_have_attribute("data-state", "checked")
        expect(page.locator("#quiet-start")).to_have_value("22:00")
        expect(page.locator("#quiet-end")).to_have_value("06:00")

        page.select_option("#language-switch", "hi")  # every string comes from the catalogue
        expect(page.locator("#prefs-save")).to_have_text("सहेजें")
        expect(page.locator("#prefs-grid")).to_contain_text("मंडी भाव")
        screenshot(page, "notification-settings-hi-360")
        page.select_option("#language-switch", "en")
        expect(page.locator("#prefs-save")).to_have_text("Save")
    finally:
        ctx.close()


def test_template_preview_names_a_missing_value_then_saves(browser, live_server):
    ctx, page = _signed_in(browser, live_server, ADMIN)
    try:
        page.goto("/admin/templates")
        page.click("#tpl-new")
        page.fill("#tpl-key", "camp.reminder")
        page.fill("#tpl-body", "Namaste {{ name }}, the camp is on {{ day }}.")
        page.fill("#tpl-sample", '{"name": "Ramesh"}')
        page.click("#tpl-preview-button")
        expect(page.locator("#template-editor")).to_contain_text("will not be filled in: day")
        page.fill("#tpl-sample", '{"name": "Ramesh", "day": "Friday"}')
        page.click("#tpl-preview-button")
        expect(page.locator("#tpl-preview")).to_contain_text("Namaste Ramesh, the camp is on Friday.")
        page.fill("#tpl-sample", "not json")
        page.click("#tpl-preview-button")
        expect(page.locator("#template-editor")).to_contain_text("not valid JSON")
        page.click("#tpl-save")
        expect(page.locator("#templates-table")).to_contain_text("camp.reminder")
        expect(page.locator("#templates-table")).to_contain_text("day, name")
        screenshot(page, "admin-templates-360")

        page.goto("/admin/messages")
        expect(page.locator("#msg-template option[value='camp.reminder']")).to_have_count(1)
    finally:
        ctx.close()


# The in-app reach of the Nashik FPO alone and of every FPO, as a platform admin would count them. Other journeys
# may have added members (a farmer joining the FPO), so the figures are read, not assumed.
REACH = """
import json
from sqlmodel import select
from kisaan_app.db import session_scope
from kisaan_app.models.accounts import Organization
from kisaan_app.services.notifications.audience import Audience, count_by_channel

with session_scope() as session:
    nashik = session.exec(select(Organization).where(Organization.name == "Nashik Onion Growers FPO")).one()
    fpo = count_by_channel(session, None, Audience(organization_id=nashik.id), ["in_app"], "system")["in_app"]
    everyone = count_by_channel(session, None, Audience(), ["in_app"], "system")["in_app"]
print(json.dumps([fpo, everyone]))
"""


def test_org_admin_composes_for_their_own_fpo_only(browser, app_server):
    fpo_reach, platform_reach = json.loads(app_server.run_python(["-c", REACH]))
    assert 1 <= fpo_reach < platform_reach  # Ramesh at least; the Pune farmer only in the platform's figure
    ctx, page = _signed_in(browser, app_server.base, ORG_ADMIN)
    try:
        page.goto("/admin/messages")
        options = page.locator("#msg-org option")
        expect(options).to_have_count(2)  # "All" (their FPO, whatever is sent) and their FPO
        expect(options.nth(1)).to_have_text("Nashik Onion Growers FPO")
        # "All" for an org admin means their FPO: never the platform's reach
        expect(page.locator("#count-in_app")).to_have_text(re.compile(rf"\D{fpo_reach}$"))
        page.goto("/admin/templates")
        expect(page.locator("text=" + FORBIDDEN)).to_be_visible()
    finally:
        ctx.close()
