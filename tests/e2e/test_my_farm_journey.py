"""A farmer opens My farm from the menu and sees their charts first (the seeded demo farmer: the funnel always
has its four stages; income shows once a buyer paid)."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_accounts_journey import login

pytestmark = pytest.mark.e2e


def test_farmer_opens_my_farm_and_sees_a_chart(page):
    login(page, "9800000003", "Farmer@123")
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto("/my-farm")
    expect(page.locator("main[data-access=ok]")).to_be_visible()
    chart = page.locator("#funnel-card .recharts-wrapper")
    expect(chart).to_be_visible(timeout=20_000)
    expect(chart).to_contain_text("Listings")
    expect(page.locator("#money-pending")).to_contain_text("₹")  # the demo orders wait for the buyer
    expect(page.locator("#plan-status")).not_to_be_empty()
    screenshot(page, "my-farm-360")
