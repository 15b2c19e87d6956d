"""The farmer's live dashboard (shown on / for farmers): alerts first, then prices, trend, crop health, inbox."""

from typing import Any

import reflex as rx

from kisaan_app.components.crop_cases import case_status_badge
from kisaan_app.components.data_saver import data_heavy
from kisaan_app.components.feedback import empty_state, error_banner, success_banner
from kisaan_app.components.i18n import tr, tr_prefixed
from kisaan_app.components.tables import native_select
from kisaan_app.components.trend_chart import trend_chart
from kisaan_app.components.voice import listen_button, voice_search
from kisaan_app.state.dashboard import DashboardState

SEVERITY_COLOURS = {"red": "red", "orange": "orange", "yellow": "amber", "green": "green"}


def _section(title_key: str, *children: rx.Component, section_id: str) -> rx.Component:
    return rx.card(
        rx.vstack(rx.heading(tr(title_key), size="4"), *children, spacing="3", align="stretch"),
        width="100%",
        id=section_id,
    )


def _alert(alert: rx.Var) -> rx.Component:
    return rx.box(
        rx.callout.root(
            rx.callout.icon(rx.icon("cloud_lightning")),
            rx.vstack(
                rx.hstack(
                    rx.badge(tr_prefixed("severity.", alert.severity), color_scheme="gray", variant="surface"),
                    rx.text(alert.title, weight="bold"),
                    wrap="wrap",
                    align="center",
                ),
                rx.text(alert.message, size="2"),
                rx.hstack(
                    rx.text(tr("dashboard.valid_until"), " ", alert.until, size="1"),
                    listen_button("weather", alert.id),
                    wrap="wrap",
                    align="center",
                ),
                spacing="1",
                align="start",
            ),
            color_scheme=rx.match(alert.severity, *SEVERITY_COLOURS.items(), "gray"),
            variant=rx.cond(alert.fresh, "solid", "soft"),
        ),
        class_name=rx.cond(alert.fresh, "weather-alert alert-fresh", "weather-alert"),
        data_severity=alert.severity,
        width="100%",
    )


def alerts_panel() -> rx.Component:
    return _section(
        "dashboard.weather",
        rx.cond(
            DashboardState.alerts.length() > 0,
            rx.vstack(rx.foreach(DashboardState.alerts, _alert), spacing="2", width="100%"),
            rx.callout(tr("dashboard.no_alerts"), icon="sun", color_scheme="green", variant="surface"),
        ),
        section_id="weather-alerts",
    )


def _price(row: rx.Var) -> rx.Component:
    colour = rx.match(row.direction, ("up", rx.color("green", 11)), ("down", rx.color("red", 11)), rx.color("gray", 11))
    return rx.box(
        rx.hstack(
            rx.vstack(
                rx.text(row.crop, " · ", row.variety, weight="bold"),
                rx.text(row.market, " (", row.district_name, ") · ", row.date, size="1", color=rx.color("gray", 11)),
                spacing="0",
                align="start",
            ),
            rx.spacer(),
            rx.vstack(
                rx.text(row.modal, weight="bold", size="4", class_name="price-modal"),
                rx.text(row.change, size="1", color=colour),
                spacing="0",
                align="end",
            ),
            width="100%",
            align="center",
        ),
        rx.hstack(
            rx.text(tr("dashboard.range"), " ", row.price_range, size="1", color=rx.color("gray", 10)),
            rx.spacer(),
            listen_button("price", row.key),
            align="center",
            width="100%",
        ),
        class_name=rx.cond(row.flash, "price-row price-flash", "price-row"),
        data_key=row.key,
        width="100%",  # every row spans the card, so the prices line up on the right
    )


def prices_panel() -> rx.Component:
    return _section(
        "dashboard.prices",
        rx.text(tr("dashboard.prices_hint"), size="1", color=rx.color("gray", 11)),
        rx.cond(
            DashboardState.prices.length() > 0,
            rx.vstack(rx.foreach(DashboardState.prices, _price), spacing="0", width="100%", id="price-list"),
            empty_state("dashboard.no_prices", icon="chart_no_axes_column"),
        ),
        section_id="mandi-prices",
    )


def trend_panel() -> rx.Component:
    return _section(
        "dashboard.trend",
        rx.cond(
            DashboardState.my_crops.length() > 0,
            rx.vstack(
                rx.segmented_control.root(
                    rx.foreach(DashboardState.crop_choices, lambda c: rx.segmented_control.item(c.name, value=c.id)),
                    value=DashboardState.selected_crop,
                    on_change=DashboardState.select_crop,
                    size="1",
                    id="trend-crop",
                ),
                rx.cond(
                    DashboardState.trend.length() > 1,
                    data_heavy(
                        # The chart's data is a list of objects; a TrendPoint reaches the browser as that object.
                        trend_chart(data=DashboardState.trend.to(list[dict[str, Any]]), height=220),
                        "data_saver.show_chart",
                    ),
                    empty_state("dashboard.no_trend", icon="chart_line"),
                ),
                rx.text(tr("dashboard.trend_hint"), size="1", color=rx.color("gray", 11)),
                spacing="2",
                width="100%",
                id="price-trend",
            ),
            empty_state(
                "home.no_crops",
                icon="sprout",
                action=rx.link(rx.button(tr("home.add_crops"), color_scheme="green"), href="/profile"),
            ),
        ),
        section_id="trend-section",
    )


