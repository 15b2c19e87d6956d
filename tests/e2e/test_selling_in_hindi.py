"""Issue 18, part A, as a Hindi-reading farmer and a buyer on 360 px phones: list produce with a Devanagari
village and a crop typed in Hindi (the mandi price hint shows), a double tap that lists once, a 6 MB camera
photo that attaches, a bad bid whose error sits beside its field with the typed values kept, a double-tapped
bid that counts once, a raised bid that replaces the old one for both sides (live), then the order card with
who/where/paid, "dispatched" behind a confirmation with an undo, and a refund the farmer finds in the inbox.

Screenshots of every page this part changed (market, sell, listing, orders, payments) at 360 and 1280 px."""

import io
import random
import re
import uuid

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlmodel import func, select

from kisaan_app.i18n.formatting import rupees
from tests.e2e.conftest import screenshot
from tests.e2e.test_accounts_journey import login
from tests.e2e.test_live_dashboard import ADMIN, RAMESH
from tests.e2e.test_money_integrity_journey import server_db  # noqa: F401 - the fixture, used by name below
from tests.e2e.test_payments_journey import BUYER

pytestmark = pytest.mark.e2e


def _signed_in(browser, live_server, who):
    """A 360 px phone, signed in (a loaded machine may take a while to show the home page)."""
    ctx = browser.new_context(base_url=live_server, viewport={"width": 360, "height": 800})
    ctx.set_default_timeout(20_000)
    page = ctx.new_page()
    login(page, *who)
    expect(page.locator("#greeting")).to_be_visible(timeout=30_000)
    return ctx, page


def _hindi(page) -> None:
    page.select_option("#language-switch", "hi")
    expect(page.locator("html")).to_be_visible()
    page.wait_for_timeout(300)  # the cookie is written by the page; the next navigation reads it


def _camera_photo(megabytes: float = 6) -> bytes:
    """A JPEG as big as a phone camera's: noisy pixels compress badly, like a real field photo."""
    side = 2600
    rng = random.Random(18)
    img = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=92)
    data = out.getvalue()
    assert len(data) >= megabytes * 1024 * 1024 * 0.9, len(data)
    return data


def _count(model, *where) -> int:
    from kisaan_app.db import session_scope

    with session_scope() as session:
        return session.exec(select(func.count()).select_from(model).where(*where)).one()


def _wide(page, name: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, name + "-1280")
    page.set_viewport_size({"width": 360, "height": 800})


def _refund(order_id: int, paise: int) -> None:
    """A platform admin refunds part of the sale (as the admin payments page does), through the sandbox."""
    from kisaan_app.db import session_scope
    from kisaan_app.models.accounts import User
    from kisaan_app.models.payments import Payment
    from kisaan_app.services import accounts
    from kisaan_app.services.payments import refunds

    with session_scope() as session:
        admin = accounts.to_principal(session.exec(select(User).where(User.phone == "+91" + ADMIN[0])).one())
        receipt = session.exec(select(Payment.receipt).where(Payment.market_order_id == order_id)).one()
        refunds.refund(session, admin, None, receipt, paise, "two bags were wet", f"e2e-{uuid.uuid4().hex[:12]}")


