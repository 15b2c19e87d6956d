"""Live connections and the stored events a reconnecting client (or an SSE Last-Event-ID) catches up from."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from kisaan_app.models.base import TableBase, UTCDateTime, check_in, utcnow
from kisaan_app.models.enums import ConnectionStatus

CONNECTION_STATUSES = tuple(ConnectionStatus)


class WebSocketConnection(TableBase, table=True):
    """One Reflex client (browser tab) a server process holds; the heartbeat keeps last_seen_at fresh."""

    __tablename__ = "websocket_connection"
    __table_args__ = (
        check_in("status", CONNECTION_STATUSES, "ck_websocket_connection_status"),
        sa.Index("ix_websocket_connection_status_last_seen", "status", "last_seen_at"),
    )

    client_token: str = Field(max_length=80, unique=True)
    user_id: int = Field(foreign_key="user_account.id", index=True, ondelete="CASCADE")
    organization_id: int | None = Field(default=None, foreign_key="organization.id", index=True, ondelete="SET NULL")
    role: str = Field(max_length=20)
    process_id: str = Field(max_length=80)  # host:pid of the server process holding the socket
    user_agent: str | None = Field(default=None, max_length=300)
    ip: str | None = Field(default=None, max_length=64)
    status: str = Field(default=ConnectionStatus.ONLINE, max_length=10)
    connected_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    last_event_id: int | None = None  # the newest RealTimeEvent this client has applied: replay starts after it


class RealTimeEvent(TableBase, table=True):
    """An event addressed to `user:{id}`, `org:{id}` or `all`, kept until expires_at for catch-up."""

    __tablename__ = "realtime_event"
    __table_args__ = (sa.Index("ix_realtime_event_target_id", "target", "id"),)

    target: str = Field(max_length=40)
    topic: str = Field(max_length=40, index=True)
    payload: dict = Field(default_factory=dict, sa_type=sa.JSON)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
