"""Members an FPO admin imports from a CSV: the import (its progress) and one row per line of the file."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from kisaan_app.models.base import TableBase, UTCDateTime, check_in

IMPORT_STATUSES = ("queued", "running", "done")
ROW_OUTCOMES = ("pending", "created", "existing")


class MemberImport(TableBase, table=True):
    """One uploaded file, validated whole before it is stored; its rows are then worked through in chunks."""

    __tablename__ = "member_import"
    __table_args__ = (
        # The same file uploaded again by the same FPO is the same import (its page, not a second run).
        sa.UniqueConstraint("organization_id", "file_sha256", name="uq_member_import_org_file"),
        check_in("status", IMPORT_STATUSES, "ck_member_import_status"),
        sa.CheckConstraint("done_rows >= 0 AND done_rows <= total_rows", name="ck_member_import_progress"),
        sa.Index("ix_member_import_status_claimed", "status", "claimed_until"),
    )

    organization_id: int = Field(foreign_key="organization.id", index=True, ondelete="CASCADE")
    uploaded_by_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    file_name: str = Field(max_length=200)
    file_sha256: str = Field(max_length=64)
    status: str = Field(default="queued", max_length=10)
    total_rows: int = 0
    done_rows: int = 0
    created_count: int = 0
    existing_count: int = 0
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)  # a worker's lease on the import
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class MemberImportRow(TableBase, table=True):
    """A validated line of the file; `outcome` moves from pending once, in the chunk that made the account."""

    __tablename__ = "member_import_row"
    __table_args__ = (
        sa.UniqueConstraint("import_id", "line", name="uq_member_import_row_line"),
        check_in("outcome", ROW_OUTCOMES, "ck_member_import_row_outcome"),
        sa.Index("ix_member_import_row_import_outcome", "import_id", "outcome", "line"),
    )

    import_id: int = Field(foreign_key="member_import.id", ondelete="CASCADE")
    line: int
    full_name: str = Field(max_length=80)
    phone: str = Field(max_length=20)
    village: str | None = Field(default=None, max_length=120)
    district: str | None = Field(default=None, max_length=80)
    crops: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    language: str = Field(default="hi", max_length=8)
    user_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    outcome: str = Field(default="pending", max_length=10)
