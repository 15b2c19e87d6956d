"""/admin/live — connected people, event rate and delivery lag, updating by themselves; broadcast a message."""

import reflex as rx

from kisaan_app.components.feedback import empty_state, error_banner, success_banner
from kisaan_app.components.i18n import tr
from kisaan_app.components.layout import page_shell
from kisaan_app.components.tables import native_select
from kisaan_app.state.admin_live import LiveAdminState as S


def _figure(label_key: str, value: rx.Var, figure_id: str) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(tr(label_key), size="2", color=rx.color("gray", 10)),
            rx.heading(value, size="7", id=figure_id),
            spacing="1",
        )
    )


def _broadcast_form() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading(tr("live.broadcast"), size="4"),
                rx.text_area(
                    name="message", placeholder=tr("live.broadcast_placeholder"), max_length=500, id="broadcast-message"
                ),
                rx.flex(
                    native_select(
                        "level",
                        [
                            ("info", tr("live.level_info")),
                            ("warning", tr("live.level_warning")),
                            ("critical", tr("live.level_critical")),
                        ],
                    ),
                    rx.cond(
                        S.is_admin,
                        native_select(
                            "organization_id",
                            [("", tr("live.everyone"))],
                            dynamic=rx.foreach(S.organizations, lambda o: rx.el.option(o[1], value=o[0])),
                        ),
                    ),
                    rx.button(tr("live.send"), type="submit", color_scheme="green", id="broadcast-submit"),
                    wrap="wrap",
                    gap="2",
                ),
                error_banner(S.error),
                success_banner(S.message),
                spacing="2",
                align="stretch",
            ),
            on_submit=S.broadcast,
            reset_on_submit=True,
        ),
        width="100%",
    )


def live_admin_page() -> rx.Component:
    return page_shell(
        "nav.live",
        rx.text(tr("live.intro"), size="2", color=rx.color("gray", 11)),
        rx.grid(
            _figure("live.connected", S.total.to_string(), "live-total"),
            _figure("role.farmer", S.by_role.get("farmer", 0).to_string(), "live-farmers"),
            _figure("role.buyer", S.by_role.get("buyer", 0).to_string(), "live-buyers"),
            _figure("live.events_per_second", S.events_per_second.to_string(), "live-eps"),
            _figure("live.lag", S.lag_ms.to_string() + " ms", "live-lag"),
            columns=rx.breakpoints(initial="2", md="5"),
            spacing="3",
            width="100%",
        ),
        rx.card(
            rx.vstack(
                rx.heading(tr("live.by_organization"), size="4"),
                rx.cond(
                    S.by_organization.length() > 0,
                    rx.vstack(
                        rx.foreach(
                            S.by_organization,
                            lambda row: rx.hstack(rx.text(row[0]), rx.spacer(), rx.badge(row[1]), width="100%"),
                        ),
                        width="100%",
                        id="live-orgs",
                    ),
                    empty_state("live.nobody", icon="wifi_off"),
                ),
                align="stretch",
            ),
            width="100%",
        ),
        _broadcast_form(),
    )
