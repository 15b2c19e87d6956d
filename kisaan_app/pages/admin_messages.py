"""/admin/messages — compose a bulk message, count its recipients per channel, send, watch the progress live."""

import reflex as rx

from kisaan_app.components.drafts import draft_input, draft_select
from kisaan_app.components.feedback import empty_state, error_banner
from kisaan_app.components.forms import field
from kisaan_app.components.i18n import tr, tr_prefixed
from kisaan_app.components.layout import page_shell
from kisaan_app.components.messages import action_row, message_preview
from kisaan_app.components.tables import data_table
from kisaan_app.i18n import available_languages
from kisaan_app.models.notifications import CATEGORIES, CHANNELS
from kisaan_app.state.admin_messages import AdminMessagesState as S

CATEGORY_ORDER = ("system", *[c for c in CATEGORIES if c != "system"])  # announcements first: the usual bulk send


def _audience() -> rx.Component:
    organizations = rx.foreach(S.organizations, lambda o: rx.el.option(o[1], value=o[0]))
    return rx.flex(
        field(
            "messages.organization",
            draft_select(S, "organization_id", [("", tr("common.all"))], dynamic=organizations, id="msg-org"),
        ),
        field(
            "messages.district",
            rx.vstack(
                draft_input(
                    S, "district", debounce_timeout=400, list="msg-district-list", width="100%", id="msg-district"
                ),
                rx.el.datalist(rx.foreach(S.district_options, lambda d: rx.el.option(value=d)), id="msg-district-list"),
                width="100%",
            ),
        ),
        field("messages.crop", draft_input(S, "crop", debounce_timeout=400, id="msg-crop")),
        field(
            "messages.language",
            draft_select(S, "language", [("", tr("common.all")), *available_languages().items()], id="msg-language"),
        ),
        wrap="wrap",
        spacing="3",
    )


def _channels() -> rx.Component:
    return rx.flex(
        *[
            rx.checkbox(
                tr(f"channel.{ch}"),
                checked=S.channels.contains(ch),
                on_change=lambda checked, ch=ch: S.toggle_channel(ch, checked),
                id=f"msg-channel-{ch}",
            )
            for ch in CHANNELS
        ],
        rx.checkbox(tr("messages.critical"), checked=S.critical, on_change=S.set_critical, id="msg-critical"),
        wrap="wrap",
        spacing="4",
    )


def _message() -> rx.Component:
    templates = rx.foreach(S.templates, lambda t: rx.el.option(t[1], value=t[0]))
    return rx.vstack(
        rx.flex(
            field(
                "messages.category",
                draft_select(S, "category", [(c, tr(f"category.{c}")) for c in CATEGORY_ORDER], id="msg-category"),
            ),
            field(
                "messages.template",
                draft_select(S, "template_key", [("", tr("messages.free_text"))], dynamic=templates, id="msg-template"),
            ),
            wrap="wrap",
            spacing="3",
        ),
        rx.cond(
            S.draft.get("template_key", "") == "",
            rx.vstack(
                field("messages.subject", draft_input(S, "subject", max_length=200, id="msg-subject")),
                field(
                    "messages.text",
                    draft_input(S, "text", multiline=True, max_length=2000, rows="4", id="msg-text"),
                    hint_key="messages.text_hint",
                ),
                align="stretch",
                width="100%",
            ),
        ),
        align="stretch",
    )


def _counts() -> rx.Component:
    return rx.vstack(
        rx.text(tr("messages.recipients"), weight="medium", size="2"),
        rx.cond(
            S.count_rows.length() > 0,
            rx.flex(
                rx.foreach(
                    S.count_rows,
                    lambda r: rx.badge(
                        tr_prefixed("channel.", r[0]), ": ", r[1], size="2", variant="soft", id="count-" + r[0]
                    ),
                ),
                wrap="wrap",
                spacing="2",
                id="recipient-counts",
            ),
            rx.text(tr("messages.no_channel"), size="2", color=rx.color("gray", 10)),
        ),
        rx.cond(
            S.nobody_reached != "",
            rx.callout(
                rx.vstack(
                    rx.text(S.nobody_reached),
                    rx.cond(
                        S.reach_suggestion != "",
                        rx.button(
                            tr("alerts.use_suggestion"),
                            " ",
                            S.reach_suggestion,
                            size="1",
                            variant="soft",
                            on_click=[
                                rx.set_value("msg-district", S.reach_suggestion),
                                S.use_district(S.reach_suggestion),
                            ],
                            id="msg-use-suggestion",
                        ),
                    ),
                    spacing="2",
                    align="start",
                ),
                icon="triangle_alert",
                color_scheme="orange",
                size="1",
                id="msg-nobody",
            ),
        ),
        spacing="1",
    )


