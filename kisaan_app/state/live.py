"""How a live event changes a client's screen: the hub calls `apply_events(token, events)` for each client.

The header (unread count, system banner) lives on SessionState; the farmer dashboard on DashboardState.
Everything an event changes can also be rebuilt from the database by the page's on_load, so a client that
missed events, or whose state the server lost, never shows stale or blank data after reconnecting.
"""

import asyncio

import reflex as rx

from kisaan_app.realtime.events import Event
from kisaan_app.state.admin_messages import AdminMessagesState
from kisaan_app.state.admin_payments import AdminPaymentsState
from kisaan_app.state.dashboard import DashboardState
from kisaan_app.state.market import ListingState, OrdersState
from kisaan_app.state.payments import PaymentsState, PaymentViewState
from kisaan_app.state.session import ADMIN_ROLES, SessionState

DASHBOARD_TOPICS = {"price", "weather", "crop_health"}


def _inbox(user_id: int) -> tuple[int, list]:
    from kisaan_app.db import session_scope
    from kisaan_app.services import inbox

    with session_scope() as session:
        return inbox.unread_count(session, user_id), inbox.recent(session, user_id, limit=20)


async def _refresh_market_pages(root, listing_ids: set[int]) -> None:
    """A bid, offer or order changed: the listing page showing it and the orders page reload."""
    listing = await root.get_state(ListingState)
    await asyncio.to_thread(listing.live_refresh, listing_ids)
    orders = await root.get_state(OrdersState)
    await asyncio.to_thread(orders.live_refresh)


async def _refresh_payment_pages(root, receipts: set[str], *, admin: bool) -> None:
    """A payment moved: the payment pages this tab has open reload it from the database."""
    view = await root.get_state(PaymentViewState)
    await asyncio.to_thread(view.live_refresh, receipts)
    listing = await root.get_state(AdminPaymentsState if admin else PaymentsState)
    await asyncio.to_thread(listing.live_refresh)


def make_applier(app: rx.App):
    async def apply_events(token: str, events: list[Event]) -> None:
        async with app.modify_state(rx.BaseStateToken(ident=token, cls=SessionState)) as root:
            header = await root.get_state(SessionState)
            if not header.user_id:
                return  # signed out in this tab since it registered
            for event in events:
                if event.topic == "system":
                    header.banner = str(event.payload.get("message", ""))[:500]
                    header.banner_level = str(event.payload.get("level", "info"))
            is_farmer = header.user_role == "farmer"
            if any(e.topic == "notification" for e in events):
                header.unread_count, items = await asyncio.to_thread(_inbox, header.user_id)
                if is_farmer:
                    (await root.get_state(DashboardState)).show_inbox(items)
            if is_farmer and any(e.topic in DASHBOARD_TOPICS for e in events):
                dashboard = await root.get_state(DashboardState)
                dashboard.apply(events)
            listing_ids = {int(e.payload.get("listing_id") or 0) for e in events if e.topic == "bid"}
            if listing_ids:
                await _refresh_market_pages(root, listing_ids)
            campaigns = {int(e.payload.get("campaign_id") or 0) for e in events if e.topic == "campaign"}
            if campaigns and header.user_role in ADMIN_ROLES:
                # A bulk send moved: the progress bar on /admin/messages reloads its figures.
                messages = await root.get_state(AdminMessagesState)
                await asyncio.to_thread(messages.live_refresh, campaigns - {0})
            receipts = {str(e.payload.get("receipt")) for e in events if e.topic == "payment"}
            if receipts:
                await _refresh_payment_pages(root, receipts, admin=header.user_role in ADMIN_ROLES)

    return apply_events
