"""/orders: cards a person can act on — crop, the other party (tap to call), pickup place and day, paid and
refunded — and the next step. "Dispatched" asks first (a dialog) and offers an undo for a short while."""

import reflex as rx

from kisaan_app.components.feedback import empty_state, error_banner
from kisaan_app.components.i18n import tr, tr_prefixed
from kisaan_app.components.layout import page_shell
from kisaan_app.state.orders import OrdersState as O
from kisaan_app.state.payments import PaymentsState


def _step(o: rx.Var, label: str, status: str, colour: str = "blue") -> rx.Component:
    return rx.button(
        tr(label),
        size="2",
        variant="soft",
        color_scheme=colour,
        on_click=O.advance(o.id, status),
        id=f"order-{status}-" + o.id,
    )


def _actions(o: rx.Var) -> rx.Component:
    return rx.match(
        o.status,
        (
            "pending_payment",
            rx.flex(
                rx.cond(
                    o.is_buyer,
                    rx.button(
                        tr("payments.pay"), size="2", on_click=PaymentsState.pay_order(o.id), id="order-pay-" + o.id
                    ),
                    rx.button(
                        tr("market.farm_gate_qr"),
                        size="2",
                        variant="soft",
                        on_click=O.farm_gate_qr(o.id),
                        id="order-qr-" + o.id,
                    ),
                ),
                _step(o, "market.cancel_order", "cancelled", "gray"),
                wrap="wrap",
                gap="2",
            ),
        ),
        ("paid", rx.cond(~o.is_buyer, _step(o, "market.mark_dispatched", "dispatched"))),
        (
            "dispatched",
            rx.cond(
                o.is_buyer,
                _step(o, "market.mark_delivered", "delivered", "green"),
                rx.cond(
                    o.undo_until != "",
                    rx.button(
                        tr("orders.undo_dispatch"),
                        " (",
                        tr("orders.until"),
                        " ",
                        o.undo_until,
                        ")",
                        size="2",
                        variant="outline",
                        color_scheme="orange",
                        on_click=O.undo_dispatch(o.id),
                        id="order-undo-" + o.id,
                    ),
                ),
            ),
        ),
        rx.fragment(),
    )


def _fact(label: str | rx.Var, value: rx.Component | rx.Var) -> list[rx.Component]:
    """One "label: value" line of the card (a catalogue key, or an already translated Var)."""
    return [rx.el.dt(tr(label) if isinstance(label, str) else label), rx.el.dd(value)]


def _order_card(o: rx.Var) -> rx.Component:
    phone = rx.cond(o.other_phone != "", rx.link(o.other_phone, href="tel:" + o.other_phone), "—")
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.text(o.crop, weight="bold", size="4"),
                rx.spacer(),
                rx.badge(tr_prefixed("order_status.", o.status), class_name="order-status", size="2"),
                width="100%",
                align="center",
                wrap="wrap",
                gap="2",
            ),
            rx.text(o.what, " = ", rx.text.strong(o.amount), size="2"),
            rx.el.dl(
                *_fact("orders.order_number", rx.link(o.number, href="/market/listing?id=" + o.listing_id)),
                *_fact(rx.cond(o.is_buyer, tr("orders.farmer"), tr("orders.buyer")), o.other_name),
                *_fact("orders.phone", phone),
                *_fact("orders.pickup", rx.cond(o.pickup_place != "", o.pickup_place, "—")),
                *_fact("orders.pickup_from", rx.cond(o.pickup_from != "", o.pickup_from, tr("orders.any_day"))),
                *_fact("orders.paid", rx.cond(o.paid != "", o.paid, tr("orders.not_paid"))),
                class_name="order-facts",
            ),
            rx.cond(
                o.refunded != "",
                rx.callout(
                    rx.text(tr("orders.refunded"), " ", rx.text.strong(o.refunded)),
                    icon="undo_2",
                    color_scheme="orange",
                    size="1",
                    class_name="order-refunded",
                ),
            ),
            rx.cond(o.hold_until != "", rx.text(tr("market.hold_until"), " ", o.hold_until, size="1")),
            _actions(o),
            align="stretch",
        ),
        width="100%",
        id="order-" + o.id,
    )


def _confirm_dispatch() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(tr("orders.confirm_dispatch_title")),
            rx.alert_dialog.description(tr("orders.confirm_dispatch_body")),
            rx.flex(
                rx.alert_dialog.cancel(
                    rx.button(tr("common.cancel"), variant="soft", color_scheme="gray", on_click=O.cancel_dispatch)
                ),
                rx.alert_dialog.action(
                    rx.button(
                        tr("orders.confirm_dispatch_yes"),
                        on_click=O.advance(O.confirm_dispatch, "dispatched"),
                        id="confirm-dispatch",
                    )
                ),
                gap="3",
                justify="end",
                margin_top="1em",
                wrap="wrap",
            ),
            max_width="28em",
        ),
        open=O.confirm_dispatch != "",
    )


def orders_page() -> rx.Component:
    return page_shell(
        "nav.orders",
        error_banner(O.error),
        error_banner(PaymentsState.error),
        _confirm_dispatch(),
        rx.cond(
            O.rows.length() > 0,
            rx.vstack(rx.foreach(O.rows, _order_card), width="100%", id="orders"),
            empty_state("market.no_orders", icon="package"),
        ),
    )
