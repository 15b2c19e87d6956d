"""/admin/crop-cases — an FPO's crop-health cases: a chart of where they stand, then each case, oldest first,
with the one next step it allows (take it up, send advice, close)."""

import reflex as rx

from kisaan_app.components.crop_cases import case_status_badge
from kisaan_app.components.feedback import empty_state, error_banner, success_banner
from kisaan_app.components.i18n import tr, tr_prefixed
from kisaan_app.components.layout import page_shell
from kisaan_app.state.crop_cases import CropCasesState as S


def _chart() -> rx.Component:
    return rx.card(
        rx.text(tr("crop_cases.chart_title"), weight="bold", size="2"),
        # Bars lie down so each step's name reads in full on a 360 px phone.
        rx.recharts.bar_chart(
            rx.recharts.bar(data_key="cases", fill="#2e7d32", name=tr("crop_cases.chart_title")),
            rx.recharts.x_axis(type_="number", tick={"fontSize": 11}, allow_decimals=False),
            rx.recharts.y_axis(data_key="label", type_="category", tick={"fontSize": 11}, width=110, interval=0),
            rx.recharts.graphing_tooltip(),
            data=S.by_status,
            layout="vertical",
            width="100%",
            height=170,
        ),
        width="100%",
        id="crop-case-chart",
    )


def _advice_form(c: rx.Var) -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.el.input(type="hidden", name="case_id", value=c.id.to_string()),
            rx.text_area(
                name="advice",
                placeholder=tr("crop_cases.advice_placeholder"),
                default_value=c.advice,
                max_length=1000,
                aria_label=tr("crop_cases.advice_label"),
                id="case-advice-" + c.id.to_string(),
                width="100%",
            ),
            rx.button(
                tr("crop_cases.send_advice"),
                type="submit",
                color_scheme="green",
                id="case-advise-" + c.id.to_string(),
            ),
            spacing="2",
            align="stretch",
        ),
        on_submit=S.advise,
        reset_on_submit=False,
        width="100%",
    )


def _case(c: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.badge(c.crop, color_scheme="green"),
                rx.badge(tr_prefixed("severity.", c.severity), color_scheme=c.severity),
                case_status_badge(c.status),
                rx.cond(c.escalated, rx.badge(tr("crop_cases.escalated"), color_scheme="red", variant="solid")),
                wrap="wrap",
                spacing="1",
            ),
            rx.text(c.issue, weight="bold"),
            rx.cond(c.note != "", rx.text(c.note, size="2")),
            rx.text(c.farmer, " · ", c.village, " · ", rx.link(c.phone, href="tel:" + c.phone), size="2"),
            rx.text(tr("crop_cases.reported").replace("{when}", c.when), size="1", color=rx.color("gray", 10)),
            rx.cond(c.status != "resolved", _advice_form(c)),
            rx.hstack(
                rx.cond(
                    c.status == "open",
                    rx.button(
                        tr("crop_cases.acknowledge"),
                        on_click=S.acknowledge(c.id),
                        color_scheme="amber",
                        id="case-ack-" + c.id.to_string(),
                    ),
                ),
                rx.cond(
                    c.status != "resolved",
                    rx.button(
                        tr("crop_cases.close"),
                        on_click=S.close(c.id),
                        variant="soft",
                        color_scheme="gray",
                        id="case-close-" + c.id.to_string(),
                    ),
                ),
                spacing="2",
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        class_name="crop-case",
    )


def crop_cases_page() -> rx.Component:
    return page_shell(
        "page_title.admin_crop_cases",
        rx.text(
            tr("crop_cases.intro").replace("{hours}", S.escalate_hours.to_string()),
            size="2",
            color=rx.color("gray", 11),
        ),
        _chart(),
        rx.segmented_control.root(
            rx.segmented_control.item(tr("crop_cases.show_open"), value="open"),
            rx.segmented_control.item(tr("crop_cases.show_closed"), value="closed"),
            value=S.view,
            on_change=S.show,
            id="case-view",
        ),
        error_banner(S.error),
        error_banner(S.field_errors.get("advice", "")),
        success_banner(S.message),
        rx.cond(
            S.cases.length() > 0,
            rx.vstack(rx.foreach(S.cases, _case), spacing="2", width="100%", id="crop-cases"),
            empty_state("crop_cases.empty", icon="sprout"),
        ),
    )
