"""PDF statements and receipts: valid PDFs, Hindi shaped by HarfBuzz, totals equal to the rows they come from,
and only the right people can download them (both databases)."""

import re
import subprocess
from datetime import UTC, date, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlmodel import select

from kisaan_app.db import session_scope
from kisaan_app.i18n.formatting import rupees
from kisaan_app.models.accounts import BuyerProfile, User
from kisaan_app.models.enums import OrderStatus, PaymentStatus, RefundStatus
from kisaan_app.models.market import MarketOrder
from kisaan_app.models.payments import Payment, Refund
from kisaan_app.services.documents import statement
from kisaan_app.services.payouts import fees
from tests.factories import bearer, make_org, make_user, token_for
from tests.payments_support import make_order

DAY = datetime(2026, 11, 10, 6, 0, tzinfo=UTC)  # 11:30 IST on 10 Nov
PERIOD = {"date_from": "2026-11-01", "date_to": "2026-11-30"}


def _pay(order_id: int, payer_id: int, amount: int, at: datetime, refunds: tuple[int, ...] = ()) -> str:
    """A captured payment for an order (and processed refunds of it), as the webhook leaves them."""
    with session_scope() as session:
        order = session.get(MarketOrder, order_id)
        order.created_at = at
        order.status = OrderStatus.PAID
        refunded = sum(refunds)
        payment = Payment(
            payer_id=payer_id,
            organization_id=order.organization_id,
            purpose="market_order",
            market_order_id=order_id,
            amount_paise=amount,
            amount_refunded_paise=refunded,
            status=PaymentStatus.PARTIALLY_REFUNDED if refunded else PaymentStatus.CAPTURED,
            receipt=f"rcpt_t{order_id}x{amount}",
            razorpay_payment_id=f"pay_t{order_id}x{amount}",
            method="upi",
            captured_at=at,
        )
        session.add(payment)
        session.flush()
        for n, paise in enumerate(refunds):
            session.add(
                Refund(
                    payment_id=payment.id,
                    amount_paise=paise,
                    status=RefundStatus.PROCESSED,
                    reason="damaged bags",
                    idempotency_key=f"t-{payment.id}-{n}",
                    processed_at=at + timedelta(days=1),
                )
            )
        return payment.receipt


def _order_at(buyer: User, farmer: User, amount: int, at: datetime, status: str = OrderStatus.PENDING_PAYMENT) -> int:
    order_id = make_order(buyer.id, farmer.id, amount)
    with session_scope() as session:
        order = session.get(MarketOrder, order_id)
        order.created_at, order.status = at, status
    return order_id


def _language(user: User, lang: str) -> None:
    with session_scope() as session:
        session.get(User, user.id).preferred_language = lang


def _text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout


def _ligatures(pdf: bytes, tmp_path) -> set[str]:
    """Unicode text of every glyph that stands for more than one character (the font's ligatures and reordered
    vowel signs): present only when the text was shaped (unshaped text maps one glyph to one character)."""
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    found: set[str] = set()
    for page in PdfReader(path).pages:
        for font in page["/Resources"]["/Font"].values():
            cmap = font.get_object().get("/ToUnicode")
            if cmap is None:
                continue
            data = cmap.get_object().get_data().decode("latin-1")
            for _glyph, text in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]{8,})>", data):
                found.add(bytes.fromhex(text).decode("utf-16-be"))
    return found


@pytest.fixture
def sale(db):
    """An FPO with a farmer who sold in November: one paid order with a partial refund, one paid in full,
    one still unpaid, one cancelled, and one paid order from October that must not count."""
    org = make_org("Sahyadri FPO")
    farmer = make_user("farmer", org_id=org, name="रामेश्वर क्षीरसागर")
    buyer = make_user("buyer", name="Anil Traders")
    paid = _order_at(buyer, farmer, 250_000, DAY)
    full = _order_at(buyer, farmer, 120_050, DAY + timedelta(days=3))
    _order_at(buyer, farmer, 90_000, DAY + timedelta(days=5))  # unpaid
    _order_at(buyer, farmer, 70_000, DAY + timedelta(days=6), OrderStatus.CANCELLED)
    october = _order_at(buyer, farmer, 500_000, DAY - timedelta(days=30))
    receipts = {
        "paid": _pay(paid, buyer.id, 250_000, DAY, refunds=(10_000, 2_550)),
        "full": _pay(full, buyer.id, 120_050, DAY + timedelta(days=3)),
        "october": _pay(october, buyer.id, 500_000, DAY - timedelta(days=30)),
    }
    return {"org": org, "farmer": farmer, "buyer": buyer, "receipts": receipts}


