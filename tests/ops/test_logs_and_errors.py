"""JSON log lines (one event a line, trace ids, no secrets or full phone numbers) and error reports to a local
Sentry-protocol receiver."""

import gzip
import io
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from kisaan_app.observability import errors, logs, tracing


def _capture(fmt: str = "json") -> tuple[io.StringIO, logging.Handler]:
    stream = io.StringIO()
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    handler = logs.configure(fmt, "INFO", stream=stream)
    return stream, handler, before


def _restore(before) -> None:
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    for h in before[0]:
        root.addHandler(h)
    root.setLevel(before[1])


def test_a_json_line_per_event_with_trace_ids_and_nothing_secret():
    exporter = InMemorySpanExporter()
    tracing.enable(exporter, batch=False)
    stream, _handler, before = _capture()
    try:
        log = logging.getLogger("kisaan_app.test")
        with tracing.span("job deliver_batch") as span:
            log.info(
                "sms to +91 98220 00001 failed, retry; token=abc123secret password: hunter2",
                extra={"recipient": "9822000001", "attempt": 2},
            )
        try:
            raise RuntimeError("Authorization: Bearer eyJhbGciOi.secret for 09876543210")
        except RuntimeError:
            log.exception("send crashed")
    finally:
        _restore(before)
        tracing.disable()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    ctx = span.get_span_context()
    assert first["trace_id"] == format(ctx.trace_id, "032x") and first["span_id"] == format(ctx.span_id, "016x")
    assert first["level"] == "info" and first["logger"] == "kisaan_app.test" and first["attempt"] == 2
    assert "+*********001" in first["event"] and "98220" not in first["event"]
    assert "abc123secret" not in first["event"] and "hunter2" not in first["event"]
    assert first["recipient"] == "*******001"
    assert "trace_id" not in second  # outside any span
    assert "eyJhbGciOi" not in lines[1] and "9876543210" not in lines[1] and "RuntimeError" in second["exception"]


def test_text_logs_are_masked_too():
    stream, _handler, before = _capture("text")
    try:
        logging.getLogger("kisaan_app.test").warning("OTP for 9822000001 is code=482913")
    finally:
        _restore(before)
    text = stream.getvalue()
    assert "9822000001" not in text and "482913" not in text and "*******001" in text


class _Receiver(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        if self.headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        _Receiver.received.append(body)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *_args):
        pass


def test_an_unhandled_error_reaches_a_sentry_protocol_server_without_personal_data():
    import sentry_sdk

    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Receiver.received.clear()
    try:
        errors.enable(f"http://publickey@127.0.0.1:{server.server_port}/1", environment="test", process="worker")
        try:
            raise ValueError("payment for +919822000001 failed with key_secret=rzp_live_abc")
        except ValueError as exc:
            sentry_sdk.capture_exception(exc)
        sentry_sdk.flush(timeout=5)
    finally:
        sentry_sdk.init(dsn=None)  # off again for the rest of the run
        server.shutdown()
    body = b"".join(_Receiver.received).decode()
    assert "ValueError" in body and "payment for" in body
    assert "9822000001" not in body and "rzp_live_abc" not in body
