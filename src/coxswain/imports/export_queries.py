"""One SELECT per entity that yields rows in the native format's field order.

References come out as the referenced record's external id (or its Coxswain id when it has
none), so an export imports back into the same records: the round trip changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, Select, String, cast, func, select
from sqlalchemy.orm import aliased

from coxswain.db.models import (
    Account,
    Activity,
    Contact,
    ExchangeRate,
    Lead,
    LostReason,
    Opportunity,
    OpportunityLineItem,
    OpportunityStageChange,
    Pipeline,
    PriceBook,
    PriceBookEntry,
    Product,
    Stage,
    Team,
    User,
)

Column = tuple[str, Any]  # (field name, column or SQL expression)


def key_of(model: Any) -> ColumnElement[Any]:
    """A reference's exported key: its external id, else its own id as text."""
    return func.coalesce(model.external_id, cast(model.id, String))


def _select(base: Any, columns: list[Column]) -> tuple[list[str], Select[Any]]:
    names = [name for name, _ in columns]
    query = select(*[expr.label(name) for name, expr in columns]).select_from(base)
    return names, query


def teams() -> tuple[list[str], Select[Any]]:
    parent = aliased(Team)
    names, query = _select(
        Team,
        [
            ("external_id", key_of(Team)),
            ("name", Team.name),
            ("parent", key_of(parent)),
            ("region", Team.region),
            ("segment", Team.segment),
            ("external_source", Team.external_source),
        ],
    )
    return names, query.outerjoin(parent, parent.id == Team.parent_id).where(
        Team.deleted_at.is_(None)
    )


def users() -> tuple[list[str], Select[Any]]:
    manager, managed = aliased(User), aliased(Team)
    names, query = _select(
        User,
        [
            ("external_id", key_of(User)),
            ("email", User.email),
            ("full_name", User.full_name),
            ("title", User.title),
            ("role", User.role),
            ("manager", key_of(manager)),
            ("team", key_of(Team)),
            ("manages", key_of(managed)),
            ("segment", User.segment),
            ("region", User.region),
            ("capacity_per_day", User.capacity_per_day),
            ("capacity_per_week", User.capacity_per_week),
            ("time_zone", User.time_zone),
            ("working_hours", User.working_hours),
            ("is_active", User.is_active),
            ("out_of_office", User.out_of_office),
            ("hire_date", User.hire_date),
            ("external_source", User.external_source),
        ],
    )
    query = (
        query.outerjoin(manager, manager.id == User.manager_id)
        .outerjoin(Team, Team.id == User.team_id)
        .outerjoin(managed, managed.manager_id == User.id)
    )
    return names, query.where(User.deleted_at.is_(None))


def accounts() -> tuple[list[str], Select[Any]]:
    parent = aliased(Account)
    names, query = _select(
        Account,
        [
            ("external_id", key_of(Account)),
            ("name", Account.name),
            ("domain", Account.domain),
            ("website", Account.website),
            ("industry", Account.industry),
            ("segment", Account.segment),
            ("employees", Account.employees),
            ("annual_revenue", Account.annual_revenue_minor),
            ("annual_revenue_currency", Account.annual_revenue_currency),
            ("year_established", Account.year_established),
            ("country", Account.country),
            ("state", Account.state),
            ("city", Account.city),
            ("postal_code", Account.postal_code),
            ("owner", key_of(User)),
            ("parent", key_of(parent)),
            ("external_source", Account.external_source),
        ],
    )
    query = query.outerjoin(User, User.id == Account.owner_id).outerjoin(
        parent, parent.id == Account.parent_id
    )
    return names, query.where(Account.deleted_at.is_(None))


def contacts() -> tuple[list[str], Select[Any]]:
    names, query = _select(
        Contact,
        [
            ("external_id", key_of(Contact)),
            ("first_name", Contact.first_name),
            ("last_name", Contact.last_name),
            ("email", Contact.email),
            ("phone", Contact.phone),
            ("title", Contact.title),
            ("account", key_of(Account)),
            ("owner", key_of(User)),
            ("external_source", Contact.external_source),
        ],
    )
    query = query.outerjoin(Account, Account.id == Contact.account_id).outerjoin(
        User, User.id == Contact.owner_id
    )
    return names, query.where(Contact.deleted_at.is_(None))