def test_a_hindi_farmer_sells_and_a_buyer_bids_on_a_phone(browser, live_server, server_db):  # noqa: F811
    from kisaan_app.models.market import Bid, Listing, MarketOrder, Negotiation

    farmer_ctx, farmer = _signed_in(browser, live_server, RAMESH)
    buyer_ctx, buyer = _signed_in(browser, live_server, BUYER)
    note = f"लाल प्याज़, सूखा हुआ {uuid.uuid4().hex[:6]}"
    try:
        _hindi(farmer)
        _hindi(buyer)
        farmer.goto("/market/sell")
        expect(farmer.locator("#sell-submit")).to_contain_text("लिस्ट")
        farmer.fill("#sell-crop", "प्याज़")
        farmer.fill("#sell-village", "पिंपलगाँव")
        farmer.fill("#sell-district", "नाशिक")
        farmer.fill("#sell-state", "महाराष्ट्र")
        farmer.fill("#sell-quantity", "20")
        farmer.fill("#sell-price", "2100")
        expect(farmer.locator("#price-hint")).to_contain_text("क्विंटल")  # the mandi hint for a Hindi crop name
        farmer.fill("#sell-description", note)
        screenshot(farmer, "sell-hi-360")
        _wide(farmer, "sell-hi")
        farmer.locator("#sell-submit").dblclick()  # a double tap
        farmer.wait_for_url(re.compile(r"/market/listing/?\?id=\d+"))
        listing_url = farmer.url
        expect(farmer.locator("#listing-title")).to_contain_text("प्याज़")
        expect(farmer.locator("#listing-description")).to_have_text(note)
        assert _count(Listing, Listing.description == note) == 1  # one listing, however many taps
        # Back on the form: it is empty again (the last listing's values do not linger).
        farmer.goto("/market/sell")
        expect(farmer.locator("#sell-price")).to_have_value("")
        farmer.goto(listing_url)

        farmer.set_input_files(
            "#listing-photo-file", files=[{"name": "IMG_2026.jpg", "mimeType": "image/jpeg", "buffer": _camera_photo()}]
        )
        expect(farmer.locator("#listing-card-photo")).to_be_visible(timeout=60_000)  # shrunk on the phone, sent
        screenshot(farmer, "listing-photo-hi-360")

        buyer.goto(listing_url)
        expect(buyer.locator("#listing-description")).to_have_text(note)  # the buyer reads the farmer's words
        buyer.fill("#bid-quantity", "5")
        buyer.fill("#bid-price", "0")
        buyer.locator("#bid-submit").click()
        price_field = buyer.locator("#bid-price").locator("xpath=ancestor::div[contains(@class,'rt-Flex')][1]")
        expect(price_field).to_contain_text("शून्य से ज़्यादा भाव")  # beside the field, in Hindi
        expect(buyer.locator("#bid-quantity")).to_have_value("5")  # what was typed stays
        expect(buyer.locator("#bid-price")).to_have_value("0")
        screenshot(buyer, "bid-error-hi-360")

        buyer.fill("#bid-price", "1900")
        buyer.locator("#bid-submit").dblclick()
        expect(buyer.locator(".bid-thread")).to_contain_text("₹1,900")
        expect(buyer.locator("#bid-price")).to_have_value("")  # a success empties the form
        listing_id = int(listing_url.rsplit("=", 1)[1])
        (bid_id,) = _bids(listing_id)
        assert _count(Negotiation, Negotiation.bid_id == bid_id) == 1  # the double tap sent one offer

        buyer.fill("#bid-quantity", "5")
        buyer.fill("#bid-price", "2000")
        buyer.locator("#bid-submit").click()
        for page in (buyer, farmer):  # one thread, the new figure, on both phones without a reload
            expect(page.locator(".bid-thread")).to_have_count(1)
            expect(page.locator(".bid-thread")).to_contain_text("₹2,000")
        assert _bids(listing_id) == [bid_id] and _count(Bid, Bid.listing_id == listing_id) == 1
        screenshot(farmer, "listing-bids-hi-360")

        farmer.locator(f"#accept-{bid_id}").click()
        expect(farmer.locator(".order-made")).to_contain_text("₹10,000")
        order_id = _order_of(listing_id)

        buyer.goto("/orders")
        card = buyer.locator(f"#order-{order_id}")
        expect(card).to_contain_text("प्याज़")
        expect(card).to_contain_text("Ramesh Pawar")
        expect(card).to_contain_text("पिंपलगाँव")
        buyer.locator(f"#order-pay-{order_id}").click()
        buyer.wait_for_url(re.compile(r"/sandbox/checkout/order_"))
        buyer.locator("#sandbox-pay-success").click()
        buyer.wait_for_url(re.compile(r"/payments/view/?\?receipt=rcpt_"))
        _wait(lambda: _status(order_id) == "paid")

        # Earlier journeys refunded this farmer too: the total must grow by exactly this refund.
        farmer.goto("/payments")
        expect(farmer.locator("#total-paid")).not_to_have_text(re.compile(r"^(₹0)?$"))
        refunded_before = _paise(farmer.locator("#total-refunded").inner_text())
        _refund(order_id, 150_000)
        farmer.goto("/")
        expect(farmer.locator("#inbox")).to_contain_text("रिफ़ंड", timeout=20_000)  # told in the farmer's inbox
        screenshot(farmer, "inbox-refund-hi-360")

        farmer.goto("/orders")
        card = farmer.locator(f"#order-{order_id}")
        expect(card).to_contain_text("Imran Traders")
        expect(card.locator(".order-refunded")).to_contain_text("₹1,500")
        farmer.locator(f"#order-dispatched-{order_id}").click()
        expect(farmer.locator("#confirm-dispatch")).to_be_visible()  # asks first
        screenshot(farmer, "orders-confirm-hi-360")
        farmer.locator("#confirm-dispatch").click()
        expect(farmer.locator(f"#order-undo-{order_id}")).to_be_visible()
        screenshot(farmer, "orders-hi-360")
        _wide(farmer, "orders-hi")
        farmer.locator(f"#order-undo-{order_id}").click()
        expect(farmer.locator(f"#order-dispatched-{order_id}")).to_be_visible()
        assert _status(order_id) == "paid"

        farmer.goto("/payments")
        expect(farmer.locator("#total-refunded")).to_have_text(rupees(refunded_before + 150_000))
        screenshot(farmer, "payments-hi-360")
        _wide(farmer, "payments-hi")
        farmer.goto("/market")
        screenshot(farmer, "market-hi-360")
        _wide(farmer, "market-hi")
        assert _count(MarketOrder, MarketOrder.listing_id == listing_id) == 1
    finally:
        for page in (farmer, buyer):  # the account remembers its language: leave the seeded people in English
            page.select_option("#language-switch", "en")
        _wait(lambda: _languages() == {"en"})
        farmer_ctx.close()
        buyer_ctx.close()


