"""auth: web sessions, api tokens, login attempts

Revision ID: 0004_auth
Revises: 0001
Create Date: 2026-11-22 05:32:55.654433
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import coxswain.db.types

revision: str = "0004_auth"
down_revision: str | None = "0003_forecasting"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_attempts",
        sa.Column("username", sa.String(length=320), nullable=False),
        sa.Column("client_ip", sa.String(length=64), nullable=True),
        sa.Column("attempted_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempts")),
    )
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_login_attempts_client_ip_attempted_at", ["client_ip", "attempted_at"], unique=False
        )
        batch_op.create_index(
            "ix_login_attempts_username_attempted_at", ["username", "attempted_at"], unique=False
        )

    op.create_table(
        "api_tokens",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "web_sessions",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.Column("client_ip", sa.String(length=64), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_web_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_web_sessions_token_hash")),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_sessions_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_sessions_user_id"))

    op.drop_table("web_sessions")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))

    op.drop_table("api_tokens")
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_login_attempts_username_attempted_at")
        batch_op.drop_index("ix_login_attempts_client_ip_attempted_at")

    op.drop_table("login_attempts")
