"""/settings/notifications — categories × channels, quiet hours, and Web Push on this device."""

import reflex as rx

from kisaan_app.components.data_saver import data_saver_setting
from kisaan_app.components.feedback import error_banner, success_banner
from kisaan_app.components.forms import field
from kisaan_app.components.i18n import tr, tr_prefixed
from kisaan_app.components.layout import page_shell
from kisaan_app.components.tables import data_table
from kisaan_app.models.notifications import CATEGORIES, CHANNELS
from kisaan_app.state.settings_notifications import NotificationSettingsState as S

COMPACT_CELLS = {"& .rt-TableCell, & .rt-TableColumnHeaderCell, & .rt-TableRowHeaderCell": {"padding": "6px 5px"}}


def _box(category: rx.Var, channel: str) -> rx.Component:
    box = category + ":" + channel
    if channel == "in_app":  # the inbox always gets everything
        control = rx.checkbox(checked=True, disabled=True, aria_label=tr("channel.in_app"))
    else:
        control = rx.checkbox(
            checked=S.enabled.contains(box),
            on_change=lambda checked: S.toggle(box, checked),
            aria_label=tr(f"channel.{channel}"),
            id="pref-" + category + "-" + channel,
        )
    return rx.table.cell(control)


def _category_row(category: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(tr_prefixed("category.", category)),
        *[_box(category, ch) for ch in CHANNELS],
    )


def _grid() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(tr("prefs.intro"), size="2"),
            rx.box(
                data_table(
                    ["prefs.category", *[f"channel.{ch}" for ch in CHANNELS]],
                    rx.Var.create(list(CATEGORIES)),
                    _category_row,
                    "prefs-grid",
                ),
                style=COMPACT_CELLS,  # five columns fit a 360 px phone without sideways scrolling
            ),
            rx.text(tr("prefs.in_app_always"), size="1", color=rx.color("gray", 10)),
            rx.cond(S.contact_phone == "", rx.text(tr("prefs.no_phone"), size="1", color=rx.color("orange", 11))),
            rx.cond(S.contact_email == "", rx.text(tr("prefs.no_email"), size="1", color=rx.color("orange", 11))),
            align="stretch",
        ),
        size="1",
        width="100%",
    )


def _quiet_hours() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(tr("prefs.quiet_hours"), size="4"),
            rx.text(tr("prefs.quiet_intro"), size="2"),
            rx.flex(
                field(
                    "prefs.quiet_from",
                    rx.input(type="time", value=S.quiet_start, on_change=S.set_quiet_start, id="quiet-start"),
                ),
                field(
                    "prefs.quiet_to",
                    rx.input(type="time", value=S.quiet_end, on_change=S.set_quiet_end, id="quiet-end"),
                ),
                spacing="3",
            ),
            align="stretch",
        ),
        width="100%",
    )


def _this_device() -> rx.Component:
    refused = rx.match(
        S.push_status, ("denied", True), ("unsupported", True), ("failed", True), ("server_error", True), False
    )
    return rx.card(
        rx.vstack(
            rx.heading(tr("prefs.push_title"), size="4"),
            rx.text(tr("prefs.push_intro"), size="2"),
            rx.cond(
                refused,
                error_banner(S.push_status_text, id="push-status"),
                rx.text(S.push_status_text, size="2", weight="medium", id="push-status"),
            ),
            rx.text(rx.cond(S.has_push_device, tr("prefs.push_devices_yes"), tr("prefs.push_devices_no")), size="1"),
            rx.button(
                rx.icon("bell_ring", size=16),
                tr("prefs.push_enable"),
                on_click=S.enable_push,
                loading=S.push_busy,
                disabled=S.push_status == "subscribed",
                variant="soft",
                id="push-enable",
            ),
            align="stretch",
        ),
        width="100%",
    )


def notification_settings_page() -> rx.Component:
    return page_shell(
        "nav.notification_settings",
        _grid(),
        _quiet_hours(),
        rx.button(tr("common.save"), on_click=S.save, color_scheme="green", size="3", id="prefs-save"),
        error_banner(S.error),
        success_banner(S.message, id="prefs-saved"),
        _this_device(),
        data_saver_setting(),  # this phone's data plan, kept on the phone
    )
