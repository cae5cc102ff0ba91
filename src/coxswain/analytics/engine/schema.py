"""The canonical analytics schema: the logical tables every source adapter must produce.

Adapters only rename and retype (application database → these tables; CSV/Parquet
extracts → these tables). Every definition — joins, currency conversion, who counts as
won, what a cycle is — lives in the engine over these tables, so it exists once.

Conventions: keys are strings (ids or external ids, opaque); business dates are integer day
numbers (days since 1970-01-01, see :mod:`.periods`); instants are integer epoch seconds
(UTC); money is ``amount_local`` in *major* units of ``currency`` (dollars, not cents).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from coxswain.analytics.errors import ExtractError


@dataclass(frozen=True, slots=True)
class TableSpec:
    """One canonical table: its name, its columns (name → Ibis type) and what a row is."""

    name: str
    columns: Mapping[str, str]
    description: str

    def conform(self, table: ir.Table, *, origin: str) -> ir.Table:
        """``table`` reduced to this spec's columns, in order, cast to their types.

        Raises:
            ExtractError: when a column is missing (names ``origin`` and the columns).
        """
        missing = [name for name in self.columns if name not in table.columns]
        if missing:
            raise ExtractError(
                f"{origin}: table {self.name!r} lacks column(s) {', '.join(missing)}; "
                f"expected {', '.join(self.columns)}"
            )
        return table.select(
            *[_typed(table[name], kind).name(name) for name, kind in self.columns.items()]
        )

    def empty(self) -> ir.Table:
        """An empty table of this shape (a source without, e.g., activities)."""
        return ibis.memtable(
            {name: [] for name in self.columns}, schema=ibis.schema(dict(self.columns))
        )


def _typed(column: ir.Value, kind: str) -> ir.Value:
    """``column`` as ``kind``, without a cast when it already is (a CAST around a key
    would hide it from the database's indexes: SQLite then joins by full scans)."""
    wanted = ibis.dtype(kind)
    current = column.type()
    if current.is_string() and wanted.is_string():
        return column
    if current.copy(nullable=True) == wanted.copy(nullable=True):
        return column
    return column.cast(kind)


DEALS = TableSpec(
    "deals",
    {
        "deal_id": "string",
        "owner_id": "string",
        "account_id": "string",
        "pipeline": "string",
        "stage": "string",
        "amount_local": "float64",
        "currency": "string",
        "deal_type": "string",
        "source": "string",
        "opened_day": "int64",
        "engaged_day": "int64",
        "closed_day": "int64",
        "expected_close_day": "int64",
    },
    "One opportunity as it is now (not deleted).",
)
DEAL_PRODUCTS = TableSpec(
    "deal_products",
    {"deal_id": "string", "product_id": "string", "amount_local": "float64"},
    "One line item: the product and its total in the deal's currency (major units).",
)
PRODUCTS = TableSpec(
    "products",
    {"product_id": "string", "product": "string", "family": "string", "is_recurring": "boolean"},
    "What is sold; recurring products make recurring revenue (churn, lifetime value).",
)
STAGES = TableSpec(
    "stages",
    {"pipeline": "string", "stage": "string", "position": "int64", "category": "string"},
    "Pipeline stages; ``category`` is open, won or lost.",
)
STAGE_CHANGES = TableSpec(
    "stage_changes",
    {"deal_id": "string", "stage": "string", "changed_s": "int64"},
    "Append-only stage history: the deal entered ``stage`` at ``changed_s``.",
)
USERS = TableSpec(
    "users",
    {
        "user_id": "string",
        "full_name": "string",
        "team_id": "string",
        "region": "string",
        "role": "string",
    },
    "People who own deals, leads and activities.",
)
TEAMS = TableSpec(
    "teams",
    {
        "team_id": "string",
        "team": "string",
        "parent_id": "string",
        "region": "string",
        "segment": "string",
    },
    "The sales organisation as a tree (``parent_id``).",
)
ACCOUNTS = TableSpec(
    "accounts",
    {"account_id": "string", "country": "string", "state": "string", "segment": "string"},
    "Companies sold to; their country/state is the territory until territories exist.",
)
LEADS = TableSpec(
    "leads",
    {
        "lead_id": "string",
        "owner_id": "string",
        "source": "string",
        "segment": "string",
        "country": "string",
        "state": "string",
        "status": "string",
        "received_s": "int64",
        "mql_s": "int64",
        "accepted_s": "int64",
        "first_touch_s": "int64",
        "qualified_s": "int64",
        "converted_s": "int64",
        "disqualified_s": "int64",
    },
    "Leads with their lifecycle instants (NULL when a step never happened).",
)
ACTIVITIES = TableSpec(
    "activities",
    {
        "owner_id": "string",
        "activity_type": "string",
        "occurred_s": "int64",
        "duration_minutes": "int64",
        "deal_id": "string",
    },
    "Logged calls, e-mails, meetings and tasks.",
)
RATES = TableSpec(
    "rates",
    {
        "currency": "string",
        "quote_currency": "string",
        "effective_day": "int64",
        "rate": "float64",
    },
    "``rate`` units of ``quote_currency`` per one ``currency`` from ``effective_day``.",
)
TARGETS = TableSpec(
    "targets",
    {
        "start_day": "int64",
        "end_day": "int64",
        "scope": "string",
        "team_id": "string",
        "user_id": "string",
        "amount_local": "float64",
        "currency": "string",
    },
    "Sales targets (quota) for a period: company-wide, a team (subtree) or a rep.",
)

CANONICAL: tuple[TableSpec, ...] = (
    DEALS,
    DEAL_PRODUCTS,
    PRODUCTS,
    STAGES,
    STAGE_CHANGES,
    USERS,
    TEAMS,
    ACCOUNTS,
    LEADS,
    ACTIVITIES,
    RATES,
    TARGETS,
)
SPECS: dict[str, TableSpec] = {spec.name: spec for spec in CANONICAL}
