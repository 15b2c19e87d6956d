"""The Reflex surface: every public method on a State is an event any client can call.

Each one is either guarded (authorised, forms checked, DomainErrors translated, data work off the event loop)
or on the short allowlist below of handlers that touch no data. States hold no SQL, rows are typed, and the
rules (whose turn it is) come from the services, checked here against real databases.
"""

import asyncio
import dataclasses
import importlib
import inspect
import pkgutil
import re
import typing
from pathlib import Path

import pytest
import reflex as rx
from reflex.state import State

import kisaan_app.state as state_package
from kisaan_app.state.guard import is_guarded

# Public handlers that touch no data. Each says why; anything else must be @guarded.
ALLOWLIST = {
    "set_language": "anyone picks a language (the login page too); it is saved only for the cookie's person",
    "dismiss_banner": "hides the header banner",
    "logout": "drops this tab's state; the REST logout revokes the session",
    "set_draft": "a compose-form field (known keys, bounded size); the recount it may ask for is guarded",
    "toggle_channel": "a tick in the compose form; the recount it asks for is guarded",
    "set_critical": "a tick in the compose form; the recount it asks for is guarded",
    "cancel_confirm": "closes the send confirmation",
    "use_district": "a compose-form field (set_draft's checks); the recount it asks for is guarded",
    "close_editor": "closes a dialog",
    "ask_role_change": "opens the role-change confirmation (a row on screen, a role the admin may give)",
    "cancel_role_change": "closes the role-change confirmation",
    "cancel_send": "closes a send confirmation; the form keeps what was typed",
    "close_detail": "closes a dialog",
    "close_refund": "closes a dialog",
    "cancel_dispatch": "closes the dispatch dialog; `advance` is guarded",
    "set_provider": "picks a filter; the fetch it asks for is guarded",
    "toggle": "a tick in the notification form; `save` is guarded",
    "set_quiet_start": "a time box (at most HH:MM); `save` is guarded",
    "set_quiet_end": "a time box (at most HH:MM); `save` is guarded",
    "set_register_role": "farmer or buyer on the sign-up form",
    "set_payout_kind": "bank account or UPI on the payout account form (which fields show)",
    "set_alert_kind": "above, below or a daily move on the price alert form (which hint shows)",
    "set_period": "a preset or chosen days on the custom report form (whether the day boxes show)",
    "load_register": "clears the sign-up form",
    "load_forgot": "clears the forgot-password form",
    "restart_reset": "back to asking for the number",
    "set_price_crop": "which crop My farm's price chart shows, from rows already loaded",
    "set_crop_choice": "the crop picker's shown value on /markets (at most 80 characters); `choose` is guarded",
}


def _states() -> list[type[rx.State]]:
    for module in pkgutil.iter_modules(state_package.__path__):
        importlib.import_module(f"kisaan_app.state.{module.name}")
    found, todo = [], [State]
    while todo:
        cls = todo.pop()
        todo.extend(cls.get_substates())
        if cls.__module__.startswith("kisaan_app.state"):
            found.append(cls)
    return found


def _handlers():
    for cls in _states():
        for name, handler in cls.event_handlers.items():
            if handler.fn.__module__.startswith("kisaan_app"):  # not Reflex's own (setvar, hydrate, ...)
                yield cls, name, handler.fn


def test_every_public_handler_is_guarded_or_touches_no_data():
    loose = sorted(
        f"{cls.__name__}.{name}" for cls, name, fn in _handlers() if not is_guarded(fn) and name not in ALLOWLIST
    )
    assert not loose, f"not guarded and not on the allowlist: {loose}"
    assert len(list(_handlers())) > 60  # the walk really found the app's handlers


def test_guarded_handlers_are_async_so_their_work_leaves_the_event_loop():
    # Reflex runs a sync handler on the event loop; an async one yields it while off_loop's thread works.
    sync = [f"{c.__name__}.{n}" for c, n, fn in _handlers() if is_guarded(fn) and not inspect.iscoroutinefunction(fn)]
    assert not sync


