"""/admin/alerts — issue and withdraw weather warnings."""

import reflex as rx

from kisaan_app.components.feedback import empty_state, error_banner, success_banner
from kisaan_app.components.forms import field
from kisaan_app.components.i18n import tr, tr_prefixed
from kisaan_app.components.layout import page_shell
from kisaan_app.components.tables import native_select
from kisaan_app.i18n import available_languages
from kisaan_app.state.admin_alerts import TEXT_LANGUAGES
from kisaan_app.state.admin_alerts import AlertsAdminState as S

SEVERITIES = ("red", "orange", "yellow", "green")


def _district() -> rx.Component:
    return field(
        "alerts.district",
        rx.vstack(
            rx.input(name="district", list="district-list", required=True, id="alert-district", width="100%"),
            rx.el.datalist(rx.foreach(S.district_options, lambda d: rx.el.option(value=d)), id="district-list"),
            rx.cond(
                S.suggestion != "",
                rx.button(
                    tr("alerts.use_suggestion"),
                    " ",
                    S.suggestion,
                    type="button",
                    size="1",
                    variant="soft",
                    on_click=rx.set_value("alert-district", S.suggestion),
                    id="use-suggestion",
                ),
            ),
            width="100%",
        ),
        S.field_errors.get("district", ""),
    )


def _text_in(lang: str) -> rx.Component:
    """The warning in one language; farmers who read it get this text, the others the first language's.
    Headed by the language's own name ("मराठी"), as the admin who writes it reads it."""
    return rx.vstack(
        rx.text(available_languages()[lang], weight="bold", size="2", lang=lang),
        field(
            "alerts.title",
            rx.input(name=f"title_{lang}", max_length=160, id=f"alert-title-{lang}"),
            S.field_errors.get(f"title_{lang}", ""),
        ),
        field(
            "alerts.message",
            rx.text_area(name=f"message_{lang}", max_length=1000, id=f"alert-message-{lang}"),
            S.field_errors.get(f"message_{lang}", ""),
        ),
        spacing="2",
        align="stretch",
        class_name="alert-language",
        flex="1 1 280px",
    )


def _issue_form() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.text(tr("alerts.intro"), size="2"),
                rx.flex(
                    _district(),
                    field("alerts.state", rx.input(name="state", id="alert-state"), S.field_errors.get("state", "")),
                    field(
                        "alerts.severity",
                        native_select("severity", [(s, tr(f"severity.{s}")) for s in SEVERITIES], id="alert-severity"),
                        S.field_errors.get("severity", ""),
                    ),
                    field(
                        "alerts.valid_hours",
                        native_select(
                            "valid_hours",
                            dynamic=rx.foreach(S.hour_options, lambda o: rx.el.option(o[1], value=o[0])),
                            value="24",
                            id="alert-hours",
                        ),
                    ),
                    wrap="wrap",
                    gap="3",
                ),
                rx.text(tr("alerts.languages_hint"), size="1", color=rx.color("gray", 11)),
                rx.flex(*[_text_in(lang) for lang in TEXT_LANGUAGES[:2]], wrap="wrap", gap="3", width="100%"),
                # The other languages fold away: most warnings are written in one or two.
                *[
                    rx.el.details(
                        rx.el.summary(available_languages()[lang], lang=lang, style={"cursor": "pointer"}),
                        _text_in(lang),
                        id=f"alert-more-{lang}",
                    )
                    for lang in TEXT_LANGUAGES[2:]
                ],
                rx.button(tr("alerts.check"), type="submit", color_scheme="red", id="alert-submit"),
                error_banner(S.field_errors.get("form", "")),
                success_banner(S.message, id="alert-issued"),
                spacing="3",
                align="stretch",
            ),
            on_submit=S.check,
            id="alert-form",
        ),
        width="100%",
    )


def _reach_badges(rows: rx.Var, prefix: str | None, badge_id: str) -> rx.Component:
    return rx.flex(
        rx.foreach(
            rows,
            lambda r: rx.badge(
                tr_prefixed(prefix, r.label) if prefix else r.label, ": ", r.people, size="2", variant="soft"
            ),
        ),
        wrap="wrap",
        gap="2",
        id=badge_id,
    )


def _confirmation() -> rx.Component:
    """Who the warning reaches, before it goes: "Send a red warning to 12 farmers in Nashik?"."""
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(S.confirm_question, id="alert-confirm-question"),
            rx.alert_dialog.description(tr("alerts.confirm_detail"), size="2"),
            rx.vstack(
                _reach_badges(S.reach_channels, "channel.", "alert-reach-channels"),
                _reach_badges(S.reach_languages, None, "alert-reach-languages"),
                spacing="2",
                margin_top="0.75em",
            ),
            rx.hstack(
                rx.alert_dialog.cancel(
                    rx.button(
                        tr("common.cancel"),
                        variant="soft",
                        color_scheme="gray",
                        on_click=S.cancel_send,
                        id="alert-cancel",
                    )
                ),
                rx.alert_dialog.action(
                    rx.button(tr("alerts.issue"), color_scheme="red", on_click=S.issue, id="alert-confirm")
                ),
                justify="end",
                spacing="2",
                margin_top="1em",
            ),
        ),
        open=S.awaiting_send,
    )


def _active(alert: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.badge(tr_prefixed("severity.", alert.severity), color_scheme="gray"),
        rx.vstack(
            rx.text(alert.title, weight="bold", size="2"),
            rx.text(alert.district, " · ", tr("dashboard.valid_until"), " ", alert.until, size="1"),
            spacing="0",
            align="start",
        ),
        rx.spacer(),
        rx.button(tr("alerts.cancel"), size="1", variant="soft", color_scheme="gray", on_click=S.cancel(alert.id)),
        width="100%",
        class_name="active-alert",
    )


def alerts_admin_page() -> rx.Component:
    return page_shell(
        "nav.alerts",
        _issue_form(),
        _confirmation(),
        rx.card(
            rx.vstack(
                rx.heading(tr("alerts.active"), size="4"),
                rx.cond(
                    S.active.length() > 0,
                    rx.vstack(rx.foreach(S.active, _active), width="100%", id="active-alerts"),
                    empty_state("alerts.none", icon="sun"),
                ),
                align="stretch",
            ),
            width="100%",
        ),
    )
