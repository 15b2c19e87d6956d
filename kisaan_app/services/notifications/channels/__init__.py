"""One module per provider channel; each has `send(delivery) -> Sent` and raises SendError subclasses."""

from kisaan_app.services.notifications.channels.base import PermanentSendError, SendError, Sent, TransientSendError

__all__ = ["PermanentSendError", "SendError", "Sent", "TransientSendError"]
