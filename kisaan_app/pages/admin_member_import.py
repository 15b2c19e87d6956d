"""/admin/members/import — upload a members CSV; every bad line listed at once, or each import's progress bar
(live) and its results to download."""

import reflex as rx

from kisaan_app.components.feedback import empty_state, error_banner, success_banner
from kisaan_app.components.i18n import tr, tr_prefixed
from kisaan_app.components.layout import page_shell
from kisaan_app.state.member_import import MemberImportState as S

UPLOAD_ID = "members-csv"


def _uploader() -> rx.Component:
    return rx.vstack(
        rx.upload(
            rx.vstack(
                rx.icon("file-spreadsheet", size=28),
                rx.cond(
                    rx.selected_files(UPLOAD_ID).length() > 0,
                    rx.text(rx.selected_files(UPLOAD_ID).join(", "), size="2", weight="medium"),
                    rx.text(tr("onboarding.choose"), size="2", color=rx.color("gray", 11)),
                ),
                align="center",
                spacing="1",
            ),
            id=UPLOAD_ID,
            accept={"text/csv": [".csv"], "text/plain": [".txt", ".tsv"]},
            max_files=1,
            border="1px dashed var(--gray-8)",
            padding="1em",
            width="100%",
        ),
        rx.button(
            tr("onboarding.upload"),
            on_click=S.upload(rx.upload_files(upload_id=UPLOAD_ID)),
            color_scheme="green",
            size="3",
            width="100%",
            id="members-upload",
        ),
        rx.text(
            tr("onboarding.limits").replace("{rows}", S.max_rows.to_string()).replace("{kb}", S.max_kb.to_string()),
            size="1",
            color=rx.color("gray", 10),
        ),
        spacing="2",
        width="100%",
    )


def _problems() -> rx.Component:
    return rx.cond(
        S.problems.length() > 0,
        rx.card(
            rx.vstack(
                rx.foreach(S.problems, lambda p: rx.text(p, size="2", class_name="import-problem")),
                spacing="1",
            ),
            width="100%",
            id="import-problems",
        ),
    )


def _import(j: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(j.file_name, weight="bold"),
                rx.spacer(),
                rx.badge(
                    tr_prefixed("onboarding.status.", j.status),
                    color_scheme=rx.cond(j.status == "done", "green", "amber"),
                ),
                width="100%",
            ),
            rx.progress(value=j.percent, max=100, width="100%", color_scheme="green"),
            rx.text(
                tr("onboarding.progress")
                .replace("{done}", j.done.to_string())
                .replace("{total}", j.total.to_string())
                .replace("{created}", j.created.to_string()),
                size="2",
            ),
            rx.hstack(
                rx.text(j.when, size="1", color=rx.color("gray", 10)),
                rx.spacer(),
                rx.link(
                    tr("onboarding.download"),
                    href="/api/members/imports/" + j.id.to_string() + "/rows.csv",
                    size="2",
                    is_external=True,
                ),
                width="100%",
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        class_name="member-import",
    )


def member_import_page() -> rx.Component:
    return page_shell(
        "page_title.admin_member_import",
        rx.text(tr("onboarding.intro"), size="2", color=rx.color("gray", 11)),
        _uploader(),
        error_banner(S.error),
        _problems(),
        success_banner(S.message),
        rx.heading(tr("onboarding.recent"), size="4"),
        rx.cond(
            S.imports.length() > 0,
            rx.vstack(rx.foreach(S.imports, _import), spacing="2", width="100%", id="member-imports"),
            empty_state("onboarding.empty", icon="users"),
        ),
    )
