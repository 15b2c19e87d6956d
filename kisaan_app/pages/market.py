"""/market (browse) and /market/listing (one listing, its photo, its negotiation, live); the sell form is
pages/market_sell.py, orders pages/orders.py."""

import reflex as rx

from kisaan_app.components.data_saver import data_heavy
from kisaan_app.components.feedback import empty_state, error_banner, success_banner
from kisaan_app.components.fees import fee_before_note
from kisaan_app.components.forms import field
from kisaan_app.components.i18n import READER_LANGUAGE, tr, tr_prefixed
from kisaan_app.components.layout import page_shell
from kisaan_app.components.tables import filter_bar, native_select, pager
from kisaan_app.components.voice import translate_button, voice_search
from kisaan_app.state.market import ListingState as L
from kisaan_app.state.market import MarketState as M
from kisaan_app.state.session import SessionState

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


def _chosen(name: str, label_key: str, choices: rx.Var) -> rx.Component:
    """A filter box with its glossary list (crops, districts) in the reader's language; typing still works."""
    return rx.fragment(
        rx.input(
            name=name,
            placeholder=tr(label_key),
            size="2",
            width="8em",
            id=f"filter-{name}",
            auto_complete="off",
            custom_attrs={"list": f"filter-{name}-choices"},
        ),
        rx.el.datalist(rx.foreach(choices, lambda c: rx.el.option(value=c)), id=f"filter-{name}-choices"),
    )