def products() -> tuple[list[str], Select[Any]]:
    book = select(PriceBook.id).where(PriceBook.is_default.is_(True)).limit(1).scalar_subquery()
    names, query = _select(
        Product,
        [
            ("external_id", key_of(Product)),
            ("name", Product.name),
            ("code", Product.code),
            ("family", Product.family),
            ("is_recurring", Product.is_recurring),
            ("is_active", Product.is_active),
            ("list_price", PriceBookEntry.unit_price_minor),
            ("currency", PriceBook.currency),
            ("external_source", Product.external_source),
        ],
    )
    query = query.outerjoin(
        PriceBookEntry,
        (PriceBookEntry.product_id == Product.id) & (PriceBookEntry.price_book_id == book),
    ).outerjoin(PriceBook, PriceBook.id == PriceBookEntry.price_book_id)
    return names, query.where(Product.deleted_at.is_(None))


def stages() -> tuple[list[str], Select[Any]]:
    names, query = _select(
        Stage,
        [
            ("pipeline", Pipeline.name),
            ("name", Stage.name),
            ("position", Stage.position),
            ("probability", Stage.probability_bp),
            ("category", Stage.category),
            ("forecast_category", Stage.forecast_category),
        ],
    )
    return names, query.join(Pipeline, Pipeline.id == Stage.pipeline_id).order_by(
        Pipeline.name, Stage.position
    )


def lost_reasons() -> tuple[list[str], Select[Any]]:
    return _select(LostReason, [("name", LostReason.name)])


def exchange_rates() -> tuple[list[str], Select[Any]]:
    names, query = _select(
        ExchangeRate,
        [
            ("currency", ExchangeRate.currency),
            ("quote_currency", ExchangeRate.quote_currency),
            ("effective_on", ExchangeRate.effective_on),
            ("rate", ExchangeRate.rate),
        ],
    )
    return names, query.order_by(ExchangeRate.currency, ExchangeRate.effective_on)


def leads() -> tuple[list[str], Select[Any]]:
    owner, sdr = aliased(User), aliased(User)
    plain = [
        "first_name",
        "last_name",
        "email",
        "phone",
        "title",
        "company",
        "website",
        "industry",
        "employees",
        "country",
        "state",
        "city",
        "postal_code",
        "source",
        "landing_page",
        "campaign",
        "segment",
        "size_segment",
        "status",
        "score",
    ]
    times = [
        "received_at",
        "mql_at",
        "accepted_at",
        "first_touch_at",
        "qualified_at",
        "converted_at",
        "disqualified_at",
        "recycled_at",
        "disqualified_reason",
    ]
    columns: list[Column] = [("external_id", key_of(Lead))]
    columns += [(n, getattr(Lead, n)) for n in plain]
    columns += [("owner", key_of(owner)), ("sdr", key_of(sdr))]
    columns += [(n, getattr(Lead, n)) for n in times]
    columns += [
        ("converted_account", key_of(Account)),
        ("attributes", Lead.attributes),
        ("external_source", Lead.external_source),
    ]
    names, query = _select(Lead, columns)
    query = (
        query.outerjoin(owner, owner.id == Lead.owner_id)
        .outerjoin(sdr, sdr.id == Lead.sdr_id)
        .outerjoin(Account, Account.id == Lead.converted_account_id)
    )
    return names, query.where(Lead.deleted_at.is_(None))


def opportunities() -> tuple[list[str], Select[Any]]:
    names, query = _select(
        Opportunity,
        [
            ("external_id", key_of(Opportunity)),
            ("name", Opportunity.name),
            ("account", key_of(Account)),
            ("owner", key_of(User)),
            ("pipeline", Pipeline.name),
            ("stage", Stage.name),
            ("amount", Opportunity.amount_minor),
            ("currency", Opportunity.currency),
            ("probability", Opportunity.probability_bp),
            ("forecast_category", Opportunity.forecast_category),
            ("type", Opportunity.type),
            ("lead_source", Opportunity.lead_source),
            ("lead", key_of(Lead)),
            ("lost_reason", LostReason.name),
            ("opened_on", Opportunity.opened_on),
            ("engaged_on", Opportunity.engaged_on),
            ("expected_close_on", Opportunity.expected_close_on),
            ("closed_on", Opportunity.closed_on),
            ("next_step", Opportunity.next_step),
            ("description", Opportunity.description),
            ("external_source", Opportunity.external_source),
        ],
    )
    query = (
        query.join(Pipeline, Pipeline.id == Opportunity.pipeline_id)
        .join(Stage, Stage.id == Opportunity.stage_id)
        .outerjoin(Account, Account.id == Opportunity.account_id)
        .outerjoin(User, User.id == Opportunity.owner_id)
        .outerjoin(Lead, Lead.id == Opportunity.lead_id)
        .outerjoin(LostReason, LostReason.id == Opportunity.lost_reason_id)
    )
    return names, query.where(Opportunity.deleted_at.is_(None))


