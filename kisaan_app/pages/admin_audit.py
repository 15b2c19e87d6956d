"""/admin/audit — who did what, when, from where."""

import reflex as rx

from kisaan_app.components.feedback import empty_state, error_banner
from kisaan_app.components.i18n import tr
from kisaan_app.components.layout import page_shell
from kisaan_app.components.tables import data_table, filter_bar, native_select, pager
from kisaan_app.state.admin_audit import AuditState as S

ACTIONS = [
    "auth.login",
    "auth.login_failed",
    "auth.logout",
    "auth.password_changed",
    "user.registered",
    "user.role_changed",
    "user.deactivated",
    "user.reactivated",
    "profile.updated",
]
OUTCOMES = ["success", "failure", "denied"]


def _filters() -> rx.Component:
    return filter_bar(
        S.apply_filters,
        rx.input(
            name="search",
            placeholder=tr("audit.search_placeholder"),
            size="2",
            default_value=S.search,
            min_width="10em",
            flex="2",
        ),
        native_select(
            "action",
            [("", tr("common.all"))] + [(a, a) for a in ACTIONS],
            value=S.action_filter,
            aria_label=tr("audit.action"),
            id="filter-action",
        ),
        native_select(
            "outcome",
            [("", tr("common.all"))] + [(o, tr(f"audit.outcome.{o}")) for o in OUTCOMES],
            value=S.outcome_filter,
            aria_label=tr("audit.outcome"),
            id="filter-outcome",
        ),
        rx.input(name="since", type="date", size="2", default_value=S.since, aria_label=tr("audit.since")),
        rx.input(name="until", type="date", size="2", default_value=S.until, aria_label=tr("audit.until")),
        rx.button(tr("common.search"), type="submit", size="2", color_scheme="green", id="audit-search-submit"),
    )


def _outcome(row: rx.Var) -> rx.Component:
    return rx.match(
        row.outcome,
        ("success", rx.badge(tr("audit.outcome.success"), color_scheme="green")),
        ("failure", rx.badge(tr("audit.outcome.failure"), color_scheme="red")),
        rx.badge(tr("audit.outcome.denied"), color_scheme="orange"),
    )


def _card(row: rx.Var) -> rx.Component:
    """One entry on a phone: who did what to whom, when, and the details in full (no sideways scrolling)."""
    return rx.box(
        rx.hstack(rx.text(row.when, size="1", color=rx.color("gray", 11)), rx.spacer(), _outcome(row), width="100%"),
        rx.text(rx.text.strong(row.who), " · ", rx.code(row.action), size="2"),
        rx.cond(row.target != "—", rx.text(tr("audit.target"), ": ", row.target, size="2")),
        rx.cond(row.details != "—", rx.text(row.details, size="1", class_name="wrap-anywhere")),
        rx.text(tr("audit.from"), " ", row.ip, size="1", color=rx.color("gray", 10)),
        class_name="audit-card",
    )


def _row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.when, white_space="nowrap"),
        rx.table.cell(rx.text(row.who, size="2"), min_width="9em", white_space="normal"),
        rx.table.cell(rx.code(row.action)),
        rx.table.cell(rx.text(row.target, size="2"), min_width="7em", white_space="normal"),
        rx.table.cell(_outcome(row)),
        rx.table.cell(row.ip),
        rx.table.cell(
            rx.text(row.details, size="1", class_name="wrap-anywhere"),
            min_width="14em",
            white_space="normal",
        ),
        class_name="audit-row",
    )


def audit_page() -> rx.Component:
    return page_shell(
        "audit.title",
        _filters(),
        error_banner(S.error),
        rx.cond(
            S.rows.length() > 0,
            rx.vstack(
                data_table(
                    [
                        "audit.when",
                        "audit.who",
                        "audit.action",
                        "audit.target",
                        "audit.outcome",
                        "audit.from",
                        "audit.details",
                    ],
                    S.rows,
                    _row,
                    "audit-table",
                    class_name="laptop-only",
                ),
                rx.vstack(
                    rx.foreach(S.rows, _card), spacing="0", width="100%", class_name="phone-only", id="audit-cards"
                ),
                pager(S.page, S.pages, S.page_label, S.go_to_page),
                width="100%",
            ),
            empty_state("audit.empty", icon="scroll-text"),
        ),
    )
