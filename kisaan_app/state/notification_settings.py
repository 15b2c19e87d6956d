"""/settings/notifications: which channels each kind of message uses, quiet hours, and push on this device."""

import reflex as rx

from kisaan_app.db import session_scope
from kisaan_app.models.notifications import CATEGORIES, CHANNELS
from kisaan_app.services.context import Principal
from kisaan_app.state.guard import guarded, off_loop
from kisaan_app.state.session import SessionState

PUSH_STATES = ("subscribed", "not_subscribed", "unsupported", "denied", "failed", "server_error")


def push_script(action: str) -> str:
    """JavaScript that loads /push.js once and runs kisaanPush.status() or .enable() (a Promise of one word)."""
    return (
        "(window.kisaanPush ? Promise.resolve() : new Promise((done) => {"
        "const s = document.createElement('script'); s.src = '/push.js'; s.onload = done; s.onerror = done;"
        "document.head.appendChild(s);}))"
        f".then(() => window.kisaanPush ? window.kisaanPush.{action}() : 'unsupported')"
    )


class NotificationSettingsState(SessionState):
    # "category:channel" for every box that is ticked.
    enabled: list[str] = []
    quiet_start: str = ""
    quiet_end: str = ""
    has_push_device: bool = False
    contact_phone: str = ""
    contact_email: str = ""
    push_status: str = ""  # one of PUSH_STATES, "" while the browser has not answered
    push_busy: bool = False
    error: str = ""
    message: str = ""

    def _show_view(self, view) -> None:
        self.enabled = [f"{cat}:{ch}" for cat, channels in view.channels.items() for ch in channels]
        self.quiet_start, self.quiet_end = view.quiet_start or "", view.quiet_end or ""
        self.has_push_device = bool(view.has_push_device)
        self.contact_phone, self.contact_email = view.phone or "", view.email or ""

    @rx.var
    def push_status_text(self) -> str:
        return self._tr(f"prefs.push_{self.push_status}") if self.push_status in PUSH_STATES else ""

    @guarded(clear=("message",))
    async def load(self, principal: Principal):
        self._show_view(await off_loop(_preferences, principal.id))
        return rx.call_script(push_script("status"), callback=NotificationSettingsState.push_answer)

    def toggle(self, box: str, checked: bool):
        """Ticks a box on the form (saved by `save`, which is guarded): touches no data."""
        category, _, channel = box.partition(":")
        if category not in CATEGORIES or channel not in CHANNELS or channel == "in_app":
            return
        self.message = ""
        others = [b for b in self.enabled if b != box]
        self.enabled = [*others, box] if checked else others

    def set_quiet_start(self, value: str):
        """Types a time on the form: touches no data; longer than HH:MM is refused."""
        if isinstance(value, str) and len(value) <= 5:
            self.quiet_start, self.message = value, ""

    def set_quiet_end(self, value: str):
        """Types a time on the form: touches no data; longer than HH:MM is refused."""
        if isinstance(value, str) and len(value) <= 5:
            self.quiet_end, self.message = value, ""

    @guarded(clear=("message",))
    async def save(self, principal: Principal):
        channels = {
            cat: [ch for ch in CHANNELS if ch == "in_app" or f"{cat}:{ch}" in self.enabled] for cat in CATEGORIES
        }
        quiet = (self.quiet_start or None, self.quiet_end or None)
        self._show_view(await off_loop(_save, principal, channels, *quiet))
        self.message = self._tr("prefs.saved")

    @guarded()
    async def enable_push(self, principal: Principal):
        """Ask the browser (permission prompt, subscribe, POST to the API); the answer comes back to push_answer."""
        self.push_busy = True
        return rx.call_script(push_script("enable"), callback=NotificationSettingsState.push_answer)

    @guarded(error=None)
    async def push_answer(self, principal: Principal, answer: str):
        self.push_busy = False
        self.push_status = answer if answer in PUSH_STATES else "failed"
        if self.push_status == "subscribed":
            self.has_push_device = (await off_loop(_preferences, principal.id)).has_push_device


def _preferences(user_id: int):
    from kisaan_app.services.notifications import preferences

    with session_scope() as session:
        return preferences.get_preferences(session, user_id)


def _save(principal: Principal, channels: dict[str, list[str]], quiet_start: str | None, quiet_end: str | None):
    from kisaan_app.services.notifications import preferences

    with session_scope() as session:
        return preferences.save_preferences(
            session, principal, channels=channels, quiet_start=quiet_start, quiet_end=quiet_end
        )
