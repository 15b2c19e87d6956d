"""/profile — my details, my farm or business, my password."""

import reflex as rx

from kisaan_app.components.feedback import error_banner, success_banner
from kisaan_app.components.forms import field, submit_button, text_input
from kisaan_app.components.i18n import tr
from kisaan_app.components.layout import page_shell
from kisaan_app.state.profile import ProfileState
from kisaan_app.state.session import SessionState


def _input(name: str, label_key: str, **props) -> rx.Component:
    return field(
        label_key,
        text_input(name, value=ProfileState.profile[name], key=ProfileState.profile[name], **props),
        ProfileState.field_errors.get(name, ""),
    )


def _details_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading(tr("profile.details"), size="4"),
            _input("full_name", "register.full_name"),
            field(
                "register.language",
                rx.el.select(
                    rx.foreach(SessionState.languages, lambda lang: rx.el.option(lang[1], value=lang[0])),
                    name="preferred_language",
                    default_value=ProfileState.profile["preferred_language"],
                    key=ProfileState.profile["preferred_language"],
                    class_name="native-select",
                ),
            ),
            rx.cond(
                ProfileState.profile["role"] == "buyer",
                rx.vstack(
                    rx.heading(tr("profile.business"), size="4"),
                    _input("business_name", "profile.business_name"),
                    _input("gstin", "profile.gstin", placeholder="27AAPFU0939F1ZV"),
                    spacing="3",
                    width="100%",
                ),
            ),
            rx.cond(
                ProfileState.profile["role"] == "farmer",
                rx.vstack(
                    rx.heading(tr("profile.farm"), size="4"),
                    _input("village", "profile.village"),
                    _input("crops", "profile.crops", placeholder="Onion, Wheat"),
                    _input("land_area_acres", "profile.land_area", input_mode="decimal"),
                    spacing="3",
                    width="100%",
                ),
            ),
            rx.cond(
                (ProfileState.profile["role"] == "farmer") | (ProfileState.profile["role"] == "buyer"),
                rx.grid(
                    _input("district", "register.district"),
                    _input("state", "register.state"),
                    columns=rx.breakpoints(initial="1", sm="2"),
                    spacing="3",
                    width="100%",
                ),
            ),
            error_banner(ProfileState.field_errors.get("form", "")),
            success_banner(ProfileState.saved_message, id="profile-saved"),
            submit_button("common.save", id="profile-save"),
            spacing="3",
            width="100%",
        ),
        on_submit=ProfileState.save,
        reset_on_submit=False,
        width="100%",
    )


def _password_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading(tr("password.title"), size="4"),
            field(
                "password.current",
                text_input("current_password", input_type="password", auto_complete="current-password", required=True),
            ),
            field(
                "password.new",
                text_input("new_password", input_type="password", auto_complete="new-password", required=True),
            ),
            error_banner(ProfileState.password_error),
            success_banner(ProfileState.password_message),
            submit_button("password.submit", variant="soft"),
            spacing="3",
            width="100%",
        ),
        on_submit=ProfileState.change_password,
        reset_on_submit=False,
        width="100%",
    )


def _membership_card() -> rx.Component:
    """A farmer's FPO, and a way to ask to join one (its admin approves)."""
    org_name = ProfileState.profile["organization_name"]
    return rx.card(
        rx.vstack(
            rx.heading(tr("register.organization"), size="4"),
            rx.text(rx.cond(org_name != "", org_name, tr("register.no_organization")), id="my-fpo"),
            rx.cond(
                ProfileState.join_pending != "",
                rx.text(tr("profile.join_waiting"), ": ", ProfileState.join_pending, size="2", id="join-pending"),
            ),
            rx.cond(
                ProfileState.join_pending == "",
                rx.form(
                    rx.hstack(
                        rx.el.select(
                            rx.foreach(
                                ProfileState.organizations,
                                # A member may ask to move, never to join the FPO they are in.
                                lambda org: rx.cond(org.name != org_name, rx.el.option(org.name, value=org.id)),
                            ),
                            name="organization_id",
                            id="join-organization",
                            aria_label=tr("register.organization"),
                            class_name="native-select",
                            flex="1",
                            min_width="12rem",
                        ),
                        rx.button(
                            rx.cond(org_name == "", tr("profile.join_ask"), tr("profile.join_move")),
                            type="submit",
                            variant="soft",
                            id="join-submit",
                        ),
                        spacing="2",
                        wrap="wrap",
                        width="100%",
                    ),
                    on_submit=ProfileState.ask_to_join,
                    reset_on_submit=False,
                    width="100%",
                ),
            ),
            error_banner(ProfileState.join_error),
            success_banner(ProfileState.join_message),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def profile_page() -> rx.Component:
    return page_shell(
        "profile.title",
        rx.card(_details_form(), width="100%"),
        rx.cond(ProfileState.profile["role"] == "farmer", _membership_card()),
        rx.card(_password_form(), width="100%"),
    )
