"""Generate a whole company: every entity of the native import format, from one config.

Phases run in dependency order (rates, organisation, accounts, leads, opportunities,
activities); each draws from its own named random stream, so the output depends only on the
seed, ``as_of`` and the size. The result holds compact columns; turning them into text or
Arrow happens when the writer asks for a row range.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from coxswain.generator.engine.accounts import accounts_entity, build_accounts, contacts_entity
from coxswain.generator.engine.activities import build_activities
from coxswain.generator.engine.columns import Entity
from coxswain.generator.engine.config import GeneratorConfig
from coxswain.generator.engine.deal_entities import (
    line_items_entity,
    opportunities_entity,
    stage_changes_entity,
)
from coxswain.generator.engine.geography import TIME_ZONES
from coxswain.generator.engine.leads import build_leads
from coxswain.generator.engine.opportunities import build_deals
from coxswain.generator.engine.products import products_entity
from coxswain.generator.engine.rates import build_rates
from coxswain.generator.engine.reference import lost_reasons_entity, stages_entity
from coxswain.generator.engine.staff import build_org
from coxswain.generator.engine.timeline import OffsetTable
from coxswain.imports.engine.schema import BUNDLE_ORDER

# Days of time-zone offsets kept before the history and after as_of (planned closes of open
# deals and follow-ons are simulated past as_of before the cut).
OFFSET_MARGIN_BEFORE, OFFSET_MARGIN_AFTER = 60, 1200


@dataclass(frozen=True)
class Company:
    """Every generated entity by name, in :data:`BUNDLE_ORDER`."""

    config: GeneratorConfig
    entities: dict[str, Entity]

    def rows(self) -> dict[str, int]:
        return {name: ent.rows for name, ent in self.entities.items()}


def iter_entities(config: GeneratorConfig) -> Iterator[Entity]:
    """Yield every entity as soon as it is built (parents before children), so a caller can
    write early entities while later ones are still being generated."""
    yield stages_entity()
    yield lost_reasons_entity()
    yield products_entity()
    rates, exchange_rates = build_rates(config)
    yield exchange_rates
    org = build_org(config)
    yield org.teams
    yield org.users
    offsets = OffsetTable(
        TIME_ZONES, config.first_day - OFFSET_MARGIN_BEFORE, config.last_day + OFFSET_MARGIN_AFTER
    )
    accounts = build_accounts(config, org.reps)
    yield accounts_entity(config, accounts, rates, org.reps)
    yield contacts_entity(config, accounts, org.reps)
    leads = build_leads(config, accounts, org.reps, offsets)
    yield leads.entity
    deals = build_deals(config, leads, accounts, org.reps, offsets, rates)
    yield opportunities_entity(config, deals, accounts, org.reps, leads)
    yield line_items_entity(deals)
    yield stage_changes_entity(deals, org.reps)
    yield build_activities(config, deals, leads, accounts, org.reps, offsets)


def generate_company(config: GeneratorConfig) -> Company:
    """Build every entity of the company (see :func:`iter_entities`)."""
    built = {entity.name: entity for entity in iter_entities(config)}
    return Company(config, {name: built[name] for name in BUNDLE_ORDER})
