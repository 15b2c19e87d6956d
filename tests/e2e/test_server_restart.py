"""A server restart under an open dashboard: the web process goes away with every in-memory Reflex state,
a warning is issued while it is down, and the farmer's tab — never reloaded — reconnects by itself, rebuilds
its screen from the database (prices still there, not blank), shows the warning it missed, and then takes
live events from the new process again."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_live_dashboard import ADMIN, RAMESH, _signed_in

pytestmark = pytest.mark.e2e

# Issued straight through the service, as the job worker or another web process would while this one is down.
ISSUE_WHILE_DOWN = """
import kisaan_app.tasks  # registers the named jobs the service enqueues, as every real process does
from datetime import timedelta
from sqlmodel import select
from kisaan_app.db import session_scope
from kisaan_app.models.accounts import User
from kisaan_app.models.base import utcnow
from kisaan_app.services import accounts
from kisaan_app.services.feeds import weather

with session_scope() as session:
    admin = session.exec(select(User).where(User.phone == "+919800000001")).one()
    weather.issue_alert(
        session, accounts.to_principal(admin), None, district="Nashik", state="Maharashtra", severity="orange",
        title="Hailstorm expected tonight", message="Cover the nursery beds before dark.",
        valid_from=utcnow(), valid_until=utcnow() + timedelta(hours=6),
    )
"""


def test_open_dashboard_survives_a_server_restart_and_catches_up(browser, app_server):
    farmer_ctx, farmer = _signed_in(browser, app_server.base, RAMESH)
    try:
        expect(farmer.locator("#mandi-prices .price-row").first).to_be_visible()
        prices_before = farmer.locator("#mandi-prices .price-row").count()
        clock = farmer.evaluate("performance.now()")  # a reload would reset this clock

        app_server.stop_web()
        app_server.run_python(["-c", ISSUE_WHILE_DOWN])
        app_server.start_web()

        # Reflex reconnects the socket; the new process has no state for this tab and rebuilds it on load.
        missed = farmer.locator(".weather-alert", has_text="Hailstorm expected tonight")
        expect(missed).to_have_attribute("data-severity", "orange", timeout=30_000)
        expect(farmer.locator("#mandi-prices .price-row")).to_have_count(prices_before)
        expect(farmer.locator("#unread-count")).to_have_text(re.compile(r"[1-9]"))
        assert farmer.evaluate("performance.now()") > clock, "the farmer's page was reloaded"
        assert farmer.evaluate("performance.getEntriesByType('navigation').length") == 1

        # The new process knows this tab: a red warning issued now arrives live.
        admin_ctx, admin = _signed_in(browser, app_server.base, ADMIN, width=1200)
        try:
            admin.goto("/admin/alerts")
            admin.fill("#alert-district", "Nashik")
            admin.fill("#alert-state", "Maharashtra")
            admin.select_option("#alert-severity", "red")
            admin.fill("#alert-title-en", "Flash flood warning")
            admin.fill("#alert-message-en", "Keep cattle away from the river bank.")
            admin.click("#alert-submit")
            admin.click("#alert-confirm")
            fresh = farmer.locator(".weather-alert", has_text="Flash flood warning")
            expect(fresh).to_have_attribute("data-severity", "red", timeout=5_000)
        finally:
            admin_ctx.close()
    finally:
        farmer_ctx.close()
