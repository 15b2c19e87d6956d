"""Helpers for payment tests: orders to pay, the sandbox checkout driven like a browser, waiting for webhooks."""

import itertools
import re
import time
from html import unescape

import httpx
from sqlmodel import select

from kisaan_app.db import session_scope
from kisaan_app.models.market import Listing, MarketOrder
from kisaan_app.models.payments import Payment

_numbers = itertools.count(1)
_FIELD = re.compile(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', re.I)


def make_order(buyer_id: int, farmer_id: int, amount_paise: int = 250_000, org_id: int | None = None) -> int:
    """An unpaid order for 10 of a listing's 50 quintals. It belongs to the SELLER's FPO (the farmer's), as
    orders made from bids do; `org_id` overrides that."""
    from kisaan_app.models.accounts import User

    with session_scope() as session:
        if org_id is None:
            org_id = session.get(User, farmer_id).organization_id
        listing = Listing(
            farmer_id=farmer_id,
            organization_id=org_id,
            crop="Onion",
            quantity=50,
            quantity_remaining=40,
            unit="quintal",
            asking_price_paise=25_000,
            district="Nashik",
            state="Maharashtra",
        )
        session.add(listing)
        session.flush()
        order = MarketOrder(
            order_number=f"T-{next(_numbers):05d}-{buyer_id}",
            listing_id=listing.id,
            buyer_id=buyer_id,
            farmer_id=farmer_id,
            organization_id=org_id,
            quantity=10,
            price_paise=amount_paise // 10,
            amount_paise=amount_paise,
        )
        session.add(order)
        session.flush()
        return order.id


def form_fields(html: str) -> dict[str, str]:
    return {name: unescape(value) for name, value in _FIELD.findall(html)}


def complete_checkout(sandbox_url: str, order_id: str, callback_url: str, outcome: str = "success") -> dict[str, str]:
    """What a payer does on the sandbox checkout page; returns the fields it would POST to our callback."""
    page = httpx.get(f"{sandbox_url}/sandbox/checkout/{order_id}", params={"callback_url": callback_url}, timeout=10)
    assert page.status_code == 200 and "TEST MODE" in page.text
    done = httpx.post(
        f"{sandbox_url}/sandbox/checkout/{order_id}/complete",
        data={"outcome": outcome, "method": "upi", "callback_url": callback_url},
        timeout=10,
    )
    assert done.status_code == 200, done.text
    return form_fields(done.text)


def payment(receipt: str | None = None, **where) -> Payment:
    with session_scope() as session:
        query = select(Payment).filter_by(receipt=receipt) if receipt else select(Payment).filter_by(**where)
        row = session.exec(query).one()
        session.expunge(row)
        return row


def wait_for(check, timeout: float = 10.0, interval: float = 0.05):
    """Poll until check() is truthy (webhooks arrive from the sandbox's own thread); fail with the last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            assert value, f"condition not met within {timeout}s (last value {value!r})"
            return value
        time.sleep(interval)