def _report(report: rx.Var) -> rx.Component:
    """A report is a case: its step, the advice the FPO sent, and the farmer's "solved" button."""
    return rx.vstack(
        rx.hstack(
            rx.badge(report.crop, color_scheme="green"),
            rx.vstack(
                rx.text(report.issue, weight="medium", size="2"),
                rx.text(report.note, size="1", color=rx.color("gray", 11)),
                spacing="0",
                align="start",
            ),
            rx.spacer(),
            rx.vstack(
                rx.text(report.when, size="1", color=rx.color("gray", 10)),
                case_status_badge(report.status),
                spacing="1",
                align="end",
            ),
            width="100%",
        ),
        rx.cond(
            report.advice != "",
            rx.callout(tr("crop_cases.your_advice").replace("{advice}", report.advice), icon="lightbulb", size="1"),
        ),
        rx.cond(
            report.status != "resolved",
            rx.button(
                tr("crop_cases.mark_resolved"),
                on_click=DashboardState.close_report(report.id),
                size="1",
                variant="soft",
                id="report-close-" + report.id.to_string(),
            ),
        ),
        spacing="1",
        width="100%",
        class_name="crop-report",
    )


def crop_health_panel() -> rx.Component:
    form = rx.form(
        rx.vstack(
            rx.flex(
                native_select(
                    "crop",
                    dynamic=rx.foreach(DashboardState.crop_choices, lambda c: rx.el.option(c.name, value=c.id)),
                    id="report-crop",
                ),
                native_select(
                    "issue_type",
                    dynamic=rx.foreach(DashboardState.issue_types, lambda o: rx.el.option(o[1], value=o[0])),
                    id="report-issue",
                ),
                wrap="wrap",
                gap="2",
            ),
            rx.text_area(name="note", placeholder=tr("dashboard.report_note"), max_length=1000, id="report-note"),
            rx.button(tr("dashboard.report_submit"), type="submit", color_scheme="green", id="report-submit"),
            error_banner(DashboardState.report_error),
            success_banner(DashboardState.report_message),
            spacing="2",
            align="stretch",
        ),
        on_submit=DashboardState.submit_report,
        reset_on_submit=True,
        id="crop-report-form",
    )
    return _section(
        "dashboard.crop_health",
        rx.cond(DashboardState.my_crops.length() > 0, form),
        rx.cond(
            DashboardState.reports.length() > 0,
            rx.vstack(rx.foreach(DashboardState.reports, _report), spacing="2", width="100%", id="crop-reports"),
            rx.text(tr("dashboard.no_reports"), size="2", color=rx.color("gray", 11)),
        ),
        section_id="crop-health",
    )


def _notification(item: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.cond(item.read, rx.icon("mail_open", size=16), rx.icon("mail", size=16, color="#2e7d32")),
        rx.vstack(
            rx.text(item.title, weight=rx.cond(item.read, "regular", "bold"), size="2"),
            rx.text(item.body, size="1", color=rx.color("gray", 11)),
            rx.hstack(
                rx.text(item.when, size="1", color=rx.color("gray", 10)),
                listen_button("inbox", item.id),
                align="center",
                wrap="wrap",
            ),
            spacing="0",
            align="start",
        ),
        rx.spacer(),
        rx.cond(
            item.read,
            rx.fragment(),
            rx.button(tr("inbox.mark_read"), size="1", variant="ghost", on_click=DashboardState.mark_read(item.id)),
        ),
        width="100%",
        class_name=rx.cond(item.critical, "inbox-item critical", "inbox-item"),
    )


def inbox_panel() -> rx.Component:
    return _section(
        "inbox.title",
        rx.cond(
            DashboardState.unread_count > 0,
            rx.button(
                tr("inbox.mark_all_read"),
                size="1",
                variant="soft",
                on_click=DashboardState.mark_all_read,
                id="mark-all-read",
            ),
        ),
        rx.cond(
            DashboardState.inbox_items.length() > 0,
            rx.vstack(rx.foreach(DashboardState.inbox_items, _notification), spacing="2", width="100%"),
            empty_state("inbox.empty", icon="inbox"),
        ),
        section_id="inbox",
    )


def _onboarding_step(step: rx.Var) -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.icon("circle", size=14), tr_prefixed("getting_started.step.", step.key), align="center", spacing="2"
        ),
        href=step.href,
        class_name="onboarding-step",
        data_step=step.key,
    )


def onboarding_card() -> rx.Component:
    """What is left of getting started; gone once every step is done (services/accounts/onboarding.py)."""
    return rx.cond(
        DashboardState.onboarding_title != "",
        rx.card(
            rx.vstack(
                rx.text(DashboardState.onboarding_title, weight="bold"),
                rx.progress(value=DashboardState.onboarding_percent, max=100, width="100%"),
                rx.flex(
                    rx.foreach(DashboardState.onboarding_todo, _onboarding_step),
                    wrap="wrap",
                    spacing="3",
                    direction=rx.breakpoints(initial="column", sm="row"),
                ),
                spacing="2",
                align="stretch",
            ),
            width="100%",
            id="onboarding-checklist",
        ),
    )


def farmer_dashboard() -> rx.Component:
    return rx.vstack(
        rx.cond(
            DashboardState.load_error != "",
            rx.callout(
                rx.hstack(
                    rx.text(DashboardState.load_error),
                    rx.button(tr("common.retry"), size="1", on_click=DashboardState.load),
                ),
                icon="triangle_alert",
                color_scheme="red",
            ),
        ),
        rx.cond(DashboardState.loaded, onboarding_card()),
        rx.cond(
            DashboardState.loaded,
            rx.grid(
                alerts_panel(),
                voice_search("voice-dashboard"),
                prices_panel(),
                trend_panel(),
                crop_health_panel(),
                inbox_panel(),
                columns=rx.breakpoints(initial="1", md="2"),
                spacing="3",
                width="100%",
            ),
            rx.center(rx.spinner(size="3"), padding="2em"),
        ),
        width="100%",
        spacing="3",
        id="farmer-dashboard",
    )
