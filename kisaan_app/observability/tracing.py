"""OpenTelemetry traces: HTTP routes, SQL, Redis, outbound provider calls (httpx, requests), Reflex events and jobs.

Off unless enabled: without KISAAN_OTLP_ENDPOINT nothing is instrumented and `span()` hands out OpenTelemetry's
no-op spans, so an untraced process pays nothing. `enable(exporter)` turns everything on (tests pass an
in-memory exporter). Engines and API apps made after that are instrumented as they are made (db.make_engine,
api.create_api).

A job carries the trace of the request that queued it: jobs.py puts the W3C `traceparent` into the task's
kwargs when it is enqueued (`carrier()`), and the worker opens the job's span under it (`job_span`).
"""

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from opentelemetry import context, propagate, trace
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, ParentBased, Sampler, SamplingResult
from opentelemetry.trace import Span, Status, StatusCode

log = logging.getLogger(__name__)
TRACER_NAME = "kisaansay"
_provider: Any = None  # the SDK TracerProvider once enabled; None while tracing is off


def enabled() -> bool:
    return _provider is not None


def otlp_exporter(endpoint: str):
    """OTLP over HTTP/protobuf to a collector (Jaeger, Tempo, the OpenTelemetry Collector): `endpoint` is its
    base URL, e.g. http://otel-collector:4318."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter(endpoint=endpoint.rstrip("/") + "/v1/traces", timeout=5)


def enable(exporter, service: str = "kisaansay", batch: bool = True, set_global: bool = False) -> None:
    """Send spans to `exporter` and instrument the libraries that talk to other systems. A second call adds its
    exporter to the same provider. `set_global`: also OpenTelemetry's global provider (a process's setup)."""
    global _provider
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    first = _provider is None
    if first:
        _provider = TracerProvider(resource=Resource.create({"service.name": service}), sampler=_Switch())
        if set_global:
            trace.set_tracer_provider(_provider)
    _provider.add_span_processor(BatchSpanProcessor(exporter) if batch else SimpleSpanProcessor(exporter))
    if first:
        for instrumentor in _library_instrumentors():
            if not instrumentor.is_instrumented_by_opentelemetry:
                instrumentor.instrument(tracer_provider=_provider)


def disable() -> None:
    """Stop tracing (tests): the libraries are uninstrumented and the provider flushed and shut down. Engines and
    apps instrumented while it was on keep their hooks: make new ones."""
    global _provider
    if _provider is None:
        return
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    for instrumentor in [*_library_instrumentors(), SQLAlchemyInstrumentor()]:
        if instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.uninstrument()
    # An HTTP client made while tracing was on keeps its instrumented transport (the provider stand-ins' own
    # clients live for the whole run): its spans are switched off here, so they cost nothing and go nowhere.
    _provider.sampler.on = False  # our _Switch
    _provider.force_flush()
    _provider = None


class _Switch(Sampler):
    """The SDK's default sampler (parent-based, always on) until switched off; then nothing is recorded."""

    on = True
    _default = ParentBased(ALWAYS_ON)

    def should_sample(self, *args: Any, **kwargs: Any) -> SamplingResult:
        return (self._default if self.on else ALWAYS_OFF).should_sample(*args, **kwargs)

    def get_description(self) -> str:
        return f"KisaansaySwitch({'on' if self.on else 'off'})"


def _library_instrumentors() -> list:
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor
    from opentelemetry.instrumentation.requests import RequestsInstrumentor

    # requests: the Razorpay SDK; httpx: the price feeds, BHASHINI, Twilio's async client; Redis: bus and queue.
    return [RequestsInstrumentor(), HTTPXClientInstrumentor(), RedisInstrumentor()]


def instrument_engine(engine) -> None:
    """SQL spans for one engine. The instrumentor's version check refuses SQLAlchemy 2.1, which it handles fine
    (skip_dep_check). Being a singleton it instruments one engine per `instrument()`; an engine made later (tests
    switch databases) gets its own EngineTracer on the same provider."""
    if _provider is None:
        return
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
    from opentelemetry.metrics import NoOpMeter

    instrumentor = SQLAlchemyInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument(engine=engine, tracer_provider=_provider, skip_dep_check=True)
        return
    unused = NoOpMeter("kisaansay").create_up_down_counter("db.client.connections.usage")  # pool figures: /metrics
    EngineTracer(_provider.get_tracer("opentelemetry.instrumentation.sqlalchemy"), engine, unused)


def instrument_api(app) -> None:
    """A server span per HTTP request, named by its route template (never the raw path: ids stay out)."""
    if _provider is None:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(app, tracer_provider=_provider, exclude_spans=["receive", "send"])


def tracer():
    return _provider.get_tracer(TRACER_NAME) if _provider is not None else trace.NoOpTracer()


@contextmanager
def span(name: str, **attributes: Any) -> Iterator[Span]:
    """A span of our own (a Reflex event, a job); a no-op while tracing is off. An exception marks it an error."""
    with tracer().start_as_current_span(name, attributes=attributes) as current:
        yield current


def ids() -> tuple[str, str] | None:
    """(trace id, span id) in hex of the current span, for log lines; None outside a recorded span."""
    ctx = trace.get_current_span().get_span_context()
    if not ctx.is_valid:
        return None
    return format(ctx.trace_id, "032x"), format(ctx.span_id, "016x")


# --- jobs ---------------------------------------------------------------------------------------------------

CARRIER_KEY = "_kisaan_trace"  # the kwarg a queued task carries; the worker takes it off before the task runs


def carrier() -> dict[str, str]:
    """The current trace as W3C headers plus the enqueue time (for the job-age figure)."""
    headers: dict[str, str] = {}
    propagate.inject(headers)
    headers["enqueued_at"] = repr(time.time())
    return headers


@contextmanager
def job_span(name: str, headers: dict[str, str] | None) -> Iterator[Span]:
    """The span of one job run, a child of the request that queued it when `headers` carry its trace."""
    parent = propagate.extract(headers or {})
    token = context.attach(parent)
    try:
        with tracer().start_as_current_span(f"job {name}", kind=trace.SpanKind.CONSUMER) as current:
            current.set_attribute("kisaan.job", name)
            try:
                yield current
            except Exception as exc:
                current.set_status(Status(StatusCode.ERROR, type(exc).__name__))
                raise
    finally:
        context.detach(token)
