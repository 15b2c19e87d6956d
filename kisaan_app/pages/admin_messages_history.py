"""/admin/messages/history — deliveries with filters, one delivery's provider answer, and stats by channel and day."""

import reflex as rx

from kisaan_app.components.feedback import empty_state, error_banner
from kisaan_app.components.i18n import tr, tr_prefixed
from kisaan_app.components.layout import page_shell
from kisaan_app.components.tables import data_table, filter_bar, native_select, pager
from kisaan_app.models.notifications import CHANNELS, DELIVERY_STATUSES
from kisaan_app.state.admin_messages_history import STATS_DAYS
from kisaan_app.state.admin_messages_history import MessageHistoryState as S

CHART_COLOURS = {"in_app": "#2e7d32", "push": "#1565c0", "sms": "#ef6c00", "email": "#6a1b9a"}


def status_badge(status: rx.Var) -> rx.Component:
    colour = rx.match(
        status,
        ("delivered", "green"),
        ("read", "green"),
        ("sent", "blue"),
        ("queued", "blue"),
        ("failed", "red"),
        ("undelivered", "red"),
        "gray",
    )
    return rx.badge(tr_prefixed("delivery_status.", status), color_scheme=colour)


def _filters() -> rx.Component:
    """Drawn again (key) when the URL's filters change, so the controls show the filters the list is under."""
    return rx.box(_filter_bar(), key=S.list_url, width="100%")


def _filter_bar() -> rx.Component:
    return filter_bar(
        S.apply_filters,
        native_select(
            "channel",
            [("", tr("history.all_channels"))] + [(c, tr(f"channel.{c}")) for c in CHANNELS],
            value=S.filters.get("channel", ""),
            aria_label=tr("history.channel"),
            id="history-channel",
        ),
        native_select(
            "status",
            [("", tr("history.all_statuses"))] + [(s, tr(f"delivery_status.{s}")) for s in DELIVERY_STATUSES],
            value=S.filters.get("status", ""),
            aria_label=tr("history.status"),
            id="history-status",
        ),
        native_select(
            "batch_id",
            [("", tr("history.all_campaigns"))],
            dynamic=rx.foreach(S.campaigns, lambda c: rx.el.option(c.title, value=c.batch_id)),
            value=S.filters.get("batch_id", ""),
            aria_label=tr("history.campaign"),
            id="history-campaign",
        ),
        rx.input(
            name="search",
            default_value=S.filters.get("search", ""),
            placeholder=tr("history.search"),
            size="2",
            width="11em",
        ),
        rx.button(tr("common.apply"), type="submit", size="2", id="history-apply"),
    )


def _channel_card(c: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(tr_prefixed("channel.", c.channel), weight="bold", size="2"),
            rx.heading(c.rate, size="6"),
            rx.text(
                tr("history.sent"),
                " ",
                c.sent,
                " · ",
                tr("history.delivered"),
                " ",
                c.delivered,
                " · ",
                tr("history.failed"),
                " ",
                c.failed,
                size="1",
            ),
            spacing="1",
        ),
        min_width="9.5em",
        class_name="channel-stat",
    )


def _stats() -> rx.Component:
    bars = [
        rx.recharts.bar(data_key=f"{ch}_sent", name=tr(f"channel.{ch}"), fill=CHART_COLOURS[ch], stack_id="sent")
        for ch in CHANNELS
    ]
    return rx.card(
        rx.vstack(
            rx.heading(tr("history.stats"), size="4"),
            rx.text(tr("history.stats_days"), " ", STATS_DAYS, size="1", color=rx.color("gray", 10)),
            rx.cond(
                S.channel_stats.length() > 0,
                rx.flex(rx.foreach(S.channel_stats, _channel_card), wrap="wrap", spacing="2", id="channel-stats"),
                empty_state("history.no_stats", icon="chart_bar"),
            ),
            rx.cond(S.sms_balance != "", rx.text(tr("history.sms_balance"), " ", S.sms_balance, size="2")),
            rx.cond(
                S.channel_stats.length() > 0,
                rx.recharts.bar_chart(
                    *bars,
                    rx.recharts.bar(data_key="failed", name=tr("history.failed"), fill="#c62828"),
                    rx.recharts.x_axis(data_key="day", tick={"fontSize": 11}),
                    rx.recharts.y_axis(tick={"fontSize": 11}, width=36, allow_decimals=False),
                    rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
                    rx.recharts.legend(),
                    rx.recharts.graphing_tooltip(),
                    data=S.by_day,
                    width="100%",
                    height=240,
                    id="history-chart",
                ),
            ),
            align="stretch",
        ),
        width="100%",
    )


