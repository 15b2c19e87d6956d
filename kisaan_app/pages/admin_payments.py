"""/admin/payments — all payments an admin may see, with filters, CSV export and refunds."""

import reflex as rx

from kisaan_app.components.feedback import empty_state, error_banner
from kisaan_app.components.i18n import tr
from kisaan_app.components.layout import page_shell
from kisaan_app.components.payments import sandbox_notice, status_badge
from kisaan_app.components.refunds import refund_button, refund_dialog
from kisaan_app.components.tables import data_table, filter_bar, native_select, pager
from kisaan_app.models.payments import PAYMENT_STATUSES
from kisaan_app.settings import get_settings
from kisaan_app.state.admin_payments import AdminPaymentsState as S


def _filters() -> rx.Component:
    return filter_bar(
        S.apply_filters,
        native_select(
            "status",
            [("", tr("common.all"))] + [(s, tr(f"payment_status.{s}")) for s in PAYMENT_STATUSES],
            aria_label=tr("payments.status"),
            id="filter-status",
        ),
        rx.input(name="date_from", type="date", size="2", aria_label=tr("payments.from")),
        rx.input(name="date_to", type="date", size="2", aria_label=tr("payments.to")),
        native_select(
            "organization_id",
            [("", tr("common.all"))],
            dynamic=rx.foreach(S.organizations, lambda o: rx.el.option(o[1], value=o[0])),
            aria_label=tr("payments.organization"),
            id="filter-org",
        ),
        rx.input(name="min_amount", placeholder=tr("payments.min_amount"), input_mode="decimal", size="2", width="7em"),
        rx.input(name="max_amount", placeholder=tr("payments.max_amount"), input_mode="decimal", size="2", width="7em"),
        rx.button(tr("common.apply"), type="submit", size="2"),
        rx.link(tr("payments.export_csv"), href=S.export_url, is_external=True, id="export-csv"),
    )


def _row(p: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.link(p.description, href="/payments/view?receipt=" + p.receipt)),
        rx.table.cell(p.payer),
        rx.table.cell(p.organization),
        rx.table.cell(p.amount, rx.cond(p.refunded != "", rx.text("−", p.refunded, size="1"))),
        rx.table.cell(status_badge(p.status)),
        rx.table.cell(p.when),
        rx.table.cell(refund_button(p)),  # only where the service says this viewer may refund (can_refund)
    )


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
                [
                    "payments.what",
                    "payments.payer",
                    "payments.organization",
                    "payments.amount",
                    "payments.status",
                    "payments.when",
                    "payments.actions",
                ],
                S.rows,
                _row,
                "admin-payments-table",
            ),
            empty_state("payments.none", icon="wallet"),
        ),
        pager(S.page, S.pages, S.page_label, S.go_to_page),
        refund_dialog(),
    )
