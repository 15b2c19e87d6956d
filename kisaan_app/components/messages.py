"""Pieces the messaging pages share: a rendered message preview."""

import reflex as rx

from kisaan_app.components.i18n import tr


def message_preview(subject: rx.Var, body: rx.Var, note: rx.Var, preview_id: str) -> rx.Component:
    """The message as a recipient will read it (sample data filled in), once a preview has been made."""
    return rx.cond(
        body != "",
        rx.card(
            rx.vstack(
                rx.text(tr("messages.preview"), size="1", color=rx.color("gray", 10)),
                rx.cond(subject != "", rx.text(subject, weight="bold")),
                rx.text(body, white_space="pre-wrap"),
                rx.text(note, size="1"),
                spacing="1",
            ),
            variant="surface",
            id=preview_id,
        ),
    )


def action_row(*buttons: rx.Component) -> rx.Component:
    """A form's buttons side by side, wrapping on a narrow phone."""
    return rx.flex(*buttons, wrap="wrap", spacing="2")
