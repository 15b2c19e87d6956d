"""One payment traced from the buyer's request to Razorpay's webhook and the jobs it queued, with the in-memory
exporter, on SQLite and PostgreSQL: the spans are what an operator would see in Jaeger or Tempo."""

import os

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from kisaan_app.jobs import huey
from kisaan_app.models.notifications import NotificationHistory
from kisaan_app.models.payments import WebhookEvent
from kisaan_app.observability import tracing
from tests.api.test_payments_api import api, count, start_order_payment
from tests.factories import bearer, make_org, make_user, token_for
from tests.payments_support import complete_checkout, make_order, payment, wait_for


@pytest.fixture
def traced_api(payments):
    """Tracing on (in memory), and an API built and served after it, so its routes and engine are traced; the
    Razorpay stand-in sends its webhooks there."""
    from kisaan_app.api import create_api
    from sandbox.server import ServedApp, free_port
    from tests.conftest import _use_database

    exporter = InMemorySpanExporter()
    before = (payments.config.app_url, os.environ["KISAAN_PUBLIC_URL"])
    huey.flush()  # the queue holds only what this payment queues
    tracing.enable(exporter, batch=False)
    try:
        with ServedApp(create_api(), free_port()) as served:
            payments.config.app_url = os.environ["KISAAN_PUBLIC_URL"] = served.url
            _use_database(os.environ["DATABASE_URL"])  # settings re-read, and a fresh engine: traced
            yield served.url, exporter
    finally:
        payments.config.app_url, os.environ["KISAAN_PUBLIC_URL"] = before
        tracing.disable()
        _use_database(os.environ["DATABASE_URL"])  # an engine without tracing hooks for the next tests
        huey.flush()


def _run_queued_jobs() -> list[str]:
    """What the worker would do: take each queued task and run it (in this process, so its spans are ours)."""
    ran = []
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        ran.append(task.name)
    return ran


def test_one_payment_is_traced_from_the_request_to_the_webhook_and_its_jobs(traced_api):
    live, exporter = traced_api
    org, buyer_org = make_org("Nashik Farmers FPO"), make_org("Imran Traders Co-op")
    buyer = make_user("buyer", org_id=buyer_org)
    farmer = make_user("farmer", org_id=org, district="Nashik")
    order_id = make_order(buyer.id, farmer.id, 250_000, org)

    start = start_order_payment(live, token_for(buyer), order_id)
    fields = complete_checkout(
        os.environ["KISAAN_SANDBOX_PUBLIC_URL"], start["razorpay_order_id"], start["callback_url"]
    )
    assert api(live).post("/api/payments/callback", data=fields).status_code == 303
    wait_for(lambda: count(WebhookEvent, WebhookEvent.event_type == "order.paid") == 1)
    wait_for(lambda: payment(start["receipt"]).status == "captured")
    # The FPO admin tells the farmer by SMS: a request that queues a job, which calls Twilio's stand-in.
    fpo_admin = make_user("org_admin", org_id=org)
    sent = api(live).post(
        "/api/notifications/sms/send",
        json={"user_ids": [farmer.id], "category": "payments", "text": "Imran Traders paid for your onions"},
        headers=bearer(token_for(fpo_admin)),
    )
    assert sent.status_code == 201, sent.text
    ran = _run_queued_jobs()
    # The capture queued the farmer's payout (a Route transfer on hold) and the batches telling payer and farmer
    # (services/notifications/events.py); the send queued its SMS batch.
    assert ran.count("sync_payout") == 1 and ran.count("deliver_batch") >= 2, ran
    # Twilio's status callbacks come back to this API; wait for the last, so none lands after it has stopped.
    sms = NotificationHistory.channel == "sms"
    # (The capture also told payer and farmer, by SMS where their preferences say so: every SMS row is waited for.)
    delivered = NotificationHistory.status == "delivered"
    wait_for(lambda: count(NotificationHistory, sms) == count(NotificationHistory, sms, delivered) >= 1)

    spans = exporter.get_finished_spans()
    by_trace: dict[int, list] = {}
    for span in spans:
        by_trace.setdefault(span.context.trace_id, []).append(span)

    def server_span(route: str):
        found = [s for s in spans if s.kind == SpanKind.SERVER and s.attributes.get("http.route") == route]
        assert found, f"no server span for {route}: {sorted({s.name for s in spans})}"
        return found[0]

    # The buyer's request: its route span, the SQL it ran and the Razorpay SDK's call to create the order, all
    # in one trace, the provider call a child of the request.
    create = server_span("/api/payments/create")
    in_create = by_trace[create.context.trace_id]
    assert any(s.attributes.get("db.system") in ("sqlite", "postgresql") for s in in_create)
    razorpay = [s for s in in_create if s.kind == SpanKind.CLIENT and "/v1/orders" in _url(s)]
    assert razorpay, [(s.name, dict(s.attributes)) for s in in_create if s.kind == SpanKind.CLIENT]
    assert razorpay[0].parent is not None

    # Razorpay's webhook: its own trace (a provider does not carry ours), with the SQL that settled the payment.
    webhook = [
        s for s in spans if s.kind == SpanKind.SERVER and s.attributes.get("http.route") == "/api/payments/webhook"
    ]
    assert webhook
    webhook_traces = {s.context.trace_id for s in webhook}
    assert any(
        "UPDATE" in str(s.attributes.get("db.statement", "")) or s.name.startswith("UPDATE")
        for t in webhook_traces
        for s in by_trace[t]
    )

    # The job the SMS request queued runs in that request's trace, a child of it, with the job's own SQL and its
    # call to Twilio beneath the job's span.
    send = server_span("/api/notifications/sms/send")
    (job,) = [s for s in spans if s.name == "job deliver_batch" and s.context.trace_id == send.context.trace_id]
    assert job.parent is not None
    assert job.kind == SpanKind.CONSUMER
    under_job = [
        s for s in by_trace[job.context.trace_id] if s.parent is not None and s.parent.span_id == job.context.span_id
    ]
    assert any(s.attributes.get("db.system") for s in under_job)
    twilio = [s for s in by_trace[job.context.trace_id] if s.kind == SpanKind.CLIENT and "Messages.json" in _url(s)]
    assert twilio, [(s.name, _url(s)) for s in by_trace[job.context.trace_id]]


def _url(span) -> str:
    return str(span.attributes.get("url.full") or span.attributes.get("http.url") or "")
