"""The app shell: header with brand, role-based navigation, language switch and logout; works at 360 px."""

import reflex as rx

from kisaan_app.components.connection import connection_banner
from kisaan_app.components.feedback import forbidden_state, loading_state
from kisaan_app.components.i18n import tr
from kisaan_app.state.session import SessionState

THEME_GREEN = "#2e7d32"


def language_switch() -> rx.Component:
    return rx.el.select(
        rx.foreach(SessionState.languages, lambda lang: rx.el.option(lang[1], value=lang[0])),
        value=SessionState.lang,
        on_change=SessionState.set_language,
        aria_label=tr("nav.language"),
        id="language-switch",
        class_name="lang-switch",
    )


def _nav_link(key: str, href: str) -> rx.Component:
    return rx.link(tr(key), href=href, class_name="nav-link", underline="none")


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


def _show_outbox() -> bool:
    """The developer outbox exists only where the provider stand-ins do (never in production)."""
    from kisaan_app.settings import get_settings

    return get_settings().env != "prod"


def navigation() -> rx.Component:
    return rx.el.nav(
        _nav_link("nav.home", "/"),
        _nav_link("nav.market", "/market"),
        rx.cond(SessionState.user_role == "buyer", rx.fragment(), _nav_link("nav.sell", "/market/sell")),
        _nav_link("nav.orders", "/orders"),
        _nav_link("nav.profile", "/profile"),
        _nav_link("nav.notification_settings", "/settings/notifications"),
        rx.cond(SessionState.can_manage_users, rx.fragment(), _nav_link("nav.payments", "/payments")),
        rx.cond(SessionState.can_manage_users, _nav_link("nav.payments_admin", "/admin/payments")),
        rx.cond(SessionState.can_manage_users, _nav_link("nav.users", "/admin/users")),
        rx.cond(SessionState.can_manage_users, _nav_link("nav.audit", "/admin/audit")),
        rx.cond(SessionState.can_manage_users, _nav_link("nav.alerts", "/admin/alerts")),
        rx.cond(SessionState.can_manage_users, _nav_link("nav.live", "/admin/live")),
        rx.cond(SessionState.can_manage_users, _nav_link("nav.messages", "/admin/messages")),
        rx.cond(SessionState.is_admin, _nav_link("nav.templates", "/admin/templates")),
        *([rx.cond(SessionState.is_admin, _nav_link("nav.outbox", "/dev/outbox"))] if _show_outbox() else []),
        class_name="main-nav",
        aria_label=tr("nav.menu"),
    )


def header(signed_in: bool) -> rx.Component:
    right = [language_switch()]
    if signed_in:
        right.insert(0, unread_badge())
        right.append(
            rx.button(
                tr("nav.logout"),
                on_click=SessionState.logout,
                variant="ghost",
                size="2",
                class_name="header-button",  # white on the green bar, like the language switch
                id="logout-button",
            )
        )
    return rx.el.header(
        rx.hstack(
            rx.link(
                rx.hstack(
                    rx.image(src="/icons/logo-56.png", width="28px", height="28px", alt=""),
                    rx.text(tr("app.name"), weight="bold", size="4", color="white", class_name="brand-name"),
                    align="center",
                    spacing="2",
                ),
                href="/",
                underline="none",
                aria_label=tr("app.name"),
            ),
            rx.spacer(),
            *right,
            align="center",
            width="100%",
            spacing="2",
        ),
        navigation() if signed_in else rx.fragment(),
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
        ),
        class_name="app-root",
    )


def public_shell(*content: rx.Component) -> rx.Component:
    return rx.box(
        header(signed_in=False),
        rx.el.main(rx.vstack(*content, spacing="4", width="100%", align="stretch"), class_name="app-main narrow"),
        class_name="app-root",
    )