def test_statement_totals_equal_the_rows_they_come_from(sale):
    farmer = sale["farmer"]
    with session_scope() as session:
        principal = _principal(farmer)
        st = statement.statement_for(session, principal, statement.Period(date(2026, 11, 1), date(2026, 11, 30)))
    assert st.received_paise == 250_000 + 120_050  # October's payment is outside the period
    assert st.refunded_paise == 10_000 + 2_550
    assert st.net_paise == 250_000 + 120_050 - 12_550
    assert st.pending_paise == 90_000
    assert st.sales_paise == 250_000 + 120_050 + 90_000  # the cancelled order sold nothing
    assert [line.amount_paise for line in st.received] == [250_000, 120_050]
    assert len(st.sales) == 4


def test_statement_pdf_is_valid_and_shaped_in_hindi(sale, api, tmp_path):
    farmer = sale["farmer"]
    _language(farmer, "hi")
    res = api.get("/api/documents/statement.pdf", params=PERIOD, headers=bearer(token_for(farmer)))
    assert res.status_code == 200, res.text
    assert res.headers["content-type"] == "application/pdf"
    assert "no-store" in res.headers["cache-control"]
    assert len(PdfReader(_write(tmp_path, res.content)).pages) >= 1
    text = _text(res.content, tmp_path)
    flat = re.sub(r"\s+", "", text)
    assert "बिक्रीऔरभुगतानकाविवरण" in flat  # the Hindi title (pdftotext spaces reordered vowel signs)
    assert "रामेश्वरक्षीरसागर" in flat
    assert rupees(250_000 + 120_050 - 12_550) in text  # net received: ₹3,575
    ligatures = _ligatures(res.content, tmp_path)
    assert {"कि", "क्ष"} <= ligatures, ligatures  # ि reordered before क, and the क्ष conjunct: shaped text


def test_statement_in_english_when_asked_and_a_missing_language_falls_back(sale, api, tmp_path):
    headers = bearer(token_for(sale["farmer"]))
    english = api.get("/api/documents/statement.pdf", params={**PERIOD, "lang": "en"}, headers=headers)
    text = _text(english.content, tmp_path)
    assert "Statement of sales and payments" in text
    for paise in (370_050, 12_550, 357_500, 90_000, 460_050):  # received, refunded, net, unpaid, sales
        assert rupees(paise) in text, paise
    unknown = api.get("/api/documents/statement.pdf", params={**PERIOD, "lang": "xx"}, headers=headers)
    assert unknown.status_code == 200 and "Statement of sales" in _text(unknown.content, tmp_path)


def test_who_may_print_a_statement(sale, api):
    farmer, org = sale["farmer"], sale["org"]
    url = "/api/documents/statement.pdf"
    other_org = make_org("Other FPO")
    own_admin = make_user("org_admin", org_id=org)
    other_admin = make_user("org_admin", org_id=other_org)
    other_farmer = make_user("farmer", org_id=other_org)
    admin = make_user("admin")
    mine = {**PERIOD, "farmer_id": farmer.id}
    assert api.get(url, params=PERIOD).status_code == 401
    assert api.get(url, params=PERIOD, headers=bearer(token_for(sale["buyer"]))).status_code == 403
    assert api.get(url, params=mine, headers=bearer(token_for(other_farmer))).status_code == 404
    assert api.get(url, params=mine, headers=bearer(token_for(other_admin))).status_code == 404
    assert api.get(url, params=mine, headers=bearer(token_for(own_admin))).status_code == 200
    assert api.get(url, params=mine, headers=bearer(token_for(admin))).status_code == 200
    assert api.get(url, params={**PERIOD, "farmer_id": 2**40}, headers=bearer(token_for(admin))).status_code == 422


