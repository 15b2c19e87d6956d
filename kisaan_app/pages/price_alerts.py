"""/alerts/prices — a farmer's price alerts: add a rule, see when each last fired, remove one."""

import reflex as rx

from kisaan_app.components.feedback import empty_state, error_banner, success_banner
from kisaan_app.components.forms import field, submit_button, text_input
from kisaan_app.components.i18n import tr, tr_prefixed
from kisaan_app.components.layout import page_shell
from kisaan_app.components.tables import native_select
from kisaan_app.state.price_alerts import PriceAlertsState as S


def _form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading(tr("price_alerts.add_heading"), size="4"),
            field(
                "price_alerts.crop",
                text_input("commodity", placeholder="Onion"),
                S.field_errors.get("commodity", ""),
            ),
            rx.grid(
                field(
                    "price_alerts.where",
                    native_select(
                        "place_kind",
                        [("market", tr("price_alerts.market")), ("district", tr("price_alerts.district"))],
                        id="alert-place-kind",
                    ),
                ),
                field(
                    "price_alerts.place", text_input("place", placeholder="Lasalgaon"), S.field_errors.get("market", "")
                ),
                field(
                    "price_alerts.when",
                    native_select(
                        "kind",
                        [(k, tr(f"price_alert_kind.{k}")) for k in ("above", "below", "move")],
                        id="alert-kind",
                        on_change=S.set_alert_kind,
                    ),
                    S.field_errors.get("kind", ""),
                ),
                field(
                    "price_alerts.amount",
                    text_input(
                        "amount",
                        input_mode="decimal",
                        placeholder=rx.cond(S.kind == "move", "10", "2500"),
                    ),
                    S.field_errors.get("amount", ""),
                    hint_key="price_alerts.amount_hint",
                ),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="3",
                width="100%",
            ),
            error_banner(S.field_errors.get("form", "")),
            rx.cond(S.added, success_banner(tr("price_alerts.added"), id="price-alert-added")),
            submit_button("price_alerts.add", id="price-alert-add"),
            spacing="3",
            width="100%",
        ),
        on_submit=S.add,
        reset_on_submit=False,
        width="100%",
    )


def _rule(r: rx.Var) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.icon(rx.match(r.kind, ("above", "trending-up"), ("below", "trending-down"), "activity"), size=24),
            rx.vstack(
                rx.text(r.commodity, " · ", r.place, weight="bold"),
                rx.text(
                    tr_prefixed("price_alert_kind.", r.kind),
                    " ",
                    r.line,
                    rx.cond(r.kind == "move", "%", tr("price_alerts.per_quintal")),
                    size="2",
                ),
                rx.cond(r.fired != "", rx.text(tr("price_alerts.last_fired"), " ", r.fired, size="1")),
                spacing="1",
            ),
            rx.spacer(),
            rx.button(
                rx.icon("trash-2", size=16),
                on_click=S.remove(r.id),
                variant="soft",
                color_scheme="red",
                aria_label=tr("price_alerts.remove"),
                id="price-alert-remove-" + r.id.to_string(),
            ),
            align="center",
            width="100%",
        ),
        width="100%",
        class_name="price-alert-rule",
    )


def price_alerts_page() -> rx.Component:
    return page_shell(
        "nav.price_alerts",
        rx.text(tr("price_alerts.intro"), size="2", color=rx.color("gray", 11)),
        error_banner(S.error),
        rx.cond(
            S.rules.length() > 0,
            rx.vstack(rx.foreach(S.rules, _rule), spacing="2", width="100%", id="price-alert-rules"),
            empty_state("price_alerts.none", icon="bell"),
        ),
        _form(),
    )
