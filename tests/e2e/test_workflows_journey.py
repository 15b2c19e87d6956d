"""Workflows in the browser: an FPO admin imports members from a CSV and watches the progress bar finish; a
farmer reports a crop problem, the FPO admin takes it up and sends advice, and the farmer reads it on their
dashboard and closes the case. Pictures at 360 px and 1280 px."""

import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_accounts_journey import login

pytestmark = pytest.mark.e2e

FPO_ADMIN = ("9800000002", "FpoAdmin@123")
FARMER = ("9800000003", "Farmer@123")


def _members_csv(tmp_path) -> str:
    base = 7000000000 + uuid.uuid4().int % 10**8  # numbers no earlier journey used
    lines = ["name,phone,village,crops,language"] + [
        f"Member {chr(65 + i)},+91 9{(base + i) % 10**9:09d},Pimpalgaon,Onion,hi" for i in range(12)
    ]
    path = tmp_path / "members.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "\n".join(lines).encode())
    return str(path)


def test_fpo_imports_members_and_follows_up_a_crop_case(browser, live_server, tmp_path):
    farmer_ctx = browser.new_context(base_url=live_server, viewport={"width": 360, "height": 740})
    admin_ctx = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    try:
        admin = admin_ctx.new_page()
        login(admin, *FPO_ADMIN)
        expect(admin.locator("#admin-home")).to_be_visible(timeout=20_000)
        admin.goto("/admin/members/import")
        bad = tmp_path / "bad.csv"
        bad.write_bytes(b"name,phone\nRavi Kumar,12345\n=HYPERLINK(1),9822011111\n")
        admin.set_input_files("#members-csv input[type=file]", str(bad))
        admin.click("#members-upload")
        expect(admin.locator("#import-problems")).to_contain_text("Line 2, phone")  # nothing imported
        expect(admin.locator("#import-problems")).to_contain_text("Line 3, name")
        screenshot(admin, "member-import-refused-1280")
        admin.set_input_files("#members-csv input[type=file]", _members_csv(tmp_path))
        admin.click("#members-upload")
        first = admin.locator(".member-import").first
        expect(first).to_contain_text("12 of 12 done", timeout=60_000)  # the worker's job, pushed live
        screenshot(admin, "member-import-1280")
        admin.set_viewport_size({"width": 360, "height": 740})
        screenshot(admin, "member-import-360")
        admin.set_viewport_size({"width": 1280, "height": 900})

        farmer = farmer_ctx.new_page()
        login(farmer, *FARMER)
        expect(farmer.locator("#farmer-home")).to_be_visible(timeout=20_000)
        expect(farmer.locator("#crop-report-form")).to_be_visible(timeout=20_000)
        note = f"White flies under the leaves {uuid.uuid4().hex[:6]}"
        farmer.select_option("#report-issue", "pest")
        farmer.fill("#report-note", note)
        farmer.click("#report-submit")
        expect(farmer.locator("#crop-reports")).to_contain_text(note)

        admin.goto("/admin/crop-cases")
        case = admin.locator(".crop-case", has_text=note)
        expect(case).to_be_visible(timeout=20_000)
        case.get_by_role("button", name="Take it up").click()
        expect(case).to_contain_text("Being looked at")
        case.locator("textarea").fill("Spray neem oil 5 ml per litre in the evening.")
        case.get_by_role("button", name="Send advice").click()
        expect(case).to_contain_text("Advice sent")
        screenshot(admin, "crop-cases-1280")
        admin.set_viewport_size({"width": 360, "height": 740})
        screenshot(admin, "crop-cases-360")

        farmer.reload()
        report = farmer.locator(".crop-report", has_text=note)
        expect(report).to_contain_text("Spray neem oil", timeout=20_000)
        screenshot(farmer, "farmer-case-advice-360")
        report.get_by_role("button", name="Solved, close it").click()
        expect(report).to_contain_text("Closed")
    finally:
        farmer_ctx.close()
        admin_ctx.close()
