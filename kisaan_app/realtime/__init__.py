"""Live updates: events addressed to `user:{id}`, `org:{id}` or `all`, published after the commit that caused them."""

from kisaan_app.realtime.events import (
    ALL,
    Event,
    managers_target,
    org_target,
    publish_now,
    publish_on_commit,
    targets_for,
    user_target,
)

__all__ = [
    "ALL",
    "Event",
    "managers_target",
    "org_target",
    "publish_now",
    "publish_on_commit",
    "targets_for",
    "user_target",
]
