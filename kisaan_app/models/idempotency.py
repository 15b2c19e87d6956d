"""Answers to writes that carried an `Idempotency-Key`: a phone that queued a write offline replays it when the
network returns, maybe twice (a lost response, a second tab), and must get the first answer, never a second
write. One row per person and key, unique in the database, written in the same transaction as the write."""

import sqlalchemy as sa
from sqlmodel import Field

from kisaan_app.models.base import TableBase


class IdempotentRequest(TableBase, table=True):
    __tablename__ = "idempotent_request"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "key", name="uq_idempotent_request_user_id_key"),
        sa.Index("ix_idempotent_request_created_at", "created_at"),
    )

    user_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    key: str = Field(max_length=64)
    operation: str = Field(max_length=60)  # e.g. market.counter: a key reused for another write is refused
    fingerprint: str = Field(max_length=64)  # sha256 of operation, target and body
    status_code: int = 0
    response: dict = Field(default_factory=dict, sa_type=sa.JSON)