def _confirmation() -> rx.Component:
    """ "Send this message to 12 people?" with the figures per channel: a bulk send never goes on one click."""
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(S.confirm_question, id="msg-confirm-question"),
            rx.flex(
                rx.foreach(
                    S.count_rows,
                    lambda r: rx.badge(tr_prefixed("channel.", r[0]), ": ", r[1], size="2", variant="soft"),
                ),
                wrap="wrap",
                spacing="2",
                margin_top="0.5em",
            ),
            rx.cond(S.critical, rx.text(tr("messages.confirm_critical"), size="2", margin_top="0.5em")),
            rx.hstack(
                rx.alert_dialog.cancel(
                    rx.button(tr("common.cancel"), variant="soft", color_scheme="gray", on_click=S.cancel_confirm)
                ),
                rx.alert_dialog.action(
                    rx.button(tr("messages.send"), color_scheme="green", on_click=S.send, id="msg-confirm-send")
                ),
                justify="end",
                spacing="2",
                margin_top="1em",
            ),
        ),
        open=S.confirming,
    )


def _compose() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(tr("messages.audience"), size="4"),
            _audience(),
            rx.heading(tr("messages.channels"), size="4"),
            _channels(),
            _counts(),
            _confirmation(),
            _message(),
            message_preview(S.preview_subject, S.preview_body, S.preview_segments, "msg-preview"),
            error_banner(S.error, id="msg-error"),
            action_row(
                rx.button(tr("messages.preview"), on_click=S.preview, variant="soft", id="msg-preview-button"),
                rx.button(
                    rx.icon("send", size=16),
                    tr("messages.send"),
                    on_click=S.ask_send,
                    loading=S.sending,
                    color_scheme="green",
                    id="msg-send",
                ),
            ),
            spacing="3",
            align="stretch",
        ),
        width="100%",
    )


def _progress() -> rx.Component:
    return rx.cond(
        S.campaign_id > 0,
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.heading(S.campaign_title, size="4"),
                    rx.spacer(),
                    rx.badge(
                        rx.cond(S.campaign_done, tr("messages.done"), tr("messages.running")),
                        color_scheme=rx.cond(S.campaign_done, "green", "blue"),
                        id="campaign-state",
                    ),
                    width="100%",
                ),
                rx.progress(
                    value=S.percent,
                    max=100,
                    size="3",
                    color_scheme="green",
                    id="campaign-bar",
                    aria_label=tr("messages.progress_title"),
                ),
                rx.text(S.progress_label, size="2", id="campaign-figures"),
                rx.link(
                    tr("messages.see_history"), href="/admin/messages/history?campaign=" + S.campaign_batch, size="2"
                ),
                align="stretch",
            ),
            id="campaign-progress",
            custom_attrs={"data-done": rx.cond(S.campaign_done, "true", "false")},
            width="100%",
        ),
    )


def _campaign(c: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.link(c.title, on_click=S.show_campaign(c.id), href="#campaign-progress")),
        rx.table.cell(c.channels),
        rx.table.cell(c.total),
        rx.table.cell(c.when),
    )


def admin_messages_page() -> rx.Component:
    return page_shell(
        "nav.messages",
        rx.flex(
            rx.link(tr("nav.message_history"), href="/admin/messages/history"),
            rx.cond(S.is_admin, rx.link(tr("nav.templates"), href="/admin/templates")),
            spacing="3",
        ),
        _compose(),
        _progress(),
        rx.heading(tr("messages.recent"), size="4"),
        rx.cond(
            S.campaigns.length() > 0,
            data_table(
                ["messages.title", "messages.channels", "messages.total", "messages.when"],
                S.campaigns,
                _campaign,
                "campaigns-table",
            ),
            empty_state("messages.no_campaigns", icon="send"),
        ),
    )
