"""Links to the printable PDFs (api/documents.py): a farmer's statement form and a payment's receipt.

The receipt is a plain GET link; the statement form checks its days (state/documents.py) and then has the
browser download the PDF. Either way the file comes over HTTP with the session cookie, never the socket.
"""

import reflex as rx

from kisaan_app.components.feedback import error_banner
from kisaan_app.components.forms import field
from kisaan_app.components.i18n import tr
from kisaan_app.state.documents import StatementState

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
    return field(
        label_key,
        rx.input(
            name=name, type="date", required=True, size="3", width="100%", id=f"statement-{name.replace('_', '-')}"
        ),
        StatementState.statement_errors.get(name, ""),
    )


def statement_card() -> rx.Component:
    """From–to days and a Download button: the PDF of GET /api/documents/statement.pdf, in the farmer's language."""
    return rx.card(
        rx.vstack(
            rx.heading(tr("documents.statement_heading"), size="4"),
            rx.text(tr("documents.statement_hint"), size="2", color=rx.color("gray", 11)),
            rx.form(
                rx.vstack(
                    rx.grid(
                        _day("date_from", "documents.from"),
                        _day("date_to", "documents.to"),
                        columns="2",
                        spacing="3",
                        width="100%",
                    ),
                    error_banner(StatementState.statement_errors.get("form", "")),
                    rx.button(
                        rx.icon("file-down", size=16),
                        tr("documents.download_statement"),
                        type="submit",
                        id="statement-download",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=StatementState.download,
                reset_on_submit=False,
                id="statement-form",
                width="100%",
            ),
            align="stretch",
        ),
        width="100%",
        class_name="no-print",
    )
