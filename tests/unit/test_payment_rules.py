"""Signature checks against vectors computed from Razorpay's documented algorithms, and the forward-only
payment state machine."""

import hashlib
import hmac

import pytest
import razorpay

from kisaan_app.providers.sandbox_keys import SANDBOX_RAZORPAY_KEY_SECRET, SANDBOX_RAZORPAY_WEBHOOK_SECRET
from kisaan_app.services.payments import gateway
from kisaan_app.services.payments.lifecycle import can_move

ORDER, PAYMENT = "order_IluGWxBm9U8zJ8", "pay_IH4NVgf4Dreq1l"
# HMAC-SHA256(key_secret, "order_id|payment_id"), written out here so a change to either side shows.
CHECKOUT_VECTOR = hmac.new(SANDBOX_RAZORPAY_KEY_SECRET.encode(), f"{ORDER}|{PAYMENT}".encode(), hashlib.sha256)


def test_checkout_signature_matches_the_documented_algorithm_and_the_sdk():
    signature = CHECKOUT_VECTOR.hexdigest()
    assert gateway.checkout_signature_valid(ORDER, PAYMENT, signature)
    sdk = razorpay.Client(auth=("rzp_test_x", SANDBOX_RAZORPAY_KEY_SECRET))
    assert sdk.utility.verify_payment_signature(
        {"razorpay_order_id": ORDER, "razorpay_payment_id": PAYMENT, "razorpay_signature": signature}
    )
    assert not gateway.checkout_signature_valid("order_other", PAYMENT, signature)  # bound to OUR order id
    assert not gateway.checkout_signature_valid(ORDER, PAYMENT, signature[:-1] + "0")
    assert not gateway.checkout_signature_valid(ORDER, PAYMENT, None)


def test_known_hmac_vector_from_the_rfc():
    # RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?"
    expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    assert gateway.hmac_hex("Jefe", "what do ya want for nothing?") == expected


def test_webhook_signature_is_over_the_raw_bytes():
    raw = b'{"event":"payment.captured","payload":{}}'
    signature = hmac.new(SANDBOX_RAZORPAY_WEBHOOK_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    assert gateway.webhook_signature_valid(raw, signature)
    sdk = razorpay.Client(auth=("k", "s"))
    assert sdk.utility.verify_webhook_signature(raw.decode(), signature, SANDBOX_RAZORPAY_WEBHOOK_SECRET)
    reserialised = b'{"event": "payment.captured", "payload": {}}'  # same JSON, other bytes
    assert not gateway.webhook_signature_valid(reserialised, signature)
    assert not gateway.webhook_signature_valid(raw, hmac.new(b"wrong-secret", raw, hashlib.sha256).hexdigest())


def test_payment_link_signature_follows_the_sdk():
    fields = ("plink_Ab12", "rcpt_0001", "paid", "pay_Zz99")
    signature = gateway.hmac_hex(SANDBOX_RAZORPAY_KEY_SECRET, "|".join(fields))
    assert gateway.link_signature_valid(*fields, signature)
    sdk = razorpay.Client(auth=("k", SANDBOX_RAZORPAY_KEY_SECRET))
    params = dict(
        zip(
            ("payment_link_id", "payment_link_reference_id", "payment_link_status", "razorpay_payment_id"),
            fields,
            strict=True,
        ),
        razorpay_signature=signature,
    )
    assert sdk.utility.verify_payment_link_signature(params)
    assert not gateway.link_signature_valid("plink_Ab12", "rcpt_0001", "paid", "pay_other", signature)


@pytest.mark.parametrize(
    ("current", "new", "allowed"),
    [
        ("created", "attempted", True),
        ("created", "captured", True),
        ("attempted", "failed", True),
        ("failed", "captured", True),  # a second attempt on the same order succeeded
        ("authorized", "failed", False),  # a late failure of another attempt never undoes a success
        ("captured", "failed", False),
        ("captured", "authorized", False),  # out-of-order delivery
        ("captured", "captured", False),
        ("captured", "partially_refunded", True),
        ("refunded", "captured", False),
        ("partially_refunded", "refunded", True),
    ],
)
def test_states_move_only_forward(current, new, allowed):
    assert can_move(current, new) is allowed