def _languages() -> set[str]:
    from kisaan_app.db import session_scope
    from kisaan_app.models.accounts import User

    phones = ["+91" + RAMESH[0], "+91" + BUYER[0]]
    with session_scope() as session:
        return set(session.exec(select(User.preferred_language).where(User.phone.in_(phones))).all())


def _bids(listing_id: int) -> list[int]:
    from kisaan_app.db import session_scope
    from kisaan_app.models.market import Bid

    with session_scope() as session:
        return list(session.exec(select(Bid.id).where(Bid.listing_id == listing_id)).all())


def _order_of(listing_id: int) -> int:
    from kisaan_app.db import session_scope
    from kisaan_app.models.market import MarketOrder

    with session_scope() as session:
        return session.exec(select(MarketOrder.id).where(MarketOrder.listing_id == listing_id)).one()


def _status(order_id: int) -> str:
    from kisaan_app.db import session_scope
    from kisaan_app.models.market import MarketOrder

    with session_scope() as session:
        return session.get(MarketOrder, order_id).status


def _wait(check, timeout: float = 20.0) -> None:
    from tests.payments_support import wait_for

    wait_for(check, timeout=timeout)


def _paise(shown: str) -> int:
    """ "₹12,750" or "₹12,750.50" as paise."""
    rupees_part, _, paise_part = shown.replace("₹", "").replace(",", "").strip().partition(".")
    return int(rupees_part or 0) * 100 + int((paise_part or "0").ljust(2, "0")[:2])
