"""The app shell: header with brand, role-based navigation, language switch and logout; works at 360 px."""

import reflex as rx

from kisaan_app.components.connection import connection_banner
from kisaan_app.components.feedback import forbidden_state, loading_state
from kisaan_app.components.i18n import READER_LANGUAGE, tr
from kisaan_app.components.menu import bottom_bar, header_nav
from kisaan_app.state.session import SessionState

THEME_GREEN = "#2e7d32"


def language_switch() -> rx.Component:
    return rx.el.select(
        rx.foreach(SessionState.languages, lambda lang: rx.el.option(lang[1], value=lang[0])),
        value=READER_LANGUAGE,  # the language the page speaks: the cookie's until (or unless) the state arrives
        on_change=SessionState.set_language,
        aria_label=tr("nav.language"),
        id="language-switch",
        class_name="lang-switch",
    )


def unread_badge() -> rx.Component:
    """The bell with the unread count; it changes live when a notification arrives."""
    return rx.link(
        rx.box(
            rx.icon("bell", size=20, color="white"),
            rx.cond(
                SessionState.unread_count > 0,
                rx.el.span(SessionState.unread_count, class_name="bell-count", id="unread-count"),
            ),
            class_name="bell",
        ),
        href="/#inbox",
        aria_label=tr("inbox.title"),
        id="inbox-bell",
    )


def system_banner() -> rx.Component:
    return rx.cond(
        SessionState.banner != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("megaphone")),
            rx.callout.text(SessionState.banner),
            rx.icon_button(rx.icon("x", size=14), size="1", variant="ghost", on_click=SessionState.dismiss_banner),
            color_scheme=rx.match(SessionState.banner_level, ("critical", "red"), ("warning", "orange"), "blue"),
            role="status",
            id="system-banner",
            width="100%",
            margin_bottom="0.75em",
        ),
    )


def _brand() -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.image(src="/icons/logo-56.png", width="28px", height="28px", alt=""),
            rx.text(tr("app.name"), weight="bold", size="4", color="white", class_name="brand-name"),
            align="center",
            spacing="2",
        ),
        href="/",
        underline="none",
        aria_label=tr("app.name"),
    )


def _signed_in_tools() -> rx.Component:
    return rx.fragment(
        unread_badge(),
        language_switch(),
        rx.button(
            tr("nav.logout"),
            on_click=SessionState.logout,
            variant="ghost",
            size="2",
            class_name="header-button",  # white on the green bar, like the language switch
            id="logout-button",
        ),
    )


def header(signed_in: bool) -> rx.Component:
    """The green bar. A signed-in page shows the bell, the menu and "Log out" only once the page's on_load has
    said who is here: a logged-out visitor never sees a signed-in shell while being sent to the login page."""
    known = SessionState.user_id > 0
    return rx.el.header(
        rx.hstack(
            _brand(),
            rx.spacer(),
            rx.cond(known, _signed_in_tools(), language_switch()) if signed_in else language_switch(),
            align="center",
            width="100%",
            spacing="2",
        ),
        rx.cond(known, header_nav()) if signed_in else rx.fragment(),
        connection_banner(),  # inside the sticky header, so it stays in view while the farmer scrolls
        class_name="app-header",
    )


def page_shell(title_key: str, *content: rx.Component) -> rx.Component:
    """A signed-in page: shows content only once the page's on_load has confirmed access."""
    return rx.box(
        header(signed_in=True),
        rx.el.main(
            system_banner(),
            rx.heading(tr(title_key), size="6", margin_bottom="0.5em"),
            rx.cond(
                SessionState.access == "ok",
                rx.vstack(*content, spacing="4", width="100%", align="stretch"),
                rx.cond(SessionState.access == "forbidden", forbidden_state(), loading_state()),
            ),
            class_name="app-main",
            custom_attrs={"data-access": SessionState.access},  # "ok" once on_load allowed the page (tests wait on it)
        ),
        rx.cond(SessionState.user_id > 0, bottom_bar()),
        class_name="app-root with-bottom-bar",
    )


def public_shell(*content: rx.Component) -> rx.Component:
    return rx.box(
        header(signed_in=False),
        rx.el.main(rx.vstack(*content, spacing="4", width="100%", align="stretch"), class_name="app-main narrow"),
        class_name="app-root",
    )