def test_guarded_handlers_show_errors_in_vars_their_state_has():
    from kisaan_app.state.guard import GUARD_MARK

    missing = [
        f"{cls.__name__}.{name}: {var}"
        for cls, name, fn in _handlers()
        if is_guarded(fn)
        for var in getattr(fn, GUARD_MARK)["vars"]
        if var not in cls.vars
    ]
    assert not missing


def test_allowlisted_handlers_open_no_database_session():
    for cls, name, fn in _handlers():
        if name in ALLOWLIST and name != "set_language":
            source = inspect.getsource(fn)
            assert "session_scope" not in source and "off_loop" not in source, f"{cls.__name__}.{name}"


def test_no_sql_in_state():
    root = Path(state_package.__file__).parent
    pattern = re.compile(r"\bselect\(|session\.exec\(|session\.get\(|session\.query\(")
    offenders = [p.name for p in root.glob("*.py") if pattern.search(p.read_text(encoding="utf-8"))]
    assert not offenders


def test_rows_are_typed_dataclasses_not_yes_no_strings():
    from kisaan_app.state import dashboard_rows as dash
    from kisaan_app.state import market, orders, payments

    rows = (market.ThreadRow, market.OrderRow, payments.PaymentRow, dash.PriceRow, dash.AlertRow, dash.InboxRow)
    rows = (*rows, orders.OrderCardRow)
    for row in (*rows, dash.ReportRow, dash.TrendPoint):
        assert dataclasses.is_dataclass(row) and row.__dataclass_params__.frozen
    types = {f.name: f.type for f in dataclasses.fields(market.ThreadRow)}
    assert types["my_turn"] is bool and types["live"] is bool
    assert {f.name: f.type for f in dataclasses.fields(payments.PaymentRow)}["can_refund"] is bool
    flags = {row: {f.name: f.type for f in dataclasses.fields(row)} for row in (dash.PriceRow, dash.AlertRow)}
    assert flags[dash.PriceRow]["flash"] is bool and flags[dash.AlertRow]["fresh"] is bool
    inbox_types = {f.name: f.type for f in dataclasses.fields(dash.InboxRow)}
    assert inbox_types["read"] is bool and inbox_types["critical"] is bool and inbox_types["id"] is int
    for path in Path(state_package.__file__).parent.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r'"(yes|1)" if .* else "(no|0|)"', text), path.name


# List vars whose items are not dataclass rows, each with why. Anything else a State lists must be a frozen
# dataclass (or a plain str/int/float/bool): a new `list[dict]` of rows fails below.
LIST_VAR_ALLOWLIST = {
    # [value, label] pairs for a select or segmented control: two strings, no flags.
    "SessionState.languages": "language picker choices",
    "DashboardState.issue_types": "crop-issue picker choices",
    "AdminMessagesState.organizations": "organisation picker choices",
    "AdminMessagesState.templates": "template picker choices",
    "AdminMessagesState.count_rows": "audience head counts: channel and number, shown as text",
    "SellState.members": "member picker choices",
    "AlertsAdminState.hour_options": "validity picker choices",
    "AdminPaymentsState.organizations": "organisation filter choices",
    "LiveAdminState.organizations": "organisation filter choices",
    "LiveAdminState.by_organization": "organisation and connection count, shown as text",
    # recharts wants its data as objects keyed by the series names.
    "MessageHistoryState.by_day": "chart data for the deliveries-per-day chart",
    "MyFarmState.income_chart": "chart data: income per month",
    "MyFarmState.price_chart": "chart data: realised price and mandi modal per sale day",
    "MyFarmState.funnel_chart": "chart data: listings, offers, orders, paid",
    "ReportsState.organizations": "organisation picker choices",
    "ReportsState.joined_chart": "chart data: members joined per month",
    "ReportsState.sales_chart": "chart data: sales value per month",
    "ReportsState.funnel_chart": "chart data: the order funnel",
    "ReportsState.price_chart": "chart data: realised price and mandi modal per crop",
    "ReportsState.reach_chart": "chart data: delivery and read rates per channel",
    "ReportsState.gmv_chart": "chart data: GMV per month",
    "MarketsState.crops": "crop picker choices",
    "MarketsState.trend_chart": "chart data: modal price per month and a year earlier",
    "MarketsState.volatility_chart": "chart data: coefficient of variation per month",
    "MarketsState.spread_chart": "chart data: our price and the mandi's per month",
    "CropCasesState.by_status": "chart data: crop cases per step",
}


