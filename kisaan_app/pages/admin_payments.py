"""/admin/payments — all payments an admin may see, with filters, CSV export and refunds."""

import reflex as rx

from kisaan_app.components.feedback import empty_state, error_banner
from kisaan_app.components.i18n import tr
from kisaan_app.components.layout import page_shell
from kisaan_app.components.payments import sandbox_notice, status_badge
from kisaan_app.components.tables import data_table, filter_bar, native_select, pager
from kisaan_app.models.payments import PAYMENT_STATUSES
from kisaan_app.settings import get_settings
from kisaan_app.state.admin_payments import AdminPaymentsState as S


def _filters() -> rx.Component:
    return filter_bar(
        S.apply_filters,
        native_select("status", [("", tr("common.all"))] + [(s, tr(f"payment_status.{s}")) for s in PAYMENT_STATUSES],
                      aria_label=tr("payments.status"), id="filter-status"),
        rx.input(name="date_from", type="date", size="2", aria_label=tr("payments.from")),
        rx.input(name="date_to", type="date", size="2", aria_label=tr("payments.to")),
        native_select("organization_id", [("", tr("common.all"))],
                      dynamic=rx.foreach(S.organizations, lambda o: rx.el.option(o[1], value=o[0])),
                      aria_label=tr("payments.organization"), id="filter-org"),
        rx.input(name="min_amount", placeholder=tr("payments.min_amount"), input_mode="decimal", size="2",
                 width="7em"),
        rx.input(name="max_amount", placeholder=tr("payments.max_amount"), input_mode="decimal", size="2",
                 width="7em"),
        rx.button(tr("common.apply"), type="submit", size="2"),
        rx.link(tr("payments.export_csv"), href=S.export_url, is_external=True, id="export-csv"),
    )  # fmt: skip


def _row(p: rx.Var) -> rx.Component:
    refundable = rx.match(p["status"], ("captured", True), ("partially_refunded", True), False)
    return rx.table.row(
        rx.table.cell(rx.link(p["description"], href="/payments/view?receipt=" + p["receipt"])),
        rx.table.cell(p["payer"]),
        rx.table.cell(p["organization"]),
        rx.table.cell(p["amount"], rx.cond(p["refunded"] != "", rx.text("−", p["refunded"], size="1"))),
        rx.table.cell(status_badge(p["status"])),
        rx.table.cell(p["when"]),
        rx.table.cell(rx.cond(refundable, rx.button(tr("payments.refund"), size="1", variant="soft",
                                                    on_click=S.open_refund(p["receipt"]),
                                                    id="refund-" + p["receipt"]))),
    )  # fmt: skip


def _refund_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text(tr("payments.refundable"), " ", S.refund_available, size="2"),
            rx.text(tr("payments.refund_amount"), size="2", weight="medium"),
            rx.input(name="amount", default_value=S.refund_amount, input_mode="decimal", id="refund-amount"),
            rx.text(tr("payments.reason"), size="2", weight="medium"),
            rx.text_area(name="reason", default_value=S.refund_reason, max_length=300, id="refund-reason"),
            rx.button(tr("payments.review_refund"), type="submit", id="refund-review"),
            align="stretch",
        ),
        on_submit=S.review_refund,
        reset_on_submit=False,
    )


def _refund_confirm() -> rx.Component:
    return rx.vstack(
        rx.callout(rx.text(tr("payments.refund_confirm"), " ", S.refund_amount_label, " · ", S.refund_reason),
                   icon="triangle_alert", color_scheme="orange", id="refund-summary"),
        rx.hstack(
            rx.button(tr("payments.confirm_refund"), on_click=S.confirm_refund, loading=S.refund_busy,
                      color_scheme="red", id="refund-confirm"),
            rx.button(tr("common.cancel"), on_click=S.close_refund, variant="soft", color_scheme="gray"),
        ),
        align="stretch",
    )  # fmt: skip


def _refund_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(tr("payments.refund"), " · ", S.refund_receipt),
            error_banner(S.refund_error),
            rx.match(
                S.refund_step,
                ("confirm", _refund_confirm()),
                ("done", rx.vstack(rx.callout(tr("payments.refund_requested"), icon="circle_check",
                                              color_scheme="green", id="refund-done"),
                                   rx.button(tr("common.close"), on_click=S.close_refund))),
                _refund_form(),
            ),
            max_width="420px",
        ),
        open=S.refund_open,
        on_open_change=lambda _open: S.close_refund(),
    )  # fmt: skip


def admin_payments_page() -> rx.Component:
    return page_shell(
        "nav.payments_admin",
        sandbox_notice(get_settings().payments_sandbox),
        _filters(),
        error_banner(S.error),
        rx.text(S.total_label, size="2"),
        rx.cond(
            S.rows.length() > 0,
            data_table(
                ["payments.what", "payments.payer", "payments.organization", "payments.amount", "payments.status",
                 "payments.when", "payments.actions"],
                S.rows, _row, "admin-payments-table",
            ),
            empty_state("payments.none", icon="wallet"),
        ),
        pager(S.page, S.pages, S.page_label, S.go_to_page),
        _refund_dialog(),
    )  # fmt: skip
