"""pipeline of record

Revision ID: 0001
Revises:
Create Date: 2026-11-22 04:46:35.226494
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import coxswain.db.types

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "currencies",
        sa.Column("code", sa.String(length=3), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("exponent", sa.Integer(), nullable=False),
        sa.Column("is_reporting", sa.Boolean(), nullable=False),
        sa.Column("created_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_currencies")),
    )
    op.create_table(
        "import_runs",
        sa.Column("entity", sa.String(length=64), nullable=False),
        sa.Column("profile", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=1000), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=True),
        sa.Column("actor_label", sa.String(length=200), nullable=False),
        sa.Column("started_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("rejects_file", sa.String(length=1000), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_runs")),
    )
    op.create_table(
        "lost_reasons",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lost_reasons")),
        sa.UniqueConstraint("name", name=op.f("uq_lost_reasons_name")),
    )
    op.create_table(
        "pipelines",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipelines")),
        sa.UniqueConstraint("name", name=op.f("uq_pipelines_name")),
    )
    op.create_table(
        "products",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("code", sa.String(length=100), nullable=True),
        sa.Column("family", sa.String(length=100), nullable=True),
        sa.Column("is_recurring", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("external_source", sa.String(length=50), nullable=True),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("row_hash", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sa.UniqueConstraint(
            "external_id", "external_source", name=op.f("uq_products_external_id_external_source")
        ),
        sa.UniqueConstraint("name", name=op.f("uq_products_name")),
    )
    op.create_table(
        "teams",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("manager_id", sa.Uuid(), nullable=True),
        sa.Column("region", sa.String(length=100), nullable=True),
        sa.Column("segment", sa.String(length=10), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("external_source", sa.String(length=50), nullable=True),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("row_hash", sa.String(length=32), nullable=True),
        sa.CheckConstraint(
            "segment IN ('smb', 'mid_market', 'enterprise')", name=op.f("ck_teams_segment_valid")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["teams.id"], name=op.f("fk_teams_parent_id_teams"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
        sa.UniqueConstraint(
            "external_id", "external_source", name=op.f("uq_teams_external_id_external_source")
        ),
        sa.UniqueConstraint("name", name=op.f("uq_teams_name")),
    )
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_teams_manager_id"), ["manager_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_teams_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "exchange_rates",
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("quote_currency", sa.String(length=3), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("rate", sa.Numeric(precision=24, scale=12), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["currency"], ["currencies.code"], name=op.f("fk_exchange_rates_currency_currencies")
        ),
        sa.ForeignKeyConstraint(
            ["quote_currency"],
            ["currencies.code"],
            name=op.f("fk_exchange_rates_quote_currency_currencies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_rates")),
        sa.UniqueConstraint(
            "currency",
            "quote_currency",
            "effective_on",
            name=op.f("uq_exchange_rates_currency_quote_currency_effective_on"),
        ),
    )
    op.create_table(
        "price_books",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["currency"], ["currencies.code"], name=op.f("fk_price_books_currency_currencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_books")),
        sa.UniqueConstraint("name", name=op.f("uq_price_books_name")),
    )
    op.create_table(
        "stages",
        sa.Column("pipeline_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("probability_bp", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=4), nullable=False),
        sa.Column("forecast_category", sa.String(length=9), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "category IN ('open', 'won', 'lost')", name=op.f("ck_stages_category_valid")
        ),
        sa.CheckConstraint(
            "forecast_category IN ('pipeline', 'best_case', 'commit', 'closed', 'omitted')",
            name=op.f("ck_stages_forecast_category_valid"),
        ),
        sa.CheckConstraint(
            "probability_bp BETWEEN 0 AND 10000", name=op.f("ck_stages_probability_range")
        ),
        sa.ForeignKeyConstraint(
            ["pipeline_id"],
            ["pipelines.id"],
            name=op.f("fk_stages_pipeline_id_pipelines"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stages")),
        sa.UniqueConstraint("pipeline_id", "name", name=op.f("uq_stages_pipeline_id_name")),
        sa.UniqueConstraint("pipeline_id", "position", name=op.f("uq_stages_pipeline_id_position")),
    )
    with op.batch_alter_table("stages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stages_pipeline_id"), ["pipeline_id"], unique=False)

    op.create_table(
        "users",
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("role", sa.String(length=9), nullable=False),
        sa.Column("manager_id", sa.Uuid(), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("segment", sa.String(length=10), nullable=True),
        sa.Column("region", sa.String(length=100), nullable=True),
        sa.Column("capacity_per_day", sa.Integer(), nullable=True),
        sa.Column("capacity_per_week", sa.Integer(), nullable=True),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("working_hours", sa.JSON(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("out_of_office", sa.Boolean(), nullable=False),
        sa.Column("hire_date", sa.Date(), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("external_source", sa.String(length=50), nullable=True),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("row_hash", sa.String(length=32), nullable=True),
        sa.CheckConstraint(
            "role IN ('admin', 'sales_ops', 'manager', 'rep', 'finance')",
            name=op.f("ck_users_role_valid"),
        ),
        sa.CheckConstraint(
            "segment IN ('smb', 'mid_market', 'enterprise')", name=op.f("ck_users_segment_valid")
        ),
        sa.ForeignKeyConstraint(
            ["manager_id"],
            ["users.id"],
            name=op.f("fk_users_manager_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_users_team_id_teams"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
        sa.UniqueConstraint(
            "external_id", "external_source", name=op.f("uq_users_external_id_external_source")
        ),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_manager_id"), ["manager_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_users_team_id"), ["team_id"], unique=False)

    op.create_table(
        "accounts",
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("domain", sa.String(length=255), nullable=True),
        sa.Column("website", sa.String(length=500), nullable=True),
        sa.Column("industry", sa.String(length=100), nullable=True),
        sa.Column("segment", sa.String(length=10), nullable=True),
        sa.Column("employees", sa.Integer(), nullable=True),
        sa.Column("annual_revenue_minor", sa.BigInteger(), nullable=True),
        sa.Column("annual_revenue_currency", sa.String(length=3), nullable=True),
        sa.Column("year_established", sa.Integer(), nullable=True),
        sa.Column("country", sa.String(length=100), nullable=True),
        sa.Column("state", sa.String(length=100), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("postal_code", sa.String(length=20), nullable=True),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("external_source", sa.String(length=50), nullable=True),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("row_hash", sa.String(length=32), nullable=True),
        sa.CheckConstraint(
            "segment IN ('smb', 'mid_market', 'enterprise')", name=op.f("ck_accounts_segment_valid")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_accounts_owner_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["accounts.id"],
            name=op.f("fk_accounts_parent_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint(
            "external_id", "external_source", name=op.f("uq_accounts_external_id_external_source")
        ),
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_accounts_domain"), ["domain"], unique=False)
        batch_op.create_index(batch_op.f("ix_accounts_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_accounts_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_accounts_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "audit_events",
        sa.Column("occurred_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_label", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("entity_type", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("import_run_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_audit_events_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["import_run_id"],
            ["import_runs.id"],
            name=op.f("fk_audit_events_import_run_id_import_runs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_audit_events_entity", ["entity_type", "entity_id", "occurred_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_audit_events_import_run_id"), ["import_run_id"], unique=False
        )

    op.create_table(
        "ownership_changes",
        sa.Column("entity_type", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("from_user_id", sa.Uuid(), nullable=True),
        sa.Column("to_user_id", sa.Uuid(), nullable=True),
        sa.Column("changed_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("changed_by_id", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by_id"],
            ["users.id"],
            name=op.f("fk_ownership_changes_changed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["from_user_id"],
            ["users.id"],
            name=op.f("fk_ownership_changes_from_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["to_user_id"],
            ["users.id"],
            name=op.f("fk_ownership_changes_to_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ownership_changes")),
    )
    with op.batch_alter_table("ownership_changes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ownership_changes_entity", ["entity_type", "entity_id", "changed_at"], unique=False
        )

    op.create_table(
        "price_book_entries",
        sa.Column("price_book_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("unit_price_minor", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["price_book_id"],
            ["price_books.id"],
            name=op.f("fk_price_book_entries_price_book_id_price_books"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_price_book_entries_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_book_entries")),
        sa.UniqueConstraint(
            "price_book_id",
            "product_id",
            name=op.f("uq_price_book_entries_price_book_id_product_id"),
        ),
    )
    with op.batch_alter_table("price_book_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_price_book_entries_product_id"), ["product_id"], unique=False
        )

    op.create_table(
        "user_absences",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("starts_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_absences_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_absences")),
    )
    with op.batch_alter_table("user_absences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_absences_user_id"), ["user_id"], unique=False)

    op.create_table(
        "contacts",
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.Column("first_name", sa.String(length=100), nullable=True),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("phone", sa.String(length=50), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("external_source", sa.String(length=50), nullable=True),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("row_hash", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_contacts_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_contacts_owner_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
        sa.UniqueConstraint(
            "external_id", "external_source", name=op.f("uq_contacts_external_id_external_source")
        ),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contacts_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contacts_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_contacts_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "opportunities",
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("pipeline_id", sa.Uuid(), nullable=False),
        sa.Column("stage_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=4), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("probability_bp", sa.Integer(), nullable=True),
        sa.Column("forecast_category", sa.String(length=9), nullable=False),
        sa.Column("forecast_category_overridden", sa.Boolean(), nullable=False),
        sa.Column("type", sa.String(length=12), nullable=False),
        sa.Column("lead_source", sa.String(length=100), nullable=True),
        sa.Column("lead_id", sa.Uuid(), nullable=True),
        sa.Column("lost_reason_id", sa.Uuid(), nullable=True),
        sa.Column("opened_on", sa.Date(), nullable=True),
        sa.Column("engaged_on", sa.Date(), nullable=True),
        sa.Column("expected_close_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("next_step", sa.String(length=500), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("external_source", sa.String(length=50), nullable=True),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("row_hash", sa.String(length=32), nullable=True),
        sa.CheckConstraint(
            "forecast_category IN ('pipeline', 'best_case', 'commit', 'closed', 'omitted')",
            name=op.f("ck_opportunities_forecast_category_valid"),
        ),
        sa.CheckConstraint(
            "status IN ('open', 'won', 'lost')", name=op.f("ck_opportunities_status_valid")
        ),
        sa.CheckConstraint(
            "type IN ('new_business', 'renewal', 'upsell')",
            name=op.f("ck_opportunities_type_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_opportunities_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["currency"], ["currencies.code"], name=op.f("fk_opportunities_currency_currencies")
        ),
        sa.ForeignKeyConstraint(
            ["lost_reason_id"],
            ["lost_reasons.id"],
            name=op.f("fk_opportunities_lost_reason_id_lost_reasons"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_opportunities_owner_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["pipeline_id"], ["pipelines.id"], name=op.f("fk_opportunities_pipeline_id_pipelines")
        ),
        sa.ForeignKeyConstraint(
            ["stage_id"], ["stages.id"], name=op.f("fk_opportunities_stage_id_stages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunities")),
        sa.UniqueConstraint(
            "external_id",
            "external_source",
            name=op.f("uq_opportunities_external_id_external_source"),
        ),
    )
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_opportunities_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_opportunities_closed_on"), ["closed_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_opportunities_lead_id"), ["lead_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_opportunities_opened_on"), ["opened_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_opportunities_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_opportunities_pipeline_id"), ["pipeline_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_opportunities_stage_id"), ["stage_id"], unique=False)
        batch_op.create_index(
            "ix_opportunities_status_closed_on", ["status", "closed_on"], unique=False
        )

    op.create_table(
        "leads",
        sa.Column("first_name", sa.String(length=100), nullable=True),
        sa.Column("last_name", sa.String(length=100), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("phone", sa.String(length=50), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("company", sa.String(length=300), nullable=True),
        sa.Column("website", sa.String(length=500), nullable=True),
        sa.Column("industry", sa.String(length=100), nullable=True),
        sa.Column("employees", sa.Integer(), nullable=True),
        sa.Column("country", sa.String(length=100), nullable=True),
        sa.Column("state", sa.String(length=100), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("postal_code", sa.String(length=20), nullable=True),
        sa.Column("source", sa.String(length=100), nullable=True),
        sa.Column("landing_page", sa.String(length=500), nullable=True),
        sa.Column("campaign", sa.String(length=200), nullable=True),
        sa.Column("segment", sa.String(length=100), nullable=True),
        sa.Column("size_segment", sa.String(length=10), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("sdr_id", sa.Uuid(), nullable=True),
        sa.Column("received_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("mql_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("accepted_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("first_touch_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("qualified_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("converted_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("disqualified_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("recycled_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("disqualified_reason", sa.String(length=200), nullable=True),
        sa.Column("converted_account_id", sa.Uuid(), nullable=True),
        sa.Column("converted_contact_id", sa.Uuid(), nullable=True),
        sa.Column("converted_opportunity_id", sa.Uuid(), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("external_source", sa.String(length=50), nullable=True),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("row_hash", sa.String(length=32), nullable=True),
        sa.CheckConstraint(
            "status IN ('new', 'mql', 'accepted', 'qualified', 'converted', 'disqualified', 'recycled')",
            name=op.f("ck_leads_status_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["converted_account_id"],
            ["accounts.id"],
            name=op.f("fk_leads_converted_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["converted_contact_id"],
            ["contacts.id"],
            name=op.f("fk_leads_converted_contact_id_contacts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["converted_opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_leads_converted_opportunity_id_opportunities"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_leads_owner_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["sdr_id"], ["users.id"], name=op.f("fk_leads_sdr_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leads")),
        sa.UniqueConstraint(
            "external_id", "external_source", name=op.f("uq_leads_external_id_external_source")
        ),
    )
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_leads_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_leads_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_leads_sdr_id"), ["sdr_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_leads_source"), ["source"], unique=False)
        batch_op.create_index(
            "ix_leads_status_received_at", ["status", "received_at"], unique=False
        )

    op.create_table(
        "opportunity_line_items",
        sa.Column("opportunity_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("unit_price_minor", sa.BigInteger(), nullable=False),
        sa.Column("discount_bp", sa.Integer(), nullable=False),
        sa.Column("total_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("external_source", sa.String(length=50), nullable=True),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("row_hash", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["currency"],
            ["currencies.code"],
            name=op.f("fk_opportunity_line_items_currency_currencies"),
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_opportunity_line_items_opportunity_id_opportunities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_opportunity_line_items_product_id_products"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunity_line_items")),
        sa.UniqueConstraint(
            "external_id",
            "external_source",
            name=op.f("uq_opportunity_line_items_external_id_external_source"),
        ),
    )
    with op.batch_alter_table("opportunity_line_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_opportunity_line_items_opportunity_id"), ["opportunity_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_opportunity_line_items_product_id"), ["product_id"], unique=False
        )

    op.create_table(
        "opportunity_stage_changes",
        sa.Column("opportunity_id", sa.Uuid(), nullable=False),
        sa.Column("from_stage_id", sa.Uuid(), nullable=True),
        sa.Column("to_stage_id", sa.Uuid(), nullable=False),
        sa.Column("changed_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("changed_by_id", sa.Uuid(), nullable=True),
        sa.Column("amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("external_source", sa.String(length=50), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by_id"],
            ["users.id"],
            name=op.f("fk_opportunity_stage_changes_changed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["from_stage_id"],
            ["stages.id"],
            name=op.f("fk_opportunity_stage_changes_from_stage_id_stages"),
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_opportunity_stage_changes_opportunity_id_opportunities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["to_stage_id"],
            ["stages.id"],
            name=op.f("fk_opportunity_stage_changes_to_stage_id_stages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunity_stage_changes")),
    )
    with op.batch_alter_table("opportunity_stage_changes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_opportunity_stage_changes_opportunity_id_changed_at",
            ["opportunity_id", "changed_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_opportunity_stage_changes_to_stage_id"), ["to_stage_id"], unique=False
        )

    op.create_table(
        "activities",
        sa.Column("type", sa.String(length=7), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=True),
        sa.Column("occurred_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Boolean(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("lead_id", sa.Uuid(), nullable=True),
        sa.Column("contact_id", sa.Uuid(), nullable=True),
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.Column("opportunity_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("external_source", sa.String(length=50), nullable=True),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("row_hash", sa.String(length=32), nullable=True),
        sa.CheckConstraint(
            "type IN ('call', 'email', 'meeting', 'task')", name=op.f("ck_activities_type_valid")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_activities_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_activities_contact_id_contacts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name=op.f("fk_activities_lead_id_leads"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["opportunities.id"],
            name=op.f("fk_activities_opportunity_id_opportunities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_activities_owner_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
        sa.UniqueConstraint(
            "external_id", "external_source", name=op.f("uq_activities_external_id_external_source")
        ),
    )
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activities_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_activities_lead_id"), ["lead_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_activities_opportunity_id"), ["opportunity_id"], unique=False
        )
        batch_op.create_index(
            "ix_activities_owner_id_occurred_at", ["owner_id", "occurred_at"], unique=False
        )

    op.create_table(
        "lead_status_changes",
        sa.Column("lead_id", sa.Uuid(), nullable=False),
        sa.Column("from_status", sa.String(length=12), nullable=True),
        sa.Column("to_status", sa.String(length=12), nullable=False),
        sa.Column("changed_at", coxswain.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("changed_by_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by_id"],
            ["users.id"],
            name=op.f("fk_lead_status_changes_changed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["leads.id"],
            name=op.f("fk_lead_status_changes_lead_id_leads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_status_changes")),
    )
    with op.batch_alter_table("lead_status_changes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_lead_status_changes_lead_id_changed_at", ["lead_id", "changed_at"], unique=False
        )

    # Foreign keys that close a cycle (teams <-> users, opportunities <-> leads) come last.
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.create_foreign_key(
            op.f("fk_teams_manager_id_users"), "users", ["manager_id"], ["id"], ondelete="SET NULL"
        )
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.create_foreign_key(
            op.f("fk_opportunities_lead_id_leads"),
            "leads",
            ["lead_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("fk_opportunities_lead_id_leads"), type_="foreignkey")
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("fk_teams_manager_id_users"), type_="foreignkey")
    with op.batch_alter_table("lead_status_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_lead_status_changes_lead_id_changed_at")

    op.drop_table("lead_status_changes")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index("ix_activities_owner_id_occurred_at")
        batch_op.drop_index(batch_op.f("ix_activities_opportunity_id"))
        batch_op.drop_index(batch_op.f("ix_activities_lead_id"))
        batch_op.drop_index(batch_op.f("ix_activities_account_id"))

    op.drop_table("activities")
    with op.batch_alter_table("opportunity_stage_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_opportunity_stage_changes_to_stage_id"))
        batch_op.drop_index("ix_opportunity_stage_changes_opportunity_id_changed_at")

    op.drop_table("opportunity_stage_changes")
    with op.batch_alter_table("opportunity_line_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_opportunity_line_items_product_id"))
        batch_op.drop_index(batch_op.f("ix_opportunity_line_items_opportunity_id"))

    op.drop_table("opportunity_line_items")
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index("ix_leads_status_received_at")
        batch_op.drop_index(batch_op.f("ix_leads_source"))
        batch_op.drop_index(batch_op.f("ix_leads_sdr_id"))
        batch_op.drop_index(batch_op.f("ix_leads_owner_id"))
        batch_op.drop_index(batch_op.f("ix_leads_email"))

    op.drop_table("leads")
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.drop_index("ix_opportunities_status_closed_on")
        batch_op.drop_index(batch_op.f("ix_opportunities_stage_id"))
        batch_op.drop_index(batch_op.f("ix_opportunities_pipeline_id"))
        batch_op.drop_index(batch_op.f("ix_opportunities_owner_id"))
        batch_op.drop_index(batch_op.f("ix_opportunities_opened_on"))
        batch_op.drop_index(batch_op.f("ix_opportunities_lead_id"))
        batch_op.drop_index(batch_op.f("ix_opportunities_closed_on"))
        batch_op.drop_index(batch_op.f("ix_opportunities_account_id"))

    op.drop_table("opportunities")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contacts_owner_id"))
        batch_op.drop_index(batch_op.f("ix_contacts_email"))
        batch_op.drop_index(batch_op.f("ix_contacts_account_id"))

    op.drop_table("contacts")
    with op.batch_alter_table("user_absences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_absences_user_id"))

    op.drop_table("user_absences")
    with op.batch_alter_table("price_book_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_price_book_entries_product_id"))

    op.drop_table("price_book_entries")
    with op.batch_alter_table("ownership_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_ownership_changes_entity")

    op.drop_table("ownership_changes")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_import_run_id"))
        batch_op.drop_index("ix_audit_events_entity")

    op.drop_table("audit_events")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accounts_parent_id"))
        batch_op.drop_index(batch_op.f("ix_accounts_owner_id"))
        batch_op.drop_index(batch_op.f("ix_accounts_name"))
        batch_op.drop_index(batch_op.f("ix_accounts_domain"))

    op.drop_table("accounts")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_team_id"))
        batch_op.drop_index(batch_op.f("ix_users_manager_id"))

    op.drop_table("users")
    with op.batch_alter_table("stages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stages_pipeline_id"))

    op.drop_table("stages")
    op.drop_table("price_books")
    op.drop_table("exchange_rates")
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_teams_parent_id"))
        batch_op.drop_index(batch_op.f("ix_teams_manager_id"))

    op.drop_table("teams")
    op.drop_table("products")
    op.drop_table("pipelines")
    op.drop_table("lost_reasons")
    op.drop_table("import_runs")
    op.drop_table("currencies")
