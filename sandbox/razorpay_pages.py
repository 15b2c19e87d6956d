"""The sandbox's stand-in for Razorpay Checkout and the payment-link page: small HTML pages, one shared layout.

Every page says it is test mode, in words, at the top: nobody should ever think money moved. Pages are sized
for a 360 px phone, the app's main audience. All dynamic text is escaped.
"""

from __future__ import annotations

from html import escape

from fastapi.responses import HTMLResponse

from sandbox.razorpay_core import METHODS

TEST_MODE_BANNER = "TEST MODE — Kisaansay payment sandbox, no real money moves"
METHOD_LABELS = {"upi": "UPI", "card": "Card", "netbanking": "Netbanking"}

_STYLE = """
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",sans-serif;background:#f4f5f7;color:#1f2933}
main{max-width:360px;margin:0 auto;padding:12px}
.banner{background:#fff3c4;border:2px dashed #b7791f;color:#7c4a03;font-weight:700;padding:10px;border-radius:8px;
text-align:center;font-size:14px}
.card{background:#fff;border-radius:10px;padding:16px;margin-top:12px;box-shadow:0 1px 3px rgba(0,0,0,.12)}
.amount{font-size:30px;font-weight:700;margin:4px 0}
.muted{color:#52606d;font-size:14px}
fieldset{border:1px solid #d9e2ec;border-radius:8px;margin:12px 0;padding:8px 12px}
label{display:block;padding:8px 0;font-size:16px}
button,.button{display:block;width:100%;box-sizing:border-box;padding:14px;margin-top:10px;border:0;border-radius:8px;
font-size:17px;font-weight:600;text-align:center;text-decoration:none;cursor:pointer}
.ok{background:#0b7a3e;color:#fff}.fail{background:#fff;color:#b42318;border:2px solid #b42318}
.neutral{background:#3949ab;color:#fff}
dl{word-break:break-all;font-size:13px}dt{font-weight:600;margin-top:6px}
"""


def rupees(paise: int) -> str:
    """₹ from paise, as Checkout shows it (₹1,250.00)."""
    return f"₹{paise / 100:,.2f}"


def layout(title: str, content: str, status: int = 200) -> HTMLResponse:
    """The one page frame: viewport for phones, the test-mode banner, then `content` (already-escaped HTML)."""
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f'<meta name="robots" content="noindex"><title>{escape(title)} · Sandbox</title><style>{_STYLE}</style>'
        f'</head><body><main><div class="banner" role="note">{escape(TEST_MODE_BANNER)}</div>{content}</main>'
        "</body></html>"
    )
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def _hidden(fields: dict[str, str]) -> str:
    return "".join(
        f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">' for name, value in fields.items()
    )


def pay_page(action: str, amount: int, merchant: str, description: str, hidden: dict[str, str]) -> HTMLResponse:
    """Checkout's choice: a method, then succeed or fail on purpose (buttons #sandbox-pay-success / -failure)."""
    methods = "".join(
        f'<label><input type="radio" name="method" value="{m}"{" checked" if m == "upi" else ""}> '
        f"{METHOD_LABELS[m]}</label>"
        for m in METHODS
    )
    content = (
        f'<section class="card"><div class="muted">Pay {escape(merchant)}</div>'
        f'<div class="amount">{escape(rupees(amount))}</div><div>{escape(description)}</div>'
        f'<form method="post" action="{escape(action)}">{_hidden(hidden)}'
        f"<fieldset><legend>Payment method</legend>{methods}</fieldset>"
        '<button type="submit" id="sandbox-pay-success" class="ok" name="outcome" value="success">'
        "Simulate successful payment</button>"
        '<button type="submit" id="sandbox-pay-failure" class="fail" name="outcome" value="failure">'
        "Simulate failed payment</button></form></section>"
    )
    return layout(f"Pay {merchant}", content)


def message_page(
    title: str,
    message: str,
    status: int = 200,
    *,
    fields: dict[str, str] | None = None,
    link: tuple[str, str] | None = None,
) -> HTMLResponse:
    """A plain outcome or refusal; `fields` are shown as a list, `link` is (href, label) for a next step."""
    listing = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in (fields or {}).items())
    action = f'<a class="button neutral" href="{escape(link[0])}">{escape(link[1])}</a>' if link else ""
    content = (
        f'<section class="card"><h1>{escape(title)}</h1><p>{escape(message)}</p>'
        f"{f'<dl>{listing}</dl>' if listing else ''}{action}</section>"
    )
    return layout(title, content, status)


def post_back_page(title: str, callback_url: str, fields: dict[str, str]) -> HTMLResponse:
    """Checkout's redirect: POST `fields` to the merchant's callback_url, by script or by the Continue button."""
    content = (
        f'<section class="card"><h1>{escape(title)}</h1><p class="muted">Returning to the merchant…</p>'
        f'<form id="sandbox-callback" method="post" action="{escape(callback_url)}">{_hidden(fields)}'
        '<button type="submit" id="sandbox-continue" class="neutral">Continue</button></form></section>'
        '<script>document.getElementById("sandbox-callback").submit();</script>'
    )
    return layout(title, content)
