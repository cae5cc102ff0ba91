"""Imports every domain's ORM models so ``Base.metadata`` is complete (Alembic, tests).

The core pipeline-of-record models are imported by name below. Other domains register their
``models`` module in ``DOMAIN_MODEL_MODULES``; a listed module that does not exist yet is
skipped (a domain being built), one that fails to import is an error.
"""

import importlib

from coxswain.accounts.models import Account, Contact
from coxswain.activities.models import Activity
from coxswain.audit.models import AuditEvent, ImportRun, OwnershipChange
from coxswain.catalog.models import PriceBook, PriceBookEntry, Product
from coxswain.currencies.models import Currency, ExchangeRate
from coxswain.db.base import Base
from coxswain.leads.models import Lead, LeadStatusChange
from coxswain.opportunities.models import (
    LostReason,
    Opportunity,
    OpportunityLineItem,
    OpportunityStageChange,
    Pipeline,
    Stage,
)
from coxswain.people.models import Team, User, UserAbsence

__all__ = [
    "Account",
    "Activity",
    "AuditEvent",
    "Base",
    "Contact",
    "Currency",
    "ExchangeRate",
    "ImportRun",
    "Lead",
    "LeadStatusChange",
    "LostReason",
    "Opportunity",
    "OpportunityLineItem",
    "OpportunityStageChange",
    "OwnershipChange",
    "Pipeline",
    "PriceBook",
    "PriceBookEntry",
    "Product",
    "Stage",
    "Team",
    "User",
    "UserAbsence",
]

DOMAIN_MODEL_MODULES = (
    "coxswain.routing.models",
    "coxswain.leads.sla_models",
    "coxswain.forecasting.models",
    "coxswain.analytics.models",
    "coxswain.auth.models",
)


def _load_domain_models() -> None:
    for module in DOMAIN_MODEL_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            missing = exc.name or ""
            if module != missing and not module.startswith(missing + "."):
                raise


_load_domain_models()