def _row(d: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.link(d.created, href=S.detail_prefix + d.id, id="delivery-" + d.id, white_space="nowrap")),
        rx.table.cell(
            rx.hstack(
                tr_prefixed("channel.", d.channel),
                rx.cond(d.received, rx.badge(tr("history.received"), color_scheme="blue", class_name="received")),
                spacing="1",
                wrap="wrap",
            )
        ),
        rx.table.cell(
            rx.vstack(
                rx.text(d.recipient, size="2", weight="medium"),
                rx.cond(
                    (d.address != "") & (d.address != d.recipient),
                    rx.text(d.address, size="1", color=rx.color("gray", 10), class_name="clip-line"),
                ),
                spacing="0",
            ),
            max_width="14em",
        ),
        rx.table.cell(status_badge(d.status)),
        rx.table.cell(d.attempts),
        rx.table.cell(d.error_code),
        class_name="delivery-row",
    )


def _detail_line(label_key: str, value: rx.Var) -> rx.Component:
    return rx.cond(
        value != "",
        rx.hstack(
            rx.text(tr(label_key), size="2", color=rx.color("gray", 10), min_width="8em"),
            rx.text(value, size="2", word_break="break-all"),
            align="start",
        ),
    )


def _detail() -> rx.Component:
    d = S.detail
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(tr("history.delivery"), " #", d.id),
            rx.vstack(
                rx.hstack(
                    rx.badge(tr_prefixed("channel.", d.channel)),
                    rx.cond(d.received, rx.badge(tr("history.received"), color_scheme="blue")),
                    status_badge(d.status),
                ),
                _detail_line("history.recipient", d.recipient),
                rx.cond(d.address != d.recipient, _detail_line("history.address", d.address)),
                _detail_line("history.subject", d.subject),
                _detail_line("history.body", d.body),
                _detail_line("history.provider_id", d.provider_id),
                _detail_line("history.attempts", d.attempts),
                _detail_line("history.error_code", d.error_code),
                _detail_line("history.error_message", d.error_message),
                _detail_line("history.segments", d.segments),
                _detail_line("history.created", d.created),
                _detail_line("history.sent_at", d.sent),
                _detail_line("history.delivered_at", d.delivered),
                rx.button(tr("common.close"), on_click=S.close_detail, variant="soft"),
                align="stretch",
                id="delivery-detail",
            ),
            max_width="480px",
        ),
        open=S.detail_open,
        on_open_change=lambda _open: S.close_detail(),
        # (closing goes back to the list's URL, filters kept)
    )


def message_history_page() -> rx.Component:
    return page_shell(
        "nav.message_history",
        rx.link(tr("nav.messages"), href="/admin/messages"),
        _stats(),
        _filters(),
        error_banner(S.error),
        rx.text(S.total_label, size="2"),
        rx.cond(
            S.rows.length() > 0,
            data_table(
                [
                    "history.when",
                    "history.channel",
                    "history.recipient",
                    "history.status",
                    "history.attempts",
                    "history.error_code",
                ],
                S.rows,
                _row,
                "history-table",
            ),
            empty_state("history.none", icon="mail"),
        ),
        pager(S.page, S.pages, S.page_label, S.go_to_page),
        _detail(),
    )
