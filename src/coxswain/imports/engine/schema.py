"""The native import/export format: every importable entity and its fields.

A field's ``kind`` picks its parser (see :mod:`coxswain.imports.engine.parsing`):

- ``text``      trimmed string, empty → NULL
- ``email``     lower-cased address with one ``@``
- ``int``       whole number (``1,234`` accepted)
- ``decimal``   number (locale aware when the mapping names a locale)
- ``money``     amount in *major* units (``12500.00`` or ``$12,500``); stored as minor units
- ``currency``  ISO 4217 code
- ``percent``   0..100 (``35``, ``35%``, ``0.35`` is read as 0.35 %)
- ``date`` / ``datetime``  ISO 8601 first; other forms via dateutil or the mapping's format
- ``bool``      true/false, yes/no, 1/0, y/n
- ``enum``      one of ``choices`` (case and spaces ignored)
- ``ref``       a reference to another entity, by external id (same source) or by name/e-mail
- ``json``      a JSON object

The first column of each entity is its key: ``external_id`` for most entities.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from coxswain.core.enums import (
    ActivityType,
    ForecastCategory,
    LeadStatus,
    OpportunityType,
    Role,
    Segment,
    StageCategory,
)
from coxswain.core.errors import ValidationError


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    kind: str
    required: bool = False
    choices: tuple[str, ...] = ()
    ref: str | None = None
    max_length: int | None = None
    description: str = ""


@dataclass(frozen=True, slots=True)
class EntitySpec:
    """One importable entity. ``key`` names the field that identifies a row across imports."""

    name: str
    table: str
    fields: tuple[FieldSpec, ...]
    key: str = "external_id"
    description: str = ""
    aliases: tuple[str, ...] = field(default=())

    def field(self, name: str) -> FieldSpec:
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(name)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.fields)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.fields if spec.required)


def _values(enum: type) -> tuple[str, ...]:
    return tuple(member.value for member in enum)  # type: ignore[attr-defined]


F = FieldSpec

TEAMS = EntitySpec(
    "teams",
    "teams",
    (
        F("external_id", "text", required=True, max_length=255),
        F("name", "text", required=True, max_length=200),
        F("parent", "ref", ref="teams", description="parent team (external id or name)"),
        F("region", "text", max_length=100),
        F("segment", "enum", choices=_values(Segment)),
    ),
    description="The sales organisation as a tree (regions, teams, pods).",
)

USERS = EntitySpec(
    "users",
    "users",
    (
        F("external_id", "text", required=True, max_length=255),
        F("email", "email", required=True, max_length=320),
        F("full_name", "text", required=True, max_length=200),
        F("title", "text", max_length=200),
        F("role", "enum", choices=_values(Role)),
        F("manager", "ref", ref="users"),
        F("team", "ref", ref="teams"),
        F("manages", "ref", ref="teams", description="the team this user manages"),
        F("segment", "enum", choices=_values(Segment)),
        F("region", "text", max_length=100),
        F("capacity_per_day", "int"),
        F("capacity_per_week", "int"),
        F("time_zone", "text", max_length=64, description="IANA name, e.g. Europe/Lisbon"),
        F("working_hours", "json", description='{"mon": [["09:00", "17:00"]], ...}'),
        F("is_active", "bool"),
        F("out_of_office", "bool"),
        F("hire_date", "date"),
    ),
    description="Reps, managers and everyone else who owns records.",
)

ACCOUNTS = EntitySpec(
    "accounts",
    "accounts",
    (
        F("external_id", "text", required=True, max_length=255),
        F("name", "text", required=True, max_length=300),
        F("domain", "text", max_length=255),
        F("website", "text", max_length=500),
        F("industry", "text", max_length=100),
        F("segment", "enum", choices=_values(Segment)),
        F("employees", "int"),
        F("annual_revenue", "money"),
        F("annual_revenue_currency", "currency"),
        F("year_established", "int"),
        F("country", "text", max_length=100),
        F("state", "text", max_length=100),
        F("city", "text", max_length=100),
        F("postal_code", "text", max_length=20),
        F("owner", "ref", ref="users"),
        F("parent", "ref", ref="accounts"),
    ),
    description="Companies you sell to.",
)

CONTACTS = EntitySpec(
    "contacts",
    "contacts",
    (
        F("external_id", "text", required=True, max_length=255),
        F("first_name", "text", max_length=100),
        F("last_name", "text", required=True, max_length=100),
        F("email", "email", max_length=320),
        F("phone", "text", max_length=50),
        F("title", "text", max_length=200),
        F("account", "ref", ref="accounts"),
        F("owner", "ref", ref="users"),
    ),
    description="People at accounts.",
)

PRODUCTS = EntitySpec(
    "products",
    "products",
    (
        F("external_id", "text", required=True, max_length=255),
        F("name", "text", required=True, max_length=200),
        F("code", "text", max_length=100),
        F("family", "text", max_length=100),
        F("is_recurring", "bool"),
        F("is_active", "bool"),
        F("list_price", "money", description="price in the default price book of `currency`"),
        F("currency", "currency"),
    ),
    description="What you sell, with its list price.",
)

STAGES = EntitySpec(
    "stages",
    "stages",
    (
        F("pipeline", "text", required=True, max_length=200),
        F("name", "text", required=True, max_length=100),
        F("position", "int", required=True),
        F("probability", "percent", required=True),
        F("category", "enum", required=True, choices=_values(StageCategory)),
        F("forecast_category", "enum", choices=_values(ForecastCategory)),
    ),
    key="pipeline+name",
    description="Pipelines and their stages (a pipeline is created with its first stage).",
)

LOST_REASONS = EntitySpec(
    "lost_reasons",
    "lost_reasons",
    (F("name", "text", required=True, max_length=200),),
    key="name",
    description="Why deals are lost.",
)

EXCHANGE_RATES = EntitySpec(
    "exchange_rates",
    "exchange_rates",
    (
        F("currency", "currency", required=True),
        F("quote_currency", "currency", description="defaults to the reporting currency"),
        F("effective_on", "date", required=True),
        F("rate", "decimal", required=True, description="units of quote_currency per 1 currency"),
    ),
    key="currency+quote_currency+effective_on",
    description="Dated exchange rates to the reporting currency.",
)

LEADS = EntitySpec(
    "leads",
    "leads",
    (
        F("external_id", "text", required=True, max_length=255),
        F("first_name", "text", max_length=100),
        F("last_name", "text", max_length=100),
        F("email", "email", max_length=320),
        F("phone", "text", max_length=50),
        F("title", "text", max_length=200),
        F("company", "text", max_length=300),
        F("website", "text", max_length=500),
        F("industry", "text", max_length=100),
        F("employees", "int"),
        F("country", "text", max_length=100),
        F("state", "text", max_length=100),
        F("city", "text", max_length=100),
        F("postal_code", "text", max_length=20),
        F("source", "text", max_length=100),
        F("landing_page", "text", max_length=500),
        F("campaign", "text", max_length=200),
        F("segment", "text", max_length=100),
        F("size_segment", "enum", choices=_values(Segment)),
        F("status", "enum", choices=_values(LeadStatus)),
        F("score", "int"),
        F("owner", "ref", ref="users"),
        F("sdr", "ref", ref="users"),
        F("received_at", "datetime"),
        F("mql_at", "datetime"),
        F("accepted_at", "datetime"),
        F("first_touch_at", "datetime"),
        F("qualified_at", "datetime"),
        F("converted_at", "datetime"),
        F("disqualified_at", "datetime"),
        F("recycled_at", "datetime"),
        F("disqualified_reason", "text", max_length=200),
        F("converted_account", "ref", ref="accounts"),
        F("attributes", "json"),
    ),
    description="Inbound and outbound leads with their lifecycle timestamps.",
)

OPPORTUNITIES = EntitySpec(
    "opportunities",
    "opportunities",
    (
        F("external_id", "text", required=True, max_length=255),
        F("name", "text", required=True, max_length=300),
        F("account", "ref", ref="accounts"),
        F("owner", "ref", ref="users"),
        F("pipeline", "text", max_length=200, description="defaults to the default pipeline"),
        F("stage", "text", required=True, max_length=100),
        F("amount", "money"),
        F("currency", "currency"),
        F("probability", "percent", description="overrides the stage's probability"),
        F("forecast_category", "enum", choices=_values(ForecastCategory)),
        F("type", "enum", choices=_values(OpportunityType)),
        F("lead_source", "text", max_length=100),
        F("lead", "ref", ref="leads"),
        F("lost_reason", "text", max_length=200),
        F("opened_on", "date"),
        F("engaged_on", "date"),
        F("expected_close_on", "date"),
        F("closed_on", "date"),
        F("next_step", "text", max_length=500),
        F("description", "text"),
    ),
    description="Deals with amount, stage and dates.",
)

LINE_ITEMS = EntitySpec(
    "line_items",
    "opportunity_line_items",
    (
        F("external_id", "text", required=True, max_length=255),
        F("opportunity", "ref", required=True, ref="opportunities"),
        F("product", "ref", required=True, ref="products"),
        F("quantity", "decimal"),
        F("unit_price", "money"),
        F("discount", "percent"),
        F("currency", "currency"),
    ),
    description="Products on deals.",
    aliases=("opportunity_line_items",),
)

STAGE_CHANGES = EntitySpec(
    "stage_changes",
    "opportunity_stage_changes",
    (
        F("opportunity", "ref", required=True, ref="opportunities"),
        F("from_stage", "text", max_length=100),
        F("to_stage", "text", required=True, max_length=100),
        F("changed_at", "datetime", required=True),
        F("changed_by", "ref", ref="users"),
        F("amount", "money"),
    ),
    key="opportunity+to_stage+changed_at",
    description="Stage history, append-only: one row per move.",
    aliases=("opportunity_stage_changes",),
)

ACTIVITIES = EntitySpec(
    "activities",
    "activities",
    (
        F("external_id", "text", required=True, max_length=255),
        F("type", "enum", required=True, choices=_values(ActivityType)),
        F("subject", "text", max_length=300),
        F("occurred_at", "datetime", required=True),
        F("duration_minutes", "int"),
        F("completed", "bool"),
        F("owner", "ref", ref="users"),
        F("lead", "ref", ref="leads"),
        F("contact", "ref", ref="contacts"),
        F("account", "ref", ref="accounts"),
        F("opportunity", "ref", ref="opportunities"),
    ),
    description="Calls, e-mails, meetings and tasks.",
)

ENTITIES: dict[str, EntitySpec] = {
    spec.name: spec
    for spec in (
        EXCHANGE_RATES,
        TEAMS,
        USERS,
        ACCOUNTS,
        CONTACTS,
        PRODUCTS,
        STAGES,
        LOST_REASONS,
        LEADS,
        OPPORTUNITIES,
        LINE_ITEMS,
        STAGE_CHANGES,
        ACTIVITIES,
    )
}

# The order a bundle (a folder with one file per entity) is imported in: parents first.
BUNDLE_ORDER: tuple[str, ...] = (
    "exchange_rates",
    "stages",
    "lost_reasons",
    "teams",
    "users",
    "products",
    "accounts",
    "contacts",
    "leads",
    "opportunities",
    "line_items",
    "stage_changes",
    "activities",
)


def entity_spec(name: str) -> EntitySpec:
    """Look up an entity by its plural name or an alias (``opportunity_stage_changes``)."""
    key = name.strip().lower().replace("-", "_")
    if key in ENTITIES:
        return ENTITIES[key]
    for spec in ENTITIES.values():
        if key in spec.aliases:
            return spec
    known = ", ".join(sorted(ENTITIES))
    raise ValidationError(f"unknown entity {name!r}; expected one of: {known}")
