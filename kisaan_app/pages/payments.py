"""/payments — my payments, orders to pay, my plan; /payments/view — one payment, live, with link and UPI QR."""

import reflex as rx

from kisaan_app.components.documents import receipt_link, statement_card
from kisaan_app.components.feedback import empty_state, error_banner, success_banner
from kisaan_app.components.fees import receipt_fee_line
from kisaan_app.components.i18n import tr
from kisaan_app.components.layout import page_shell
from kisaan_app.components.payments import sandbox_notice, status_badge
from kisaan_app.components.refunds import refund_button, refund_dialog
from kisaan_app.components.tables import data_table
from kisaan_app.settings import get_settings
from kisaan_app.state.payments import PaymentsState as S
from kisaan_app.state.payments import PaymentViewState as V
from kisaan_app.state.session import SessionState


def _sandbox() -> bool:
    return get_settings().payments_sandbox


def _awaiting(order: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.text(order.number, weight="bold", size="2"),
            rx.text(order.quantity, " · ", order.amount, size="2"),
            spacing="0",
            align="start",
        ),
        rx.spacer(),
        rx.button(tr("payments.pay"), on_click=S.pay_order(order.id), loading=S.busy, id="pay-order-" + order.id),
        width="100%",
        class_name="awaiting-order",
    )


def _orders_card() -> rx.Component:
    return rx.cond(
        SessionState.user_role == "buyer",
        rx.card(
            rx.vstack(
                rx.heading(tr("payments.awaiting"), size="4"),
                rx.cond(
                    S.awaiting.length() > 0,
                    rx.vstack(rx.foreach(S.awaiting, _awaiting), width="100%", id="awaiting-orders"),
                    empty_state("payments.nothing_to_pay", icon="circle_check"),
                ),
                align="stretch",
            ),
            width="100%",
        ),
    )


def _plan_button(plan: str, price: rx.Var) -> rx.Component:
    return rx.button(
        tr(f"plans.buy_{plan}"), " · ", price, on_click=S.buy_plan(plan), loading=S.busy, id=f"buy-plan-{plan}"
    )


def _plan_card() -> rx.Component:
    return rx.cond(
        SessionState.user_role == "farmer",
        rx.card(
            rx.vstack(
                rx.heading(tr("plans.title"), size="4"),
                rx.text(tr("plans.intro"), size="2"),
                rx.cond(
                    S.plan_status == "active",
                    rx.callout(
                        rx.text(tr("plans.active_until"), " ", S.plan_renews),
                        icon="badge_check",
                        color_scheme="green",
                        id="plan-active",
                    ),
                    rx.flex(
                        _plan_button("monthly", S.monthly_price),
                        _plan_button("yearly", S.yearly_price),
                        wrap="wrap",
                        gap="2",
                    ),
                ),
                align="stretch",
            ),
            width="100%",
        ),
    )


def _payment_row(p: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.link(p.description, href="/payments/view?receipt=" + p.receipt)),
        rx.table.cell(p.amount),
        rx.table.cell(rx.cond(p.refunded != "", rx.text(p.refunded, color=rx.color("orange", 11)), "—")),
        rx.table.cell(status_badge(p.status)),
        rx.table.cell(p.when),
    )


def _total(label_key: str, value: rx.Var, colour: str, id_: str) -> rx.Component:
    return rx.box(
        rx.text(tr(label_key), size="1", color=rx.color("gray", 11)),
        rx.text(value, size="4", weight="bold", color=rx.color(colour, 11), id=id_),
        flex="1 1 7em",
    )


def _totals() -> rx.Component:
    """Three figures a farmer reads at a glance: paid in, refunded, what stays."""
    return rx.flex(
        _total("payments.total_paid", S.total_paid, "green", "total-paid"),
        _total("payments.total_refunded", S.total_refunded, "orange", "total-refunded"),
        _total("payments.total_net", S.total_net, "gray", "total-net"),
        wrap="wrap",
        gap="3",
        width="100%",
        id="payment-totals",
    )


def payments_page() -> rx.Component:
    return page_shell(
        "nav.payments",
        sandbox_notice(_sandbox()),
        error_banner(S.error),
        _orders_card(),
        _plan_card(),
        rx.cond(S.user_role == "farmer", statement_card()),
        rx.card(
            rx.vstack(
                rx.heading(tr("payments.history"), size="4"),
                rx.cond(S.payments.length() > 0, _totals()),
                rx.cond(
                    S.payments.length() > 0,
                    data_table(
                        ["payments.what", "payments.amount", "payments.refunded", "payments.status", "payments.when"],
                        S.payments,
                        _payment_row,
                        "payments-table",
                    ),
                    empty_state("payments.none", icon="wallet"),
                ),
                align="stretch",
            ),
            width="100%",
        ),
    )


