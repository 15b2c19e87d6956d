"""Paying in the browser: the demo buyer pays an order through the sandbox checkout and sees it paid; an
admin refunds half and the buyer's open payment page shows the refund without a reload."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_live_dashboard import ADMIN, _signed_in

pytestmark = pytest.mark.e2e
BUYER = ("9800000005", "Buyer@1234")


def test_buyer_pays_through_checkout_and_admin_refunds_half(browser, live_server):
    buyer_ctx, buyer = _signed_in(browser, live_server, BUYER)
    admin_ctx, admin = _signed_in(browser, live_server, ADMIN, width=1200)
    try:
        buyer.goto("/payments")
        expect(buyer.get_by_text("Test mode", exact=False).first).to_be_visible()
        order = buyer.locator(".awaiting-order", has_text="DEMO-ORD-1001")
        expect(order).to_contain_text("₹21,500")
        order.get_by_role("button").click()

        # The sandbox's checkout page stands in for Razorpay Checkout, and says it is a test.
        expect(buyer.get_by_text("TEST MODE", exact=False).first).to_be_visible()
        screenshot(buyer, "payments-1-sandbox-checkout")
        buyer.locator("#sandbox-pay-success").click()

        buyer.wait_for_url(re.compile(r"/payments/view/?\?receipt=rcpt_"))
        expect(buyer.locator("#payment-status")).to_have_text("Paid")
        expect(buyer.get_by_text("Payment received", exact=False)).to_be_visible()
        receipt = re.search(r"receipt=(rcpt_[0-9a-f]+)", buyer.url).group(1)
        screenshot(buyer, "payments-2-paid")

        admin.goto("/admin/payments")
        admin.locator(f"#refund-{receipt}").click()
        admin.fill("#refund-amount", "10750")
        admin.fill("#refund-reason", "Half the onions were damaged in transit")
        admin.locator("#refund-review").click()
        expect(admin.locator("#refund-summary")).to_contain_text("₹10,750")
        admin.locator("#refund-confirm").click()
        expect(admin.locator("#refund-done")).to_be_visible()
        screenshot(admin, "payments-3-admin-refunded")

        # The buyer's page was never reloaded: the refund webhook moves it live.
        expect(buyer.locator("#payment-status")).to_have_text("Partly refunded", timeout=15_000)
        expect(buyer.locator("#refunds-table")).to_contain_text("₹10,750")
        screenshot(buyer, "payments-4-buyer-sees-refund")
        expect(admin.locator("#admin-payments-table")).to_contain_text("Partly refunded")
    finally:
        buyer_ctx.close()
        admin_ctx.close()
