"""Every guarded Reflex event is a span (with its SQL beneath it) and a latency figure by outcome."""

import contextvars

from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import REGISTRY

from kisaan_app.observability import tracing
from kisaan_app.state.guard import guarded, off_loop
from tests.asyncio_thread import run_async


class FarmPage:
    """Stands in for a State: the guard only needs the vars it clears."""

    error = ""
    crop = ""

    @guarded(public=True)
    async def load(self, principal, crop: str) -> None:
        await off_loop(lambda: None)  # the thread keeps the event's trace (asyncio.to_thread copies the context)
        self.crop = crop

    @guarded(public=True)
    async def crash(self, principal) -> None:
        raise RuntimeError("boom")


def _count(handler: str, outcome: str) -> float:
    return (
        REGISTRY.get_sample_value(
            "kisaan_reflex_event_duration_seconds_count", {"handler": handler, "outcome": outcome}
        )
        or 0.0
    )


def test_a_guarded_event_is_a_span_and_a_latency_figure():
    exporter = InMemorySpanExporter()
    tracing.enable(exporter, batch=False)
    ok_before, error_before = _count("FarmPage.load", "ok"), _count("FarmPage.crash", "error")
    try:
        page = FarmPage()
        run_async(FarmPage.load(page, "Onion"), context=contextvars.copy_context())
        try:
            run_async(FarmPage.crash(page), context=contextvars.copy_context())
        except RuntimeError:
            pass
    finally:
        tracing.disable()
    assert page.crop == "Onion"
    names = {s.name: s for s in exporter.get_finished_spans()}
    assert names["event FarmPage.load"].attributes["kisaan.event"] == "FarmPage.load"
    assert not names["event FarmPage.crash"].status.is_ok
    assert _count("FarmPage.load", "ok") == ok_before + 1
    assert _count("FarmPage.crash", "error") == error_before + 1
