"""Pieces shared by the payment pages: the status badge and the test-mode notice."""

import reflex as rx

from kisaan_app.components.i18n import tr, tr_prefixed

STATUS_COLOURS = {
    "created": "gray",
    "attempted": "amber",
    "failed": "red",
    "authorized": "blue",
    "captured": "green",
    "partially_refunded": "purple",
    "refunded": "purple",
}


def status_badge(status: rx.Var) -> rx.Component:
    colour = rx.match(status, *STATUS_COLOURS.items(), "gray")
    return rx.badge(tr_prefixed("payment_status.", status), color_scheme=colour, class_name="payment-status")


def sandbox_notice(sandbox: rx.Var | bool) -> rx.Component:
    return rx.cond(
        sandbox,
        rx.callout(tr("payments.sandbox_notice"), icon="flask_conical", color_scheme="amber", size="1", width="100%"),
    )
