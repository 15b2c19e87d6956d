"""The Refund button and its dialog (form → confirm → done), shared by /admin/payments and /payments/view.

Pages show the button only where the service said the viewer may refund (`can_refund` on the row, from
`refunds.refund_offered`); the refund itself checks again, so a stale page cannot refund what it may not.
"""

import reflex as rx

from kisaan_app.components.feedback import error_banner
from kisaan_app.components.i18n import tr
from kisaan_app.state.admin_payments import AdminPaymentsState as S


def refund_button(row: rx.Var, size: str = "1") -> rx.Component:
    """`row` is a PaymentRow var (state/payments.py); nothing at all when not allowed."""
    return rx.cond(
        row.can_refund,
        rx.button(
            tr("payments.refund"),
            size=size,
            variant="soft",
            on_click=S.open_refund(row.receipt),
            id="refund-" + row.receipt,
            class_name="refund-button no-print",
        ),
    )


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
        rx.callout(
            rx.text(tr("payments.refund_confirm"), " ", S.refund_amount_label, " · ", S.refund_reason),
            icon="triangle_alert",
            color_scheme="orange",
            id="refund-summary",
        ),
        rx.hstack(
            rx.button(
                tr("payments.confirm_refund"),
                on_click=S.confirm_refund,
                loading=S.refund_busy,
                color_scheme="red",
                id="refund-confirm",
            ),
            rx.button(tr("common.cancel"), on_click=S.close_refund, variant="soft", color_scheme="gray"),
        ),
        align="stretch",
    )


def refund_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(tr("payments.refund"), " · ", S.refund_receipt, overflow_wrap="anywhere"),
            error_banner(S.refund_error),
            rx.match(
                S.refund_step,
                ("confirm", _refund_confirm()),
                (
                    "done",
                    rx.vstack(
                        rx.callout(
                            tr("payments.refund_requested"), icon="circle_check", color_scheme="green", id="refund-done"
                        ),
                        rx.button(tr("common.close"), on_click=S.close_refund),
                    ),
                ),
                _refund_form(),
            ),
            max_width="420px",
        ),
        open=S.refund_open,
        on_open_change=lambda _open: S.close_refund(),
    )
