"""Money to the farmer in the browser (issue 14): Ramesh sets up where he is paid (UPI), a buyer pays for his
onions through the sandbox checkout, the job worker transfers his share (after the 2 % platform fee) on hold
through Razorpay Route, and when the buyer confirms delivery Ramesh's open Payouts page shows it released."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_live_dashboard import ADMIN, RAMESH, _signed_in
from tests.e2e.test_money_integrity_journey import (  # noqa: F401 - fixtures shared with the money journey
    PUNE_BUYER,
    _new_sale,
    _sandbox,
    _user,
    people,
    server_db,
)

pytestmark = pytest.mark.e2e


def _transfer_of(order_number: str) -> dict:
    from sqlmodel import select

    from kisaan_app.db import session_scope
    from kisaan_app.models.market import MarketOrder
    from kisaan_app.models.payouts import Payout

    with session_scope() as session:
        order = session.exec(select(MarketOrder).where(MarketOrder.order_number == order_number)).one()
        payout = session.exec(select(Payout).where(Payout.market_order_id == order.id)).one()
    assert payout.razorpay_transfer_id, payout
    return _sandbox(f"/v1/transfers/{payout.razorpay_transfer_id}")


def _listing_of(order_id: int) -> int:
    from kisaan_app.db import session_scope
    from kisaan_app.models.market import MarketOrder

    with session_scope() as session:
        return session.get(MarketOrder, order_id).listing_id


def _dispatch(order_id: int) -> None:
    """Ramesh hands the onions over (his side of the order page is covered by the market journey)."""
    from kisaan_app.db import session_scope
    from kisaan_app.services import accounts
    from kisaan_app.services.market import orders
    from tests.e2e.test_money_integrity_journey import RAMESH as RAMESH_PHONE

    with session_scope() as session:
        seller = accounts.to_principal(_user(session, RAMESH_PHONE))
        orders.advance(session, seller, None, order_id, "dispatched")


def test_buyer_pays_confirms_delivery_and_the_farmer_sees_the_transfer_released(browser, live_server, people):  # noqa: F811
    ramesh_ctx, ramesh = _signed_in(browser, live_server, RAMESH)
    buyer_ctx, buyer = _signed_in(browser, live_server, PUNE_BUYER, width=1280)
    try:
        ramesh.goto("/payouts")
        expect(ramesh.locator("#payout-explainer")).to_contain_text("2%")
        if ramesh.locator("#payout-account-to").count() == 0:  # a rerun against the same server has one
            ramesh.select_option("#payout-kind", "upi")
            ramesh.fill("input[name=upi_vpa]", "ramesh")  # not a UPI id: refused beside its field, nothing saved
            for name, value in {
                "beneficiary_name": "Ramesh Pawar",
                "legal_name": "Ramesh Pawar",
                "pan": "ABCPP1234F",
                "phone": "9800000003",
                "email": "ramesh@example.com",
                "street": "Gat 12, Pimpalgaon",
                "city": "Nashik",
                "state": "Maharashtra",
                "pincode": "422209",
            }.items():
                ramesh.fill(f"input[name={name}]", value)
            ramesh.locator("#payout-account-save").click()
            expect(ramesh.get_by_text("The UPI ID looks like name@bank.")).to_be_visible()
            screenshot(ramesh, "payouts-1-form-error-360")
            ramesh.fill("input[name=upi_vpa]", "ramesh.pawar@okaxis")
            ramesh.locator("#payout-account-save").click()
        expect(ramesh.locator("#payout-account-to")).to_have_text("ramesh.pawar@okaxis", timeout=30_000)
        screenshot(ramesh, "payouts-2-account-ready-360")

        order_id, number = _new_sale(people, quintals=2, rupees_per_quintal=2500)  # ₹5,000: fee ₹100
        buyer.goto(f"/market/listing?id={_listing_of(order_id)}")  # the fee is said before anyone agrees
        expect(buyer.locator("#bid-fee-note")).to_contain_text("2%")
        screenshot(buyer, "payouts-0-fee-before-bid-1280")
        buyer.goto("/payments")
        buyer.locator(".awaiting-order", has_text=number).get_by_role("button").click()
        buyer.wait_for_url(re.compile(r"/sandbox/checkout/order_"))
        buyer.locator("#sandbox-pay-success").click()
        buyer.wait_for_url(re.compile(r"/payments/view/?\?receipt=rcpt_"))
        expect(buyer.locator("#payment-status")).to_have_text("Paid", timeout=15_000)
        expect(buyer.locator("#receipt-fee")).to_contain_text("₹100")  # the receipt's fee line
        expect(buyer.locator("#receipt-fee")).to_contain_text("₹4,900")
        screenshot(buyer, "payouts-2b-receipt-fee-1280")

        # The worker made the transfer on hold; Ramesh's open page shows it without a reload.
        card = ramesh.locator(".payout-card", has_text=number)
        expect(card).to_contain_text("On hold until delivery", timeout=30_000)
        expect(card).to_contain_text("₹4,900")  # ₹5,000 less the 2 % platform fee
        expect(card).to_contain_text("₹100")
        held = _transfer_of(number)
        assert (held["amount"], held["on_hold"]) == (490_000, True), held
        screenshot(ramesh, "payouts-3-on-hold-360")

        _dispatch(order_id)
        buyer.goto("/orders")
        buyer.locator(f"#order-delivered-{order_id}").click()
        expect(buyer.locator(f"#order-{order_id}")).to_contain_text("Delivered")

        expect(card).to_contain_text("Released", timeout=30_000)
        released = _transfer_of(number)
        assert (released["amount"], released["on_hold"], released["amount_reversed"]) == (490_000, False, 0)
        screenshot(ramesh, "payouts-4-released-360")
        ramesh.set_viewport_size({"width": 1280, "height": 800})
        screenshot(ramesh, "payouts-5-released-1280")
        ramesh.select_option("#language-switch", "hi")
        expect(ramesh.locator(".payout-card", has_text=number)).to_contain_text("छोड़ दिया गया")
        ramesh.set_viewport_size({"width": 360, "height": 800})
        screenshot(ramesh, "payouts-6-released-hindi-360")
        ramesh.select_option("#language-switch", "en")  # Ramesh reads English in the other journeys
        expect(card).to_contain_text("Released")  # the switch has landed before the next page

        # His price alerts page (same tab, same build): a typo is refused beside its box, a good rule is listed.
        ramesh.goto("/alerts/prices")
        ramesh.fill("input[name=commodity]", "Onion")
        ramesh.fill("input[name=place]", "Lasalgaon")
        ramesh.select_option("#alert-kind", "above")
        ramesh.fill("input[name=amount]", "25OO")
        ramesh.locator("#price-alert-add").click()
        expect(ramesh.get_by_text("Enter the price per quintal in rupees.")).to_be_visible()
        ramesh.fill("input[name=amount]", "2500")
        ramesh.locator("#price-alert-add").click()
        expect(ramesh.locator(".price-alert-rule", has_text="Lasalgaon").first).to_contain_text("₹2,500")
        screenshot(ramesh, "payouts-7-price-alerts-360")

        # The platform admin's reconciliation: Razorpay's transfers against ours, nothing to flag.
        admin_ctx, admin = _signed_in(browser, live_server, ADMIN, width=1280)
        try:
            admin.goto("/payouts")
            admin.locator("#payout-reconcile").click()
            expect(admin.locator("#payout-reconciled")).to_contain_text("0 differences")
            expect(admin.locator(".payout-card", has_text=number)).to_contain_text("Released")
            screenshot(admin, "payouts-8-admin-reconciled-1280")
        finally:
            admin_ctx.close()
    finally:
        ramesh_ctx.close()
        buyer_ctx.close()
