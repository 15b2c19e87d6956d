"""/admin/alerts — issue and withdraw weather warnings."""

import reflex as rx

from kisaan_app.components.feedback import empty_state, error_banner, success_banner
from kisaan_app.components.forms import field
from kisaan_app.components.i18n import tr, tr_prefixed
from kisaan_app.components.layout import page_shell
from kisaan_app.components.tables import native_select
from kisaan_app.state.alerts_admin import AlertsAdminState as S

SEVERITIES = ("red", "orange", "yellow", "green")


def _issue_form() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.text(tr("alerts.intro"), size="2"),
                rx.flex(
                    field(
                        "alerts.district",
                        rx.vstack(
                            rx.input(name="district", list="district-list", required=True, id="alert-district"),
                            rx.el.datalist(
                                rx.foreach(S.district_options, lambda d: rx.el.option(value=d)), id="district-list"
                            ),
                        ),
                        S.field_errors.get("district", ""),
                    ),
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
                field(
                    "alerts.title",
                    rx.input(name="title", max_length=160, required=True, id="alert-title"),
                    S.field_errors.get("title", ""),
                ),
                field(
                    "alerts.message",
                    rx.text_area(name="message", max_length=1000, required=True, id="alert-message"),
                    S.field_errors.get("message", ""),
                ),
                rx.button(tr("alerts.issue"), type="submit", color_scheme="red", id="alert-submit"),
                error_banner(S.field_errors.get("form", "")),
                success_banner(S.message),
                spacing="3",
                align="stretch",
            ),
            on_submit=S.issue,
            reset_on_submit=True,
            id="alert-form",
        ),
        width="100%",
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
