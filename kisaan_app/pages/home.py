"""/ — what each role sees first, and a visitor's light public page (today's prices, what the app does)."""

import reflex as rx

from kisaan_app.components.feedback import empty_state
from kisaan_app.components.i18n import tr, tr_prefixed
from kisaan_app.components.layout import page_shell, public_shell
from kisaan_app.pages.dashboard import farmer_dashboard
from kisaan_app.state.home import HomeState


def _info_row(label_key: str, value: rx.Var, empty_key: str) -> rx.Component:
    return rx.vstack(
        rx.text(tr(label_key), size="2", color=rx.color("gray", 10)),
        rx.cond(
            value != "", rx.text(value, weight="medium"), rx.text(tr(empty_key), size="2", color=rx.color("gray", 11))
        ),
        spacing="1",
        align="start",
    )


def _farmer_home() -> rx.Component:
    return rx.vstack(
        rx.text(tr("home.farmer_intro")),
        farmer_dashboard(),
        rx.card(
            rx.vstack(
                rx.heading(tr("home.profile_card"), size="4"),
                _info_row("home.location", HomeState.location, "home.no_location"),
                _info_row("home.organization", HomeState.organization_name, "home.no_organization"),
                rx.cond(HomeState.land_text != "", _info_row("home.land", HomeState.land_text, "home.no_location")),
                rx.text(tr("home.crops"), size="2", color=rx.color("gray", 10)),
                rx.cond(
                    HomeState.crops.length() > 0,
                    rx.flex(
                        rx.foreach(HomeState.crops, lambda c: rx.badge(c, size="2", color_scheme="green")),
                        wrap="wrap",
                        gap="2",
                        id="crop-badges",
                    ),
                    empty_state(
                        "home.no_crops",
                        icon="sprout",
                        action=rx.link(rx.button(tr("home.add_crops"), color_scheme="green"), href="/profile"),
                    ),
                ),
                spacing="3",
                align="stretch",
            ),
            width="100%",
        ),
        spacing="3",
        width="100%",
        id="farmer-home",
    )


def _buyer_listing(item: rx.Var) -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.vstack(
                rx.text(item.crop, weight="bold"),
                rx.text(item.farmer, " · ", item.place, size="1", color=rx.color("gray", 11)),
                spacing="0",
                align="start",
            ),
            rx.spacer(),
            rx.vstack(
                rx.text(item.price, weight="bold"),
                rx.text(item.left, size="1", color=rx.color("gray", 11)),
                spacing="0",
                align="end",
            ),
            width="100%",
            align="center",
        ),
        href="/market/listing?id=" + item.id,
        underline="none",
        color="inherit",
        class_name="price-row buyer-listing",
    )


def _buyer_line(line: rx.Var) -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.vstack(
                rx.text(line.title, weight="medium", size="2"),
                rx.text(line.figures, size="1", color=rx.color("gray", 11)),
                spacing="0",
                align="start",
            ),
            rx.spacer(),
            rx.badge(tr_prefixed("", line.status, among=("bid_status.", "order_status.")), variant="soft"),
            width="100%",
            align="center",
        ),
        href=line.href,
        underline="none",
        color="inherit",
        class_name="price-row",
    )


def _buyer_card(title_key: str | rx.Var, rows: rx.Var, render, empty_key: str, icon: str, more_href: str, card_id: str):
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(tr(title_key) if isinstance(title_key, str) else title_key, size="4"),
                rx.spacer(),
                rx.link(tr("home.see_all"), href=more_href, size="2", white_space="nowrap"),
                width="100%",
                align="center",
            ),
            rx.cond(
                rows.length() > 0,
                rx.vstack(rx.foreach(rows, render), spacing="0", width="100%"),
                empty_state(empty_key, icon=icon),
            ),
            spacing="2",
            align="stretch",
        ),
        width="100%",
        id=card_id,
    )


def _buyer_home() -> rx.Component:
    """Something to do on arrival: produce on offer near them, and where their offers and orders stand."""
    return rx.vstack(
        rx.text(tr("home.buyer_intro")),
        _buyer_card(
            rx.cond(HomeState.buyer_near, tr("home.buyer_near"), tr("home.buyer_newest")),
            HomeState.buyer_listings,
            _buyer_listing,
            "home.buyer_no_listings",
            "store",
            "/market",
            "buyer-listings",
        ),
        rx.cond(
            (HomeState.buyer_listings.length() > 0) & ~HomeState.buyer_near,
            rx.text(tr("home.buyer_none_near"), size="1", color=rx.color("gray", 11), margin_top="-0.5em"),
        ),
        _buyer_card(
            "home.buyer_offers",
            HomeState.buyer_offers,
            _buyer_line,
            "home.buyer_no_offers",
            "hand-coins",
            "/market",
            "buyer-offers",
        ),
        _buyer_card(
            "home.buyer_orders",
            HomeState.buyer_orders,
            _buyer_line,
            "home.buyer_no_orders",
            "package",
            "/orders",
            "buyer-orders",
        ),
        rx.card(
            rx.vstack(
                _info_row("home.business", HomeState.business_name, "home.no_business"),
                _info_row("home.location", HomeState.location, "home.no_location"),
                spacing="3",
                align="stretch",
            ),
            width="100%",
        ),
        width="100%",
        spacing="3",
        id="buyer-home",
    )