def line_items() -> tuple[list[str], Select[Any]]:
    item = OpportunityLineItem
    names, query = _select(
        item,
        [
            ("external_id", key_of(item)),
            ("opportunity", key_of(Opportunity)),
            ("product", key_of(Product)),
            ("quantity", item.quantity),
            ("unit_price", item.unit_price_minor),
            ("discount", item.discount_bp),
            ("currency", item.currency),
            ("external_source", item.external_source),
        ],
    )
    query = query.join(Opportunity, Opportunity.id == item.opportunity_id).join(
        Product, Product.id == item.product_id
    )
    return names, query


def stage_changes() -> tuple[list[str], Select[Any]]:
    change = OpportunityStageChange
    from_stage, to_stage = aliased(Stage), aliased(Stage)
    names, query = _select(
        change,
        [
            ("opportunity", key_of(Opportunity)),
            ("from_stage", from_stage.name),
            ("to_stage", to_stage.name),
            ("changed_at", change.changed_at),
            ("changed_by", key_of(User)),
            ("amount", change.amount_minor),
            ("_currency", Opportunity.currency),
        ],
    )
    query = (
        query.join(Opportunity, Opportunity.id == change.opportunity_id)
        .outerjoin(from_stage, from_stage.id == change.from_stage_id)
        .join(to_stage, to_stage.id == change.to_stage_id)
        .outerjoin(User, User.id == change.changed_by_id)
    )
    return names, query


def activities() -> tuple[list[str], Select[Any]]:
    names, query = _select(
        Activity,
        [
            ("external_id", key_of(Activity)),
            ("type", Activity.type),
            ("subject", Activity.subject),
            ("occurred_at", Activity.occurred_at),
            ("duration_minutes", Activity.duration_minutes),
            ("completed", Activity.completed),
            ("owner", key_of(User)),
            ("lead", key_of(Lead)),
            ("contact", key_of(Contact)),
            ("account", key_of(Account)),
            ("opportunity", key_of(Opportunity)),
            ("external_source", Activity.external_source),
        ],
    )
    query = (
        query.outerjoin(User, User.id == Activity.owner_id)
        .outerjoin(Lead, Lead.id == Activity.lead_id)
        .outerjoin(Contact, Contact.id == Activity.contact_id)
        .outerjoin(Account, Account.id == Activity.account_id)
        .outerjoin(Opportunity, Opportunity.id == Activity.opportunity_id)
    )
    return names, query.where(Activity.deleted_at.is_(None))


QUERIES: dict[str, Callable[[], tuple[list[str], Select[Any]]]] = {
    "teams": teams,
    "users": users,
    "accounts": accounts,
    "contacts": contacts,
    "products": products,
    "stages": stages,
    "lost_reasons": lost_reasons,
    "exchange_rates": exchange_rates,
    "leads": leads,
    "opportunities": opportunities,
    "line_items": line_items,
    "stage_changes": stage_changes,
    "activities": activities,
}

# Money columns (minor units in the database) and the column holding their currency.
MONEY_COLUMNS: dict[str, dict[str, str]] = {
    "accounts": {"annual_revenue": "annual_revenue_currency"},
    "products": {"list_price": "currency"},
    "opportunities": {"amount": "currency"},
    "line_items": {"unit_price": "currency"},
    "stage_changes": {"amount": "_currency"},
}
# Basis-point columns exported as percentages.
BASIS_POINT_COLUMNS: dict[str, tuple[str, ...]] = {
    "stages": ("probability",),
    "opportunities": ("probability",),
    "line_items": ("discount",),
}
