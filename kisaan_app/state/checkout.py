"""Opening Checkout from a page: the sandbox's test page without keys, Razorpay's checkout.js with them.

Both use Checkout's redirect mode: the result is POSTed to /api/payments/callback, which verifies the
signature and sends the payer to the payment's own page. No secret ever reaches the browser.
"""

import json

import reflex as rx

from kisaan_app.services.payments.checkout import CheckoutStart

CHECKOUT_JS = "https://checkout.razorpay.com/v1/checkout.js"


def open_checkout(start: CheckoutStart) -> rx.event.EventSpec:
    if start.checkout_url:
        return rx.call_script(f"window.location.assign({json.dumps(start.checkout_url)})")
    options = {
        "key": start.key_id,
        "order_id": start.razorpay_order_id,
        "amount": start.amount_paise,
        "currency": start.currency,
        "name": "Kisaansay",
        "description": start.description,
        "callback_url": start.callback_url,
        "redirect": True,
    }
    script = (
        "(function(o){function go(){new window.Razorpay(o).open();}"
        "if(window.Razorpay){go();return;}"
        f"var s=document.createElement('script');s.src={json.dumps(CHECKOUT_JS)};s.onload=go;"
        "document.head.appendChild(s);})"
        f"({json.dumps(options)})"
    )
    return rx.call_script(script)
