"""routing: rule sets, pool rotations, decisions, runs, lead duplicates, SLA breaches,
escalations and notifications

Revision ID: 0002_routing
Revises: 0001
Create Date: 2026-11-22 05:46:43.116943
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import coxswain.db.types

revision: str = "0002_routing"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "routing_pool_states",
        sa.Column("pool_name", sa.String(length=200), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_pool_states")),
        sa.UniqueConstraint("pool_name", name=op.f("uq_routing_pool_states_pool_name")),
    )
    op.create_table(
        "routing_pool_members",
        sa.Column("pool_name", sa.String(length=200), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("last_sequence", sa.BigInteger(), nullable=True),
        sa.Column("credit", sa.Integer(), nullable=False),
        sa.Column("assignments", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_routing_pool_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_pool_members")),
        sa.UniqueConstraint(
            "pool_name", "user_id", name=op.f("uq_routing_pool_members_pool_name_user_id")
        ),
    )
    with op.batch_alter_table("routing_pool_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_routing_pool_members_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "routing_rule_sets",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("published_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_by_id", sa.Uuid(), nullable=True),
        sa.Column("actor_label", sa.String(length=200), nullable=False),
        sa.Column("source_name", sa.String(length=500), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["users.id"],
            name=op.f("fk_routing_rule_sets_published_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_rule_sets")),
        sa.UniqueConstraint("version", name=op.f("uq_routing_rule_sets_version")),
    )
    with op.batch_alter_table("routing_rule_sets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_routing_rule_sets_is_active"), ["is_active"], unique=False
        )

    op.create_table(
        "routing_runs",
        sa.Column("kind", sa.String(length=7), nullable=False),
        sa.Column("file_name", sa.String(length=1000), nullable=True),
        sa.Column("rules_sha256", sa.String(length=64), nullable=False),
        sa.Column("rule_set_id", sa.Uuid(), nullable=True),
        sa.Column("started_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("leads", sa.Integer(), nullable=False),
        sa.Column("assigned", sa.Integer(), nullable=False),
        sa.Column("queued", sa.Integer(), nullable=False),
        sa.Column("actor_label", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("kind IN ('batch', 'pending')", name=op.f("ck_routing_runs_kind_valid")),
        sa.ForeignKeyConstraint(
            ["rule_set_id"],
            ["routing_rule_sets.id"],
            name=op.f("fk_routing_runs_rule_set_id_routing_rule_sets"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_runs")),
    )
    op.create_table(
        "lead_duplicates",
        sa.Column("lead_id", sa.Uuid(), nullable=False),
        sa.Column("duplicate_of_id", sa.Uuid(), nullable=False),
        sa.Column("matched_on", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=6), nullable=False),
        sa.Column("detected_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_label", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "action IN ('linked', 'merged')", name=op.f("ck_lead_duplicates_action_valid")
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_of_id"],
            ["leads.id"],
            name=op.f("fk_lead_duplicates_duplicate_of_id_leads"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["leads.id"],
            name=op.f("fk_lead_duplicates_lead_id_leads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_duplicates")),
        sa.UniqueConstraint(
            "lead_id", "duplicate_of_id", name=op.f("uq_lead_duplicates_lead_id_duplicate_of_id")
        ),
    )
    with op.batch_alter_table("lead_duplicates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_lead_duplicates_duplicate_of_id"), ["duplicate_of_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_lead_duplicates_lead_id"), ["lead_id"], unique=False)

    op.create_table(
        "routing_decisions",
        sa.Column("lead_id", sa.Uuid(), nullable=True),
        sa.Column("lead_ref", sa.String(length=255), nullable=False),
        sa.Column("run_id", sa.Uuid(), nullable=True),
        sa.Column("rule_set_id", sa.Uuid(), nullable=True),
        sa.Column("rules_sha256", sa.String(length=64), nullable=False),
        sa.Column("trigger", sa.String(length=15), nullable=False),
        sa.Column("outcome", sa.String(length=8), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("owner_email", sa.String(length=320), nullable=True),
        sa.Column("previous_owner_id", sa.Uuid(), nullable=True),
        sa.Column("queue_name", sa.String(length=200), nullable=True),
        sa.Column("rule_name", sa.String(length=200), nullable=True),
        sa.Column("pool_name", sa.String(length=200), nullable=True),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("pool_sequence", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("decided_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("actor_label", sa.String(length=200), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('assigned', 'queued')", name=op.f("ck_routing_decisions_outcome_valid")
        ),
        sa.CheckConstraint(
            "trigger IN ('route', 'batch', 'reassign', 'return_to_queue')",
            name=op.f("ck_routing_decisions_trigger_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["leads.id"],
            name=op.f("fk_routing_decisions_lead_id_leads"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_routing_decisions_owner_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["previous_owner_id"],
            ["users.id"],
            name=op.f("fk_routing_decisions_previous_owner_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["rule_set_id"],
            ["routing_rule_sets.id"],
            name=op.f("fk_routing_decisions_rule_set_id_routing_rule_sets"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["routing_runs.id"],
            name=op.f("fk_routing_decisions_run_id_routing_runs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_decisions")),
    )
    with op.batch_alter_table("routing_decisions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_routing_decisions_lead_id_decided_at", ["lead_id", "decided_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_routing_decisions_lead_ref"), ["lead_ref"], unique=False
        )
        batch_op.create_index(
            "ix_routing_decisions_owner_id_decided_at", ["owner_id", "decided_at"], unique=False
        )
        batch_op.create_index(
            "ix_routing_decisions_queue_current", ["queue_name", "is_current"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_routing_decisions_run_id"), ["run_id"], unique=False)

    op.create_table(
        "sla_breaches",
        sa.Column("lead_id", sa.Uuid(), nullable=False),
        sa.Column("milestone", sa.String(length=11), nullable=False),
        sa.Column("policy_name", sa.String(length=200), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("clock_started_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("detected_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "milestone IN ('accept', 'first_touch')", name=op.f("ck_sla_breaches_milestone_valid")
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["leads.id"],
            name=op.f("fk_sla_breaches_lead_id_leads"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_sla_breaches_owner_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_breaches")),
        sa.UniqueConstraint(
            "lead_id",
            "milestone",
            "clock_started_at",
            name=op.f("uq_sla_breaches_lead_id_milestone_clock_started_at"),
        ),
    )
    with op.batch_alter_table("sla_breaches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sla_breaches_lead_id"), ["lead_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sla_breaches_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "sla_escalations",
        sa.Column("breach_id", sa.Uuid(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=15), nullable=False),
        sa.Column("executed_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=500), nullable=False),
        sa.Column("decision_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "action IN ('notify', 'reassign', 'return_to_queue')",
            name=op.f("ck_sla_escalations_action_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["breach_id"],
            ["sla_breaches.id"],
            name=op.f("fk_sla_escalations_breach_id_sla_breaches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["routing_decisions.id"],
            name=op.f("fk_sla_escalations_decision_id_routing_decisions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_escalations")),
        sa.UniqueConstraint("breach_id", "step", name=op.f("uq_sla_escalations_breach_id_step")),
    )
    op.create_table(
        "sla_notifications",
        sa.Column("recipient_id", sa.Uuid(), nullable=False),
        sa.Column("lead_id", sa.Uuid(), nullable=False),
        sa.Column("breach_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("message", sa.String(length=1000), nullable=False),
        sa.Column("created_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["breach_id"],
            ["sla_breaches.id"],
            name=op.f("fk_sla_notifications_breach_id_sla_breaches"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["leads.id"],
            name=op.f("fk_sla_notifications_lead_id_leads"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["users.id"],
            name=op.f("fk_sla_notifications_recipient_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_notifications")),
    )
    with op.batch_alter_table("sla_notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sla_notifications_lead_id"), ["lead_id"], unique=False)
        batch_op.create_index(
            "ix_sla_notifications_recipient_read", ["recipient_id", "read_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("sla_notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_sla_notifications_recipient_read")
        batch_op.drop_index(batch_op.f("ix_sla_notifications_lead_id"))

    op.drop_table("sla_notifications")
    op.drop_table("sla_escalations")
    with op.batch_alter_table("sla_breaches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sla_breaches_owner_id"))
        batch_op.drop_index(batch_op.f("ix_sla_breaches_lead_id"))

    op.drop_table("sla_breaches")
    with op.batch_alter_table("routing_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_routing_decisions_run_id"))
        batch_op.drop_index("ix_routing_decisions_queue_current")
        batch_op.drop_index("ix_routing_decisions_owner_id_decided_at")
        batch_op.drop_index(batch_op.f("ix_routing_decisions_lead_ref"))
        batch_op.drop_index("ix_routing_decisions_lead_id_decided_at")

    op.drop_table("routing_decisions")
    with op.batch_alter_table("lead_duplicates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lead_duplicates_lead_id"))
        batch_op.drop_index(batch_op.f("ix_lead_duplicates_duplicate_of_id"))

    op.drop_table("lead_duplicates")
    op.drop_table("routing_runs")
    with op.batch_alter_table("routing_rule_sets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_routing_rule_sets_is_active"))

    op.drop_table("routing_rule_sets")
    with op.batch_alter_table("routing_pool_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_routing_pool_members_user_id"))

    op.drop_table("routing_pool_members")
    op.drop_table("routing_pool_states")
