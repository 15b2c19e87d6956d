"""Empty, loading, error, success and forbidden states, so no page is ever a blank screen."""

import reflex as rx

from kisaan_app.components.i18n import tr


def empty_state(text_key: str, icon: str = "inbox", action=None) -> rx.Component:
    return rx.vstack(
        rx.icon(icon, size=32, color=rx.color("gray", 9)),
        rx.text(tr(text_key), color=rx.color("gray", 11), text_align="center"),
        action if action is not None else rx.fragment(),
        align="center",
        spacing="2",
        padding="2em 1em",
        width="100%",
        class_name="empty-state",
    )


def error_banner(message: rx.Var, **props) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, icon="triangle_alert", color_scheme="red", role="alert", width="100%", **props),
    )


def success_banner(message: rx.Var, **props) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, icon="circle_check", color_scheme="green", role="status", width="100%", **props),
    )


def info_banner(message: rx.Var, **props) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, icon="info", color_scheme="blue", role="status", width="100%", **props),
    )


def loading_state() -> rx.Component:
    return rx.center(rx.spinner(size="3"), rx.text(tr("common.loading"), margin_left="0.5em"), padding="2em")


def forbidden_state() -> rx.Component:
    return rx.callout(
        tr("state.forbidden"), icon="shield_alert", color_scheme="orange", width="100%", id="forbidden-state"
    )
