"""The other caller-supplied idempotency key in the API, X-Refund-Idempotency, is namespaced by caller too: two
people who pick the same key get a refund each; the same person's retry gets the same refund."""

import uuid

import tests.api.test_payments_api as payments_api
from kisaan_app.models.payments import Refund
from tests.factories import bearer, make_user, token_for

people = payments_api.people  # a buyer, a seller in an FPO, and their order (the Razorpay stand-in runs)


def test_two_refunders_with_the_same_key_each_get_their_own_refund(payments, people, live_api_url):
    start = payments_api._paid(payments, people, live_api_url)
    client = payments_api.api(live_api_url)
    admin = token_for(make_user("admin"))
    sellers_fpo = token_for(make_user("org_admin", org_id=people["org"]))
    key = f"same-key-{uuid.uuid4().hex[:8]}"

    def refund(token: str):
        body = {"receipt": start["receipt"], "amount_paise": 50_000, "reason": "Quality complaint"}
        return client.post("/api/payments/refund", json=body, headers={**bearer(token), "X-Refund-Idempotency": key})

    first, second = refund(admin), refund(sellers_fpo)
    assert first.status_code == second.status_code == 201, (first.text, second.text)
    assert first.json()["razorpay_refund_id"] != second.json()["razorpay_refund_id"]
    retry = refund(admin)
    assert retry.status_code == 201 and retry.json()["razorpay_refund_id"] == first.json()["razorpay_refund_id"]
    assert payments_api.count(Refund) == 2
