"""/market (browse), /market/listing (one listing and its negotiation, live), /market/sell, /orders."""

import reflex as rx

from kisaan_app.components.data_saver import data_heavy
from kisaan_app.components.feedback import empty_state, error_banner, success_banner
from kisaan_app.components.forms import field
from kisaan_app.components.i18n import tr, tr_prefixed
from kisaan_app.components.layout import page_shell
from kisaan_app.components.tables import filter_bar, native_select, pager
from kisaan_app.state.market import ListingState as L
from kisaan_app.state.market import MarketState as M
from kisaan_app.state.market import OrdersState as O
from kisaan_app.state.market import SellState as S
from kisaan_app.state.payments import PaymentsState
from kisaan_app.state.session import SessionState

UNITS = ("quintal", "kg", "tonne")
SORTS = ("newest", "price_asc", "price_desc", "quantity_desc")


def _card(item: rx.Var) -> rx.Component:
    return rx.link(
        rx.card(
            rx.hstack(
                rx.cond(
                    item.photo != "",
                    data_heavy(
                        rx.image(
                            src=item.photo, width="64px", height="64px", object_fit="cover", alt="", loading="lazy"
                        ),
                        "data_saver.show_photo",
                    ),
                ),
                rx.vstack(
                    rx.text(item.title, weight="bold"),
                    rx.text(item.remaining, " · ", item.price, size="2"),
                    rx.text(item.place, " · ", item.farmer, size="1", color=rx.color("gray", 11)),
                    spacing="1",
                    align="start",
                ),
                spacing="3",
            ),
            width="100%",
        ),
        href="/market/listing?id=" + item.id,
        underline="none",
        width="100%",
        class_name="listing-card",
    )


def market_page() -> rx.Component:
    return page_shell(
        "nav.market",
        filter_bar(
            M.apply_filters,
            rx.input(name="crop", placeholder=tr("market.crop"), size="2", width="8em"),
            rx.input(name="district", placeholder=tr("market.district"), size="2", width="8em"),
            rx.input(name="grade", placeholder=tr("market.grade"), size="2", width="5em"),
            rx.input(
                name="min_quantity", placeholder=tr("market.min_quantity"), input_mode="decimal", size="2", width="7em"
            ),
            rx.input(name="max_price", placeholder=tr("market.max_price"), input_mode="decimal", size="2", width="7em"),
            native_select("sort", [(s, tr(f"market.sort_{s}")) for s in SORTS], aria_label=tr("market.sort")),
            rx.button(tr("common.apply"), type="submit", size="2"),
        ),
        error_banner(M.error),
        rx.text(M.total_label, size="2"),
        rx.cond(
            M.cards.length() > 0,
            rx.vstack(rx.foreach(M.cards, _card), width="100%", id="listings"),
            empty_state("market.none", icon="wheat"),
        ),
        pager(M.page, M.pages, M.page_label, M.go_to_page),
    )


def _offer(o: rx.Var) -> rx.Component:
    return rx.box(
        rx.text(
            tr_prefixed("market.kind_", o.kind),
            " ",
            o.quantity,
            rx.cond(o.price != "", " @ ", ""),
            o.price,
            size="2",
            weight="medium",
        ),
        rx.cond(o.note != "", rx.text(o.note, size="1")),
        rx.text(o.when, size="1", color=rx.color("gray", 10)),
        class_name=rx.cond(o.by_buyer, "offer offer-buyer", "offer offer-seller"),
    )


def _counter_form(bid: rx.Var) -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.el.input(type="hidden", name="bid_id", value=bid.id),
            rx.input(
                name="price",
                placeholder=tr("market.price_per_unit"),
                input_mode="decimal",
                size="2",
                width="8em",
                id="counter-price-" + bid.id,
            ),
            rx.input(name="message", placeholder=tr("market.note"), max_length=500, size="2", width="12em"),
            rx.button(tr("market.counter"), type="submit", size="2", variant="soft", id="counter-" + bid.id),
            wrap="wrap",
        ),
        on_submit=L.counter,
        reset_on_submit=True,
    )


def _thread(bid: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(bid.buyer, weight="bold"),
                rx.text(bid.buyer_district, size="1"),
                rx.spacer(),
                rx.badge(tr_prefixed("bid_status.", bid.status)),
                width="100%",
            ),
            rx.vstack(rx.foreach(bid.offers, _offer), width="100%", spacing="1"),
            rx.cond(
                bid.my_turn,
                rx.flex(
                    rx.button(
                        tr("market.accept"),
                        on_click=L.accept(bid.id),
                        size="2",
                        color_scheme="green",
                        id="accept-" + bid.id,
                    ),
                    _counter_form(bid),
                    rx.cond(
                        L.is_seller,
                        rx.button(
                            tr("market.reject"),
                            on_click=L.reject(bid.id),
                            size="2",
                            variant="soft",
                            color_scheme="red",
                        ),
                    ),
                    wrap="wrap",
                    gap="2",
                ),
                rx.cond(
                    bid.live,
                    rx.text(tr("market.waiting"), size="1", color=rx.color("gray", 11)),
                ),
            ),
            rx.cond(
                ~L.is_seller & (bid.live),
                rx.button(tr("market.withdraw"), on_click=L.withdraw(bid.id), size="1", variant="ghost"),
            ),
            align="stretch",
            spacing="2",
        ),
        width="100%",
        class_name="bid-thread",
        id="thread-" + bid.id,
    )