def _stat(label_key: str, key: str) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(tr(label_key), size="2", color=rx.color("gray", 10)),
            rx.heading(HomeState.stats[key].to_string(), size="7"),
            spacing="1",
        ),
        width="100%",
    )


def _admin_home() -> rx.Component:
    return rx.vstack(
        rx.cond(HomeState.is_admin, rx.text(tr("home.admin_intro")), rx.text(tr("home.org_admin_intro"))),
        rx.cond(HomeState.organization_name != "", rx.badge(HomeState.organization_name, size="2")),
        rx.grid(
            _stat("home.active_users", "active_users"),
            _stat("home.farmers", "farmers"),
            _stat("home.buyers", "buyers"),
            _stat("home.logins_today", "logins_today"),
            _stat("home.failed_logins_today", "failed_logins_today"),
            columns=rx.breakpoints(initial="2", md="5"),
            spacing="3",
            width="100%",
        ),
        rx.hstack(
            rx.link(rx.button(tr("home.manage_users"), color_scheme="green"), href="/admin/users"),
            rx.link(rx.button(tr("home.view_audit"), variant="soft"), href="/admin/audit"),
            wrap="wrap",
            spacing="2",
        ),
        width="100%",
        spacing="3",
        id="admin-home",
    )


def _public_price(row: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.text(row.commodity, weight="bold"),
            rx.text(row.market, " · ", row.date, size="1", color=rx.color("gray", 11)),
            spacing="0",
            align="start",
        ),
        rx.spacer(),
        rx.vstack(
            rx.text(row.modal, weight="bold", size="4"),
            rx.text(tr("welcome.per_quintal"), size="1", color=rx.color("gray", 11)),
            spacing="0",
            align="end",
        ),
        width="100%",
        align="center",
        class_name="price-row",
    )


def _what_it_does(icon: str, key: str) -> rx.Component:
    return rx.hstack(rx.icon(icon, size=22, color=rx.color("green", 10)), rx.text(tr(key)), align="center", spacing="3")


def welcome_page() -> rx.Component:
    """For someone not signed in: no bell, no menu, no "Log out"; light enough for a 2G phone."""
    return public_shell(
        rx.heading(tr("welcome.title"), size="6"),
        rx.text(tr("welcome.intro")),
        rx.hstack(
            rx.link(rx.button(tr("nav.login"), size="3", color_scheme="green"), href="/login", id="welcome-login"),
            rx.link(
                rx.button(tr("nav.register"), size="3", variant="outline"), href="/register", id="welcome-register"
            ),
            spacing="3",
            wrap="wrap",
        ),
        rx.card(
            rx.vstack(
                rx.heading(tr("welcome.prices"), size="4"),
                rx.cond(
                    HomeState.public_prices.length() > 0,
                    rx.vstack(rx.foreach(HomeState.public_prices, _public_price), spacing="0", width="100%"),
                    empty_state("welcome.no_prices", icon="chart-line"),
                ),
                spacing="2",
                align="stretch",
            ),
            width="100%",
            id="public-prices",
        ),
        rx.card(
            rx.vstack(
                rx.heading(tr("welcome.what"), size="4"),
                _what_it_does("chart-line", "welcome.what_prices"),
                _what_it_does("store", "welcome.what_sell"),
                _what_it_does("cloud-lightning", "welcome.what_weather"),
                _what_it_does("wallet", "welcome.what_pay"),
                spacing="3",
                align="stretch",
            ),
            width="100%",
        ),
    )


def home_page() -> rx.Component:
    return rx.cond(HomeState.who == "visitor", rx.box(welcome_page(), id="welcome"), _member_home())


def _member_home() -> rx.Component:
    return page_shell(
        "nav.home",
        rx.heading(HomeState.greeting, size="5", id="greeting"),
        rx.badge(HomeState.role_label, size="2", width="fit-content"),
        rx.match(
            HomeState.user_role,
            ("farmer", _farmer_home()),
            ("buyer", _buyer_home()),
            _admin_home(),
        ),
    )
