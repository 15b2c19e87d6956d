"""The trade half in two browsers: a farmer lists onions, a buyer bids, the farmer counters, the buyer
accepts — and both pages show the negotiation and the order the moment it happens, without a reload."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_live_dashboard import RAMESH, _signed_in
from tests.e2e.test_payments_journey import BUYER

pytestmark = pytest.mark.e2e


def test_list_bid_counter_accept_live_on_both_sides(browser, live_server):
    farmer_ctx, farmer = _signed_in(browser, live_server, RAMESH)
    buyer_ctx, buyer = _signed_in(browser, live_server, BUYER)
    try:
        farmer.goto("/market/sell")
        farmer.fill("#sell-crop", "Onion")
        farmer.fill("#sell-district", "Nashik")
        farmer.fill("#sell-state", "Maharashtra")
        farmer.fill("#sell-quantity", "25")
        farmer.fill("#sell-price", "500")
        # The bundled price sample has Nashik onions near ₹2,000 a quintal: ₹500 is far below it.
        expect(farmer.locator("#price-hint")).to_contain_text("per quintal")
        expect(farmer.locator("#price-warning")).to_be_visible()
        farmer.fill("#sell-price", "2100")
        expect(farmer.locator("#price-warning")).to_have_count(0)
        farmer.locator("#sell-submit").click()
        farmer.wait_for_url(re.compile(r"/market/listing/?\?id=\d+"))
        expect(farmer.locator("#listing-remaining")).to_contain_text("25 quintal")
        screenshot(farmer, "market-1-listed")

        buyer.goto(farmer.url)
        buyer.fill("#bid-quantity", "10")
        buyer.fill("#bid-price", "1900")
        buyer.locator("#bid-submit").click()
        expect(buyer.locator(".bid-thread")).to_contain_text("Waiting for farmer")

        thread = farmer.locator(".bid-thread")  # arrives without a reload
        expect(thread).to_contain_text("Imran Traders")
        thread.locator("input[name=price]").fill("2050")
        thread.locator("button[type=submit]").click()
        expect(thread).to_contain_text("Counter-offer")
        screenshot(farmer, "market-2-countered")

        buyer_thread = buyer.locator(".bid-thread")
        expect(buyer_thread).to_contain_text("₹2,050")
        buyer_thread.get_by_role("button", name="Accept").click()

        for page in (buyer, farmer):
            expect(page.locator(".order-made")).to_contain_text("₹20,500")
        expect(farmer.locator("#listing-remaining")).to_contain_text("15 quintal")
        screenshot(buyer, "market-3-order-buyer")
        buyer.goto("/orders")
        expect(buyer.locator("#orders")).to_contain_text("Confirmed, awaiting payment")
    finally:
        farmer_ctx.close()
        buyer_ctx.close()


def test_the_farmer_shows_the_buyer_a_farm_gate_qr_from_the_orders_page(browser, live_server):
    """The Orders page's farm-gate button (a guarded background event) starts the buyer's payment and shows its
    single-use UPI QR on the payment's page; POST /api/market/orders/{id}/farm-gate-qr is the same call."""
    farmer_ctx, farmer = _signed_in(browser, live_server, RAMESH)
    buyer_ctx, buyer = _signed_in(browser, live_server, BUYER)
    try:
        farmer.goto("/market/sell")
        farmer.fill("#sell-crop", "Garlic")
        farmer.fill("#sell-district", "Nashik")
        farmer.fill("#sell-state", "Maharashtra")
        farmer.fill("#sell-quantity", "12")
        farmer.fill("#sell-price", "8,000")
        farmer.locator("#sell-submit").click()
        farmer.wait_for_url(re.compile(r"/market/listing/?\?id=\d+"))

        buyer.goto(farmer.url)
        buyer.fill("#bid-quantity", "2")
        buyer.fill("#bid-price", "7,900.50")
        buyer.locator("#bid-submit").click()
        expect(buyer.locator(".bid-thread")).to_contain_text("Waiting for farmer")
        farmer.locator(".bid-thread").get_by_role("button", name="Accept").click()
        expect(farmer.locator(".order-made")).to_contain_text("₹15,801")
        number = farmer.locator(".order-made").inner_text().split()[1]

        farmer.goto("/orders")
        order = farmer.locator("#orders .rt-Card", has_text=number)
        order.locator("[id^=order-qr-]").click()
        farmer.wait_for_url(re.compile(r"/payments/view/?\?receipt=rcpt_"))
        expect(farmer.locator("#upi-qr")).to_be_visible()
        expect(farmer.get_by_text("₹15,801").first).to_be_visible()
        screenshot(farmer, "market-4-farm-gate-qr")
    finally:
        farmer_ctx.close()
        buyer_ctx.close()
