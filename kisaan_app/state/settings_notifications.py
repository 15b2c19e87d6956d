"""/settings/notifications: which channels each kind of message uses, quiet hours, and push on this device."""

import reflex as rx

from kisaan_app.db import session_scope
from kisaan_app.models.notifications import CATEGORIES, CHANNELS
from kisaan_app.services.errors import DomainError
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

    def _show(self, view) -> None:
        self.enabled = [f"{cat}:{ch}" for cat, channels in view.channels.items() for ch in channels]
        self.quiet_start, self.quiet_end = view.quiet_start or "", view.quiet_end or ""
        self.has_push_device = bool(view.has_push_device)
        self.contact_phone, self.contact_email = view.phone or "", view.email or ""

    @rx.var
    def push_status_text(self) -> str:
        return self._tr(f"prefs.push_{self.push_status}") if self.push_status in PUSH_STATES else ""

    @rx.event
    def load(self):
        from kisaan_app.services.notifications import preferences

        principal, denied = self.authorize()
        if denied is not None:
            return denied
        self.error = self.message = ""
        with session_scope() as session:
            self._show(preferences.get_preferences(session, principal.id))
        return rx.call_script(push_script("status"), callback=NotificationSettingsState.push_answer)

    @rx.event
    def toggle(self, box: str, checked: bool):
        category, _, channel = box.partition(":")
        if category not in CATEGORIES or channel not in CHANNELS or channel == "in_app":
            return
        self.message = ""
        others = [b for b in self.enabled if b != box]
        self.enabled = [*others, box] if checked else others

    @rx.event
    def set_quiet_start(self, value: str):
        self.quiet_start, self.message = value[:5], ""

    @rx.event
    def set_quiet_end(self, value: str):
        self.quiet_end, self.message = value[:5], ""

    @rx.event
    def save(self):
        from kisaan_app.services.notifications import preferences

        principal, denied = self.authorize()
        if denied is not None:
            return denied
        self.error = self.message = ""
        channels = {
            cat: [ch for ch in CHANNELS if ch == "in_app" or f"{cat}:{ch}" in self.enabled] for cat in CATEGORIES
        }
        try:
            with session_scope() as session:
                view = preferences.save_preferences(
                    session,
                    principal,
                    channels=channels,
                    quiet_start=self.quiet_start or None,
                    quiet_end=self.quiet_end or None,
                )
        except DomainError as err:
            self.error = self._error(err)
            return
        self._show(view)
        self.message = self._tr("prefs.saved")

    @rx.event
    def enable_push(self):
        """Ask the browser (permission prompt, subscribe, POST to the API); the answer comes back to push_answer."""
        principal, denied = self.authorize()
        if denied is not None:
            return denied
        self.push_busy, self.error = True, ""
        return rx.call_script(push_script("enable"), callback=NotificationSettingsState.push_answer)

    @rx.event
    def push_answer(self, answer: str):
        principal, denied = self.authorize()
        if denied is not None:
            return denied
        self.push_busy = False
        self.push_status = answer if answer in PUSH_STATES else "failed"
        if self.push_status == "subscribed":
            from kisaan_app.services.notifications import preferences

            with session_scope() as session:
                self.has_push_device = preferences.get_preferences(session, principal.id).has_push_device
