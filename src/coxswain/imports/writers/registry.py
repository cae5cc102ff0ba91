"""Which writer stores which entity."""

from __future__ import annotations

from coxswain.imports.writers.accounts import AccountWriter, ContactWriter
from coxswain.imports.writers.base import EntityWriter
from coxswain.imports.writers.catalog import ProductWriter
from coxswain.imports.writers.deals import ActivityWriter, LineItemWriter, StageChangeWriter
from coxswain.imports.writers.leads import LeadWriter
from coxswain.imports.writers.opportunities import OpportunityWriter
from coxswain.imports.writers.people import TeamWriter, UserWriter
from coxswain.imports.writers.reference import ExchangeRateWriter, LostReasonWriter, StageWriter

WRITERS: dict[str, type[EntityWriter]] = {
    "teams": TeamWriter,
    "users": UserWriter,
    "accounts": AccountWriter,
    "contacts": ContactWriter,
    "products": ProductWriter,
    "stages": StageWriter,
    "lost_reasons": LostReasonWriter,
    "exchange_rates": ExchangeRateWriter,
    "leads": LeadWriter,
    "opportunities": OpportunityWriter,
    "line_items": LineItemWriter,
    "stage_changes": StageChangeWriter,
    "activities": ActivityWriter,
}