def test_statement_period_is_checked(sale, api):
    headers = {**bearer(token_for(sale["farmer"])), "Accept-Language": "hi"}
    url = "/api/documents/statement.pdf"
    backwards = api.get(url, params={"date_from": "2026-11-30", "date_to": "2026-11-01"}, headers=headers)
    assert backwards.status_code == 422 and backwards.json()["error"]["code"] == "date_range"
    long = api.get(url, params={"date_from": "2024-01-01", "date_to": "2026-11-01"}, headers=headers)
    assert long.status_code == 422
    assert long.json()["error"]["code"] == "statement_period_too_long"
    assert "366" in long.json()["error"]["message"] and "दिन" in long.json()["error"]["message"]
    far = api.get(url, params={"date_from": "0001-01-01", "date_to": "0001-01-02"}, headers=headers)
    assert far.status_code == 422


def test_receipt_only_for_payer_and_payee(sale, api, tmp_path):
    receipt = sale["receipts"]["paid"]
    url = f"/api/documents/receipts/{receipt}.pdf"
    with session_scope() as session:
        profile = session.exec(select(BuyerProfile).where(BuyerProfile.user_id == sale["buyer"].id)).one()
        profile.business_name, profile.gstin = "Anil Traders", "27ABCDE1234F1Z5"
    buyer = api.get(url, headers=bearer(token_for(sale["buyer"])))
    assert buyer.status_code == 200, buyer.text
    text = _text(buyer.content, tmp_path)
    split = fees.split(250_000, 12_550)
    assert receipt in text and "27ABCDE1234F1Z5" in text and "₹2,500" in text
    assert rupees(split.fee_paise) in text and rupees(split.seller_paise) in text  # ₹47.49 and ₹2,326.01
    assert api.get(url, headers=bearer(token_for(sale["farmer"]))).status_code == 200
    strangers = [
        make_user("buyer"),
        make_user("farmer", org_id=sale["org"]),
        make_user("org_admin", org_id=sale["org"]),
        make_user("admin"),
    ]
    for stranger in strangers:
        res = api.get(url, headers=bearer(token_for(stranger)))
        assert res.status_code == 404, (stranger.role, res.status_code)
    assert api.get(url).status_code == 401
    payer = bearer(token_for(sale["buyer"]))
    assert api.get("/api/documents/receipts/rcpt_nothere.pdf", headers=payer).status_code == 404
    assert api.get("/api/documents/receipts/x'%20or%201=1.pdf", headers=payer).status_code == 422


def test_no_receipt_before_the_money_arrives(sale, api):
    buyer, farmer = sale["buyer"], sale["farmer"]
    order_id = make_order(buyer.id, farmer.id, 80_000)
    with session_scope() as session:
        session.add(
            Payment(
                payer_id=buyer.id,
                purpose="market_order",
                market_order_id=order_id,
                amount_paise=80_000,
                receipt="rcpt_unpaid1",
            )
        )
    res = api.get("/api/documents/receipts/rcpt_unpaid1.pdf", headers=bearer(token_for(buyer)))
    assert res.status_code == 409 and res.json()["error"]["code"] == "receipt_not_paid"


def test_a_missing_font_is_a_clear_503(sale, api, tmp_path, monkeypatch):
    from kisaan_app.settings import get_settings

    monkeypatch.setenv("KISAAN_PDF_FONT_DIRS", str(tmp_path))
    get_settings.cache_clear()
    try:
        res = api.get("/api/documents/statement.pdf", params=PERIOD, headers=bearer(token_for(sale["farmer"])))
    finally:
        monkeypatch.delenv("KISAAN_PDF_FONT_DIRS")
        get_settings.cache_clear()
    assert res.status_code == 503
    assert res.json()["error"]["code"] == "document_font_missing"


def _principal(user: User):
    from kisaan_app.services.context import Principal

    return Principal(user.id, user.role, user.full_name, user.organization_id, user.preferred_language, "test")


def _write(tmp_path, content: bytes):
    path = tmp_path / "read.pdf"
    path.write_bytes(content)
    return path
