"""Every page of the app in one table: its route, the function that builds it, what runs when it loads, and the
catalogue key of its title. kisaan_app.py registers them all; a new page is one new row here."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import reflex as rx

from kisaan_app.components.i18n import tr
from kisaan_app.menu import MENU
from kisaan_app.pages.admin_alerts import alerts_admin_page
from kisaan_app.pages.admin_audit import audit_page
from kisaan_app.pages.admin_crop_cases import crop_cases_page
from kisaan_app.pages.admin_live import live_admin_page
from kisaan_app.pages.admin_member_import import member_import_page
from kisaan_app.pages.admin_messages import admin_messages_page
from kisaan_app.pages.admin_messages_history import message_history_page
from kisaan_app.pages.admin_payments import admin_payments_page
from kisaan_app.pages.admin_reports import admin_reports_page
from kisaan_app.pages.admin_reports_custom import custom_reports_page
from kisaan_app.pages.admin_templates import admin_templates_page
from kisaan_app.pages.admin_users import admin_users_page
from kisaan_app.pages.auth import forgot_password_page, login_page, register_page
from kisaan_app.pages.dev_outbox import dev_outbox_page
from kisaan_app.pages.home import home_page
from kisaan_app.pages.market import listing_page, market_page
from kisaan_app.pages.market_sell import sell_page
from kisaan_app.pages.markets import markets_page
from kisaan_app.pages.my_farm import my_farm_page
from kisaan_app.pages.orders import orders_page
from kisaan_app.pages.payments import payment_view_page, payments_page
from kisaan_app.pages.payouts import payouts_page
from kisaan_app.pages.price_alerts import price_alerts_page
from kisaan_app.pages.profile import profile_page
from kisaan_app.pages.settings_notifications import notification_settings_page
from kisaan_app.state.admin_alerts import AlertsAdminState
from kisaan_app.state.admin_audit import AuditState
from kisaan_app.state.admin_live import LiveAdminState
from kisaan_app.state.admin_messages import AdminMessagesState
from kisaan_app.state.admin_messages_history import MessageHistoryState
from kisaan_app.state.admin_payments import AdminPaymentsState
from kisaan_app.state.admin_templates import AdminTemplatesState
from kisaan_app.state.admin_users import AdminUsersState
from kisaan_app.state.auth import AuthState
from kisaan_app.state.crop_cases import CropCasesState
from kisaan_app.state.custom_reports import CustomReportsState
from kisaan_app.state.dev_outbox import DevOutboxState
from kisaan_app.state.fees import FeeState
from kisaan_app.state.home import HomeState
from kisaan_app.state.market import ListingState, MarketState
from kisaan_app.state.markets import MarketsState
from kisaan_app.state.member_import import MemberImportState
from kisaan_app.state.my_farm import MyFarmState
from kisaan_app.state.orders import OrdersState
from kisaan_app.state.payments import PaymentsState, PaymentViewState
from kisaan_app.state.payouts import PayoutsState
from kisaan_app.state.price_alerts import PriceAlertsState
from kisaan_app.state.profile import ProfileState
from kisaan_app.state.reports import ReportsState
from kisaan_app.state.selling import SellState
from kisaan_app.state.settings_notifications import NotificationSettingsState


@dataclass(frozen=True)
class Route:
    path: str
    page: Callable[[], rx.Component]
    on_load: Any | Sequence[Any]  # an event handler, or several run in order
    title_key: str  # `page_title.*` in every catalogue


ROUTES: tuple[Route, ...] = (
    Route("/login", login_page, AuthState.load_login, "page_title.login"),
    Route("/register", register_page, AuthState.load_register, "page_title.register"),
    Route("/forgot-password", forgot_password_page, AuthState.load_forgot, "page_title.forgot_password"),
    Route("/", home_page, HomeState.welcome, "page_title.home"),
    Route("/profile", profile_page, ProfileState.load, "page_title.profile"),
    Route("/admin/users", admin_users_page, AdminUsersState.load, "page_title.admin_users"),
    Route("/admin/live", live_admin_page, LiveAdminState.load, "page_title.admin_live"),
    Route("/admin/alerts", alerts_admin_page, AlertsAdminState.load, "page_title.admin_alerts"),
    Route("/admin/audit", audit_page, AuditState.load, "page_title.admin_audit"),
    Route("/admin/crop-cases", crop_cases_page, CropCasesState.load, "page_title.admin_crop_cases"),
    Route("/admin/members/import", member_import_page, MemberImportState.load, "page_title.admin_member_import"),
    Route("/market", market_page, MarketState.load, "page_title.market"),
    Route("/market/listing", listing_page, ListingState.load, "page_title.market_listing"),
    Route("/market/sell", sell_page, SellState.load, "page_title.market_sell"),
    Route("/orders", orders_page, OrdersState.load, "page_title.orders"),
    Route("/payments", payments_page, PaymentsState.load, "page_title.payments"),
    Route(
        "/payments/view",
        payment_view_page,
        [PaymentViewState.load, FeeState.load_receipt],
        "page_title.payment_view",
    ),
    Route("/payouts", payouts_page, PayoutsState.load, "page_title.payouts"),
    Route("/alerts/prices", price_alerts_page, PriceAlertsState.load, "page_title.price_alerts"),
    Route("/admin/payments", admin_payments_page, AdminPaymentsState.load, "page_title.admin_payments"),
    Route("/admin/reports/custom", custom_reports_page, CustomReportsState.load, "page_title.admin_reports_custom"),
    Route(
        "/settings/notifications",
        notification_settings_page,
        NotificationSettingsState.load,
        "page_title.settings_notifications",
    ),
    Route("/admin/messages", admin_messages_page, AdminMessagesState.load, "page_title.admin_messages"),
    Route(
        "/admin/messages/history",
        message_history_page,
        MessageHistoryState.load,
        "page_title.admin_messages_history",
    ),
    Route("/admin/templates", admin_templates_page, AdminTemplatesState.load, "page_title.admin_templates"),
    Route("/dev/outbox", dev_outbox_page, DevOutboxState.load, "page_title.dev_outbox"),
    Route("/my-farm", my_farm_page, MyFarmState.load, "page_title.my_farm"),
    Route("/markets", markets_page, MarketsState.load, "page_title.markets"),
    Route("/admin/reports", admin_reports_page, ReportsState.load, "page_title.admin_reports"),
)


def _check_menu() -> None:
    """The menu (kisaan_app/menu.py) offers only pages this table registers."""
    missing = sorted({item.path for item in MENU} - {route.path for route in ROUTES})
    if missing:
        raise RuntimeError(f"menu entries without a route: {missing}")


_check_menu()


def page_title(key: str) -> rx.Var:
    """The title in the reader's language: a Var on the language cookie, so <title> follows a language switch
    in the open tab. The prerendered HTML carries the default language until the page hydrates."""
    return tr(key)


def register_pages(app: rx.App) -> None:
    for route in ROUTES:
        app.add_page(route.page, route=route.path, title=page_title(route.title_key), on_load=route.on_load)
