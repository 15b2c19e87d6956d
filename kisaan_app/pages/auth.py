"""/login and /register: plain forms that work on a small phone and a slow network."""

import reflex as rx

from kisaan_app.components.feedback import error_banner, info_banner, success_banner
from kisaan_app.components.forms import field, submit_button, text_input
from kisaan_app.components.i18n import tr
from kisaan_app.components.layout import public_shell
from kisaan_app.state.auth import AuthState


def _card(*children) -> rx.Component:
    return rx.card(rx.vstack(*children, spacing="3", width="100%", align="stretch"), width="100%", size="3")


def login_page() -> rx.Component:
    return public_shell(
        _card(
            rx.heading(tr("login.title"), size="6"),
            rx.text(tr("app.tagline"), color=rx.color("gray", 11), size="2"),
            success_banner(AuthState.notice),
            info_banner(AuthState.info, id="login-info"),
            error_banner(AuthState.form_error, id="login-error"),
            rx.form(
                rx.vstack(
                    field(
                        "login.identifier",
                        text_input(
                            "identifier", input_type="text", auto_complete="username", required=True, input_mode="email"
                        ),
                        hint_key="login.identifier_hint",
                    ),
                    field(
                        "login.password",
                        text_input("password", input_type="password", auto_complete="current-password", required=True),
                    ),
                    submit_button("login.submit", id="login-submit"),
                    rx.link(tr("login.forgot"), href="/forgot-password", size="2", id="forgot-link"),
                    spacing="3",
                    width="100%",
                ),
                on_submit=AuthState.login,
                reset_on_submit=False,
                width="100%",
            ),
            rx.hstack(
                rx.text(tr("login.no_account"), size="2"),
                rx.link(tr("login.create_account"), href="/register", size="2", id="register-link"),
                spacing="2",
                wrap="wrap",
            ),
        )
    )


def _role_choice() -> rx.Component:
    return rx.vstack(
        rx.text(tr("register.i_am"), weight="medium"),
        rx.segmented_control.root(
            rx.segmented_control.item(tr("role.farmer"), value="farmer"),
            rx.segmented_control.item(tr("role.buyer"), value="buyer"),
            value=AuthState.register_role,
            on_change=AuthState.set_register_role,
            size="3",
            width="100%",
            id="role-choice",
        ),
        width="100%",
        spacing="1",
    )


def register_page() -> rx.Component:
    errors = AuthState.field_errors
    return public_shell(
        _card(
            rx.heading(tr("register.title"), size="6"),
            error_banner(AuthState.form_error, id="register-error"),
            _role_choice(),
            rx.form(
                rx.vstack(
                    field(
                        "register.full_name",
                        text_input("full_name", auto_complete="name", required=True),
                        errors.get("full_name", ""),
                    ),
                    field(
                        "register.phone",
                        text_input("phone", input_type="tel", auto_complete="tel", placeholder="98765 43210"),
                        errors.get("phone", ""),
                    ),
                    field(
                        "register.email",
                        text_input("email", input_type="email", auto_complete="email"),
                        errors.get("email", ""),
                    ),
                    field(
                        "register.password",
                        text_input("password", input_type="password", auto_complete="new-password", required=True),
                        errors.get("password", ""),
                    ),
                    rx.grid(
                        field("register.district", text_input("district"), errors.get("district", "")),
                        field("register.state", text_input("state"), errors.get("state", "")),
                        columns=rx.breakpoints(initial="1", sm="2"),
                        spacing="3",
                        width="100%",
                    ),
                    rx.cond(
                        AuthState.register_role == "farmer",
                        rx.text(tr("register.join_later"), size="2", color=rx.color("gray", 11)),
                    ),
                    submit_button("register.submit", id="register-submit"),
                    spacing="3",
                    width="100%",
                ),
                on_submit=AuthState.register,
                reset_on_submit=False,
                width="100%",
            ),
            rx.hstack(
                rx.text(tr("register.have_account"), size="2"),
                rx.link(tr("nav.login"), href="/login", size="2"),
                spacing="2",
            ),
        )
    )


def _reset_request_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text(tr("forgot.intro"), size="2"),
            field(
                "register.phone",
                text_input("phone", input_type="tel", auto_complete="tel", placeholder="98765 43210", required=True),
            ),
            submit_button("forgot.send_code", id="forgot-send"),
            spacing="3",
            width="100%",
        ),
        on_submit=AuthState.request_reset,
        reset_on_submit=False,
        width="100%",
    )


def _reset_confirm_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            field(
                "forgot.code",
                text_input("code", input_mode="numeric", auto_complete="one-time-code", max_length=6, required=True),
            ),
            field(
                "password.new",
                text_input("new_password", input_type="password", auto_complete="new-password", required=True),
            ),
            submit_button("forgot.set_password", id="forgot-confirm"),
            rx.button(
                tr("forgot.new_code"), type="button", variant="ghost", size="2", on_click=AuthState.restart_reset
            ),
            spacing="3",
            width="100%",
        ),
        on_submit=AuthState.confirm_reset,
        reset_on_submit=True,
        width="100%",
    )


def forgot_password_page() -> rx.Component:
    """/forgot-password: ask for an SMS code, then enter it with a new password."""
    return public_shell(
        _card(
            rx.heading(tr("forgot.title"), size="6"),
            success_banner(AuthState.notice),
            error_banner(AuthState.form_error, id="forgot-error"),
            rx.cond(AuthState.reset_step == "code", _reset_confirm_form(), _reset_request_form()),
            rx.link(tr("nav.login"), href="/login", size="2"),
        )
    )
