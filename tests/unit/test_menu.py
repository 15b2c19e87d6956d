"""The menu offers each role exactly the pages it may open, from the route table's own pages."""

import pytest

from kisaan_app.menu import EVERYONE, MENU, bar_for, menu_for
from kisaan_app.routes import ROUTES


def _state_of(path: str):
    route = next(r for r in ROUTES if r.path == path)
    handlers = route.on_load if isinstance(route.on_load, (list, tuple)) else [route.on_load]
    return handlers[0].state


def test_every_menu_entry_is_a_page_its_roles_may_open():
    for item in MENU:
        guard = set(_state_of(item.path).guard_roles)
        assert not guard or set(item.roles) <= guard, (
            f"{item.path}: the menu offers it to {item.roles}, the page admits {guard}"
        )


@pytest.mark.parametrize("role", EVERYONE)
def test_each_role_has_a_short_bottom_bar_and_every_page_in_the_menu(role):
    assert 3 <= len(bar_for(role)) <= 4  # room for each label and the Menu button at 360 px
    assert {m.path for m in bar_for(role)} <= {m.path for m in menu_for(role, production=True)}
    assert "/dev/outbox" not in {m.path for m in menu_for(role, production=True)}


def test_roles_see_what_they_may_use():
    paths = {role: {m.path for m in menu_for(role, production=False)} for role in EVERYONE}
    assert "/payments" in paths["farmer"] and "/payments" in paths["buyer"]
    assert "/market/sell" not in paths["buyer"]
    assert not any(p.startswith("/admin") for p in paths["farmer"] | paths["buyer"])
    assert "/admin/templates" not in paths["org_admin"] and "/admin/templates" in paths["admin"]
