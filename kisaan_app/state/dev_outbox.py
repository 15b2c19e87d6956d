"""/dev/outbox: what the provider stand-ins received (SMS, e-mail, push, Razorpay), read from the sandbox.

Admins only, and never in production (there the real providers are used and the sandbox is refused).
The sandbox is read with httpx in a background event, so a slow or stopped sandbox never holds the state lock.
"""

import json
from dataclasses import dataclass
from typing import ClassVar

import httpx

from kisaan_app.models.enums import Role
from kisaan_app.services.context import Principal
from kisaan_app.settings import get_settings
from kisaan_app.state.guard import guarded
from kisaan_app.state.session import SessionState

PROVIDERS = ("twilio", "smtp", "webpush", "razorpay")
LIMIT = 200
INBOUND_FORM = {"phone": 20, "text": 1600, "inbound_phone": "phone", "inbound_text": "text"}
SAMPLE_PHONE = (
    "+919800000003"  # the demo farmer Ramesh Pawar (seed); any number works, unknown ones get how to register
)


def outbox_url() -> str:
    return f"http://127.0.0.1:{get_settings().sandbox_port}/outbox"


def inbound_url() -> str:
    """The sandbox's "a phone texts the app" button: it signs and posts the SMS to our webhook, as Twilio does."""
    return f"http://127.0.0.1:{get_settings().sandbox_port}/sandbox/twilio/inbound"


@dataclass(frozen=True)
class OutboxRow:
    id: str
    provider: str
    kind: str
    summary: str
    at: str
    detail: str


def outbox_row(record: dict) -> OutboxRow:
    detail = record.get("detail") or {}
    return OutboxRow(
        id=str(record.get("id", "")),
        provider=str(record.get("provider", "")),
        kind=str(record.get("kind", "")),
        summary=str(record.get("summary", "")),
        at=str(record.get("at", ""))[:23].replace("T", " "),
        detail=json.dumps(detail, ensure_ascii=False, indent=1)[:4000],
    )


class DevOutboxState(SessionState):
    guard_roles: ClassVar[tuple[str, ...]] = (Role.ADMIN,)
    rows: list[OutboxRow] = []
    provider: str = ""
    error: str = ""
    refused: bool = False
    fetching: bool = False
    loaded: bool = False
    inbound_phone: str = SAMPLE_PHONE
    inbound_text: str = "PRICE ONION"
    inbound_note: str = ""
    inbound_failed: bool = False
    texting: bool = False

    @guarded()
    async def load(self, principal: Principal):
        self.refused = get_settings().env == "prod"
        self.rows, self.loaded = [], False
        return None if self.refused else DevOutboxState.fetch

    def set_provider(self, value: str):
        """Picks a provider filter (the fetch it asks for is guarded): touches no data."""
        self.provider = value if value in PROVIDERS else ""
        return DevOutboxState.fetch

    @guarded(background=True)
    async def fetch(self, principal: Principal):
        """The sandbox is read over HTTP with httpx's async client: the event loop is never blocked."""
        async with self:
            if self.refused or self.fetching:
                return None
            self.fetching = True
            params = {"limit": LIMIT, **({"provider": self.provider} if self.provider else {})}
        rows, error = [], ""
        try:
            async with httpx.AsyncClient(timeout=5) as client:
                answer = await client.get(outbox_url(), params=params)
                answer.raise_for_status()
                rows = [outbox_row(r) for r in answer.json()]
        except (httpx.HTTPError, ValueError):
            error = "outbox.unreachable"
        async with self:
            self.fetching, self.loaded = False, True
            self.rows = rows
            self.error = self._tr(error, url=outbox_url()) if error else ""
        return None

    @guarded(form=INBOUND_FORM)
    async def text_app(self, principal: Principal, form: dict):
        """Takes the form; the sandbox is called by a background event, so the state lock is not held meanwhile."""
        phone, text = form.get("phone", "").strip(), form.get("text", "").strip()
        self.inbound_phone, self.inbound_text, self.inbound_failed = phone, text, False
        if self.refused or not phone or not text:
            self.inbound_note, self.inbound_failed = self._tr("outbox.inbound_invalid"), True
            return None
        return DevOutboxState.send_text

    @guarded(background=True)
    async def send_text(self, principal: Principal):
        async with self:
            if self.refused or self.texting:
                return None
            self.texting = True
            spec = {"from": self.inbound_phone, "body": self.inbound_text}
        note, failed = "", False
        try:
            async with httpx.AsyncClient(timeout=15) as client:
                answer = await client.post(inbound_url(), json=spec)
            if answer.status_code != 200:
                note, failed = answer.json().get("error", str(answer.status_code)), True
            else:
                status = answer.json()["answers"][-1].get("status_code", "—")
                note = str(status)
                failed = status != 200
        except (httpx.HTTPError, ValueError, KeyError) as err:
            note, failed = type(err).__name__, True
        async with self:
            self.texting, self.inbound_failed = False, failed
            self.inbound_note = self._tr(
                "outbox.inbound_failed" if failed else "outbox.inbound_sent", reason=note, status=note
            )
        return DevOutboxState.fetch
