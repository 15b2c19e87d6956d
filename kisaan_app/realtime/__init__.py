"""Live updates: events addressed to `user:{id}`, `org:{id}` or `all`, published after the commit that caused them.

Each topic has one typed payload (payloads.py); services send it with `send_on_commit`.
"""

from kisaan_app.realtime.events import (
    ALL,
    Event,
    LiveEvent,
    managers_target,
    org_target,
    parse,
    publish_now,
    publish_on_commit,
    send_now,
    send_on_commit,
    targets_for,
    user_target,
)

__all__ = [
    "ALL",
    "Event",
    "LiveEvent",
    "managers_target",
    "org_target",
    "parse",
    "publish_now",
    "publish_on_commit",
    "send_now",
    "send_on_commit",
    "targets_for",
    "user_target",
]
