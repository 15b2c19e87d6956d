"""/dev/outbox — the developer outbox: every SMS, e-mail, push and payment call the stand-ins received."""

import reflex as rx

from kisaan_app.components.feedback import empty_state, error_banner, loading_state
from kisaan_app.components.forms import field
from kisaan_app.components.i18n import tr
from kisaan_app.components.layout import page_shell
from kisaan_app.components.tables import native_select
from kisaan_app.state.dev_outbox import PROVIDERS
from kisaan_app.state.dev_outbox import DevOutboxState as S


def _record(r: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.badge(r.provider, color_scheme="green"),
                rx.badge(r.kind, color_scheme="gray"),
                rx.spacer(),
                rx.text(r.at, size="1", color=rx.color("gray", 10)),
                width="100%",
                wrap="wrap",
            ),
            rx.text(r.summary, size="2", word_break="break-word"),
            rx.el.details(
                rx.el.summary(tr("outbox.detail")),
                rx.code_block(r.detail, language="json", wrap_long_lines=True, font_size="0.75em"),
            ),
            spacing="1",
            align="stretch",
        ),
        width="100%",
        class_name="outbox-record",
    )


def _list() -> rx.Component:
    return rx.cond(
        S.loaded,
        rx.cond(
            S.rows.length() > 0,
            rx.vstack(rx.foreach(S.rows, _record), width="100%", spacing="2", id="outbox-list"),
            rx.cond(S.error == "", empty_state("outbox.empty", icon="mailbox")),
        ),
        loading_state(),
    )


def _text_the_app() -> rx.Component:
    """A phone texting the app: the sandbox signs it as Twilio does and posts it to the inbound-SMS webhook."""
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading(tr("outbox.inbound_title"), size="3"),
                rx.text(tr("outbox.inbound_intro"), size="2", color=rx.color("gray", 11)),
                rx.flex(
                    field(
                        "outbox.inbound_from",
                        rx.input(
                            name="phone",
                            id="inbound-phone",
                            default_value=S.inbound_phone,
                            type="tel",
                            max_length=20,
                            size="3",
                        ),
                    ),
                    field(
                        "outbox.inbound_text",
                        rx.input(
                            name="text", id="inbound-text", default_value=S.inbound_text, max_length=1600, size="3"
                        ),
                    ),
                    direction={"initial": "column", "sm": "row"},
                    gap="2",
                    width="100%",
                ),
                rx.button(
                    rx.icon("message_square", size=16),
                    tr("outbox.inbound_send"),
                    type="submit",
                    loading=S.texting,
                    color_scheme="green",
                    id="inbound-send",
                ),
                rx.cond(
                    S.inbound_note != "",
                    rx.text(
                        S.inbound_note,
                        size="2",
                        color=rx.cond(S.inbound_failed, rx.color("red", 11), rx.color("green", 11)),
                        role="status",
                        id="inbound-note",
                    ),
                ),
                spacing="2",
                align="stretch",
            ),
            on_submit=S.text_app,
        ),
        width="100%",
    )


def dev_outbox_page() -> rx.Component:
    return page_shell(
        "nav.outbox",
        rx.cond(
            S.refused,
            rx.callout(tr("outbox.refused_prod"), icon="shield_alert", color_scheme="orange", id="outbox-refused"),
            rx.vstack(
                rx.text(tr("outbox.intro"), size="2"),
                _text_the_app(),
                rx.flex(
                    native_select(
                        "provider",
                        [("", tr("outbox.all_providers"))] + [(p, tr(f"outbox.provider_{p}")) for p in PROVIDERS],
                        on_change=S.set_provider,
                        aria_label=tr("outbox.provider"),
                        id="outbox-provider",
                    ),
                    rx.button(
                        rx.icon("refresh_cw", size=16),
                        tr("outbox.refresh"),
                        on_click=S.fetch,
                        loading=S.fetching,
                        variant="soft",
                        id="outbox-refresh",
                    ),
                    spacing="2",
                    wrap="wrap",
                ),
                error_banner(S.error, id="outbox-error"),
                _list(),
                spacing="3",
                align="stretch",
                width="100%",
            ),
        ),
    )
