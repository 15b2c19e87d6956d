"""/admin/templates — message templates per channel and language: list, create or edit, preview with sample data."""

import reflex as rx

from kisaan_app.components.drafts import draft_input, draft_select
from kisaan_app.components.feedback import empty_state, error_banner, success_banner
from kisaan_app.components.forms import field
from kisaan_app.components.i18n import tr, tr_prefixed
from kisaan_app.components.layout import page_shell
from kisaan_app.components.messages import action_row, message_preview
from kisaan_app.components.tables import data_table
from kisaan_app.i18n import available_languages
from kisaan_app.models.notifications import CATEGORIES, CHANNELS
from kisaan_app.state.admin_templates import AdminTemplatesState as S


def _error(name: str) -> rx.Var:
    return S.field_errors.get(name, "")


def _editor() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(rx.cond(S.editing_id > 0, tr("templates.edit"), tr("templates.new")), size="4"),
            field(
                "templates.key",
                draft_input(S, "key", max_length=80, placeholder="weather.red_alert", id="tpl-key"),
                _error("key"),
                hint_key="templates.key_hint",
            ),
            rx.flex(
                field(
                    "templates.channel",
                    draft_select(S, "channel", [(c, tr(f"channel.{c}")) for c in CHANNELS], id="tpl-channel"),
                    _error("channel"),
                ),
                field(
                    "templates.language",
                    draft_select(
                        S,
                        "language",
                        list(available_languages().items()),  # each in its own script
                        id="tpl-language",
                    ),
                    _error("language"),
                ),
                field(
                    "templates.category",
                    draft_select(S, "category", [(c, tr(f"category.{c}")) for c in CATEGORIES], id="tpl-category"),
                    _error("category"),
                ),
                wrap="wrap",
                spacing="3",
            ),
            field("templates.subject", draft_input(S, "subject", max_length=200, id="tpl-subject"), _error("subject")),
            field(
                "templates.body",
                draft_input(S, "body", multiline=True, rows="5", id="tpl-body"),
                _error("body"),
                hint_key="templates.body_hint",
            ),
            rx.cond(
                S.draft.get("channel", "") == "email",
                field(
                    "templates.html_body",
                    draft_input(S, "html_body", multiline=True, rows="4", id="tpl-html"),
                    _error("html_body"),
                ),
            ),
            field(
                "templates.sample",
                draft_input(S, "sample", multiline=True, rows="3", font_family="monospace", id="tpl-sample"),
                _error("sample"),
                hint_key="templates.sample_hint",
            ),
            error_banner(_error("form")),
            message_preview(S.preview_subject, S.preview_body, S.preview_note, "tpl-preview"),
            action_row(
                rx.button(tr("messages.preview"), on_click=S.preview, variant="soft", id="tpl-preview-button"),
                rx.button(tr("common.save"), on_click=S.save, color_scheme="green", id="tpl-save"),
                rx.button(tr("common.cancel"), on_click=S.close_editor, variant="soft", color_scheme="gray"),
            ),
            align="stretch",
        ),
        width="100%",
        id="template-editor",
    )


def _row(t: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.text(t.key, weight="medium"),
            rx.text(t.body, size="1", color=rx.color("gray", 10), max_width="18em", truncate=True),
        ),
        rx.table.cell(tr_prefixed("channel.", t.channel)),
        rx.table.cell(t.language),
        rx.table.cell(t.variables),
        rx.table.cell(
            rx.button(tr("templates.edit"), size="1", variant="soft", on_click=S.edit(t.id), id="tpl-edit-" + t.id)
        ),
    )


def admin_templates_page() -> rx.Component:
    return page_shell(
        "nav.templates",
        rx.flex(
            rx.button(rx.icon("plus", size=16), tr("templates.new"), on_click=S.new_template, id="tpl-new"),
            rx.link(tr("nav.messages"), href="/admin/messages"),
            spacing="3",
            align="center",
        ),
        success_banner(S.message),
        rx.cond(S.editor_open, _editor()),
        rx.cond(
            S.rows.length() > 0,
            data_table(
                ["templates.key", "templates.channel", "templates.language", "templates.variables", "payments.actions"],
                S.rows,
                _row,
                "templates-table",
            ),
            empty_state("templates.none", icon="file_text"),
        ),
    )
