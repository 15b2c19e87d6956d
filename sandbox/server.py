"""The stand-in server: one FastAPI app holding every provider stand-in, plus the outbox as JSON.

`SandboxServer(config).start()` runs it (uvicorn) in a background thread on 127.0.0.1 — the test fixtures
and `python -m sandbox` both use it. Its test credentials are the app's (kisaan_app/providers/sandbox_keys.py).
"""

import logging
import socket
import threading
import time
from dataclasses import dataclass, field

import uvicorn
from fastapi import FastAPI

from kisaan_app.providers.sandbox_keys import (
    SANDBOX_RAZORPAY_KEY_ID,
    SANDBOX_RAZORPAY_KEY_SECRET,
    SANDBOX_RAZORPAY_WEBHOOK_SECRET,
    SANDBOX_TWILIO_ACCOUNT_SID,
    SANDBOX_TWILIO_AUTH_TOKEN,
)
from sandbox.outbox import Outbox

log = logging.getLogger(__name__)


@dataclass
class SandboxConfig:
    port: int = 8790
    host: str = "127.0.0.1"
    # Where the app listens: the stand-ins send webhooks/callbacks here (e.g. {app_url}/api/payments/webhook).
    app_url: str = "http://localhost:3000"
    razorpay_key_id: str = SANDBOX_RAZORPAY_KEY_ID
    razorpay_key_secret: str = SANDBOX_RAZORPAY_KEY_SECRET
    razorpay_webhook_secret: str = SANDBOX_RAZORPAY_WEBHOOK_SECRET
    razorpay_webhook_path: str = "/api/payments/webhook"
    twilio_account_sid: str = SANDBOX_TWILIO_ACCOUNT_SID
    twilio_auth_token: str = SANDBOX_TWILIO_AUTH_TOKEN
    smtp_port: int = 8825
    send_webhooks: bool = True  # tests that drive webhooks by hand switch automatic delivery off
    # Seconds to hold a Razorpay REST call before answering, by its outbox kind ("refund.created",
    # "qr_code.created", ...): a slow provider, for tests that the app holds no lock while it waits.
    razorpay_delays: dict[str, float] = field(default_factory=dict)
    # A flaky provider, by stand-in ("twilio", "smtp", "webpush") → "error" | "hang" | "mixed" (sandbox/faults.py);
    # "bhashini": "error" fails every compute call (sandbox/bhashini_standin.py).
    provider_faults: dict[str, str] = field(default_factory=dict)
    fault_hang_seconds: float = 30.0  # how long a "hang" holds its answer: longer than the client waits
    _fault_plans: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def fault_plan(self, provider: str):
        """The stand-in's FaultPlan (one per stand-in and config, made on first use)."""
        from sandbox.faults import FaultPlan

        if provider not in self._fault_plans:
            self._fault_plans[provider] = FaultPlan(self.provider_faults.get(provider, "off"))
        return self._fault_plans[provider]

    @property
    def url(self) -> str:
        """The stand-in's base URL, as SDKs and browsers reach it."""
        return f"http://{self.host}:{self.port}"


def build_app(config: SandboxConfig, outbox: Outbox | None = None) -> FastAPI:
    from sandbox import bhashini_standin, razorpay_standin, twilio_standin, webpush_standin

    outbox = outbox or Outbox()
    app = FastAPI(title="Kisaansay provider sandbox", docs_url="/docs", redoc_url=None)
    app.state.config = config
    app.state.outbox = outbox
    for standin in (razorpay_standin, twilio_standin, webpush_standin, bhashini_standin):
        app.include_router(standin.make_router(config, outbox))
    app.include_router(twilio_standin.make_inbound_router(config, outbox))

    @app.get("/outbox")
    def list_outbox(provider: str | None = None, kind: str | None = None, limit: int = 200) -> list[dict]:
        return [r.as_dict() for r in outbox.list(provider, kind, min(limit, 1000))]

    @app.delete("/outbox", status_code=204)
    def clear_outbox() -> None:
        outbox.clear()

    @app.get("/health")
    def health() -> dict:
        return {"ok": True}

    return app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServedApp:
    """An ASGI app under uvicorn in a daemon thread on 127.0.0.1 (the sandbox, test receivers, test APIs)."""

    def __init__(self, app, port: int, host: str = "127.0.0.1") -> None:
        self.url = f"http://{host}:{port}"
        self._server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
        self._thread = threading.Thread(target=self._server.run, name=f"served:{port}", daemon=True)

    def start(self, timeout: float = 10.0) -> "ServedApp":
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError(f"{self.url} did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def __enter__(self) -> "ServedApp":
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()


class SandboxServer:
    """The sandbox app (and the SMTP stand-in beside it); `stop()` (or the context manager) ends both."""

    def __init__(self, config: SandboxConfig, outbox: Outbox | None = None) -> None:
        self.config = config
        self.outbox = outbox or Outbox()
        self.app = build_app(config, self.outbox)
        self._served = ServedApp(self.app, config.port, config.host)
        self._smtp = None

    def start(self, timeout: float = 10.0) -> "SandboxServer":
        from sandbox.smtp_standin import start_smtp

        self._smtp = start_smtp(self.config, self.outbox)  # aiosmtpd runs its own thread and loop
        self._served.start(timeout)
        return self

    def stop(self) -> None:
        self._served.stop()
        if self._smtp is not None:
            self._smtp.stop()

    def __enter__(self) -> "SandboxServer":
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()
