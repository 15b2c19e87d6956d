"""The menu in three shapes from one table (kisaan_app/menu.py): a header nav that wraps on a laptop, and on a
phone a bottom bar with the role's three or four main pages plus a Menu button that opens a drawer with every
page the role may open. Each role's markup is built once at compile time; the browser shows the reader's."""

import reflex as rx

from kisaan_app.components.i18n import tr
from kisaan_app.menu import EVERYONE, MenuItem, bar_for, menu_for
from kisaan_app.state.session import SessionState


def _production() -> bool:
    """The developer outbox exists only where the provider stand-ins do (never in production)."""
    from kisaan_app.settings import get_settings

    return get_settings().env == "prod"


def _here(item: MenuItem) -> rx.Var:
    return SessionState.router.page.path == item.path


def _per_role(build) -> rx.Component:
    """One block per role, shown for the signed-in person's role only (nothing before we know it)."""
    return rx.match(SessionState.user_role, *[(role, build(str(role))) for role in EVERYONE], rx.fragment())


def _header_link(item: MenuItem) -> rx.Component:
    return rx.link(
        tr(item.label_key),
        href=item.path,
        class_name=rx.cond(_here(item), "nav-link current", "nav-link"),
        underline="none",
    )


def header_nav() -> rx.Component:
    """The laptop's nav: every page of the role, wrapping onto a second line rather than scrolling out of view."""

    def build(role: str) -> rx.Component:
        items = menu_for(role, production=_production())
        main = [_header_link(m) for m in items if m.group == "main"]
        admin = [_header_link(m) for m in items if m.group == "admin"]
        return rx.fragment(*main, *([rx.el.span(class_name="nav-divider")] if admin else []), *admin)

    return rx.el.nav(_per_role(build), class_name="main-nav", aria_label=tr("nav.menu"))


def _bar_link(item: MenuItem) -> rx.Component:
    return rx.link(
        rx.icon(item.icon, size=22),
        rx.text(tr(item.label_key), class_name="bar-label"),
        href=item.path,
        class_name=rx.cond(_here(item), "bar-link current", "bar-link"),
        underline="none",
        custom_attrs={"data-path": item.path},
    )


def _drawer_link(item: MenuItem) -> rx.Component:
    return rx.drawer.close(
        rx.link(
            rx.icon(item.icon, size=20),
            rx.text(tr(item.label_key)),
            href=item.path,
            class_name=rx.cond(_here(item), "drawer-link current", "drawer-link"),
            underline="none",
            custom_attrs={"data-path": item.path},
        )
    )


def _drawer_items(role: str) -> rx.Component:
    items = menu_for(role, production=_production())
    main = [_drawer_link(m) for m in items if m.group == "main"]
    admin = [_drawer_link(m) for m in items if m.group == "admin"]
    heading = [rx.text(tr("nav.admin_pages"), class_name="drawer-heading")] if admin else []
    return rx.vstack(*main, *heading, *admin, spacing="0", width="100%", align="stretch")


def _menu_drawer() -> rx.Component:
    return rx.drawer.root(
        rx.drawer.trigger(
            rx.el.button(
                rx.icon("menu", size=22),
                rx.text(tr("nav.menu"), class_name="bar-label"),
                class_name="bar-link",
                id="menu-button",
                type="button",
            )
        ),
        rx.drawer.overlay(class_name="drawer-overlay"),
        rx.drawer.portal(
            rx.drawer.content(
                rx.hstack(
                    rx.drawer.title(tr("nav.menu"), class_name="drawer-title"),
                    rx.spacer(),
                    rx.drawer.close(
                        rx.icon_button(rx.icon("x"), variant="ghost", aria_label=tr("common.close"), id="menu-close")
                    ),
                    align="center",
                    width="100%",
                ),
                rx.drawer.description(SessionState.user_name, class_name="drawer-who"),
                _per_role(_drawer_items),
                rx.drawer.close(
                    rx.el.button(
                        rx.icon("log-out", size=20),
                        rx.text(tr("nav.logout")),
                        on_click=SessionState.logout,
                        class_name="drawer-link",
                        type="button",
                        id="menu-logout",
                    )
                ),
                class_name="menu-drawer",
                id="menu-drawer",
            )
        ),
        direction="right",
    )


def bottom_bar() -> rx.Component:
    """A phone's thumb reach: the role's main pages and the Menu button (hidden on wide screens by CSS)."""
    return rx.el.nav(
        _per_role(lambda role: rx.fragment(*[_bar_link(m) for m in bar_for(role)])),
        _menu_drawer(),
        class_name="bottom-bar",
        id="bottom-bar",
        aria_label=tr("nav.menu"),
    )
