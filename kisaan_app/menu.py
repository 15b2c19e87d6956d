"""The menu: every page a person may open from it, who may open it, and which few sit in a phone's bottom bar.

Plain data (no Reflex, no pages), so the layout can read it; routes.py checks at import that every entry is a
registered route, so the menu and the route table cannot drift apart. The roles here are the roles the page's
on_load admits (its state's guard_roles): a menu never offers a page that would answer "not allowed".
"""

from dataclasses import dataclass

from kisaan_app.models.enums import Role

EVERYONE = (Role.FARMER, Role.BUYER, Role.ORG_ADMIN, Role.ADMIN)
ADMINS = (Role.ORG_ADMIN, Role.ADMIN)
SELLERS = (Role.FARMER, Role.ORG_ADMIN, Role.ADMIN)  # services/payments/farm_gate.py SELLER_ROLES
PAYERS = (Role.FARMER, Role.BUYER)  # admins see every payment at /admin/payments


@dataclass(frozen=True)
class MenuItem:
    path: str
    label_key: str  # `nav.*` in every catalogue
    icon: str  # a lucide icon name
    roles: tuple[str, ...]
    bar_for: tuple[str, ...] = ()  # the roles whose phone bottom bar shows it (3–4 per role)
    group: str = "main"  # "main" pages first; "admin" pages under their own heading
    dev_only: bool = False  # the developer outbox: never in production


MENU: tuple[MenuItem, ...] = (
    MenuItem("/", "nav.home", "house", EVERYONE, bar_for=EVERYONE),
    MenuItem("/market", "nav.market", "store", EVERYONE, bar_for=(Role.FARMER, Role.BUYER)),
    MenuItem("/market/sell", "nav.sell", "circle-plus", SELLERS, bar_for=(Role.FARMER,)),
    MenuItem("/orders", "nav.orders", "package", EVERYONE, bar_for=(Role.FARMER, Role.BUYER)),
    MenuItem("/payments", "nav.payments", "wallet", PAYERS, bar_for=(Role.BUYER,)),
    MenuItem("/payouts", "nav.payouts", "landmark", SELLERS),  # state/payouts.py SELLER_ROLES
    MenuItem("/my-farm", "nav.my_farm", "chart-column", (Role.FARMER,)),
    MenuItem("/markets", "nav.markets", "trending-up", EVERYONE),
    MenuItem("/alerts/prices", "nav.price_alerts", "bell-ring", (Role.FARMER,)),
    MenuItem("/profile", "nav.profile", "user", EVERYONE),
    MenuItem("/settings/notifications", "nav.notification_settings", "settings", EVERYONE),
    MenuItem("/admin/users", "nav.users", "users", ADMINS, bar_for=ADMINS, group="admin"),
    MenuItem("/admin/alerts", "nav.alerts", "cloud-lightning", ADMINS, bar_for=ADMINS, group="admin"),
    MenuItem("/admin/crop-cases", "nav.crop_cases", "sprout", ADMINS, group="admin"),
    MenuItem("/admin/members/import", "nav.member_import", "user-plus", ADMINS, group="admin"),
    MenuItem("/admin/messages", "nav.messages", "send", ADMINS, bar_for=ADMINS, group="admin"),
    MenuItem("/admin/messages/history", "nav.message_history", "history", ADMINS, group="admin"),
    MenuItem("/admin/payments", "nav.payments_admin", "wallet", ADMINS, group="admin"),
    MenuItem("/admin/reports/custom", "nav.custom_reports", "chart-bar", ADMINS, group="admin"),
    MenuItem("/admin/reports", "nav.reports", "chart-pie", ADMINS, group="admin"),
    MenuItem("/admin/live", "nav.live", "activity", ADMINS, group="admin"),
    MenuItem("/admin/audit", "nav.audit", "scroll-text", ADMINS, group="admin"),
    MenuItem("/admin/templates", "nav.templates", "file-text", (Role.ADMIN,), group="admin"),
    MenuItem("/dev/outbox", "nav.outbox", "inbox", (Role.ADMIN,), group="admin", dev_only=True),
)


def menu_for(role: str, *, production: bool) -> list[MenuItem]:
    """What a person of `role` finds in the menu, in order."""
    return [m for m in MENU if role in m.roles and not (m.dev_only and production)]


def bar_for(role: str) -> list[MenuItem]:
    """The few pages in a phone's bottom bar for `role`."""
    return [m for m in MENU if role in m.bar_for]
