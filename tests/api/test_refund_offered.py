"""`can_refund` on a payment (what the pages' Refund button follows) says what `refunds.refund` would allow: a
platform admin, or the SELLER's FPO admin before dispatch; never the buyer, never the buyer's FPO admin; plan
payments platform admins only."""

from tests.api import test_money_integrity as money
from tests.api.test_money_integrity import client, paid_order
from tests.factories import bearer, make_user, token_for
from tests.payments_support import complete_checkout, wait_for

sale = money.sale  # the cross-FPO sale fixture: seller's FPO, buyer in another FPO, an admin token for each


def _history(live: str, token: str) -> dict[str, bool]:
    answer = client(live).get("/api/payments/history", headers=bearer(token))
    assert answer.status_code == 200, answer.text
    return {p["receipt"]: p["can_refund"] for p in answer.json()["items"]}


def _status(live: str, token: str, razorpay_order_id: str) -> bool:
    answer = client(live).get(f"/api/payment/status/{razorpay_order_id}", headers=bearer(token))
    assert answer.status_code == 200, answer.text
    return answer.json()["can_refund"]


def test_can_refund_follows_the_sale_and_the_dispatch_rule(payments, sale, live_api_url):
    order_id, start = paid_order(payments, sale, live_api_url)
    receipt, rzp = start["receipt"], start["razorpay_order_id"]
    assert _history(live_api_url, sale["admin_token"])[receipt] is True
    assert _history(live_api_url, sale["seller_fpo_token"])[receipt] is True
    assert _status(live_api_url, sale["seller_fpo_token"], rzp) is True
    assert _history(live_api_url, sale["buyer_token"])[receipt] is False
    assert _status(live_api_url, sale["buyer_token"], rzp) is False
    assert receipt not in _history(live_api_url, sale["buyer_fpo_token"])  # not in the buyer's FPO's books
    hidden = client(live_api_url).get(f"/api/payment/status/{rzp}", headers=bearer(sale["buyer_fpo_token"]))
    assert hidden.status_code == 404

    seller = bearer(token_for(sale["farmer"]))
    shipped = client(live_api_url).post(
        f"/api/market/orders/{order_id}/status", json={"status": "dispatched"}, headers=seller
    )
    assert shipped.status_code == 200, shipped.text
    assert _history(live_api_url, sale["seller_fpo_token"])[receipt] is False  # after dispatch: admins only
    assert _history(live_api_url, sale["admin_token"])[receipt] is True


def test_can_refund_a_plan_payment_is_for_platform_admins_only(payments, sale, live_api_url):
    farmer = make_user("farmer", org_id=sale["seller_org"], name="Savita Jadhav")
    body = {"purpose": "subscription", "plan": "monthly"}
    start = client(live_api_url).post("/api/payments/create", json=body, headers=bearer(token_for(farmer))).json()
    fields = complete_checkout(payments.config.url, start["razorpay_order_id"], start["callback_url"])
    client(live_api_url).post("/api/payments/callback", data=fields)
    wait_for(lambda: _status(live_api_url, sale["admin_token"], start["razorpay_order_id"]))
    assert _history(live_api_url, sale["seller_fpo_token"])[start["receipt"]] is False  # listed, not refundable
    assert _history(live_api_url, sale["admin_token"])[start["receipt"]] is True