def market_page() -> rx.Component:
    return page_shell(
        "nav.market",
        voice_search("voice-market"),
        filter_bar(
            M.apply_filters,
            _chosen("crop", "market.crop", M.crop_choices),
            _chosen("district", "market.district", M.district_choices),
            rx.input(name="grade", placeholder=tr("market.grade"), size="2", width="5em"),
            # 9.5em: room for "minimum quantity" in the Indian scripts, still two to a 360 px row
            rx.input(
                name="min_quantity",
                placeholder=tr("market.min_quantity"),
                input_mode="decimal",
                size="2",
                width="9.5em",
            ),
            rx.input(
                name="max_price", placeholder=tr("market.max_price"), input_mode="decimal", size="2", width="9.5em"
            ),
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
        rx.cond(
            o.note != "",
            rx.hstack(
                rx.text(o.note, size="1", custom_attrs={"data-translate-text": ""}),
                translate_button("offer", o.id),
                align="center",
                wrap="wrap",
                custom_attrs={"data-translate-box": ""},
            ),
        ),
        rx.text(o.when, size="1", color=rx.color("gray", 10)),
        class_name=rx.cond(o.by_buyer, "offer offer-buyer", "offer offer-seller"),
    )


def _counter_form(bid: rx.Var) -> rx.Component:
    """A new figure in this thread. Its error shows here (not at the top of the page) and what was typed stays;
    after a success a new key empties it."""
    mine = L.counter_bid == bid.id
    return rx.form(
        rx.vstack(
            rx.hstack(
                rx.el.input(type="hidden", name="bid_id", value=bid.id),
                # One key per thread and render: a double tap counters once (services/market/form_keys.py).
                rx.el.input(type="hidden", name="form_key", value=L.counter_key + "-" + bid.id),
                rx.input(
                    name="price",
                    placeholder=tr("market.price_per_unit"),
                    input_mode="decimal",
                    size="2",
                    width="8em",
                    id="counter-price-" + bid.id,
                    aria_invalid=rx.cond(mine & L.counter_errors.contains("price"), "true", "false"),
                ),
                rx.input(name="message", placeholder=tr("market.note"), max_length=500, size="2", width="12em"),
                rx.button(tr("market.counter"), type="submit", size="2", variant="soft", id="counter-" + bid.id),
                wrap="wrap",
            ),
            rx.cond(
                mine & (L.counter_errors.length() > 0),
                rx.foreach(
                    L.counter_errors.values(),
                    lambda text: rx.text(text, size="2", color=rx.color("red", 11), role="alert"),
                ),
            ),
            spacing="1",
        ),
        on_submit=L.counter,
        reset_on_submit=False,
        key=L.counter_key + "-" + bid.id,
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
            rx.cond(bid.my_turn, fee_before_note()),  # the fee is said before anyone accepts
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


def _bid_field(key: str, name: str, width: str) -> rx.Component:
    return rx.box(
        field(
            key,
            rx.input(
                name=name,
                input_mode="decimal",
                required=True,
                id=f"bid-{name}",
                aria_invalid=rx.cond(L.bid_errors.contains(name), "true", "false"),
            ),
            L.bid_errors.get(name, ""),
        ),
        width=width,
        max_width="100%",
    )


def _bid_form() -> rx.Component:
    """A buyer's bid (or a higher one replacing theirs). Errors sit beside their fields and keep what was typed;
    after a success a new key remounts the form empty."""
    return rx.cond(
        (SessionState.user_role == "buyer") & (L.card.status == "open"),
        rx.card(
            rx.form(
                rx.vstack(
                    rx.heading(tr("market.make_bid"), size="3"),
                    rx.el.input(type="hidden", name="form_key", value=L.bid_key),
                    rx.flex(
                        _bid_field("market.quantity", "quantity", "9em"),
                        _bid_field("market.price_per_unit", "price", "12em"),
                        wrap="wrap",
                        gap="2",
                    ),
                    rx.input(name="message", placeholder=tr("market.note"), max_length=500, id="bid-message"),
                    fee_before_note(id="bid-fee-note"),
                    rx.button(tr("market.send_bid"), type="submit", id="bid-submit"),
                    error_banner(L.bid_errors.get("form", "")),
                    align="stretch",
                ),
                on_submit=L.place_bid,
                reset_on_submit=False,
                key=L.bid_key,
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


def _photo_picker() -> rx.Component:
    """A camera photo is shrunk on the phone and sent with a progress bar (assets/photo.js); its error, with the
    limit, shows right here."""
    max_mb = (L.photo_max_bytes // (1024 * 1024)).to_string()
    return rx.box(
        rx.el.label(
            rx.icon("camera", size=16),
            tr("market.add_photo"),
            rx.el.input(
                type="file",
                accept="image/jpeg,image/png,image/webp",
                id="listing-photo-file",
                custom_attrs={
                    "data-photo-listing": L.card.id,
                    "data-max-bytes": L.photo_max_bytes.to_string(),
                    "data-lang": READER_LANGUAGE,
                    "data-shrinking": tr("market.photo_shrinking"),
                    "data-uploading": tr("market.photo_uploading"),
                    "data-too-large": tr("market.photo_too_large").replace("{max_mb}", max_mb),
                    "data-failed": tr("market.photo_failed"),
                },
                class_name="visually-hidden",
            ),
            html_for="listing-photo-file",
            class_name="photo-button",
        ),
        rx.el.progress(hidden=True, id="photo-progress", width="100%"),
        rx.text("", size="2", custom_attrs={"data-photo-message": ""}, role="status", id="photo-message"),
        rx.text(tr("market.photo_hint").replace("{max_mb}", max_mb), size="1", color=rx.color("gray", 10)),
        rx.el.button(on_click=L.photo_uploaded, id="photo-done", type="button", hidden=True),
        rx.script(src="/photo.js"),
        custom_attrs={"data-photo-box": ""},
        width="100%",
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
                                rx.image(
                                    src=L.card.photo,
                                    width="100%",
                                    max_width="360px",
                                    alt="",
                                    loading="lazy",
                                    id="listing-card-photo",
                                ),
                                "data_saver.show_photo",
                            ),
                        ),
                        rx.heading(L.card.title, size="5", id="listing-title"),
                        rx.text(L.card.remaining, " · ", L.card.price, id="listing-remaining"),
                        rx.text(L.card.place, " · ", L.card.farmer, size="2"),
                        rx.badge(tr_prefixed("listing_status.", L.card.status)),
                        rx.cond(
                            L.card.description != "",
                            rx.box(
                                rx.text(
                                    L.card.description,
                                    size="2",
                                    white_space="pre-wrap",
                                    id="listing-description",
                                    custom_attrs={"data-translate-text": ""},
                                ),
                                translate_button("listing", L.card.id),
                                custom_attrs={"data-translate-box": ""},
                            ),
                        ),
                        rx.cond(
                            L.is_seller & (L.card.status == "open"),
                            rx.flex(
                                _photo_picker(),
                                rx.button(
                                    tr("market.close_listing"),
                                    on_click=L.close_listing,
                                    size="1",
                                    variant="soft",
                                    color_scheme="gray",
                                ),
                                wrap="wrap",
                                gap="2",
                                width="100%",
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
