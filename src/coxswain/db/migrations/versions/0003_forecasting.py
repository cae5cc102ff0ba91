"""forecasting: calls, adjustments, weekly snapshots

Revision ID: 0003_forecasting
Revises: 0001
Create Date: 2026-11-22 06:07:34.477001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import coxswain.db.types

revision: str = "0003_forecasting"
down_revision: str | None = "0002_routing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "forecast_snapshots",
        sa.Column("week_of", sa.Date(), nullable=False),
        sa.Column("taken_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["currency"],
            ["currencies.code"],
            name=op.f("fk_forecast_snapshots_currency_currencies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_snapshots")),
        sa.UniqueConstraint("week_of", name=op.f("uq_forecast_snapshots_week_of")),
    )
    op.create_table(
        "forecast_calls",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("commit_minor", sa.BigInteger(), nullable=False),
        sa.Column("best_case_minor", sa.BigInteger(), nullable=False),
        sa.Column("pipeline_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("submitted_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_by_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["currency"], ["currencies.code"], name=op.f("fk_forecast_calls_currency_currencies")
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"],
            ["users.id"],
            name=op.f("fk_forecast_calls_submitted_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_forecast_calls_team_id_teams"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_forecast_calls_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_calls")),
    )
    with op.batch_alter_table("forecast_calls", schema=None) as batch_op:
        batch_op.create_index(
            "ix_forecast_calls_period_submitted_at", ["period", "submitted_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_forecast_calls_team_id"), ["team_id"], unique=False)
        batch_op.create_index(
            "ix_forecast_calls_user_id_period", ["user_id", "period"], unique=False
        )

    op.create_table(
        "forecast_snapshot_predictions",
        sa.Column("snapshot_id", sa.Uuid(), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("point_minor", sa.BigInteger(), nullable=False),
        sa.Column("p10_minor", sa.BigInteger(), nullable=True),
        sa.Column("p50_minor", sa.BigInteger(), nullable=True),
        sa.Column("p90_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["currency"],
            ["currencies.code"],
            name=op.f("fk_forecast_snapshot_predictions_currency_currencies"),
        ),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["forecast_snapshots.id"],
            name=op.f("fk_forecast_snapshot_predictions_snapshot_id_forecast_snapshots"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_snapshot_predictions")),
        sa.UniqueConstraint(
            "snapshot_id",
            "period",
            "method",
            name=op.f("uq_forecast_snapshot_predictions_snapshot_id_period_method"),
        ),
    )
    op.create_table(
        "forecast_call_adjustments",
        sa.Column("call_id", sa.Uuid(), nullable=False),
        sa.Column("adjusted_by_id", sa.Uuid(), nullable=True),
        sa.Column("commit_minor", sa.BigInteger(), nullable=False),
        sa.Column("best_case_minor", sa.BigInteger(), nullable=False),
        sa.Column("pipeline_minor", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("adjusted_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["adjusted_by_id"],
            ["users.id"],
            name=op.f("fk_forecast_call_adjustments_adjusted_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["forecast_calls.id"],
            name=op.f("fk_forecast_call_adjustments_call_id_forecast_calls"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_call_adjustments")),
    )
    with op.batch_alter_table("forecast_call_adjustments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_forecast_call_adjustments_call_id"), ["call_id"], unique=False
        )

    op.create_table(
        "forecast_snapshot_calls",
        sa.Column("snapshot_id", sa.Uuid(), nullable=False),
        sa.Column("call_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("commit_minor", sa.BigInteger(), nullable=False),
        sa.Column("best_case_minor", sa.BigInteger(), nullable=False),
        sa.Column("pipeline_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("adjusted", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["forecast_calls.id"],
            name=op.f("fk_forecast_snapshot_calls_call_id_forecast_calls"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["currency"],
            ["currencies.code"],
            name=op.f("fk_forecast_snapshot_calls_currency_currencies"),
        ),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["forecast_snapshots.id"],
            name=op.f("fk_forecast_snapshot_calls_snapshot_id_forecast_snapshots"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_forecast_snapshot_calls_team_id_teams"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_forecast_snapshot_calls_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_snapshot_calls")),
    )
    with op.batch_alter_table("forecast_snapshot_calls", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_forecast_snapshot_calls_snapshot_id"), ["snapshot_id"], unique=False
        )

    op.create_table(
        "forecast_snapshot_deals",
        sa.Column("snapshot_id", sa.Uuid(), nullable=False),
        sa.Column("opportunity_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("stage_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=4), nullable=False),
        sa.Column("forecast_category", sa.String(length=9), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("probability_bp", sa.Integer(), nullable=True),
        sa.Column("expected_close_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "forecast_category IN ('pipeline', 'best_case', 'commit', 'closed', 'omitted')",
            name=op.f("ck_forecast_snapshot_deals_forecast_category_valid"),
        ),
        sa.CheckConstraint(
            "status IN ('open', 'won', 'lost')",
            name=op.f("ck_forecast_snapshot_deals_status_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["currency"],
            ["currencies.code"],
            name=op.f("fk_forecast_snapshot_deals_currency_currencies"),
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_forecast_snapshot_deals_opportunity_id_opportunities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_forecast_snapshot_deals_owner_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["forecast_snapshots.id"],
            name=op.f("fk_forecast_snapshot_deals_snapshot_id_forecast_snapshots"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["stage_id"], ["stages.id"], name=op.f("fk_forecast_snapshot_deals_stage_id_stages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecast_snapshot_deals")),
    )
    with op.batch_alter_table("forecast_snapshot_deals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_forecast_snapshot_deals_opportunity_id"),
            ["opportunity_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_forecast_snapshot_deals_snapshot_id"), ["snapshot_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("forecast_snapshot_deals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_forecast_snapshot_deals_snapshot_id"))
        batch_op.drop_index(batch_op.f("ix_forecast_snapshot_deals_opportunity_id"))

    op.drop_table("forecast_snapshot_deals")
    with op.batch_alter_table("forecast_snapshot_calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_forecast_snapshot_calls_snapshot_id"))

    op.drop_table("forecast_snapshot_calls")
    with op.batch_alter_table("forecast_call_adjustments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_forecast_call_adjustments_call_id"))

    op.drop_table("forecast_call_adjustments")
    op.drop_table("forecast_snapshot_predictions")
    with op.batch_alter_table("forecast_calls", schema=None) as batch_op:
        batch_op.drop_index("ix_forecast_calls_user_id_period")
        batch_op.drop_index(batch_op.f("ix_forecast_calls_team_id"))
        batch_op.drop_index("ix_forecast_calls_period_submitted_at")

    op.drop_table("forecast_calls")
    op.drop_table("forecast_snapshots")
