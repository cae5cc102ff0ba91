"""list indexes: opportunities by owner (newest first) and open pipeline by expected close

Revision ID: 0006_list_indexes
Revises: 0005_analytics
Create Date: 2026-11-22 09:05:00

Measured on 1,000,000 opportunities in PostgreSQL: a rep's list (``owner_id = ? ORDER BY id
DESC LIMIT 51``) walked the primary key backwards past ~30,000 other deals (229 ms); with
``(owner_id, id)`` it reads one index range. ``(owner_id, id)`` replaces ``(owner_id)``.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006_list_indexes"
down_revision: str | None = "0005_analytics"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_opportunities_owner_id", table_name="opportunities")
    op.create_index("ix_opportunities_owner_id_id", "opportunities", ["owner_id", "id"])
    op.create_index(
        "ix_opportunities_status_expected_close_on",
        "opportunities",
        ["status", "expected_close_on"],
    )


def downgrade() -> None:
    op.drop_index("ix_opportunities_status_expected_close_on", table_name="opportunities")
    op.drop_index("ix_opportunities_owner_id_id", table_name="opportunities")
    op.create_index("ix_opportunities_owner_id", "opportunities", ["owner_id"])
