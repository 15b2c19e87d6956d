"""The Reflex app: pages, the REST API mounted in front, PWA head tags. A composition root: it may import any
layer (see .importlinter), and it registers every named job so services can enqueue them."""

import reflex as rx

import kisaan_app.tasks  # noqa: F401 - registers every named job (see kisaan_app/jobs.py)
from kisaan_app.api.edge.origins import socket_origin_allowed
from kisaan_app.asgi import create_app
from kisaan_app.pages.admin_messages import admin_messages_page
from kisaan_app.pages.admin_payments import admin_payments_page
from kisaan_app.pages.admin_templates import admin_templates_page
from kisaan_app.pages.admin_users import admin_users_page
from kisaan_app.pages.alerts_admin import alerts_admin_page
from kisaan_app.pages.audit import audit_page
from kisaan_app.pages.auth import forgot_password_page, login_page, register_page
from kisaan_app.pages.dev_outbox import dev_outbox_page
from kisaan_app.pages.home import home_page
from kisaan_app.pages.live_admin import live_admin_page
from kisaan_app.pages.market import listing_page, market_page, orders_page, sell_page
from kisaan_app.pages.message_history import message_history_page
from kisaan_app.pages.notification_settings import notification_settings_page
from kisaan_app.pages.payments import payment_view_page, payments_page
from kisaan_app.pages.profile import profile_page
from kisaan_app.pwa import head_components
from kisaan_app.state.admin_messages import AdminMessagesState
from kisaan_app.state.admin_payments import AdminPaymentsState
from kisaan_app.state.admin_templates import AdminTemplatesState
from kisaan_app.state.admin_users import AdminUsersState
from kisaan_app.state.alerts_admin import AlertsAdminState
from kisaan_app.state.audit import AuditState
from kisaan_app.state.auth import AuthState
from kisaan_app.state.dashboard import DashboardState
from kisaan_app.state.dev_outbox import DevOutboxState
from kisaan_app.state.home import HomeState
from kisaan_app.state.live_admin import LiveAdminState
from kisaan_app.state.market import ListingState, MarketState, OrdersState, SellState
from kisaan_app.state.message_history import MessageHistoryState
from kisaan_app.state.notification_settings import NotificationSettingsState
from kisaan_app.state.payments import PaymentsState, PaymentViewState
from kisaan_app.state.profile import ProfileState

app = rx.App(
    api_transformer=create_app(),
    head_components=head_components(),
    stylesheets=["/styles.css"],
)
# The layout shows its own bilingual connection banner (components/connection.py) instead of Reflex's English
# "Cannot connect to server" toast and pulsing icon.
app.app_wraps.pop((5, "Overlay"), None)
# The state socket admits our own origins: in dev and test the host the page was opened at (127.0.0.1, a LAN
# address), in prod the public URL and the extra origins (api/edge/origins.py). Reflex only takes a fixed list.
app.sio.eio.cors_allowed_origins = socket_origin_allowed
app.add_page(login_page, route="/login", title="Kisaansay — Log in", on_load=AuthState.load_login)
app.add_page(register_page, route="/register", title="Kisaansay — Sign up", on_load=AuthState.load_register)
app.add_page(
    forgot_password_page, route="/forgot-password", title="Kisaansay — Forgot password", on_load=AuthState.load_forgot
)
app.add_page(home_page, route="/", title="Kisaansay", on_load=[HomeState.load, DashboardState.load])
app.add_page(profile_page, route="/profile", title="Kisaansay — My profile", on_load=ProfileState.load)
app.add_page(admin_users_page, route="/admin/users", title="Kisaansay — Users", on_load=AdminUsersState.load)
app.add_page(live_admin_page, route="/admin/live", title="Kisaansay — Live", on_load=LiveAdminState.load)
app.add_page(
    alerts_admin_page, route="/admin/alerts", title="Kisaansay — Weather alerts", on_load=AlertsAdminState.load
)
app.add_page(audit_page, route="/admin/audit", title="Kisaansay — Audit log", on_load=AuditState.load)
app.add_page(market_page, route="/market", title="Kisaansay — Market", on_load=MarketState.load)
app.add_page(listing_page, route="/market/listing", title="Kisaansay — Listing", on_load=ListingState.load)
app.add_page(sell_page, route="/market/sell", title="Kisaansay — Sell produce", on_load=SellState.load)
app.add_page(orders_page, route="/orders", title="Kisaansay — Orders", on_load=OrdersState.load)
app.add_page(payments_page, route="/payments", title="Kisaansay — Payments", on_load=PaymentsState.load)
app.add_page(payment_view_page, route="/payments/view", title="Kisaansay — Payment", on_load=PaymentViewState.load)
app.add_page(
    admin_payments_page,
    route="/admin/payments",
    title="Kisaansay — Payments (admin)",
    on_load=AdminPaymentsState.load,
)

app.add_page(
    notification_settings_page,
    route="/settings/notifications",
    title="Kisaansay — Notifications",
    on_load=NotificationSettingsState.load,
)
app.add_page(
    admin_messages_page, route="/admin/messages", title="Kisaansay — Messages", on_load=AdminMessagesState.load
)
app.add_page(
    message_history_page,
    route="/admin/messages/history",
    title="Kisaansay — Message history",
    on_load=MessageHistoryState.load,
)
app.add_page(
    admin_templates_page, route="/admin/templates", title="Kisaansay — Templates", on_load=AdminTemplatesState.load
)
app.add_page(dev_outbox_page, route="/dev/outbox", title="Kisaansay — Developer outbox", on_load=DevOutboxState.load)


@app.register_lifespan_task
async def deliver_live_events(app: rx.App):
    """Apply bus events to the clients this process holds (see kisaan_app/realtime/hub.py)."""
    from kisaan_app.realtime.hub import Hub
    from kisaan_app.services.connections import record_heartbeat
    from kisaan_app.state.live import make_applier

    hub = Hub(make_applier(app), record_heartbeat=record_heartbeat)
    await hub.run(connected_tokens=lambda: set(app.event_namespace.token_to_sid) if app.event_namespace else set())


@app.register_lifespan_task
async def collect_garbage_on_a_timer():
    """Full garbage collections every few minutes, never in the middle of a fan-out (realtime/gc_policy.py)."""
    from kisaan_app.realtime.gc_policy import collect_on_a_timer

    await collect_on_a_timer()
