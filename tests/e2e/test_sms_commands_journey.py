"""A basic phone texts the app: from the developer outbox, the sandbox signs "भाव प्याज" as Twilio would and posts
it to the inbound webhook; the job worker sends the answer back through the Twilio stand-in, and the history shows
both sides of the exchange."""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e
FARMER_PHONE = "+919800000003"  # Ramesh Pawar, Nashik, grows onion (kisaan_app/seed.py)


def _sign_in_as_admin(page) -> None:
    page.goto("/login")
    page.fill("#identifier", "9800000001")
    page.fill("#password", "Admin@12345")
    page.click("#login-submit")
    expect(page).to_have_url(re.compile(r"/$"), timeout=20_000)
    expect(page.locator("main.app-main")).to_have_attribute("data-access", "ok")


def test_a_farmer_texts_a_price_command_and_the_answer_comes_back(page):
    _sign_in_as_admin(page)
    page.goto("/dev/outbox")
    expect(page.locator("#inbound-phone")).to_have_value(FARMER_PHONE)
    page.fill("#inbound-text", "भाव प्याज")
    page.click("#inbound-send")
    # The sandbox signs and posts to the webhook, which answers after writing the exchange: on a loaded machine
    # that took longer than expect()'s default 5 s.
    expect(page.locator("#inbound-note")).to_contain_text("200", timeout=30_000)
    # The reply is a delivery of its own, sent by the worker: it reaches the sandbox a moment later.
    outbox = page.locator("#outbox-list")
    for _ in range(30):
        if "Rs/quintal" in (outbox.inner_text() if outbox.count() else "") or "क्विंटल" in outbox.inner_text():
            break
        time.sleep(0.5)
        page.click("#outbox-refresh")
    expect(outbox).to_contain_text(re.compile(r"SMS to \+919800000003 .*(Rs/quintal|क्विंटल)"))
    expect(outbox).to_contain_text("SMS from +919800000003 to the app: भाव प्याज → 200")
    screenshot(page, "sms-command-outbox-360")
    page.set_viewport_size({"width": 1280, "height": 800})
    screenshot(page, "sms-command-outbox-1280")

    page.goto("/admin/messages/history")
    expect(page.locator(".delivery-row .received").first).to_be_visible()
    screenshot(page, "sms-command-history-1280")
    page.set_viewport_size({"width": 360, "height": 740})
    screenshot(page, "sms-command-history-360")
