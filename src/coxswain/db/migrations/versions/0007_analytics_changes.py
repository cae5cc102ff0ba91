"""analytics change marker: a generation bumped by SQLite triggers on updates and deletes

Revision ID: 0007_analytics_changes
Revises: 0006_list_indexes
Create Date: 2026-11-22 22:10:00

Reports on SQLite keep their model tables between runs, in files beside the database
(``coxswain/analytics/sources/model_files.py``). They are found by an exact marker of the
data they were built from: this row's ``generation``, which the triggers below bump on every
``UPDATE`` or ``DELETE`` of a table the model reads, plus each table's largest rowid, which
every ``INSERT`` raises (SQLite gives a new row the largest rowid + 1; ``REPLACE`` too, as the
new rowid is chosen before the old row is removed). Inserts have no trigger, so bulk imports
pay nothing. PostgreSQL gets the table only (its reports keep no model between runs).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_analytics_changes"
down_revision: str | None = "0006_list_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The tables the analytics model reads (coxswain/analytics/sources/appdb.py), as of this
# revision: a later table the model reads needs its triggers in a later revision.
WATCHED = (
    "opportunities",
    "opportunity_stage_changes",
    "opportunity_line_items",
    "leads",
    "activities",
    "users",
    "teams",
    "accounts",
    "products",
    "stages",
    "pipelines",
    "exchange_rates",
    "currencies",
    "sales_targets",
)
BUMP = "UPDATE analytics_changes SET generation = generation + 1 WHERE id = 1"


def upgrade() -> None:
    op.create_table(
        "analytics_changes",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_analytics_changes_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_changes")),
    )
    op.execute("INSERT INTO analytics_changes (id, generation) VALUES (1, 0)")
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in WATCHED:
        for event in ("update", "delete"):
            op.execute(
                f"CREATE TRIGGER cx_changed_{table}_{event} AFTER {event.upper()} ON {table} "
                f"BEGIN {BUMP}; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in WATCHED:
            for event in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS cx_changed_{table}_{event}")
    op.drop_table("analytics_changes")