def _result_banner() -> rx.Component:
    return rx.match(
        V.result,
        (
            "paid",
            rx.cond(
                V.is_paid,
                success_banner(tr("payments.result_paid")),
                rx.callout(tr("payments.result_confirming"), icon="loader", width="100%"),
            ),
        ),
        ("failed", error_banner(tr("payments.result_failed"))),
        ("signature_invalid", error_banner(tr("payments.result_unverified"))),
        rx.fragment(),
    )


def _info(label_key: str, value: rx.Var) -> rx.Component:
    # Receipts and Razorpay ids are long unbroken strings: let them wrap inside a 360 px card.
    return rx.hstack(
        rx.text(tr(label_key), color=rx.color("gray", 11), size="2", min_width="8em"),
        rx.text(value, size="2", weight="medium", overflow_wrap="anywhere", min_width="0"),
        width="100%",
    )


def _refund_row(r: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(r.amount),
        rx.table.cell(rx.badge(r.status)),
        rx.table.cell(r.reason),
        rx.table.cell(r.when),
    )


def _qr_block() -> rx.Component:
    return rx.cond(
        V.qr_svg != "",
        rx.vstack(
            rx.image(src=V.qr_svg, alt=tr("payments.qr_alt"), width="240px", height="240px", id="upi-qr"),
            rx.text(tr("payments.qr_scan"), " ", V.qr_amount, weight="bold"),
            rx.text(tr("payments.qr_valid_until"), " ", V.qr_until, size="1"),
            rx.button(
                tr("payments.print"),
                on_click=rx.call_script("window.print()"),
                variant="soft",
                class_name="no-print",
                id="print-qr",
            ),
            align="center",
            class_name="printable-qr",
            width="100%",
        ),
    )


def _pay_actions() -> rx.Component:
    return rx.cond(
        V.is_pending | (V.detail.status == "failed"),
        rx.vstack(
            rx.flex(
                rx.cond(
                    V.detail.payer_is_me,
                    rx.button(tr("payments.pay_now"), on_click=V.pay_now, id="pay-now"),
                ),
                rx.button(
                    tr("payments.make_link"), on_click=V.make_link, variant="soft", loading=V.busy, id="make-link"
                ),
                rx.button(tr("payments.make_qr"), on_click=V.make_qr, variant="soft", loading=V.busy, id="make-qr"),
                wrap="wrap",
                gap="2",
                class_name="no-print",
            ),
            rx.cond(
                V.link_url != "",
                rx.text(
                    tr("payments.link_ready"), " ", rx.link(V.link_url, href=V.link_url, id="payment-link"), size="2"
                ),
            ),
            _qr_block(),
            width="100%",
            align="stretch",
        ),
    )


def payment_view_page() -> rx.Component:
    return page_shell(
        "payments.detail_title",
        sandbox_notice(_sandbox()),
        _result_banner(),
        error_banner(V.error),
        rx.cond(
            V.detail.receipt != "",
            rx.card(
                rx.vstack(
                    rx.hstack(
                        rx.heading(V.detail.description, size="4"),
                        rx.spacer(),
                        rx.box(status_badge(V.detail.status), id="payment-status"),
                    ),
                    _info("payments.amount", V.detail.amount),
                    rx.cond(V.detail.refunded != "", _info("payments.refunded", V.detail.refunded)),
                    _info("payments.receipt", V.detail.receipt),
                    _info("payments.when", V.detail.when),
                    _info("payments.method", V.detail.method),
                    receipt_fee_line(),
                    # Only the two sides of a payment get its receipt (api/documents.py); admins have this page.
                    rx.cond(
                        (V.user_role == "farmer") | (V.user_role == "buyer"),
                        rx.box(receipt_link(V.detail.receipt, V.detail.status, id="receipt-pdf")),
                    ),
                    _pay_actions(),
                    # An admin, or the seller's FPO admin, may refund from here too (never the buyer's FPO).
                    rx.cond(V.detail.can_refund, rx.box(refund_button(V.detail, size="2"))),
                    rx.cond(
                        V.refunds.length() > 0,
                        data_table(
                            ["payments.amount", "payments.status", "payments.reason", "payments.when"],
                            V.refunds,
                            _refund_row,
                            "refunds-table",
                        ),
                    ),
                    align="stretch",
                    spacing="3",
                ),
                width="100%",
            ),
        ),
        rx.link(tr("payments.back"), href="/payments", class_name="no-print"),
        refund_dialog(),
    )
