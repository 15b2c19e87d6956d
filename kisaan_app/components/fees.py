"""The platform fee, said where a price is agreed and on the receipt (state/fees.py)."""

import reflex as rx

from kisaan_app.components.i18n import tr
from kisaan_app.state.fees import FeeState


def fee_before_note(**props) -> rx.Component:
    """One line under a bid form or an Accept button: the rate, before anyone agrees."""
    return rx.text(FeeState.before_note, size="1", color=rx.color("gray", 11), class_name="fee-note", **props)


def receipt_fee_line() -> rx.Component:
    """On a paid sale's receipt: the platform fee and what reaches the farmer."""
    return rx.cond(
        FeeState.receipt_fee != "",
        rx.hstack(
            rx.text(tr("payouts.fee"), " (", FeeState.receipt_rate, "%): ", FeeState.receipt_fee, size="2"),
            rx.text("·", size="2"),
            rx.text(tr("payouts.farmer_gets"), " ", FeeState.receipt_seller, size="2", weight="bold"),
            wrap="wrap",
            spacing="2",
            id="receipt-fee",
        ),
    )
