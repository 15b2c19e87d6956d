"""Labelled inputs with room for a per-field error, big enough for a thumb on a small phone."""

import reflex as rx

from kisaan_app.components.i18n import tr


def field(label_key: str, control: rx.Component, error: rx.Var | str = "", hint_key: str | None = None) -> rx.Component:
    return rx.vstack(
        rx.el.label(
            tr(label_key),
            html_for=control.id if getattr(control, "id", None) else None,
            font_weight="500",
            font_size="0.95em",
        ),
        control,
        rx.text(tr(hint_key), size="1", color=rx.color("gray", 10)) if hint_key else rx.fragment(),
        rx.cond(error != "", rx.text(error, size="2", color=rx.color("red", 11), role="alert")),
        spacing="1",
        width="100%",
        align="stretch",
    )


def text_input(name: str, *, input_type: str = "text", value=None, on_change=None, **props) -> rx.Component:
    extra = {"default_value": value} if value is not None and on_change is None else {}
    if on_change is not None:
        extra = {"value": value, "on_change": on_change}
    return rx.input(name=name, id=name, type=input_type, size="3", width="100%", **extra, **props)


def submit_button(label_key: str, **props) -> rx.Component:
    return rx.button(tr(label_key), type="submit", size="3", width="100%", color_scheme="green", **props)
