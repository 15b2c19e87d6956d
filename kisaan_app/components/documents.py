"""Links to the printable PDFs (api/documents.py): a farmer's statement form and a payment's receipt.

Plain GET links and a plain GET form: the browser downloads the file with the session cookie, nothing goes
through the Reflex socket, and they work the same on a phone's download manager.
"""

import reflex as rx

from kisaan_app.components.i18n import tr

PAID = ("captured", "partially_refunded", "refunded")  # models/payments.py PAID_STATES: only these have receipts


def receipt_link(receipt: rx.Var, status: rx.Var, **props) -> rx.Component:
    return rx.cond(
        (status == PAID[0]) | (status == PAID[1]) | (status == PAID[2]),
        rx.link(
            rx.icon("file-down", size=16),
            tr("documents.download_receipt"),
            href="/api/documents/receipts/" + receipt + ".pdf",
            is_external=False,
            download=True,
            display="inline-flex",
            align_items="center",
            gap="1",
            class_name="no-print",
            **props,
        ),
    )


def _day(name: str, label_key: str) -> rx.Component:
    return rx.el.label(
        rx.text(tr(label_key), size="1", color=rx.color("gray", 11)),
        rx.el.input(type="date", name=name, required=True, class_name="rt-TextFieldInput", id=f"statement-{name}"),
        display="flex",
        flex_direction="column",
        gap="1",
    )


def statement_card() -> rx.Component:
    """From–to days and a Download button: GET /api/documents/statement.pdf in the farmer's language."""
    return rx.card(
        rx.vstack(
            rx.heading(tr("documents.statement_heading"), size="4"),
            rx.text(tr("documents.statement_hint"), size="2", color=rx.color("gray", 11)),
            rx.el.form(
                rx.flex(
                    _day("date_from", "documents.from"),
                    _day("date_to", "documents.to"),
                    rx.button(rx.icon("file-down", size=16), tr("documents.download_statement"), type="submit"),
                    wrap="wrap",
                    gap="3",
                    align="end",
                ),
                action="/api/documents/statement.pdf",
                method="get",
                id="statement-form",
            ),
            align="stretch",
        ),
        width="100%",
        class_name="no-print",
    )
