"""analytics: sales targets

Revision ID: 0005_analytics
Revises: 0001
Create Date: 2026-11-22 05:54:06.044126
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import coxswain.db.types

revision: str = "0005_analytics"
down_revision: str | None = "0004_auth"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sales_targets",
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("scope", sa.String(length=7), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(scope = 'company' AND team_id IS NULL AND user_id IS NULL) OR (scope = 'team' AND team_id IS NOT NULL AND user_id IS NULL) OR (scope = 'rep' AND user_id IS NOT NULL AND team_id IS NULL)",
            name=op.f("ck_sales_targets_scope_owner"),
        ),
        sa.CheckConstraint(
            "scope IN ('company', 'team', 'rep')", name=op.f("ck_sales_targets_scope_valid")
        ),
        sa.CheckConstraint("amount_minor >= 0", name=op.f("ck_sales_targets_amount_not_negative")),
        sa.CheckConstraint(
            "period_end >= period_start", name=op.f("ck_sales_targets_period_order")
        ),
        sa.ForeignKeyConstraint(
            ["currency"], ["currencies.code"], name=op.f("fk_sales_targets_currency_currencies")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_sales_targets_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_sales_targets_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_targets")),
    )
    with op.batch_alter_table("sales_targets", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sales_targets_period", ["period_start", "period_end"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_sales_targets_team_id"), ["team_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sales_targets_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sales_targets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sales_targets_user_id"))
        batch_op.drop_index(batch_op.f("ix_sales_targets_team_id"))
        batch_op.drop_index("ix_sales_targets_period")

    op.drop_table("sales_targets")