def _bid_form() -> rx.Component:
    return rx.cond(
        (SessionState.user_role == "buyer") & (L.card.status == "open"),
        rx.card(
            rx.form(
                rx.vstack(
                    rx.heading(tr("market.make_bid"), size="3"),
                    rx.flex(
                        rx.input(
                            name="quantity",
                            placeholder=tr("market.quantity"),
                            input_mode="decimal",
                            required=True,
                            id="bid-quantity",
                            width="8em",
                        ),
                        rx.input(
                            name="price",
                            placeholder=tr("market.price_per_unit"),
                            input_mode="decimal",
                            required=True,
                            id="bid-price",
                            width="10em",
                        ),
                        wrap="wrap",
                        gap="2",
                    ),
                    rx.input(name="message", placeholder=tr("market.note"), max_length=500),
                    rx.button(tr("market.send_bid"), type="submit", id="bid-submit"),
                    align="stretch",
                ),
                on_submit=L.place_bid,
                reset_on_submit=True,
            ),
            width="100%",
        ),
    )


def _order_line(o: rx.Var) -> rx.Component:
    return rx.callout(
        rx.text(
            tr("market.order"),
            " ",
            o.number,
            " · ",
            o.what,
            " = ",
            o.amount,
            " · ",
            tr_prefixed("order_status.", o.status),
        ),
        icon="handshake",
        color_scheme="green",
        class_name="order-made",
    )


def listing_page() -> rx.Component:
    return page_shell(
        "market.listing_title",
        error_banner(L.error),
        success_banner(L.message),
        rx.cond(
            L.card.id != "",
            rx.vstack(
                rx.card(
                    rx.vstack(
                        rx.cond(
                            L.card.photo != "",
                            data_heavy(
                                rx.image(src=L.card.photo, width="100%", max_width="360px", alt="", loading="lazy"),
                                "data_saver.show_photo",
                            ),
                        ),
                        rx.heading(L.card.title, size="5", id="listing-title"),
                        rx.text(L.card.remaining, " · ", L.card.price, id="listing-remaining"),
                        rx.text(L.card.place, " · ", L.card.farmer, size="2"),
                        rx.badge(tr_prefixed("listing_status.", L.card.status)),
                        rx.cond(
                            L.is_seller & (L.card.status == "open"),
                            rx.hstack(
                                rx.upload(
                                    rx.button(tr("market.add_photo"), size="1", variant="soft"),
                                    id="listing-photo",
                                    accept={
                                        "image/jpeg": [".jpg", ".jpeg"],
                                        "image/png": [".png"],
                                        "image/webp": [".webp"],
                                    },
                                    max_files=1,
                                    max_size=2 * 1024 * 1024,
                                    on_drop=L.upload_photo(rx.upload_files(upload_id="listing-photo")),
                                    border="none",
                                    padding="0",
                                ),
                                rx.button(
                                    tr("market.close_listing"),
                                    on_click=L.close_listing,
                                    size="1",
                                    variant="soft",
                                    color_scheme="gray",
                                ),
                            ),
                        ),
                        align="start",
                    ),
                    width="100%",
                ),
                rx.vstack(rx.foreach(L.orders, _order_line), width="100%", id="listing-orders"),
                _bid_form(),
                rx.heading(tr("market.offers"), size="4"),
                rx.cond(
                    L.threads.length() > 0,
                    rx.vstack(rx.foreach(L.threads, _thread), width="100%"),
                    empty_state("market.no_bids", icon="message_circle"),
                ),
                align="stretch",
                width="100%",
            ),
        ),
    )


def _text_field(key: str, name: str, **props) -> rx.Component:
    return field(
        key,
        rx.input(
            name=name,
            id=f"sell-{name}",
            on_change=lambda v: S.update_draft(name, v),
            default_value=S.draft.get(name, ""),
            **props,
        ),
        S.field_errors.get(name, ""),
    )