def _list_vars():
    for cls in _states():
        typed = {n: v._var_type for n, v in (*cls.base_vars.items(), *cls.computed_vars.items())}
        for name, var_type in typed.items():
            if typing.get_origin(var_type) in (list, tuple):
                yield f"{cls.__name__}.{name}", var_type


def _is_row(item_type) -> bool:
    if item_type in (str, int, float, bool):
        return True
    return dataclasses.is_dataclass(item_type) and item_type.__dataclass_params__.frozen


def test_every_list_var_holds_frozen_dataclass_rows_or_is_allowlisted():
    found = dict(_list_vars())
    assert "DashboardState.prices" in found and "OrdersState.rows" in found  # the walk reaches the app's states
    untyped = sorted(
        f"{name}: {var_type}"
        for name, var_type in found.items()
        if name not in LIST_VAR_ALLOWLIST and not all(_is_row(arg) for arg in typing.get_args(var_type) or (None,))
    )
    assert not untyped, f"list vars whose items are not frozen dataclass rows: {untyped}"
    stale = sorted(set(LIST_VAR_ALLOWLIST) - set(found))
    assert not stale, f"allowlisted list vars that no longer exist: {stale}"


# ---------------------------------------------------------------- drafts and forms refuse what a page never sends


def _substate(cls):
    import kisaan_app.kisaan_app  # noqa: F401 - the app registers every state

    return State(_reflex_internal_init=True).get_substate(cls.get_full_name().split("."))


def test_a_draft_refuses_unknown_keys_and_oversized_values():
    from kisaan_app.state.admin_templates import AdminTemplatesState

    state = _substate(AdminTemplatesState)
    state.set_draft("body", "Hello {{ name }}")
    before = dict(state.draft)
    state.set_draft("is_admin", "yes")
    state.set_draft("body", "x" * 1_000_000)
    assert state.draft == before == {"body": "Hello {{ name }}"}


def _run(state, name: str, *args, **kwargs):
    return asyncio.run(type(state).event_handlers[name].fn(state, *args, **kwargs))


@pytest.fixture
def signed_in(monkeypatch):
    """Run handlers as `principal`: the real guard, with the cookie's token supplied."""
    from kisaan_app.state.session import SessionState

    def sign_in(token: str):
        monkeypatch.setattr(SessionState, "_token", lambda self: token)

    return sign_in


def test_a_form_with_an_unknown_key_or_a_huge_value_is_refused_before_any_work(db, signed_in, monkeypatch):
    from kisaan_app.state import guard, market, session
    from tests.factories import make_user, token_for

    signed_in(token_for(make_user("buyer")))
    state = _substate(market.ListingState)
    state.listing_id = 7
    calls = []
    real_off_loop = guard.off_loop

    async def watched(fn, *args, **kwargs):
        calls.append(fn.__name__)
        return await real_off_loop(fn, *args, **kwargs)

    for module in (guard, market, session):
        monkeypatch.setattr(module, "off_loop", watched)
    # The bid form shows its errors beside the field they name; a key the form does not have, above the form.
    for form, shown_at in (
        ({"quantity": "5", "price": "2000", "is_admin": "1"}, "form"),
        ({"quantity": "5\x00", "price": "2000"}, "quantity"),  # PostgreSQL refuses NUL: it never reaches a service
        ({"quantity": "5", "price": "9" * 1_000_000}, "price"),
    ):
        calls.clear()
        _run(state, "place_bid", form)
        assert list(state.bid_errors) == [shown_at] and state.bid_errors[shown_at]
        assert state.message == "" and state.threads == [] and state.listing_id == 7
        assert calls == ["_check_access"]  # authorised, then refused: no market work ran
    assert "too long" in state.bid_errors["price"]


