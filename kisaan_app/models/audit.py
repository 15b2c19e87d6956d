"""The audit log: who did what, to what, when and from where."""

import sqlalchemy as sa
from sqlmodel import Field

from kisaan_app.models.base import TableBase


class AuditLog(TableBase, table=True):
    __tablename__ = "audit_log"
    __table_args__ = (sa.Index("ix_audit_log_created_at", "created_at"),)

    actor_id: int | None = Field(default=None, foreign_key="user_account.id", index=True, ondelete="SET NULL")
    actor_label: str | None = Field(default=None, max_length=254)  # identifier used, kept even for failed logins
    organization_id: int | None = Field(default=None, foreign_key="organization.id", index=True, ondelete="SET NULL")
    action: str = Field(max_length=60, index=True)  # e.g. auth.login, auth.login_failed, user.role_changed
    target_type: str | None = Field(default=None, max_length=40)
    target_id: str | None = Field(default=None, max_length=64)
    outcome: str = Field(default="success", max_length=20)  # success | failure | denied
    ip: str | None = Field(default=None, max_length=64)
    user_agent: str | None = Field(default=None, max_length=300)
    details: dict = Field(default_factory=dict, sa_type=sa.JSON)