def sell_page() -> rx.Component:
    return page_shell(
        "nav.sell",
        rx.card(
            rx.form(
                rx.vstack(
                    rx.cond(
                        S.members.length() > 0,
                        field(
                            "market.for_farmer",
                            native_select(
                                "farmer_id",
                                [("", tr("market.choose_farmer"))],
                                dynamic=rx.foreach(S.members, lambda m: rx.el.option(m[1], value=m[0])),
                                id="sell-farmer",
                            ),
                            S.field_errors.get("farmer_id", ""),
                        ),
                    ),
                    rx.flex(
                        _text_field("market.crop", "crop", required=True),
                        _text_field("market.variety", "variety"),
                        _text_field("market.grade", "grade"),
                        wrap="wrap",
                        gap="2",
                    ),
                    rx.flex(
                        _text_field("market.quantity", "quantity", input_mode="decimal", required=True),
                        field(
                            "market.unit",
                            native_select(
                                "unit",
                                [(u, tr(f"unit.{u}")) for u in UNITS],
                                id="sell-unit",
                                on_change=lambda v: S.update_draft("unit", v),
                            ),
                        ),
                        _text_field("market.price_per_unit", "price", input_mode="decimal", required=True),
                        wrap="wrap",
                        gap="2",
                    ),
                    rx.cond(
                        S.hint != "",
                        rx.callout(
                            S.hint,
                            icon="chart_line",
                            size="1",
                            id="price-hint",
                            color_scheme=rx.cond(S.hint_warning, "orange", "blue"),
                        ),
                    ),
                    rx.cond(
                        S.hint_warning,
                        rx.text(tr("market.far_below"), color=rx.color("orange", 11), size="2", id="price-warning"),
                    ),
                    _text_field("market.auto_accept", "auto_accept", input_mode="decimal"),
                    rx.flex(
                        field("market.available_from", rx.input(name="available_from", type="date")),
                        field(
                            "market.available_until",
                            rx.input(name="available_until", type="date"),
                            S.field_errors.get("available_until", ""),
                        ),
                        wrap="wrap",
                        gap="2",
                    ),
                    rx.flex(
                        _text_field("market.village", "village"),
                        _text_field("market.district", "district", required=True),
                        _text_field("market.state", "state", required=True),
                        wrap="wrap",
                        gap="2",
                    ),
                    field("market.description", rx.text_area(name="description", max_length=1000)),
                    rx.button(tr("market.list"), type="submit", id="sell-submit"),
                    error_banner(S.field_errors.get("form", "")),
                    success_banner(S.message),
                    align="stretch",
                ),
                on_submit=S.create,
                reset_on_submit=False,
            ),
            width="100%",
        ),
        rx.heading(tr("market.my_listings"), size="4"),
        rx.cond(
            S.mine.length() > 0,
            rx.vstack(rx.foreach(S.mine, _card), width="100%", id="my-listings"),
            empty_state("market.no_listings", icon="wheat"),
        ),
    )


def _order_row(o: rx.Var) -> rx.Component:
    def step(label: str, status: str, colour: str = "blue") -> rx.Component:
        return rx.button(
            tr(label),
            size="1",
            variant="soft",
            color_scheme=colour,
            on_click=O.advance(o.id, status),
            id=f"order-{status}-" + o.id,
        )

    actions = rx.match(
        o.status,
        (
            "pending_payment",
            rx.hstack(
                rx.cond(
                    o.is_buyer,
                    rx.button(
                        tr("payments.pay"),
                        size="1",
                        on_click=PaymentsState.pay_order(o.id),
                        id="order-pay-" + o.id,
                    ),
                    rx.button(
                        tr("market.farm_gate_qr"),
                        size="1",
                        variant="soft",
                        on_click=O.farm_gate_qr(o.id),
                        id="order-qr-" + o.id,
                    ),
                ),
                step("market.cancel_order", "cancelled", "gray"),
            ),
        ),
        ("paid", rx.cond(~o.is_buyer, step("market.mark_dispatched", "dispatched"))),
        ("dispatched", rx.cond(o.is_buyer, step("market.mark_delivered", "delivered", "green"))),
        rx.fragment(),
    )
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.link(o.number, href="/market/listing?id=" + o.listing_id, weight="bold"),
                rx.spacer(),
                rx.badge(tr_prefixed("order_status.", o.status), class_name="order-status"),
            ),
            rx.text(o.what, " = ", o.amount, size="2"),
            rx.cond(o.hold_until != "", rx.text(tr("market.hold_until"), " ", o.hold_until, size="1")),
            actions,
            align="stretch",
        ),
        width="100%",
        id="order-" + o.id,
    )


def orders_page() -> rx.Component:
    return page_shell(
        "nav.orders",
        error_banner(O.error),
        error_banner(PaymentsState.error),
        rx.cond(
            O.rows.length() > 0,
            rx.vstack(rx.foreach(O.rows, _order_row), width="100%", id="orders"),
            empty_state("market.no_orders", icon="package"),
        ),
    )
