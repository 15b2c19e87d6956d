"""Statements and receipts as PDF bytes, every word from the reader's catalogue (`documents.*` keys).

A language without a catalogue reads English; a language whose script has a font in fonts.SCRIPT_FONTS
prints in its own script. Dates are IST with month names in the reader's language, money as ₹2,45,000.
"""

from datetime import datetime

from kisaan_app.i18n import resolve_language, t
from kisaan_app.i18n.formatting import local_day, local_time, rupees
from kisaan_app.models.base import utcnow
from kisaan_app.services import glossary
from kisaan_app.services.documents.receipt import Receipt
from kisaan_app.services.documents.sheet import Sheet
from kisaan_app.services.documents.statement import Statement
from kisaan_app.services.payouts import fees

DAY = "d MMM yyyy"


def _quantity(value: float, unit: str, lang: str) -> str:
    return f"{value:g} {t(lang, f'unit.{unit}')}"


def _footer(lang: str, made: datetime) -> str:
    return t(lang, "documents.footer", when=local_time(made, lang, "d MMM yyyy, HH:mm"))


def statement_pdf(st: Statement, language: str | None = None, made: datetime | None = None) -> bytes:
    lang = resolve_language(language or st.language)
    made = made or utcnow()
    period = t(
        lang,
        "documents.period_value",
        start=local_day(st.period.date_from, lang, DAY),
        end=local_day(st.period.date_to, lang, DAY),
    )
    sheet = Sheet(lang, t(lang, "documents.statement_title"), _footer(lang, made), generated_at=made)
    sheet.facts(
        [
            (t(lang, "documents.farmer"), st.farmer_name),
            (t(lang, "documents.phone"), st.farmer_phone or ""),
            (t(lang, "documents.organization"), st.organization or ""),
            (t(lang, "documents.period"), period),
        ]
    )
    sheet.heading(t(lang, "documents.summary"))
    sheet.totals(
        [
            (t(lang, "documents.total_sales"), rupees(st.sales_paise)),
            (t(lang, "documents.total_pending"), rupees(st.pending_paise)),
            (t(lang, "documents.total_received"), rupees(st.received_paise)),
            (t(lang, "documents.total_refunded"), "− " + rupees(st.refunded_paise)),
            (t(lang, "documents.net_received"), rupees(st.net_paise)),
        ]
    )
    sheet.heading(t(lang, "documents.sales"))
    sheet.table(
        [t(lang, f"documents.col_{c}") for c in ("date", "order", "crop", "quantity", "amount", "status")],
        [
            [
                local_day(s.at.date(), lang, DAY),
                s.order_number,
                glossary.label("crop", s.crop, lang),
                _quantity(s.quantity, s.unit, lang),
                rupees(s.amount_paise),
                t(lang, f"order_status.{s.status}"),
            ]
            for s in st.sales
        ],
        widths=(24, 34, 30, 28, 30, 34),
        aligns=("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT", "LEFT"),
        empty=t(lang, "documents.no_sales"),
    )
    sheet.heading(t(lang, "documents.received"))
    sheet.table(
        [t(lang, f"documents.col_{c}") for c in ("date", "receipt", "order", "method", "amount")],
        [
            [
                local_day(p.at.date(), lang, DAY),
                p.receipt,
                p.order_number,
                p.method or "",
                rupees(p.amount_paise),
            ]
            for p in st.received
        ],
        widths=(24, 44, 40, 26, 36),
        aligns=("LEFT", "LEFT", "LEFT", "LEFT", "RIGHT"),
        empty=t(lang, "documents.no_payments"),
    )
    sheet.heading(t(lang, "documents.refunds"))
    sheet.table(
        [t(lang, f"documents.col_{c}") for c in ("date", "receipt", "order", "amount")],
        [[local_day(r.at.date(), lang, DAY), r.receipt, r.order_number, rupees(r.amount_paise)] for r in st.refunds],
        widths=(30, 50, 50, 40),
        aligns=("LEFT", "LEFT", "LEFT", "RIGHT"),
        empty=t(lang, "documents.no_refunds"),
    )
    sheet.note(t(lang, "documents.statement_note"))
    return sheet.pdf_bytes()


def receipt_pdf(r: Receipt, language: str | None, made: datetime | None = None) -> bytes:
    lang = resolve_language(language)
    made = made or utcnow()
    sheet = Sheet(lang, t(lang, "documents.receipt_title"), _footer(lang, made), generated_at=made)
    sheet.facts(
        [
            (t(lang, "documents.receipt_number"), r.receipt),
            (t(lang, "documents.paid_on"), local_time(r.captured_at, lang, "d MMM yyyy, HH:mm")),
            (t(lang, "documents.paid_by"), r.payer_name),
            (t(lang, "documents.buyer_business"), r.payer_business or ""),
            (t(lang, "documents.gstin"), r.payer_gstin or ""),
            (t(lang, "documents.col_method"), r.method or ""),
            (t(lang, "documents.provider_id"), r.provider_payment_id or ""),
        ]
    )
    if r.sale is not None:
        s = r.sale
        sheet.heading(t(lang, "documents.sale"))
        sheet.facts(
            [
                (t(lang, "documents.sold_by"), s.seller_name),
                (t(lang, "documents.organization"), s.organization or ""),
                (t(lang, "documents.registration"), s.organization_registration or ""),
                (t(lang, "documents.col_order"), s.order_number),
                (t(lang, "documents.col_crop"), glossary.label("crop", s.crop, lang)),
                (t(lang, "documents.col_quantity"), _quantity(s.quantity, s.unit, lang)),
                (t(lang, "documents.price_per_unit"), rupees(s.price_paise)),
            ]
        )
    else:
        sheet.heading(t(lang, "documents.plan_payment"))
    lines = [(t(lang, "documents.amount_paid"), rupees(r.amount_paise))]
    if r.refunded_paise:
        lines.append((t(lang, "documents.total_refunded"), "− " + rupees(r.refunded_paise)))
    if r.split is not None:
        rate = fees.percent_label(r.split.fee_bps)
        lines.append((t(lang, "documents.platform_fee", rate=rate), rupees(r.split.fee_paise)))
        lines.append((t(lang, "documents.farmer_share"), rupees(r.split.seller_paise)))
    else:
        lines.append((t(lang, "documents.net_paid"), rupees(r.amount_paise - r.refunded_paise)))
    sheet.totals(lines)
    sheet.note(t(lang, "documents.receipt_note"))
    return sheet.pdf_bytes()