def test_the_guard_enforces_roles_and_sends_strangers_to_login(db, signed_in):
    from kisaan_app.state import selling
    from tests.factories import make_user, token_for

    signed_in(token_for(make_user("buyer")))
    sell = _substate(selling.SellState)
    assert _run(sell, "load") == [] and sell.access == "forbidden" and sell.mine == []
    signed_in("not-a-session")
    events = _run(sell, "load")
    assert sell.access == "" and len(events) == 1  # the full page load to /login


def test_the_listing_page_shows_whose_turn_it_is_as_the_service_decides(db, signed_in):
    from kisaan_app.db import session_scope
    from kisaan_app.services import accounts
    from kisaan_app.services.market import bids, listings
    from kisaan_app.state import market
    from tests.factories import make_user, token_for

    farmer, buyer = make_user("farmer", district="Nashik", name="Ramesh"), make_user("buyer", name="Imran")
    farmer_token, buyer_token = token_for(farmer), token_for(buyer)
    with session_scope() as session:
        seller = accounts.principal_for_token(session, farmer_token)
        data = listings.ListingInput(
            crop="Onion", quantity=50, unit="quintal", price_paise=200_000, district="Nashik", state="Maharashtra"
        )
        listing_id = listings.create_listing(session, seller, None, data).id

    signed_in(buyer_token)
    as_buyer = _substate(market.ListingState)
    as_buyer.listing_id = listing_id
    _run(as_buyer, "place_bid", {"quantity": "10", "price": "1,950.50", "message": "Can collect Monday"})
    assert as_buyer.error == "" and as_buyer.message
    [thread] = as_buyer.threads
    assert thread.status == "open" and thread.live and not thread.my_turn  # waiting on the seller
    assert thread.price == "₹1,950.50" and [o.by_buyer for o in thread.offers] == [True]

    signed_in(farmer_token)
    as_seller = _substate(market.ListingState)
    as_seller.listing_id = listing_id
    asyncio.run(_reload_as(as_seller, farmer_token))
    assert as_seller.is_seller and as_seller.threads[0].my_turn and as_seller.threads[0].buyer == "Imran"
    _run(as_seller, "counter", {"bid_id": thread.id, "price": "2,000", "quantity": "", "message": ""})
    assert as_seller.error == "" and not as_seller.threads[0].my_turn  # now the buyer's move
    assert [o.by_buyer for o in as_seller.threads[0].offers] == [True, False]

    signed_in(buyer_token)
    asyncio.run(_reload_as(as_buyer, buyer_token))
    assert as_buyer.threads[0].my_turn and as_buyer.threads[0].status == "countered"
    _run(as_buyer, "accept", "not-a-number")
    assert as_buyer.error  # a bad id is a clear error, not a crash
    with session_scope() as session:
        assert len(bids.bids_for_listing(session, seller, listings.visible(session, seller, listing_id))) == 1


async def _reload_as(state, token: str):
    principal, denied = await state._authorize()
    assert denied is None
    await state._reload(principal)


def test_a_database_outage_tells_the_reader_to_try_again_instead_of_crashing_the_handler(db, signed_in, monkeypatch):
    """The database is unreachable when a handler runs (here: a server that refuses connections): the guard
    shows "nothing was changed, try again" in the reader's words instead of Reflex's generic crash toast."""
    import os

    from kisaan_app.db import reset_engine
    from kisaan_app.settings import get_settings
    from kisaan_app.state import market
    from tests.factories import make_user, token_for

    signed_in(token_for(make_user("buyer")))
    state = _substate(market.ListingState)
    state.listing_id = 7
    monkeypatch.setitem(os.environ, "DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:1/gone")
    get_settings.cache_clear()
    reset_engine()
    try:
        _run(state, "place_bid", {"quantity": "5", "price": "2000"})
    finally:
        monkeypatch.setitem(os.environ, "DATABASE_URL", db)
        get_settings.cache_clear()
        reset_engine()
    assert "Nothing was changed" in state.error and state.threads == []
