"""Notifications: in-app, Web Push, SMS and email from one `notify()`; see dispatch.py for the flow."""

from kisaan_app.services.notifications.audience import Audience
from kisaan_app.services.notifications.dispatch import NotifyResult, notify

__all__ = ["Audience", "NotifyResult", "notify"]
