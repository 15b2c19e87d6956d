"""/admin/users — search and filter people, change roles, deactivate (org admins: own FPO only)."""

import reflex as rx

from kisaan_app.components.feedback import empty_state, error_banner, success_banner
from kisaan_app.components.i18n import tr, tr_prefixed
from kisaan_app.components.layout import page_shell
from kisaan_app.components.tables import data_table, filter_bar, native_select, pager
from kisaan_app.state.admin_users import AdminUsersState as S

ROLES = ["farmer", "buyer", "org_admin", "admin"]


def _filters() -> rx.Component:
    return filter_bar(
        S.apply_filters,
        rx.input(
            name="search",
            id="user-search",
            placeholder=tr("users.search_placeholder"),
            size="2",
            default_value=S.search,
            min_width="12em",
            flex="2",
        ),
        native_select(
            "role",
            [("", tr("common.all"))] + [(r, tr(f"role.{r}")) for r in ROLES],
            value=S.role_filter,
            aria_label=tr("users.role"),
            id="filter-role",
        ),
        native_select(
            "district",
            [("", tr("common.all"))],
            dynamic=rx.foreach(S.district_options, lambda d: rx.el.option(d, value=d)),
            value=S.district_filter,
            aria_label=tr("users.district"),
            id="filter-district",
        ),
        rx.cond(
            S.is_admin,
            native_select(
                "organization",
                [("", tr("common.all"))],
                dynamic=rx.foreach(S.organization_options, lambda o: rx.el.option(o.name, value=o.id)),
                value=S.organization_filter,
                aria_label=tr("users.organization"),
                id="filter-organization",
            ),
        ),
        rx.button(tr("common.search"), type="submit", size="2", color_scheme="green", id="user-search-submit"),
        rx.button(tr("common.clear_filters"), type="button", size="2", variant="ghost", on_click=S.clear_filters),
    )


def _role_cell(row: rx.Var) -> rx.Component:
    return rx.cond(
        row.is_self,
        rx.badge(tr("role." + row.role)),
        rx.el.select(
            rx.foreach(S.assignable, lambda r: rx.el.option(tr_prefixed("role.", r), value=r)),
            value=row.role,
            on_change=lambda value: S.ask_role_change(row.id, value),
            aria_label=tr("users.role"),
            class_name="native-select compact",
            id="role-" + row.id,
        ),
    )


def _role_confirmation() -> rx.Component:
    """ "Make Ravi a platform admin?" with what that lets them do: one pick never changes a role by itself."""
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(S.role_change_question, id="role-confirm-question"),
            rx.alert_dialog.description(S.role_change_effect, size="2"),
            rx.hstack(
                rx.alert_dialog.cancel(
                    rx.button(
                        tr("common.cancel"),
                        variant="soft",
                        color_scheme="gray",
                        on_click=S.cancel_role_change,
                        id="cancel-role",
                    )
                ),
                rx.alert_dialog.action(
                    rx.button(
                        tr("users.confirm_role_button"),
                        color_scheme=rx.cond(S.role_change_to == "admin", "red", "green"),
                        on_click=S.change_role(S.role_change_user, S.role_change_to),
                        id="confirm-role",
                    )
                ),
                justify="end",
                spacing="2",
                margin_top="1em",
            ),
        ),
        open=S.role_change_user != "",
    )


def _reset_button(row: rx.Var) -> rx.Component:
    return rx.button(
        tr("users.send_reset"),
        size="1",
        variant="soft",
        color_scheme="gray",
        on_click=S.send_reset(row.id),
        id="reset-" + row.id,
    )


def _action_cell(row: rx.Var) -> rx.Component:
    return rx.cond(
        row.is_self,
        rx.fragment(),
        rx.hstack(
            rx.cond(row.active, _reset_button(row)),
            _status_action(row),
            spacing="2",
            wrap="wrap",
        ),
    )


def _status_action(row: rx.Var) -> rx.Component:
    return rx.cond(
        row.active,
        rx.alert_dialog.root(
            rx.alert_dialog.trigger(
                rx.button(
                    tr("users.deactivate"),
                    size="1",
                    color_scheme="red",
                    variant="soft",
                    id="deactivate-" + row.id,
                )
            ),
            rx.alert_dialog.content(
                rx.alert_dialog.title(tr("users.deactivate")),
                rx.alert_dialog.description(row.full_name),
                rx.hstack(
                    rx.alert_dialog.cancel(rx.button(tr("common.cancel"), variant="soft", color_scheme="gray")),
                    rx.alert_dialog.action(
                        rx.button(
                            tr("users.deactivate"),
                            color_scheme="red",
                            on_click=S.deactivate(row.id),
                            id="confirm-deactivate",
                        )
                    ),
                    justify="end",
                    spacing="2",
                    margin_top="1em",
                ),
            ),
        ),
        rx.button(
            tr("users.reactivate"),
            size="1",
            variant="soft",
            on_click=S.reactivate(row.id),
            id="reactivate-" + row.id,
        ),
    )


def _join_request(req: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.text(req.full_name, weight="medium"),
            rx.text(req.contact, " · ", req.organization, " · ", req.asked, size="1", color=rx.color("gray", 10)),
            spacing="0",
            flex="1",
        ),
        rx.button(
            tr("users.approve"),
            size="1",
            color_scheme="green",
            on_click=S.decide_join(req.id, True),
            id="approve-" + req.id,
        ),
        rx.button(
            tr("users.decline"),
            size="1",
            variant="soft",
            color_scheme="red",
            on_click=S.decide_join(req.id, False),
            id="decline-" + req.id,
        ),
        spacing="2",
        width="100%",
        align="center",
        class_name="join-request",
    )


def _join_requests() -> rx.Component:
    return rx.cond(
        S.join_requests.length() > 0,
        rx.card(
            rx.vstack(
                rx.heading(tr("users.join_requests"), size="4"),
                rx.foreach(S.join_requests, _join_request),
                spacing="3",
                width="100%",
            ),
            width="100%",
            id="join-requests",
        ),
    )


def _row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.vstack(
                rx.text(row.full_name, weight="medium"),
                rx.text(row.contact, size="1", color=rx.color("gray", 10)),
                spacing="0",
            )
        ),
        rx.table.cell(_role_cell(row)),
        rx.table.cell(row.district),
        rx.table.cell(row.organization),
        rx.table.cell(
            rx.cond(
                row.active,
                rx.badge(tr("users.active"), color_scheme="green"),
                rx.badge(tr("users.inactive"), color_scheme="red"),
            )
        ),
        rx.table.cell(rx.cond(row.last_login != "", row.last_login, tr("users.never"))),
        rx.table.cell(_action_cell(row)),
        class_name="user-row",
    )


def admin_users_page() -> rx.Component:
    return page_shell(
        "users.title",
        _filters(),
        error_banner(S.error, id="users-error"),
        success_banner(S.message, id="users-message"),
        _join_requests(),
        _role_confirmation(),
        rx.text(S.total_label, size="2", color=rx.color("gray", 11)),
        rx.cond(
            S.rows.length() > 0,
            rx.vstack(
                data_table(
                    [
                        "register.full_name",
                        "users.role",
                        "users.district",
                        "users.organization",
                        "users.status",
                        "users.last_login",
                        "users.actions",
                    ],
                    S.rows,
                    _row,
                    "users-table",
                ),
                pager(S.page, S.pages, S.page_label, S.go_to_page),
                width="100%",
            ),
            empty_state("users.empty", icon="users"),
        ),
    )
