"""Reports in the browser (issues 14 and 15): the Nashik FPO's admin builds a custom report, sees its chart,
saves it with a monthly email; Ramesh downloads his statement as a PDF from /payments, on a phone."""

import re
import uuid
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_live_dashboard import RAMESH, _signed_in
from tests.e2e.test_money_integrity_journey import _new_sale, people, server_db  # noqa: F401 - shared fixtures

pytestmark = pytest.mark.e2e
SUNIL = ("9800000002", "FpoAdmin@123")  # the seed's Nashik FPO admin


def test_fpo_admin_charts_and_saves_a_report_and_a_farmer_downloads_his_statement(
    browser,
    live_server,
    people,  # noqa: F811
):
    _new_sale(people, quintals=3, rupees_per_quintal=2200)  # a Nashik sale this month: ₹6,600 of onions
    admin_ctx, admin = _signed_in(browser, live_server, SUNIL, width=1280)
    ramesh_ctx, ramesh = _signed_in(browser, live_server, RAMESH)
    try:
        admin.goto("/admin/reports/custom")
        admin.select_option("#report-measure", "order_value")
        admin.select_option("#report-dimension-1", "crop")
        admin.select_option("#report-period", "this_month")
        admin.locator("#report-preview").click()
        expect(admin.locator("#report-chart")).to_be_visible()
        expect(admin.locator("#report-result")).to_contain_text("Onion")
        expect(admin.locator("#report-total")).to_contain_text("₹")
        screenshot(admin, "reports-1-custom-chart-1280")
        name = f"Board monthly {uuid.uuid4().hex[:6]}"
        admin.fill("input[name=name]", name)
        admin.select_option("#report-schedule", "monthly")
        admin.locator("#report-save").click()
        expect(admin.locator("#report-saved")).to_be_visible()
        expect(admin.locator("#saved-reports")).to_contain_text(name)
        admin.set_viewport_size({"width": 360, "height": 800})
        screenshot(admin, "reports-2-custom-saved-360")
        admin.select_option("#language-switch", "hi")  # the same chart in Hindi (crop names from the glossary)
        admin.locator("#report-preview").click()
        expect(admin.locator("#report-result")).to_contain_text("प्याज़")
        screenshot(admin, "reports-4-custom-hindi-360")
        admin.select_option("#language-switch", "en")  # saved on Sunil's account: later journeys read English

        ramesh.goto("/payments")
        expect(ramesh.locator("#statement-form")).to_be_visible()
        today = date.today()
        ramesh.fill("#statement-date-from", (today - timedelta(days=30)).isoformat())
        ramesh.fill("#statement-date-to", today.isoformat())
        screenshot(ramesh, "reports-3-statement-form-360")
        with ramesh.expect_download() as got:
            ramesh.locator("#statement-download").click()
        download = got.value
        assert re.match(r"statement-\d+-.*\.pdf", download.suggested_filename)
        with open(download.path(), "rb") as pdf:
            assert pdf.read(5) == b"%PDF-"
    finally:
        admin_ctx.close()
        ramesh_ctx.close()
